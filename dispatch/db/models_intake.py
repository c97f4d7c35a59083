"""The intake queue of message channels (WhatsApp): items an operator turns into an
incident or a complaint, and every inbound message (one row per channel message id, so a
repeated delivery is recognised)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class IntakeItem(Base):
    """Messages of one sender close together in time: one report waiting for a decision."""

    __tablename__ = "intake_items"
    __table_args__ = (
        Index("ix_intake_items_status_last", "status", "last_at"),
        Index("ix_intake_items_sender", "channel", "sender", "last_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(32))  # E.164 when it is a possible number
    sender_name: Mapped[str | None] = mapped_column(String(128))
    # The business number that received it (WhatsApp phone_number_id): replies leave from it.
    business_number_id: Mapped[str | None] = mapped_column(String(64))
    # pending → incident | complaint | dismissed; "taking" while an operator's decision runs.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    text: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_name: Mapped[str | None] = mapped_column(String(200))
    location_address: Mapped[str | None] = mapped_column(String(500))
    media: Mapped[list[Any]] = mapped_column(JSON, default=list)
    suggestion: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime]  # the first message's send time
    last_at: Mapped[datetime]  # the latest message's send time
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))  # operator, or "siaga112"
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"))
    complaint_ticket: Mapped[str | None] = mapped_column(String(24))


class IntakeMessage(Base):
    """One inbound channel message, kept as received; unique per channel message id."""

    __tablename__ = "intake_messages"
    __table_args__ = (
        UniqueConstraint("channel", "message_id", name="uq_intake_messages_channel_id"),
        Index("ix_intake_messages_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(128))
    item_id: Mapped[int] = mapped_column(ForeignKey("intake_items.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
