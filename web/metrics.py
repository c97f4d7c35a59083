"""GET /metrics: Prometheus text format, for a scraper with the token (or on loopback).

Per-app registry (tests build many apps). Request latency is a histogram per route rule,
never per raw path (ids would explode the label set). Figures that live in the database
(outbox depth, order acknowledgement round trips) are read at scrape time, so every process
reports the same truth whatever it handled itself.
"""

from __future__ import annotations

import hmac
import time
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from dispatch.db.models import Order
from dispatch.db.models_complaints import WebhookDelivery

bp = Blueprint("metrics", __name__)
_KEY = "siaga112.metrics"
ROUND_TRIP_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


class _RuntimeCollector:
    """Counters, leadership, outbox depth and order round trips, read at scrape time."""

    def __init__(self, rt: Any) -> None:
        self.rt = rt

    def collect(self) -> Any:
        """One pass over the runtime's state."""
        rt = self.rt
        received = CounterMetricFamily("siaga112_mqtt_received", "MQTT messages handled",
                                       labels=["kind"])
        dropped = CounterMetricFamily("siaga112_mqtt_dropped", "MQTT messages dropped",
                                      labels=["reason"])
        flagged = CounterMetricFamily("siaga112_fixes_flagged", "GPS fixes stored but not "
                                      "believed", labels=["flag"])
        # Message channels (WhatsApp, …): `channel.<channel>.<outcome>.<reason>` counters.
        channels = CounterMetricFamily("siaga112_channel_messages", "channel messages by "
                                       "outcome (accepted, rejected, ignored) and reason",
                                       labels=["channel", "outcome", "reason"])
        for name, value in sorted(rt.counters.snapshot().items()):
            for prefix, family in (("mqtt_received.", received), ("mqtt_dropped.", dropped),
                                   ("fixes_flagged.", flagged)):
                if name.startswith(prefix):
                    family.add_metric([name[len(prefix):]], value)
            if name.startswith("channel."):
                parts = name.split(".", 3)
                if len(parts) == 4:
                    channels.add_metric(parts[1:], value)
        yield from (received, dropped, flagged, channels)
        leader = GaugeMetricFamily("siaga112_leader", "1 while this process runs the "
                                   "once-only jobs")
        leader.add_metric([], 1.0 if rt.leadership.held() else 0.0)
        yield leader
        gateway = rt.orders
        connected = GaugeMetricFamily("siaga112_mqtt_connected", "1 while the broker is "
                                      "connected")
        connected.add_metric([], 1.0 if gateway is not None and gateway.connected else 0.0)
        yield connected
        units = GaugeMetricFamily("siaga112_units", "units known to the fleet")
        units.add_metric([], float(len(rt.fleet)))
        yield units
        now = rt.clock.now()
        with rt.session() as s:
            pending = s.scalar(select(func.count()).select_from(WebhookDelivery)
                               .where(WebhookDelivery.state == "pending")) or 0
            rows = s.execute(select(Order.issued_at, Order.acked_at).where(
                Order.acked_at.is_not(None),
                Order.acked_at >= now - timedelta(hours=24))).all()
        outbox = GaugeMetricFamily("siaga112_outbox_depth", "webhook deliveries waiting")
        outbox.add_metric([], float(pending))
        yield outbox
        trips = sorted(max(0.0, (acked - issued).total_seconds()) for issued, acked in rows)
        buckets, i = [], 0
        for bound in ROUND_TRIP_BUCKETS:
            while i < len(trips) and trips[i] <= bound:
                i += 1
            buckets.append((str(bound), float(i)))
        buckets.append(("+Inf", float(len(trips))))
        rtt = HistogramMetricFamily(
            "siaga112_order_ack_seconds", "order issued to acknowledged, last 24 h",
            buckets=buckets, sum_value=sum(trips))
        yield rtt


def init_metrics(app: Flask, rt: Any) -> None:
    """Registry, request timing hooks and the /metrics route for this app."""
    registry = CollectorRegistry(auto_describe=False)
    latency = Histogram("siaga112_http_request_seconds", "HTTP request latency by route",
                        ["method", "route", "status"], registry=registry,
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
    registry.register(_RuntimeCollector(rt))
    app.extensions[_KEY] = registry

    @app.before_request
    def _start_timer() -> None:
        g.metrics_t0 = time.perf_counter()

    @app.after_request
    def _observe(resp: Response) -> Response:
        t0 = g.pop("metrics_t0", None)
        if t0 is not None:
            rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
            latency.labels(request.method, rule, f"{resp.status_code // 100}xx").observe(
                time.perf_counter() - t0)
        return resp

    app.register_blueprint(bp)


def _allowed(token: str | None) -> bool:
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    # No token configured: only a scraper on this machine (remote_addr after ProxyFix).
    return request.remote_addr in ("127.0.0.1", "::1")


@bp.get("/metrics")
def metrics() -> Any:
    """The Prometheus exposition; 404 to anyone without the token (or not on loopback)."""
    rt = current_app.extensions["siaga112"]
    if not _allowed(rt.settings.metrics_token):
        abort(404)
    return Response(generate_latest(current_app.extensions[_KEY]),
                    mimetype=CONTENT_TYPE_LATEST)
