"""intake queue (WhatsApp), outbox targets, caller numbers in E.164

Revision ID: i12_whatsapp_intake
Revises: i14_owner_version
Create Date: 2026-12-04 21:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.db.types
from dispatch.domain.phones import caller_key

revision: str = "i12_whatsapp_intake"
down_revision: str | Sequence[str] | None = "i14_owner_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("sender_name", sa.String(length=128), nullable=True),
        sa.Column("business_number_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("location_name", sa.String(length=200), nullable=True),
        sa.Column("location_address", sa.String(length=500), nullable=True),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("suggestion", sa.JSON(), nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("first_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("last_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("created_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("decided_at", dispatch.db.types.UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("complaint_ticket", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_items_status_last", "intake_items", ["status", "last_at"])
    op.create_index("ix_intake_items_sender", "intake_items", ["channel", "sender", "last_at"])
    op.create_table(
        "intake_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("sent_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("received_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["intake_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "message_id", name="uq_intake_messages_channel_id"),
    )
    op.create_index("ix_intake_messages_item", "intake_messages", ["item_id"])
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.String(length=16),
                                      server_default="webhook", nullable=False))
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
    _normalise_numbers()


def _normalise_numbers() -> None:
    """Numbers stored before this revision in whatever spelling: E.164, so the history of
    a caller is one history."""
    bind = op.get_bind()
    for table, column in (("incidents", "caller_phone"), ("complaints", "reporter_phone")):
        t = sa.table(table, sa.column("id", sa.Integer()), sa.column(column, sa.String()))
        col = t.c[column]
        rows = bind.execute(sa.select(t.c.id, col).where(col.is_not(None))).all()
        for row_id, raw in rows:
            key = caller_key(raw)
            if key != raw:
                bind.execute(t.update().where(t.c.id == row_id).values({column: key}))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("address")
        batch_op.drop_column("target")
    op.drop_index("ix_intake_messages_item", table_name="intake_messages")
    op.drop_table("intake_messages")
    op.drop_index("ix_intake_items_sender", table_name="intake_items")
    op.drop_index("ix_intake_items_status_last", table_name="intake_items")
    op.drop_table("intake_items")
