"""move-up orders, hospital ED status, and the incident's proposed destination hospital

Revision ID: i13_moveups_hospitals
Revises: i12_whatsapp_intake
Create Date: 2026-12-04 21:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dispatch.db.types

revision: str = "i13_moveups_hospitals"
down_revision: str | Sequence[str] | None = "i12_whatsapp_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hospital", sa.JSON(), nullable=True))
    op.create_table(
        "move_up_orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=32), nullable=False),
        sa.Column("unit_type", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("site_name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("travel_s", sa.Float(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("issued_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_by_name", sa.String(length=64), nullable=True),
        sa.Column("acked_at", dispatch.db.types.UtcDateTime(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("move_up_orders", schema=None) as batch_op:
        batch_op.create_index("ix_move_up_orders_unit", ["unit_id", "issued_at"], unique=False)
    op.create_table(
        "hospital_status",
        sa.Column("hospital_id", sa.String(length=64), nullable=False),
        sa.Column("ed_open", sa.Boolean(), nullable=False),
        sa.Column("beds_free", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("updated_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("hospital_id"),
    )


def downgrade() -> None:
    op.drop_table("hospital_status")
    with op.batch_alter_table("move_up_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_move_up_orders_unit")
    op.drop_table("move_up_orders")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("hospital")
