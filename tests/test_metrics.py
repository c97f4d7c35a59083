"""GET /metrics: Prometheus text a real parser reads; only for the token or loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import accounts, field, incidents
from dispatch.services.actors import Actor
from web import create_app

OPERATOR = Actor("operator", "op", None, "operator")
STATION = {"lat": -7.8167, "lon": 112.0136}


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams: dict[str, Any], name: str, **labels: str) -> float:
    for s in fams[name.rsplit("_", 1)[0] if name.endswith(("_bucket", "_count", "_sum", "_total"))
                 else name].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return float(s.value)
    raise AssertionError(f"no sample {name} {labels}")


def test_metrics_with_the_token(tmp_path: Path) -> None:
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/m.db", metrics_token="scrape-me"))
    try:
        rt.start()  # takes the job lease
        accounts.create_user(rt, "op", "operator-pass-1", "operator")
        token = accounts.create_token(rt, "op")
        client = create_app(runtime=rt, config={"TESTING": True}).test_client()
        inc = client.post("/api/v1/incidents", json={"description": "Kebakaran pasar", **STATION},
                          headers={"Authorization": f"Bearer {token}"}).get_json()
        uid = inc["recommendations"][0]["unit_id"]
        order = incidents.dispatch_units(rt, inc["id"], {"unit_ids": [uid]}, OPERATOR)
        field.acknowledge_order(rt, uid, order["orders"][0]["order_id"], accepted=True)
        rt.counters.incr("mqtt_dropped.bad_json")
        # No token: nothing is said (404, not even that the page exists).
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 404
        resp = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"},
                          environ_base={"REMOTE_ADDR": "10.0.0.5"})
        assert resp.status_code == 200 and resp.mimetype == "text/plain"
        fams = families(resp.get_data(as_text=True))
        assert sample(fams, "siaga112_http_request_seconds_count", method="POST",
                      route="/api/v1/incidents", status="2xx") == 1
        assert sample(fams, "siaga112_mqtt_dropped_total", reason="bad_json") == 1
        assert sample(fams, "siaga112_leader") == 1
        assert sample(fams, "siaga112_order_ack_seconds_count") == 1
        assert sample(fams, "siaga112_outbox_depth") == 0
        # Routes are labelled by rule, never by raw path with its id.
        client.get(f"/api/v1/incidents/{inc['id']}", headers={"Authorization": f"Bearer {token}"})
        text = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).get_data(
            as_text=True)
        assert 'route="/api/v1/incidents/<' in text  # the rule, with its converter
        assert f"/api/v1/incidents/{inc['id']}\"" not in text
    finally:
        rt.stop()


def test_without_a_token_only_loopback_may_scrape(client: Any) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
