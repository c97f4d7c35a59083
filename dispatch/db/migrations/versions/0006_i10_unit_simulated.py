"""units.simulated: training units that only exercise incidents may use

Revision ID: i10_unit_simulated
Revises: 0006_i10_call_rules
Create Date: 2026-12-01 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i10_unit_simulated"
down_revision: str | Sequence[str] | None = "0006_i10_call_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every unit that exists already is a real one.
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("simulated", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("simulated")
