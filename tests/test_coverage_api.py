"""GET /api/v1/coverage: the live count of available units in reach of each area, on roads."""

from __future__ import annotations

from typing import Any

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import accounts
from web import create_app

STATION = {"lat": -7.8167, "lon": 112.0136}


def areas(api: Any) -> dict[str, Any]:
    resp = api.get("/api/v1/coverage")
    assert resp.status_code == 200, resp.get_json()
    return {a["area"]: a for a in resp.get_json()["areas"]}


def test_coverage_follows_the_fleet(api: Any) -> None:
    before = areas(api)
    assert set(before) == {"Mojoroto", "Kota", "Pesantren"}
    engines = before["Kota"]["units"]["fire_engine"]
    assert engines > 0  # the fire station sits in Kota
    # Send every fire engine the recommendation offers: Kota loses them from its count.
    inc = api.post("/api/v1/incidents", json={"description": "Kebakaran gudang besar, api tinggi",
                                              **STATION}).get_json()
    sent = [r["unit_id"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine"]
    assert api.post(f"/api/v1/incidents/{inc['id']}/dispatch",
                    json={"unit_ids": sent}).status_code == 201
    after = areas(api)
    assert after["Kota"]["units"]["fire_engine"] == engines - len(sent)
    body = api.get("/api/v1/coverage").get_json()
    assert body["computed_at"].endswith("+07:00")
    assert set(body["targets_s"]) >= {"fire_engine", "ambulance"}


def test_coverage_needs_login(client: Any) -> None:
    assert client.get("/api/v1/coverage").status_code == 401


def test_straight_line_router_says_coverage_needs_roads(tmp_path: Any) -> None:
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/s.db", roads="none"))
    try:
        accounts.create_user(rt, "op", "operator-pass-1", "operator")
        token = accounts.create_token(rt, "op")
        resp = create_app(runtime=rt, config={"TESTING": True}).test_client().get(
            "/api/v1/coverage", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 409
        assert "road network" in resp.get_json()["error"]["message"]
    finally:
        rt.stop()
