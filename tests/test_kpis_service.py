"""KPI figures from the database on SQLite and PostgreSQL, against hand-computed fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, text, update

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import Incident, Order, Unit, User
from dispatch.runtime import Runtime
from dispatch.services import accounts, kpis
from dispatch.services.errors import ValidationError

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 08:00 in Kediri (WIB, UTC+7)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)
T3 = T0 + timedelta(hours=3)
NOW = T0 + timedelta(hours=4)


def at(base: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else base + timedelta(seconds=seconds)


def add_incident(s: Any, base: datetime, *, category: str, kecamatan: str, kelurahan: str | None,
                 dispatch: float | None = None, scene: float | None = None,
                 closed: float | None = None, call_type: str = "genuine", exercise: bool = False,
                 status: str | None = None, created_by: int | None = None, priority: int = 2) -> int:
    inc = Incident(
        created_at=base, updated_at=base, description="fixture", lat=-7.82, lon=112.01,
        channel="call", call_type=call_type, category=category, priority=priority,
        emergency=category != "non_emergency", confidence=1.0, cues=[], recommendations=[],
        kecamatan=kecamatan, kelurahan=kelurahan, exercise=exercise, created_by=created_by,
        first_dispatch_at=at(base, dispatch), first_on_scene_at=at(base, scene),
        closed_at=at(base, closed),
        status=status or ("closed" if closed is not None else "open"),
    )
    s.add(inc)
    s.flush()
    return inc.id


def add_order(s: Any, incident_id: int, base: datetime, unit_id: str, unit_type: str, *,
              issued: float, acked: float | None = None, en_route: float | None = None,
              scene: float | None = None, cleared: float | None = None,
              state: str = "acknowledged") -> None:
    s.add(Order(
        id=f"ord_{incident_id}_{unit_id}", incident_id=incident_id, unit_id=unit_id,
        unit_type=unit_type, state=state, issued_at=at(base, issued), send_count=1,
        last_sent_at=at(base, issued), payload={}, acked_at=at(base, acked),
        en_route_at=at(base, en_route), on_scene_at=at(base, scene), cleared_at=at(base, cleared),
    ))


# The seeded incidents' ids per fixture runtime (letter → id).
FIXTURE_IDS: dict[int, dict[str, int]] = {}

@pytest.fixture
def fixture_rt(database_url: str) -> Iterator[Runtime]:
    """The hand-computed fixture (see each test for the arithmetic)."""
    rt = bootstrap(Settings(database_url=database_url, secret_key="t"), clock=ManualClock(NOW))
    op1 = accounts.create_user(rt, "budi", "long-password-1", "operator")
    ids = {}
    with rt.session() as s:
        # Usernames are validated on creation; this one comes from an older import, and
        # shows that CSV export defuses spreadsheet formulas.
        op2 = User(username="=HYPERLINK(1)", password_hash="-", role="operator", active=True,
                   created_at=NOW)
        s.add(op2)
        s.flush()
        # A: fire in Mojoroto; two units.
        ids["A"] = a = add_incident(s, T0, category="fire", kecamatan="Mojoroto",
                                    kelurahan="Bandar Lor", dispatch=40, scene=400, closed=2000,
                                    created_by=op1.id)
        add_order(s, a, T0, "DMK-01", "fire_engine", issued=40, acked=50, en_route=110, scene=400,
                  cleared=1900)
        add_order(s, a, T0, "RSC-02", "rescue", issued=45, acked=85, en_route=145, scene=445,
                  cleared=1950)
        # B: medical in Kota, one ambulance.
        ids["B"] = b = add_incident(s, T1, category="medical", kecamatan="Kota",
                                    kelurahan="Balowerti", dispatch=70, scene=970, closed=3000,
                                    created_by=op1.id)
        add_order(s, b, T1, "AMB-01", "ambulance", issued=70, acked=75, en_route=130, scene=970,
                  cleared=2800)
        # C: traffic accident in Pesantren; the police unit never acknowledged nor arrived.
        ids["C"] = c = add_incident(s, T2, category="traffic_accident", kecamatan="Pesantren",
                                    kelurahan=None, dispatch=20, closed=600, created_by=op2.id)
        add_order(s, c, T2, "POL-04", "police", issued=20, state="unacknowledged")
        # D: open, not yet dispatched.
        ids["D"] = add_incident(s, T3, category="medical", kecamatan="Kota",
                                kelurahan="Balowerti", created_by=op2.id)
        # E: a training exercise (left out unless asked).
        ids["E"] = e = add_incident(s, T0 + timedelta(seconds=500), category="fire",
                                    kecamatan="Kota", kelurahan="Balowerti", dispatch=10,
                                    scene=100, closed=200, exercise=True)
        add_order(s, e, T0 + timedelta(seconds=500), "DMK-02", "fire_engine", issued=10,
                  acked=12, en_route=20, scene=100, cleared=190)
        # F: a prank call, closed after a minute, never dispatched.
        ids["F"] = add_incident(s, T0 + timedelta(seconds=1000), category="non_emergency",
                                kecamatan="Mojoroto", kelurahan="Bandar Lor", closed=60,
                                call_type="prank")
    FIXTURE_IDS[id(rt)] = ids
    yield rt
    rt.stop()


def day(rt: Runtime, **extra: str) -> kpis.KpiQuery:
    return kpis.parse_query(rt, {"from": "2026-11-20", "to": "2026-11-20", **extra})


def test_phases_hand_computed(fixture_rt: Runtime) -> None:
    data = kpis.compute_kpis(fixture_rt, day(fixture_rt))
    ph = data["phases"]
    # processing: A 40, B 70, C 20 -> [20, 40, 70]
    assert ph["processing"]["count"] == 3
    assert ph["processing"]["mean_s"] == pytest.approx(43.3)
    assert (ph["processing"]["p50_s"], ph["processing"]["p90_s"], ph["processing"]["p95_s"]) == (
        40.0, 64.0, 67.0)
    assert ph["processing"]["compliance"] == pytest.approx(0.6667)
    assert ph["processing"]["status"] == "missed" and ph["processing"]["met"] is False
    # response: A 400, B 970; C never arrived -> [400, 970]
    assert ph["response"]["count"] == 2
    assert (ph["response"]["mean_s"], ph["response"]["p50_s"]) == (685.0, 685.0)
    assert ph["response"]["p90_s"] == pytest.approx(913.0)
    assert ph["response"]["p95_s"] == pytest.approx(941.5)
    assert ph["response"]["compliance"] == 0.5 and ph["response"]["target_s"] == 900
    # total: A 2000, B 3000, C 600, F 60 -> [60, 600, 2000, 3000]
    assert ph["total"]["count"] == 4
    assert (ph["total"]["mean_s"], ph["total"]["p50_s"]) == (1415.0, 1300.0)
    assert (ph["total"]["p90_s"], ph["total"]["p95_s"]) == (2700.0, 2850.0)
    assert ph["total"]["compliance"] == 1.0 and ph["total"]["status"] == "met"
    # ack: A1 10, A2 40, B1 5 (C1 never) -> [5, 10, 40]
    assert ph["ack"]["count"] == 3
    assert (ph["ack"]["p50_s"], ph["ack"]["p90_s"], ph["ack"]["p95_s"]) == (10.0, 34.0, 37.0)
    assert ph["ack"]["compliance"] == pytest.approx(0.6667)
    # turnout: A1 70 (fire engine, 80 s), A2 100 (rescue, 60 s), B1 60 (ambulance, 60 s)
    assert ph["turnout"]["count"] == 3
    assert (ph["turnout"]["p50_s"], ph["turnout"]["p90_s"]) == (70.0, 94.0)
    assert ph["turnout"]["compliance"] == pytest.approx(0.6667)
    by_type = ph["turnout"]["by_unit_type"]
    assert by_type["fire_engine"]["compliance"] == 1.0 and by_type["fire_engine"]["target_s"] == 80
    assert by_type["ambulance"]["compliance"] == 1.0 and by_type["ambulance"]["target_s"] == 60
    assert by_type["rescue"]["compliance"] == 0.0 and by_type["rescue"]["p50_s"] == 100.0
    assert by_type["police"]["count"] == 0
    # travel: 290, 300, 840 -> none within 240 s
    assert (ph["travel"]["p50_s"], ph["travel"]["p90_s"], ph["travel"]["p95_s"]) == (
        300.0, 732.0, 786.0)
    assert ph["travel"]["compliance"] == 0.0 and ph["travel"]["status"] == "missed"
    # on scene: 1500, 1505, 1830
    assert (ph["on_scene"]["p50_s"], ph["on_scene"]["p90_s"]) == (1505.0, 1765.0)
    assert ph["on_scene"]["p95_s"] == pytest.approx(1797.5)
    assert data["totals"] == {"incidents": 5, "orders": 4, "dispatched": 3, "with_arrival": 2,
                              "closed": 4}
    assert data["call_types"]["prank"] == 1 and data["call_types"]["genuine"] == 4


def test_exercise_only_when_asked(fixture_rt: Runtime) -> None:
    data = kpis.compute_kpis(fixture_rt, day(fixture_rt, include_exercise="1"))
    # processing with E (10 s): [10, 20, 40, 70]
    assert data["phases"]["processing"]["count"] == 4
    assert data["phases"]["processing"]["p50_s"] == 30.0
    assert data["totals"]["incidents"] == 6 and data["totals"]["orders"] == 5
    without = kpis.compute_kpis(fixture_rt, day(fixture_rt, include_exercise="0"))
    assert without["totals"]["incidents"] == 5


def test_empty_period_and_single_incident(fixture_rt: Runtime) -> None:
    empty = kpis.compute_kpis(fixture_rt, kpis.parse_query(
        fixture_rt, {"from": "2026-11-01", "to": "2026-11-02"}))
    assert empty["totals"]["incidents"] == 0
    for figs in empty["phases"].values():
        assert figs["count"] == 0 and figs["p90_s"] is None and figs["status"] == "no_data"
    assert [r["incidents"] for r in empty["breakdowns"]["category"]] == [0] * 7
    assert all(r["orders"] == 0 for r in empty["breakdowns"]["unit"])
    # Only A: 08:00-08:05 local.
    one = kpis.compute_kpis(fixture_rt, kpis.parse_query(
        fixture_rt, {"from": "2026-11-20T08:00:00", "to": "2026-11-20T08:05:00"}))
    ph = one["phases"]
    assert one["totals"]["incidents"] == 1
    assert ph["processing"]["p50_s"] == ph["processing"]["p95_s"] == 40.0
    assert ph["response"]["count"] == 1 and ph["response"]["p90_s"] == 400.0
    assert ph["ack"]["count"] == 2 and ph["ack"]["p50_s"] == 25.0


def test_category_and_district_filters(fixture_rt: Runtime) -> None:
    fire = kpis.compute_kpis(fixture_rt, day(fixture_rt, category="fire"))
    assert fire["totals"]["incidents"] == 1 and fire["totals"]["orders"] == 2
    kota = kpis.compute_kpis(fixture_rt, day(fixture_rt, district="kota"))  # case-insensitive
    assert kota["period"]["district"] == "Kota"
    assert kota["totals"]["incidents"] == 2  # B and D (E is an exercise)
    assert kota["phases"]["travel"]["p50_s"] == 840.0


def test_breakdowns_hand_computed(fixture_rt: Runtime) -> None:
    data = kpis.compute_kpis(fixture_rt, day(fixture_rt))
    bd = data["breakdowns"]
    cat = {r["key"]: r for r in bd["category"]}
    assert [r["key"] for r in bd["category"]][:7] == [
        "fire", "traffic_accident", "disaster", "animal_disturbance", "unrest", "medical",
        "non_emergency"]
    assert cat["fire"]["incidents"] == 1 and cat["fire"]["orders"] == 2
    assert cat["fire"]["phases"]["ack"]["p50_s"] == 25.0  # A1 10, A2 40
    assert cat["medical"]["incidents"] == 2 and cat["medical"]["phases"]["processing"]["count"] == 1
    assert cat["disaster"]["incidents"] == 0 and cat["disaster"]["phases"]["total"]["status"] == "no_data"
    kec = {r["key"]: r for r in bd["kecamatan"]}
    assert (kec["Mojoroto"]["incidents"], kec["Kota"]["incidents"], kec["Pesantren"]["incidents"]) == (2, 2, 1)
    kel = {r["key"]: r for r in bd["kelurahan"]}
    assert kel["Bandar Lor"]["incidents"] == 2 and kel[""]["incidents"] == 1  # C has none
    assert kel[""]["label"].startswith("(tidak diketahui")
    hours = {r["key"]: r["incidents"] for r in bd["hour"]}
    assert len(hours) == 24
    assert (hours[8], hours[9], hours[10], hours[11], hours[12]) == (2, 1, 1, 1, 0)  # local time
    ops = {r["label"]: r for r in bd["operator"]}
    assert ops["budi"]["incidents"] == 2 and ops["=HYPERLINK(1)"]["incidents"] == 2
    assert ops["(sistem / system)"]["incidents"] == 1  # F has no operator
    unit = {r["key"]: r for r in bd["unit"]}
    assert unit["DMK-01"]["orders"] == 1 and unit["DMK-01"]["phases"]["turnout"]["p50_s"] == 70.0
    assert unit["DMK-02"]["orders"] == 0  # its only order was an exercise
    assert set(unit["DMK-01"]["phases"]) == {"ack", "turnout", "travel", "on_scene"}
    station = {r["key"]: r for r in bd["station"]}
    assert station["damkar-mako"]["orders"] == 2  # DMK-01 and RSC-02 live there
    assert station["damkar-mako"]["label"] == "Mako Damkar Kota Kediri"
    agency = {r["key"]: r for r in bd["agency"]}
    assert agency["Dinas Kesehatan Kota Kediri"]["orders"] == 1
    assert sum(r["orders"] for r in bd["agency"]) == 4
    trend = data["trend"]
    assert trend["bucket"] == "day" and [r["key"] for r in trend["rows"]] == ["2026-11-20"]
    assert trend["rows"][0]["incidents"] == 5
    assert trend["rows"][0]["phases"]["processing"]["p90_s"] == 64.0


def test_fast_read_agrees_with_row_read(fixture_rt: Runtime) -> None:
    q = day(fixture_rt, include_exercise="1")
    with fixture_rt.engine.connect() as conn:
        for cols, src, where in (
            (kpis.INCIDENT_COLUMNS, Incident, kpis._incident_conditions(q)),
            (kpis.incident_columns([name for name, _, _ in fixture_rt.city.kecamatan()]),
             Incident, kpis._incident_conditions(q)),
            (kpis.ORDER_COLUMNS, Order, [Order.issued_at >= q.start]),
        ):
            fast = kpis._read_aggregated(conn, cols, src, where)
            slow = kpis._read_rows(conn, cols, src, where)
            assert fast["_n"] == slow["_n"] > 0
            order_f = np.argsort(fast[cols[0].name] if cols[0].kind == "int" else fast["issued"])
            order_s = np.argsort(slow[cols[0].name] if cols[0].kind == "int" else slow["issued"])
            for col in cols:
                f, s = fast[col.name], slow[col.name]
                if col.kind == "code":  # coded by the database vs read as text
                    assert isinstance(f, kpis._Codes), col.name  # no fallback to text
                    (fc, fk), (sc, sk) = f.field(0, col.known), s.field(0, col.known)
                    assert [fk[fc[i]] for i in order_f] == [sk[sc[i]] for i in order_s], col.name
                elif col.kind == "texts":
                    assert [f.values[f.codes[i]] for i in order_f] == [
                        s.values[s.codes[i]] for i in order_s
                    ], col.name
                else:
                    np.testing.assert_allclose(np.asarray(f)[order_f], np.asarray(s)[order_s],
                                               atol=1e-3, equal_nan=True, err_msg=col.name)


def test_values_outside_the_known_codes_are_read_as_text(fixture_rt: Runtime) -> None:
    rt = fixture_rt
    ids = FIXTURE_IDS[id(rt)]
    with rt.engine.begin() as conn:  # an older import wrote a category and unit type we lack
        conn.execute(update(Incident).where(Incident.id == ids["B"]).values(category="banjir"))
        conn.execute(update(Incident).where(Incident.id == ids["C"]).values(call_type=""))
        conn.execute(update(Order).where(Order.unit_id == "AMB-01").values(unit_type="boat"))
        conn.execute(update(Incident).where(Incident.id == ids["D"]).values(kecamatan="Luar Kota"))
    data = kpis.compute_kpis(rt, day(rt))
    cat = {r["key"]: r for r in data["breakdowns"]["category"]}
    assert [r["key"] for r in data["breakdowns"]["category"]][7:] == ["banjir"]
    assert cat["banjir"]["incidents"] == 1 and cat["banjir"]["phases"]["processing"]["p50_s"] == 70.0
    assert cat["medical"]["incidents"] == 1  # D only
    assert data["call_types"]["(tidak diketahui / unknown)"] == 1
    assert data["call_types"]["genuine"] == 3 and data["call_types"]["prank"] == 1
    kec = [(r["key"], r["incidents"]) for r in data["breakdowns"]["kecamatan"]]
    assert kec[-1] == ("Luar Kota", 1) and dict(kec)["Kota"] == 1
    by_type = data["phases"]["turnout"]["by_unit_type"]
    assert by_type["boat"]["count"] == 1 and by_type["boat"]["p50_s"] == 60.0
    assert by_type["ambulance"]["count"] == 0


def test_unusual_timestamp_text_falls_back_to_rows(tmp_path: Any) -> None:
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/odd.db", secret_key="t"),
                 clock=ManualClock(NOW))
    try:
        with rt.session() as s:
            iid = add_incident(s, T0, category="fire", kecamatan="Kota", kelurahan=None,
                               dispatch=30, closed=100)
        with rt.engine.begin() as conn:  # another writer stored a shorter text
            conn.execute(text("UPDATE incidents SET created_at = '2026-11-20 01:00:00' WHERE id = :i"),
                         {"i": iid})
        data = kpis.compute_kpis(rt, day(rt))
        assert data["phases"]["processing"]["p50_s"] == 30.0
    finally:
        rt.stop()


def test_parse_query_validation(fixture_rt: Runtime) -> None:
    rt = fixture_rt
    q = kpis.parse_query(rt, {})
    # Default: today in Kediri (NOW is 12:00 WIB on the 20th).
    assert q.start == datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    assert q.end == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert not q.include_exercise
    q = kpis.parse_query(rt, {"from": "2026-11-20T10:00:00+07:00", "to": "2026-11-20T04:00:00Z"})
    assert q.start == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    for args, field in (
        ({"from": "yesterday"}, "from"), ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-11-20", "to": "2026-11-19"}, "to"), ({"category": "alien"}, "category"),
        ({"district": "Atlantis"}, "district"), ({"include_exercise": "maybe"}, "include_exercise"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "from"), ({"from": "x" * 100}, "from"),
        ({"category": ["fire"]}, "category"),
    ):
        with pytest.raises(ValidationError) as err:
            kpis.parse_query(rt, args)
        assert err.value.field == field, args


def test_live_board(fixture_rt: Runtime) -> None:
    rt = fixture_rt
    now = rt.clock.now()
    with rt.session() as s:
        # Every fire engine at the Damkar HQ is busy: a coverage gap, there and city-wide.
        s.execute(update(Unit).where(Unit.type == "fire_engine").values(
            status="en_route", status_since=now - timedelta(seconds=1000)))
        s.execute(update(Unit).where(Unit.id == "DMK-02").values(
            status="dispatched", status_since=now - timedelta(seconds=60)))
        s.execute(update(Unit).where(Unit.id == "AMB-06").values(online=False))
        g = add_incident(s, now - timedelta(seconds=300), category="fire", kecamatan="Kota",
                         kelurahan="Balowerti", dispatch=10, status="dispatched", priority=1)
        add_order(s, g, now - timedelta(seconds=300), "DMK-03", "fire_engine", issued=10,
                  state="sent")
        add_incident(s, now - timedelta(seconds=100), category="non_emergency", kecamatan="Kota",
                     kelurahan=None, call_type="ghost", closed=50)
        add_incident(s, now - timedelta(seconds=50), category="fire", kecamatan="Kota",
                     kelurahan=None, exercise=True)
    board = kpis.live_board(rt)
    oi = board["open_incidents"]
    assert oi["total"] == 2 and oi["by_priority"] == {"1": 1, "2": 1, "3": 0, "4": 0}
    assert [i["priority"] for i in oi["list"]] == [1, 2]  # most urgent first
    assert oi["list"][0]["age_s"] == 300.0
    assert kpis.live_board(rt, include_exercise=True)["open_incidents"]["total"] == 3
    gaps = {(g["scope"], g["station"], g["unit_type"]) for g in board["coverage_gaps"]}
    assert ("station", "damkar-mako", "fire_engine") in gaps
    assert ("city", None, "fire_engine") in gaps
    assert ("station", "rs-baptis", "ambulance") in gaps  # its only ambulance is offline
    assert ("station", "psc119", "ambulance") not in gaps
    assert board["units_by_type"]["fire_engine"] == {"total": 4, "available": 0, "busy": 4, "other": 0}
    timers = {t["unit_id"]: t for t in board["status_timers"]}
    assert timers["DMK-01"]["overdue"] is True and timers["DMK-01"]["threshold_s"] == 900
    assert timers["DMK-01"]["elapsed_s"] == 1000.0
    assert timers["DMK-02"]["overdue"] is False and timers["DMK-02"]["threshold_s"] == 120
    assert board["status_timers"][0]["overdue"] is True  # flagged ones first
    assert [o["unit_id"] for o in board["unacknowledged_orders"]] == ["DMK-03"]
    assert board["unacknowledged_orders"][0]["age_s"] == 290.0
    # Today (20 Nov, Kediri time): genuine A, B, C, D, G; prank F; ghost; exercises left out.
    assert board["call_types_today"] == {"genuine": 5, "ghost": 1, "prank": 1, "information": 0}


def test_tables_for_csv(fixture_rt: Runtime) -> None:
    data = kpis.dashboard(fixture_rt, day(fixture_rt))
    tables = kpis.tables(data)
    assert set(tables) == set(kpis.table_names())
    header, rows = tables["phases"]
    assert header[:3] == ["phase", "label", "count"] and len(rows) == 7
    header, rows = tables["by_unit"]
    assert "incidents" not in header and "processing_count" not in header
    header, rows = tables["by_category"]
    assert len(header) == 4 + 7 * 8 and len(rows) == 7
    complaints = data["complaints"]
    assert complaints["available"] is True
    assert {r["opd_code"] for r in complaints["rows"]} == {o.code for o in fixture_rt.city.opds}


def test_missing_complaint_module_gives_an_empty_table(fixture_rt: Runtime,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from dispatch.services import complaints

    monkeypatch.delattr(complaints, "opd_stats")
    assert kpis.complaint_stats(fixture_rt, T0, NOW) == {"available": False, "rows": []}

    def broken(*_: Any) -> list[dict[str, Any]]:
        raise RuntimeError("boom")

    monkeypatch.setattr(complaints, "opd_stats", broken, raising=False)
    out = kpis.complaint_stats(fixture_rt, T0, NOW)
    assert out["available"] is False and out["rows"] == [] and "error" in out


def test_orders_of_other_incidents_are_not_counted(fixture_rt: Runtime) -> None:
    # An order issued in the period for an incident created before it belongs to that
    # incident's period, not this one.
    rt = fixture_rt
    with rt.session() as s:
        old = add_incident(s, T0 - timedelta(days=3), category="fire", kecamatan="Kota",
                           kelurahan=None, dispatch=3 * 86400 + 100, closed=3 * 86400 + 900)
        add_order(s, old, T0 - timedelta(days=3), "DMK-04", "fire_engine",
                  issued=3 * 86400 + 100, acked=3 * 86400 + 101)
        ids = s.scalars(select(Order.id).where(Order.incident_id == old)).all()
    assert ids
    data = kpis.compute_kpis(rt, day(rt))
    assert data["totals"]["orders"] == 4 and data["phases"]["ack"]["count"] == 3
