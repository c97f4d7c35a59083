"""incidents: an owner (the operator who took or claimed it) and a version for optimistic locking

Revision ID: i14_owner_version
Revises: i16_privacy_public_id
Create Date: 2026-12-04 17:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i14_owner_version"
down_revision: str | Sequence[str] | None = "i16_privacy_public_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.create_index("ix_incidents_owner_status", ["owner", "status"])


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_owner_status")
        batch_op.drop_column("version")
        batch_op.drop_column("owner")
