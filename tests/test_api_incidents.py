"""The incident API: intake → classify → locate → recommend, dispatch, timeline, bad input."""

from __future__ import annotations

from typing import Any

import pytest

STATION = {"lat": -7.8167, "lon": 112.0136}  # Stasiun Kediri, Kecamatan Kota


def fire_at_station(api: Any, **extra: Any) -> dict[str, Any]:
    body = {"description": "Kebakaran gudang dekat Stasiun Kediri, asap hitam tebal", **STATION}
    body.update(extra)
    resp = api.post("/api/v1/incidents", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_fire_by_railway_station_gets_fire_engines_and_ambulance(api: Any) -> None:
    inc = fire_at_station(api, caller_phone="081234567890")
    assert inc["category"] == "fire"
    assert inc["emergency"] is True
    assert inc["district"] == "Kota"
    assert inc["kelurahan"]
    assert inc["outside_jurisdiction"] is False
    types = [r["unit_type"] for r in inc["recommendations"]]
    assert types.count("fire_engine") == 2 and types.count("ambulance") == 1
    for rec in inc["recommendations"]:
        assert rec["eta_s"] > 0 and rec["distance_m"] > 0
        assert set(rec) >= {"unit_id", "unit_type", "eta_s", "distance_m", "station"}
    fire_etas = [r["eta_s"] for r in inc["recommendations"] if r["unit_type"] == "fire_engine"]
    assert fire_etas == sorted(fire_etas)


def test_timeline_shows_every_step(api: Any) -> None:
    inc = fire_at_station(api)
    ids = [r["unit_id"] for r in inc["recommendations"]]
    resp = api.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": ids})
    assert resp.status_code == 201
    assert len(resp.get_json()["orders"]) == 3
    detail = api.get(f"/api/v1/incidents/{inc['id']}").get_json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[:4] == ["created", "classified", "located", "recommended"]
    assert kinds.count("dispatched") == 3
    assert all(e["ts"] and e["actor_type"] in ("operator", "unit", "system") for e in detail["timeline"])
    assert detail["timeline"][0]["actor_id"] == "operator"
    assert detail["status"] == "dispatched"
    units = {u["id"]: u for u in api.get("/api/v1/units").get_json()}
    assert all(units[i]["status"] == "dispatched" for i in ids)


def test_dispatched_units_are_not_recommended_again(api: Any) -> None:
    first = fire_at_station(api)
    ids = [r["unit_id"] for r in first["recommendations"]]
    api.post(f"/api/v1/incidents/{first['id']}/dispatch", json={"unit_ids": ids})
    second = fire_at_station(api, lat=-7.80, lon=112.02)
    assert not set(ids) & {r["unit_id"] for r in second["recommendations"]}
    again = api.post(f"/api/v1/incidents/{second['id']}/dispatch", json={"unit_ids": ids[:1]})
    assert again.status_code == 409


def test_possible_duplicate_is_flagged(api: Any) -> None:
    first = fire_at_station(api)
    second = fire_at_station(api, lat=STATION["lat"] + 0.001)  # ~110 m away
    assert second["possible_duplicate_of"] == first["id"]
    far = fire_at_station(api, lat=STATION["lat"] + 0.01)  # ~1.1 km away
    assert far["possible_duplicate_of"] is None


@pytest.mark.parametrize("edge", ["lat", "lon"])
def test_possible_duplicate_across_a_grid_cell_edge(api: Any, edge: str) -> None:
    # The lookup goes by 0.005-degree grid cells: two calls ~110 m apart on either
    # side of a cell edge must still find each other.
    here = dict(STATION)
    here[edge] = round(here[edge] / 0.005) * 0.005 - 0.0005
    first = fire_at_station(api, **here)
    there = dict(here, **{edge: here[edge] + 0.001})
    second = fire_at_station(api, **there)
    assert second["possible_duplicate_of"] == first["id"]
    assert second["possible_duplicates"] == [
        {"id": first["id"], "distance_m": pytest.approx(110, abs=5)}]


def test_point_outside_city_is_still_handled(api: Any) -> None:
    resp = api.post("/api/v1/incidents", json={
        "description": "tabrakan motor dan truk, korban luka", "lat": -7.90, "lon": 112.10})
    assert resp.status_code == 201
    inc = resp.get_json()
    assert inc["outside_jurisdiction"] is True
    # Not labelled with a city kecamatan: it is Kabupaten Kediri's, about 6.6 km out.
    assert inc["district"] is None and inc["kelurahan"] is None
    assert inc["handoff"]["id"] == "kab-kediri"


def test_close_releases_units(api: Any) -> None:
    inc = fire_at_station(api)
    ids = [r["unit_id"] for r in inc["recommendations"]]
    api.post(f"/api/v1/incidents/{inc['id']}/dispatch", json={"unit_ids": ids})
    resp = api.post(f"/api/v1/incidents/{inc['id']}/close", json={"outcome": "api padam"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "closed"
    units = {u["id"]: u for u in api.get("/api/v1/units").get_json()}
    assert all(units[i]["status"] == "available" for i in ids)
    assert api.post(f"/api/v1/incidents/{inc['id']}/close", json={"outcome": "x"}).status_code == 409


def test_list_open_incidents(api: Any) -> None:
    a = fire_at_station(api)
    b = fire_at_station(api, lat=-7.80)
    api.post(f"/api/v1/incidents/{a['id']}/close", json={"outcome": "selesai"})
    open_ids = [i["id"] for i in api.get("/api/v1/incidents?status=open").get_json()]
    assert b["id"] in open_ids and a["id"] not in open_ids
    assert api.get("/api/v1/incidents?status=bogus").status_code == 422


def test_html_in_description_is_stored_as_text(api: Any) -> None:
    payload = '<img src=x onerror="alert(1)"> kebakaran'
    inc = fire_at_station(api, description=payload)
    assert api.get(f"/api/v1/incidents/{inc['id']}").get_json()["description"] == payload


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "api", "lat": 91, "lon": 112}, "lat"),
        ({"description": "api", "lat": -7.8, "lon": 181}, "lon"),
        ({"description": "api", "lat": "-7.8", "lon": 112}, "lat"),
        ({"description": "api", "lat": True, "lon": 112}, "lat"),
        ({"description": "api", "lon": 112}, "lat"),
        ({"lat": -7.8, "lon": 112}, "description"),
        ({"description": "", "lat": -7.8, "lon": 112}, "description"),
        ({"description": 42, "lat": -7.8, "lon": 112}, "description"),
        ({"description": "api", "lat": -7.8, "lon": 112, "channel": "pigeon"}, "channel"),
        ({"description": "api", "lat": -7.8, "lon": 112, "caller_phone": "<b>"}, "caller_phone"),
        ({"description": "api", "lat": -7.8, "lon": 112, "priority": 9}, "priority"),
    ],
)
def test_bad_incident_input_names_the_field(api: Any, body: dict[str, Any], field: str) -> None:
    resp = api.post("/api/v1/incidents", json=body)
    assert 400 <= resp.status_code < 500
    err = resp.get_json()["error"]
    assert err["field"] == field and err["message"]


