"""Phone numbers in E.164: one caller whatever the spelling (pure helper, then the API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from dispatch.db.models_complaints import Complaint
from dispatch.domain.phones import caller_key, to_e164, wa_id
from dispatch.runtime import Runtime

SPELLINGS = ("081234567890", "+62 812-3456-7890", "6281234567890", "62 812 3456 7890",
             "0062 812 3456 7890", "(0812) 3456-7890")


@pytest.mark.parametrize("raw", SPELLINGS)
def test_every_spelling_of_a_mobile_number_is_one_e164(raw: str) -> None:
    assert to_e164(raw) == "+6281234567890"


def test_landlines_foreign_numbers_and_what_is_not_a_number() -> None:
    assert to_e164("(0354) 682955") == "+62354682955"  # Kediri landline, area code 0354
    assert to_e164("16505551234") == "+16505551234"  # WhatsApp gives foreign ids without +
    assert to_e164("+4915123456789") == "+4915123456789"
    for raw in ("112", "08123", "6281", "abc", "", None, "+628999999999999999"):
        assert to_e164(raw) is None, raw
    # Kept, not lost: a short number is stored as its bare digits.
    assert caller_key("1 1 2") == "112"
    assert caller_key(None) is None
    assert wa_id("+6281234567890") == "6281234567890"


def test_caller_history_and_prank_flags_see_one_caller(api: Any) -> None:
    first = api.post("/api/v1/incidents", json={
        "description": "ada kebakaran", "lat": -7.8166, "lon": 112.0114,
        "caller_phone": "081234567890"}).get_json()
    assert first["caller_phone"] == "+6281234567890"
    resp = api.post(f"/api/v1/incidents/{first['id']}/close", json={"outcome": "prank"})
    assert resp.status_code == 200, resp.get_json()
    second = api.post("/api/v1/incidents", json={
        "description": "orang pingsan", "lat": -7.8173, "lon": 112.0168,
        "caller_phone": "+62 812-3456-7890"}).get_json()
    assert second["caller_phone"] == "+6281234567890"
    for spelling in ("6281234567890", "0812 3456 7890", "+6281234567890"):
        rows = api.get(f"/api/v1/callers/{quote(spelling)}/history").get_json()
        assert [r["id"] for r in rows] == [second["id"], first["id"]], spelling
        assert rows[1]["call_type"] == "prank"


def test_a_complaint_reporter_number_is_stored_in_e164(api: Any, runtime: Runtime) -> None:
    resp = api.post("/api/v1/incidents", json={
        "description": "lampu jalan mati sudah seminggu", "lat": -7.8166, "lon": 112.0114,
        "caller_phone": "0812-3456-7890"})
    body = resp.get_json()
    assert resp.status_code == 201, body
    with runtime.session() as s:
        row = s.scalar(select(Complaint).where(Complaint.ticket == body["complaint"]["ticket"]))
        assert row is not None and row.reporter_phone == "+6281234567890"


def test_the_migration_puts_stored_numbers_in_e164(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from dispatch.db.engine import alembic_config, make_engine

    engine = make_engine(database_url)
    try:
        cfg = alembic_config(engine)
        command.upgrade(cfg, "i14_owner_version")
        with engine.begin() as conn:
            for phone in ("0812-3456-7890", "112"):
                conn.execute(text(
                    "INSERT INTO incidents (created_at, updated_at, status, description, lat,"
                    " lon, channel, call_type, category, priority, emergency, confidence, cues,"
                    " recommendations, exercise, outside_jurisdiction, caller_phone) VALUES"
                    " ('2026-11-01 01:00:00', '2026-11-01 01:00:00', 'open', 'lama', -7.8167,"
                    " 112.0136, 'call', 'genuine', 'fire', 1, true, 0.9, '[]', '[]', false,"
                    " false, :phone)"), {"phone": phone})
        command.upgrade(cfg, "heads")
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT caller_phone FROM incidents ORDER BY id")
                                  ).scalars().all()
        assert stored == ["+6281234567890", "112"]
    finally:
        engine.dispose()
