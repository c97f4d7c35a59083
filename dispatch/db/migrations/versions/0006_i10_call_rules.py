"""call rules: unsure classification, hand-off, boundary distance, shortfall, AML checks

Revision ID: 0006_i10_call_rules
Revises: 0006_i10_fix_quality
Create Date: 2026-12-02 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_i10_call_rules"
down_revision: str | Sequence[str] | None = "0006_i10_fix_quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsure", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("handoff", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("boundary_distance_m", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("no_recommendation_reason", sa.String(length=32),
                                      nullable=True))
        batch_op.add_column(sa.Column("shortfall", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("aml", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        for name in ("aml", "shortfall", "no_recommendation_reason", "boundary_distance_m",
                     "handoff", "unsure"):
            batch_op.drop_column(name)
