"""accounts: login lockout, server-side sessions, token expiry/prefix/revocation, demo users

Revision ID: i16_accounts
Revises: i10_unit_simulated
Create Date: 2026-11-24 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import dispatch.db.types

revision: str = "i16_accounts"
down_revision: str | Sequence[str] | None = "i10_unit_simulated"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tokens made before expiry existed get the default lifetime from the day of the upgrade,
# so an old leaked token stops working without cutting every integration off at once.
LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demo", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prefix", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("expires_at", dispatch.db.types.UtcDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("revoked_at", dispatch.db.types.UtcDateTime(),
                                      nullable=True))
        batch_op.create_index("ix_api_tokens_prefix", ["prefix"], unique=False)
    tokens = sa.table("api_tokens", sa.column("expires_at", dispatch.db.types.UtcDateTime()))
    op.get_bind().execute(tokens.update().values(
        expires_at=datetime.now(UTC) + timedelta(days=LEGACY_TOKEN_DAYS)))
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("revoked_at", dispatch.db.types.UtcDateTime(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sid_hash"),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_user_sessions_user_id", ["user_id"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("last_failure_at", dispatch.db.types.UtcDateTime(), nullable=False),
        sa.Column("locked_until", dispatch.db.types.UtcDateTime(), nullable=True),
        sa.Column("last_address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_user_sessions_user_id")
    op.drop_table("user_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_prefix")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("prefix")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("demo")
