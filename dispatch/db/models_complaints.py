"""Complaint flow tables: tickets, their events (transitions and replies), ticket counters,
and the webhook outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base


class ComplaintCounter(Base):
    """The last ticket sequence number given out in a year (one row per year)."""

    __tablename__ = "complaint_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Complaint(Base):
    """A complaint ticket. reporter_* and photo are personal data: staff only."""

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_complaints_year_seq"),
        UniqueConstraint("public_id", name="uq_complaints_public_id"),
        Index("ix_complaints_status", "status"),
        Index("ix_complaints_opd_status", "opd_code", "status"),
        Index("ix_complaints_created", "created_at"),
        Index("ix_complaints_due", "due_at"),
        Index("ix_complaints_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(24), unique=True)
    # The id the public sees (/lapor/<id>, Open311): random, so the set cannot be walked;
    # the sequential ticket number stays internal (staff, API, OPD inbox).
    public_id: Mapped[str | None] = mapped_column(String(24))
    # Whether the ticket may appear in public listings (list, map) once verified.
    publish_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="received")
    category: Mapped[str] = mapped_column(String(32))
    opd_code: Mapped[str | None] = mapped_column(String(32))
    routing: Mapped[str] = mapped_column(String(16), default="keyword")
    channel: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    kecamatan: Mapped[str | None] = mapped_column(String(64))
    kelurahan: Mapped[str | None] = mapped_column(String(64))
    reporter_name: Mapped[str | None] = mapped_column(String(128))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    photo_path: Mapped[str | None] = mapped_column(String(200))
    photo_type: Mapped[str | None] = mapped_column(String(32))
    media_url: Mapped[str | None] = mapped_column(String(500))
    citizen_code_hash: Mapped[str | None] = mapped_column(String(64))
    duplicate_of: Mapped[str | None] = mapped_column(String(24))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    verify_due_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    disposed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    in_progress_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    last_reminder_at: Mapped[datetime | None]

    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )


class ComplaintEvent(Base):
    """One stamped change of a ticket: a transition, a reply, a note, a reminder."""

    __tablename__ = "complaint_events"
    __table_args__ = (Index("ix_complaint_events_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # status, reply, note, reminder
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str | None] = mapped_column(String(16))
    actor_type: Mapped[str] = mapped_column(String(16))  # coordinator, opd, citizen, system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_opd: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class WebhookDelivery(Base):
    """The outbox: one webhook call, written in the same transaction as its change."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_state_next", "state", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(48))
    ticket: Mapped[str | None] = mapped_column(String(24))
    body: Mapped[str] = mapped_column(Text)  # the exact bytes signed and sent
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_try_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Where it goes (0009_i12_whatsapp): "webhook" (SIAGA_WEBHOOK_URL, signed) or
    # "whatsapp" (a reply through the Graph API from business number `address`).
    target: Mapped[str] = mapped_column(String(16), default="webhook", server_default="webhook")
    address: Mapped[str | None] = mapped_column(String(64))