def test_nan_and_infinity_are_rejected(client: Any, operator: Any) -> None:
    for raw in ('{"description":"api","lat":NaN,"lon":112}',
                '{"description":"api","lat":-7.8,"lon":Infinity}'):
        resp = client.post("/api/v1/incidents", data=raw, headers=operator.headers,
                           content_type="application/json")
        assert resp.status_code == 422, raw


def test_malformed_json_and_non_object_bodies(client: Any, operator: Any) -> None:
    for raw, status in (("{not json", 400), ("[1,2]", 422), ("", 422), ("\xff\xfe", 400)):
        resp = client.post("/api/v1/incidents", data=raw.encode("latin-1"),
                           headers=operator.headers, content_type="application/json")
        assert resp.status_code == status, raw
        assert "error" in resp.get_json()


def test_oversized_body_is_413(client: Any, operator: Any) -> None:
    big = '{"description":"' + "x" * 200_000 + '","lat":-7.8,"lon":112}'
    resp = client.post("/api/v1/incidents", data=big, headers=operator.headers,
                       content_type="application/json")
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"]


def test_dispatch_validation(api: Any) -> None:
    inc = fire_at_station(api)
    url = f"/api/v1/incidents/{inc['id']}/dispatch"
    assert api.post(url, json={"unit_ids": []}).status_code == 422
    assert api.post(url, json={"unit_ids": "DMK-01"}).status_code == 422
    assert api.post(url, json={"unit_ids": ["NOPE-9"]}).status_code == 422
    assert api.post("/api/v1/incidents/999999/dispatch", json={"unit_ids": ["DMK-01"]}).status_code == 404


def test_unknown_incident_is_404_json(api: Any) -> None:
    resp = api.get("/api/v1/incidents/424242")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/nothing-here").status_code == 404
