"""fix quality: a fix's own time and flag on units, flags in track history, order channel

Revision ID: 0006_i10_fix_quality
Revises: 0005_incident_geocell
Create Date: 2026-12-02 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.db.types import UtcDateTime

revision: str = "0006_i10_fix_quality"
down_revision: str | Sequence[str] | None = "0005_incident_geocell"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fix_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("fix_flag", sa.String(length=24), nullable=True))
    with op.batch_alter_table("unit_positions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flag", sa.String(length=24), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), nullable=False,
                                      server_default="mqtt"))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("unit_positions", schema=None) as batch_op:
        batch_op.drop_column("flag")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("fix_flag")
        batch_op.drop_column("fix_at")
