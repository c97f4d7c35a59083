"""complaints: an unguessable public id and the publication consent

Revision ID: i16_privacy_public_id
Revises: i16_accounts
Create Date: 2026-12-04 03:40:00
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def new_public_id() -> str:
    """A random public id (as dispatch.domain.privacy makes them; frozen here)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))

revision: str = "i16_privacy_public_id"
down_revision: str | Sequence[str] | None = "i16_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=24), nullable=True))
        # Existing tickets stay as listed as they were; 112-call tickets made before this
        # revision had no way to ask, so they are not listed (the safe side).
        batch_op.add_column(sa.Column("publish_consent", sa.Boolean(),
                                      server_default=sa.true(), nullable=False))
    bind = op.get_bind()
    complaints = sa.table("complaints", sa.column("id", sa.Integer()),
                          sa.column("public_id", sa.String()),
                          sa.column("publish_consent", sa.Boolean()),
                          sa.column("incident_id", sa.Integer()))
    bind.execute(complaints.update().where(complaints.c.incident_id.is_not(None))
                 .values(publish_consent=False))
    for (row_id,) in bind.execute(sa.select(complaints.c.id)).all():
        bind.execute(complaints.update().where(complaints.c.id == row_id)
                     .values(public_id=new_public_id()))
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_complaints_public_id", ["public_id"])


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_constraint("uq_complaints_public_id", type_="unique")
        batch_op.drop_column("publish_consent")
        batch_op.drop_column("public_id")
