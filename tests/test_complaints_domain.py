"""Complaint rules without a database: lifecycle table, routing, privacy helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.citypack import load_city_pack
from dispatch.domain import complaints as rules

PACK = load_city_pack()
NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)

# Every (action, from-status, actor) the lifecycle allows, written out by hand.
ALLOWED = {
    ("verify", "received", "coordinator"),
    ("dispose", "verified", "coordinator"),
    ("return", "disposed", "opd"), ("return", "disposed", "coordinator"),
    ("return", "in_progress", "opd"), ("return", "in_progress", "coordinator"),
    ("start", "disposed", "opd"), ("start", "disposed", "coordinator"),
    ("resolve", "disposed", "opd"), ("resolve", "disposed", "coordinator"),
    ("resolve", "in_progress", "opd"), ("resolve", "in_progress", "coordinator"),
    ("close", "resolved", "coordinator"), ("close", "resolved", "citizen"),
    ("close", "resolved", "system"),
    ("reject", "received", "coordinator"), ("reject", "verified", "coordinator"),
    ("duplicate", "received", "coordinator"), ("duplicate", "verified", "coordinator"),
    ("archive", "rejected", "coordinator"), ("archive", "duplicate", "coordinator"),
    ("archive", "closed", "coordinator"), ("archive", "rejected", "system"),
    ("archive", "duplicate", "system"), ("archive", "closed", "system"),
    ("reopen", "resolved", "citizen"), ("reopen", "closed", "citizen"),
    ("reopen", "resolved", "coordinator"), ("reopen", "closed", "coordinator"),
}
ACTORS = ("coordinator", "opd", "citizen", "system")


@pytest.mark.parametrize("action", sorted(rules.TRANSITIONS))
def test_every_allowed_and_forbidden_move(action: str) -> None:
    for status in rules.STATUSES:
        for actor in ACTORS:
            ok = (action, status, actor) in ALLOWED
            kwargs = {"now": NOW, "resolved_at": NOW - timedelta(days=1)}
            if ok:
                t = rules.check_transition(action, status, actor, "alasan", **kwargs)
                assert t.target in rules.STATUSES
            else:
                with pytest.raises(rules.TransitionError):
                    rules.check_transition(action, status, actor, "alasan", **kwargs)


def test_targets_follow_the_lapor_lifecycle() -> None:
    path = ["verify", "dispose", "start", "resolve", "close", "archive"]
    status = "received"
    for action in path:
        status = rules.check_transition(action, status, "coordinator", "ok", now=NOW,
                                        resolved_at=NOW).target
    assert status == "archived"
    assert rules.TRANSITIONS["reject"].target == "rejected"
    assert rules.TRANSITIONS["reopen"].target == "disposed"


def test_reasons_are_required_where_the_citizen_or_opd_needs_one() -> None:
    for action, status in (("reject", "received"), ("resolve", "in_progress"),
                           ("return", "disposed")):
        with pytest.raises(rules.TransitionError) as err:
            rules.check_transition(action, status, "coordinator", "  ")
        assert err.value.field == "reason"


def test_reopen_only_within_the_window() -> None:
    resolved = NOW - timedelta(days=14)
    rules.check_transition("reopen", "resolved", "citizen", "belum", now=NOW,
                           resolved_at=resolved, reopen_days=14)
    with pytest.raises(rules.TransitionError):
        rules.check_transition("reopen", "resolved", "citizen", "belum",
                               now=NOW + timedelta(seconds=1), resolved_at=resolved,
                               reopen_days=14)
    with pytest.raises(rules.TransitionError):
        rules.check_transition("nonsense", "resolved", "citizen")


@pytest.mark.parametrize(("text", "opd", "category"), [
    ("lampu PJU mati di jalan Dhoho sudah 3 hari", "DISHUB", "street_light"),
    ("Bangjo perempatan Semampir mati total", "DISHUB", "traffic_light"),
    ("jalan berlubang besar di depan SD", "PUPR", "roads"),
    ("selokan mampet, air meluber", "PUPR", "drainage"),
    ("Sampah menumpuk di TPS pasar belum diangkut", "DLH", "waste"),
    ("air tidak mengalir sejak kemarin", "PDAM", "water"),
    ("mengurus e-KTP sudah 2 bulan belum jadi", "DISPENDUKCAPIL", "id_documents"),
    ("bansos PKH tidak cair", "DINSOS", "social_aid"),
    ("ada pengamen berisik tiap malam di gang", "KOORDINATOR", "other"),
    # How callers really say it: "penerangan jalan" for PJU, water that "does not come out".
    ("lampu penerangan jalan mati di jalan Dhoho sudah seminggu", "DISHUB", "street_light"),
    ("PJU depan masjid padam tiap malam", "DISHUB", "street_light"),
    ("air tidak keluar sejak pagi, tolong dicek", "PDAM", "water"),
])
def test_routing_by_keywords(text: str, opd: str, category: str) -> None:
    r = rules.route(text, PACK.opds)
    assert (r.opd_code, r.category) == (opd, category)
    assert r.manual is (opd == "KOORDINATOR")


def test_an_explicit_category_wins_and_unknown_words_go_to_the_coordinator() -> None:
    assert rules.route("apa saja", PACK.opds, "water").opd_code == "PDAM"
    assert rules.route("", PACK.opds).method == "manual"
    assert rules.route("sampahnya", PACK.opds).opd_code == "KOORDINATOR"  # whole words only


def test_tickets_and_privacy_helpers() -> None:
    assert rules.format_ticket("SGA", 2026, 123) == "SGA-2026-000123"
    assert rules.valid_ticket("SGA-2026-000123")
    for bad in ("SGA-2026-123", "sga-2026-000123", "SGA-2026-000123'--", "../etc", ""):
        assert not rules.valid_ticket(bad)
    text = "Hubungi 0812-3456-7890, +62 812 3456 789, a.b@x.co.id, NIK 3571012345678901, RT 02 tgl 2026-11-23"
    out = rules.redact(text)
    assert "0812" not in out and "3456 789" not in out and "a.b@x" not in out
    assert "3571012345678901" not in out
    assert "RT 02" in out and "2026-11-23" in out
    assert rules.anonymise_point(-7.816634, 112.011456) == (-7.817, 112.011)
    assert rules.open311_status("in_progress") == "open"
    assert rules.open311_status("resolved") == "closed"
