"""The field-unit side of the composition root: broker, gateway, track writer, order timer."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from .broker import local_broker
from .gateway import MqttGateway, OrderTimeoutTicker
from .tracks import TrackWriter

if TYPE_CHECKING:
    from dispatch.bootstrap import FieldAttach
    from dispatch.runtime import Runtime

log = logging.getLogger(__name__)


def attach(rt: Runtime, embedded: bool) -> None:
    """Wire the field-unit parts `rt.role` runs; `rt.start()` starts them, `rt.stop()` stops them.

    Role "all" without SIAGA_MQTT_URL starts a local broker on a free port (demo and, with a
    warning, serve): a Mosquitto child process when installed, else the in-process amqtt
    broker. Roles "web" and "worker" need SIAGA_MQTT_URL: processes share one broker.
    A web process only publishes the orders it creates; a worker subscribes, writes tracks
    and times acknowledgements out.
    """
    url = rt.settings.mqtt_url
    if url is None:
        if rt.role != "all":
            raise ValueError(f"role {rt.role!r} needs SIAGA_MQTT_URL: several processes must "
                             "share one MQTT broker")
        if not embedded:
            log.warning("SIAGA_MQTT_URL is not set: starting a local MQTT broker "
                        "(fine for trials; production runs its own Mosquitto)")
        broker = local_broker(rt.settings.database_url)
        broker.start()
        rt.services.append(broker)  # started already; stopped last (services stop in reverse)
        rt.broker = broker
        url = broker.url
    rt.mqtt_url = url
    if rt.role == "web":
        gateway = MqttGateway(rt, url, subscribe=False)
        rt.services.append(gateway)
        rt.orders = gateway
        return
    writer = TrackWriter(rt)
    gateway = MqttGateway(rt, url)
    ticker = OrderTimeoutTicker(rt)
    rt.services.extend([writer, gateway, ticker])
    rt.tracks = writer
    rt.orders = gateway
    rt.order_timeouts = ticker


def field_parts(embedded: bool = True) -> FieldAttach:
    """The `field=` argument of `dispatch.bootstrap.bootstrap` for this process."""
    return functools.partial(attach, embedded=embedded)
