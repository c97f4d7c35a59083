"""Persistence: SQLAlchemy 2.x typed models, engine set-up, Alembic migrations."""
