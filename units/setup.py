"""Attach the MQTT side (embedded broker, gateway, track writer, order timer) to a Runtime."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .broker import local_broker
from .gateway import MqttGateway, OrderTimeoutTicker
from .tracks import TrackWriter

if TYPE_CHECKING:
    from dispatch.runtime import Runtime

log = logging.getLogger(__name__)


def attach(rt: Runtime, embedded: bool) -> None:
    """Wire the field-unit services into `rt`; `rt.start()` starts them, `rt.stop()` stops them.

    Without SIAGA_MQTT_URL a local broker is started on a free port (demo and, with a warning,
    serve): a Mosquitto child process when installed, else the in-process amqtt broker.
    """
    url = rt.settings.mqtt_url
    if url is None:
        if not embedded:
            log.warning("SIAGA_MQTT_URL is not set: starting a local MQTT broker "
                        "(fine for trials; production runs its own Mosquitto)")
        broker = local_broker(rt.settings.database_url)
        broker.start()
        rt.services.append(broker)  # started already; stopped last (services stop in reverse)
        rt.extensions["mqtt_broker"] = broker
        url = broker.url
    writer = TrackWriter(rt)
    gateway = MqttGateway(rt, url)
    ticker = OrderTimeoutTicker(rt)
    rt.services.extend([writer, gateway, ticker])
    rt.extensions["track_writer"] = writer
    rt.extensions["mqtt_gateway"] = gateway
    rt.extensions["order_ticker"] = ticker
    rt.extensions["mqtt_url"] = url
