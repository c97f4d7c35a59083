"""The OSRM /table adapter against a local HTTP server that answers in OSRM's format."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dispatch.citypack import load_city_pack
from dispatch.config import Settings
from dispatch.domain.recommend import NearestEtaPolicy, Slot
from dispatch.fleet import Fleet, UnitState
from dispatch.routing import build_router
from geo.distance import haversine_m
from geo.osrm import OsrmRouter
from geo.routing import StraightLineRouter
from tests.support.brokers import free_port

NOW = 1_800_000_000.0
INCIDENT = (-7.8166, 112.0114)


class FakeOsrm:
    """An HTTP server answering /table/v1/driving/... like osrm-routed (docs/http.md)."""

    def __init__(self, answer: Callable[[list[tuple[float, float]], list[int], list[int]], Any]):
        self.answer = answer
        self.requests: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                url = urlsplit(self.path)
                parts = url.path.split("/")
                if parts[1:4] != ["table", "v1", "driving"]:
                    self._send(400, {"code": "InvalidUrl", "message": "bad path"})
                    return
                coords = [tuple(map(float, c.split(","))) for c in parts[4].split(";")]
                q = parse_qs(url.query)
                src = [int(i) for i in q["sources"][0].split(";")]
                dst = [int(i) for i in q["destinations"][0].split(";")]
                body = outer.answer(coords, src, dst)  # type: ignore[arg-type]
                if body == "hang":
                    outer.release.wait(10)  # until the test ends: the client must time out
                    return
                if isinstance(body, bytes):
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self._send(200, body)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOsrm:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def table_by_detour(detours: dict[tuple[float, float], float]) -> Callable[..., Any]:
    """Durations: haversine / 10 m/s × a per-source detour factor; distances × 1.3."""
    def answer(coords: list[tuple[float, float]], src: list[int], dst: list[int]) -> Any:
        durations, distances = [], []
        for i in src:
            lon, lat = coords[i]
            row_t, row_d = [], []
            for j in dst:
                dlon, dlat = coords[j]
                d = haversine_m(lat, lon, dlat, dlon)
                f = detours.get((round(lat, 4), round(lon, 4)), 1.0)
                row_t.append(None if f == 0 else d * f / 10.0)
                row_d.append(None if f == 0 else d * 1.3)
            durations.append(row_t)
            distances.append(row_d)
        wp = [{"location": list(coords[i]), "name": "", "distance": 0.0} for i in src]
        return {"code": "Ok", "durations": durations, "distances": distances,
                "sources": wp, "destinations": [{"location": list(coords[j])} for j in dst]}
    return answer


@pytest.fixture
def fleet() -> Fleet:
    f = Fleet({"mqtt": 120})
    f.load([UnitState("NEAR", "ambulance", lat=-7.8170, lon=112.0120, source="mqtt", last_seen=NOW, fix_ts=NOW),
            UnitState("MID", "ambulance", lat=-7.8200, lon=112.0150, source="mqtt", last_seen=NOW, fix_ts=NOW),
            UnitState("FAR", "ambulance", lat=-7.8300, lon=112.0250, source="mqtt", last_seen=NOW, fix_ts=NOW)])
    return f


def test_table_request_format_and_ranking(fleet: Fleet) -> None:
    # NEAR is cut off by a river (detour × 20), so MID wins by road.
    with FakeOsrm(table_by_detour({(-7.817, 112.012): 20.0})) as osrm:
        router = OsrmRouter(osrm.url, timeout_s=2.0)
        recs = NearestEtaPolicy(router).recommend(*INCIDENT, [Slot("ambulance", 2)],
                                                  fleet.view(NOW))
        # MID 50 s, NEAR 80 m × 20 / 10 m/s = 160 s, FAR 2.1 km / 10 m/s = 210 s.
        assert [r.unit_id for r in recs] == ["MID", "NEAR"]
        mid = recs[0]
        straight = haversine_m(-7.8200, 112.0150, *INCIDENT)
        assert mid.via == "road"
        assert mid.eta_s == pytest.approx(straight / 10.0, rel=1e-6)
        assert mid.route_m == pytest.approx(straight * 1.3, rel=1e-6)
        assert mid.straight_m == pytest.approx(straight, rel=1e-6)
        path = urlsplit(osrm.requests[0])
        assert path.path.startswith("/table/v1/driving/")
        coords = path.path.rsplit("/", 1)[1].split(";")
        assert coords[-1] == f"{INCIDENT[1]:.6f},{INCIDENT[0]:.6f}"  # lon,lat; the incident last
        q = parse_qs(path.query)
        assert q["destinations"] == [str(len(coords) - 1)]
        assert q["annotations"] == ["duration,distance"]


def test_route_and_unit_type_factor() -> None:
    with FakeOsrm(table_by_detour({})) as osrm:
        router = OsrmRouter(osrm.url, type_factors={"fire_engine": 1.25})
        a, b = (-7.8100, 112.0100), INCIDENT
        r = router.route(a, b, "fire_engine")
        assert r.via == "road"
        assert r.eta_s == pytest.approx(haversine_m(*a, *b) / 10.0 * 1.25, rel=1e-6)


def test_large_fleets_are_split_into_table_sized_requests() -> None:
    with FakeOsrm(table_by_detour({})) as osrm:
        router = OsrmRouter(osrm.url, max_table=10)
        tt = router.travel_to(INCIDENT, "ambulance")
        pts = [(-7.80 - i * 0.001, 112.0) for i in range(25)]
        etas = tt.etas(pts)
        assert len(etas) == 25 and all(e is not None for e in etas)
        assert len(osrm.requests) == 3  # 9 sources + the destination per request


def test_unreachable_server_falls_back_to_straight(fleet: Fleet) -> None:
    router = OsrmRouter(f"http://127.0.0.1:{free_port()}", timeout_s=0.5)
    recs = NearestEtaPolicy(router).recommend(*INCIDENT, [Slot("ambulance", 2)], fleet.view(NOW))
    assert [r.unit_id for r in recs] == ["NEAR", "MID"]
    assert {r.via for r in recs} == {"straight"}
    assert router.failures == 1 and not router.available()
    # Within the back-off no request is tried again.
    again = router.route((-7.81, 112.01), INCIDENT, "ambulance")
    assert again.via == "straight" and router.requests == 1


@pytest.mark.parametrize("answer", [
    "hang",  # slower than the timeout
    b"<html>502 Bad Gateway</html>",
    {"code": "NoTable", "message": "no route"},
    {"code": "Ok", "durations": [[1.0]]},  # wrong number of rows
    {"code": "Ok", "durations": [["x"], ["y"], ["z"]]},
])
def test_bad_answers_fall_back(fleet: Fleet, answer: Any) -> None:
    with FakeOsrm(lambda *_a: answer) as osrm:
        router = OsrmRouter(osrm.url, timeout_s=0.3)
        recs = NearestEtaPolicy(router).recommend(*INCIDENT, [Slot("ambulance", 1)],
                                                  fleet.view(NOW))
        assert [r.unit_id for r in recs] == ["NEAR"]
        assert recs[0].via == "straight"
        expected = StraightLineRouter().route((-7.8170, 112.0120), INCIDENT, "ambulance")
        assert recs[0].eta_s == pytest.approx(expected.eta_s)


def test_back_off_ends_and_the_server_is_used_again() -> None:
    t = [0.0]
    calls = {"n": 0}

    def answer(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            return {"code": "InvalidQuery"}
        return table_by_detour({})(*args)

    with FakeOsrm(answer) as osrm:
        router = OsrmRouter(osrm.url, retry_after_s=30, clock=lambda: t[0])
        assert router.route((-7.81, 112.01), INCIDENT, "police").via == "straight"
        t[0] = 10.0
        assert router.route((-7.81, 112.01), INCIDENT, "police").via == "straight"
        assert calls["n"] == 1
        t[0] = 31.0
        assert router.route((-7.81, 112.01), INCIDENT, "police").via == "road"


def test_no_route_for_one_unit_uses_a_straight_guess_for_it(fleet: Fleet) -> None:
    with FakeOsrm(table_by_detour({(-7.817, 112.012): 0})) as osrm:  # NEAR: null
        recs = NearestEtaPolicy(OsrmRouter(osrm.url)).recommend(
            *INCIDENT, [Slot("ambulance", 3)], fleet.view(NOW))
        by_id = {r.unit_id: r for r in recs}
        assert by_id["NEAR"].via == "straight" and by_id["MID"].via == "road"


def test_wired_from_settings() -> None:
    router = build_router(Settings(osrm_url="http://127.0.0.1:1", osrm_timeout_s=0.2),
                          load_city_pack())
    assert isinstance(router, OsrmRouter) and router.timeout_s == 0.2


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError):
        OsrmRouter("http://127.0.0.1:1", timeout_s=0)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # urllib honours *_proxy variables; the fake server is local.
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    yield
