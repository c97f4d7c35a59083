"""The composition root: build the runtime and every background part a process runs.

The web app, the CLI, the simulators, the benchmarks and the tests all build the system
here and nowhere else. What is built depends on the process's role (`serve --role`):

=========================  =====  =====  ======
part                       all    web    worker
=========================  =====  =====  ======
fleet replica, handlers     yes    yes    yes
MQTT subscriptions (ingest) yes    no     yes
order publishing            yes    yes*   yes
track writer                yes    no     yes
ack-timeout ticker          yes    no     yes
complaint deadline timer    yes    no     yes
webhook outbox sender       yes    no     yes
live push to consoles       yes    yes    yes**
Redis relay of events       no     yes    yes
=========================  =====  =====  ======

\\* a web process publishes the orders it creates itself, on a publish-only MQTT connection
(no subscription), so an order does not wait for a hop through a worker.
\\*\\* a worker pushes through Socket.IO's Redis message queue (it serves no consoles itself).

Once-only jobs (timeouts, deadlines, webhooks, retention) run in the leader only
(`dispatch.leadership`), so several workers never fire a job twice. The adapters of the
outer layers (units/, web/) are handed in as `field` and `live`, so this module keeps the
import direction (dispatch imports neither).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from geo.routing import Router

from .citypack import CityPack
from .clock import Clock
from .config import Settings, settings_from_env
from .domain.recommend import DispatchPolicy
from .handlers import wire_handlers
from .ports import LivePush
from .runtime import ROLES, Runtime
from .services import webhooks
from .services.complaints import ComplaintTimers
from .services.units import load_fleet

# Attaches the field-unit side (MQTT gateway, track writer, ack-timeout ticker) for a role.
FieldAttach = Callable[[Runtime], None]
# Builds the console push for a runtime (Socket.IO in-process, or through Redis).
LiveFactory = Callable[[Runtime], LivePush]
# Attaches the cross-process relay of domain events and fleet changes.
RelayAttach = Callable[[Runtime, str], None]


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    city: CityPack | None = None,
    engine: Engine | None = None,
    router: Router | None = None,
    policy: DispatchPolicy | None = None,
    run_migrations: bool = True,
    field: FieldAttach | None = None,
    live: LiveFactory | None = None,
    relay: RelayAttach | None = None,
) -> Runtime:
    """Build a runtime for `settings.role` with its fleet, handlers and background parts.

    Nothing is started: `rt.start()` starts the parts, `rt.stop()` stops them.
    """
    settings = settings or settings_from_env()
    if settings.role not in ROLES:
        raise ValueError(f"unknown role {settings.role!r}: expected one of {', '.join(ROLES)}")
    rt = Runtime(settings, clock=clock, city=city, engine=engine, router=router,
                 policy=policy, run_migrations=run_migrations)
    load_fleet(rt)
    wire_handlers(rt)
    webhooks.load_config(rt)
    if rt.role != "web":
        rt.services.append(ComplaintTimers(rt))
        webhooks.attach(rt)
    if field is not None:
        field(rt)
    if live is not None:
        rt.live = live(rt)
        if hasattr(rt.live, "start") and hasattr(rt.live, "stop"):
            rt.services.append(rt.live)  # type: ignore[arg-type]
    if relay is not None and settings.redis_url and rt.role != "all":
        relay(rt, settings.redis_url)
    return rt
