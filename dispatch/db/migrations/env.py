"""Alembic environment: runs against the engine handed over by dispatch.db.engine."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from dispatch.db.metadata import target_metadata

config = context.config


def run_migrations() -> None:
    """Online migrations only: Siaga112 always has a live connection."""
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
