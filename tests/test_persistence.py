"""Persistence on every engine: migrations, incidents and timelines survive a restart."""

from __future__ import annotations

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import accounts, incidents
from dispatch.services.actors import Actor

OP = Actor("operator", "op", None)


def test_migrations_and_round_trip(database_url: str) -> None:
    rt = bootstrap(Settings(database_url=database_url))
    try:
        inc = incidents.create_incident(rt, {
            "description": "ada orang pingsan di pasar setonobetek", "lat": -7.8173,
            "lon": 112.0168, "caller_phone": "+62 812-3456-7890"}, OP)
        unit = inc["recommendations"][0]["unit_id"]
        incidents.dispatch_units(rt, inc["id"], {"unit_ids": [unit]}, OP)
        accounts.create_user(rt, "someone", "long-password", "supervisor")
    finally:
        rt.stop()
    # A new process on the same database sees everything, and the unit is still busy.
    rt2 = bootstrap(Settings(database_url=database_url))
    try:
        again = incidents.get_incident(rt2, inc["id"])
        assert again["category"] == "medical"
        assert [e["kind"] for e in again["timeline"]][:3] == ["created", "classified", "located"]
        assert again["created_at"].endswith("+00:00")
        assert rt2.fleet.get(unit).status == "dispatched"
        assert accounts.authenticate(rt2, "someone", "long-password") is not None
        assert accounts.authenticate(rt2, "someone", "wrong") is None
        assert incidents.caller_history(rt2, "+62 812-3456-7890")[0]["id"] == inc["id"]
    finally:
        rt2.stop()


def test_tokens_are_stored_hashed(database_url: str) -> None:
    from sqlalchemy import select

    from dispatch.db.models import ApiToken

    rt = bootstrap(Settings(database_url=database_url))
    try:
        accounts.create_user(rt, "tok", "long-password", "operator")
        token = accounts.create_token(rt, "tok")
        with rt.session() as s:
            stored = s.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and accounts.hash_token(token) in stored
        assert accounts.user_for_token(rt, token).username == "tok"
    finally:
        rt.stop()


def test_sqlite_uses_wal(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_migrations_match_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from dispatch.db.models import Base

    rt = bootstrap(Settings(database_url=database_url))
    try:
        with rt.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        rt.stop()
    assert diff == []


def test_geocell_migration_fills_existing_incidents(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from dispatch.db.engine import alembic_config, make_engine
    from dispatch.domain.duplicates import DUPLICATE_CELL_DEG
    from geo.cells import cell_of

    engine = make_engine(database_url)
    try:
        cfg = alembic_config(engine)
        command.upgrade(cfg, "0003_complaints")
        command.upgrade(cfg, "0004_kpis")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO incidents (created_at, updated_at, status, description, lat, lon,"
                " channel, call_type, category, priority, emergency, confidence, cues,"
                " recommendations, exercise, outside_jurisdiction) VALUES ('2026-11-01 01:00:00',"
                " '2026-11-01 01:00:00', 'open', 'lama', -7.8167, 112.0136, 'call', 'genuine',"
                " 'fire', 1, true, 0.9, '[]', '[]', false, false)"))
        command.upgrade(cfg, "heads")
        with engine.connect() as conn:
            cell = conn.execute(text("SELECT geocell FROM incidents")).scalar_one()
        assert cell == cell_of(-7.8167, 112.0136, DUPLICATE_CELL_DEG)
    finally:
        engine.dispose()
