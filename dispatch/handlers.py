"""The one table of event handlers: which event makes what happen, at a glance.

Services publish domain events on the runtime's bus after their transaction commits; these
handlers turn them into effects at the edges. Each effect goes through a typed slot of the
runtime (`rt.orders`, `rt.webhooks`, `rt.live`), so a process whose role has no such part
(a web process has no outbox sender, a worker no consoles of its own) simply skips it.

An event relayed from another process (`relayed=True` on the bus) reaches only handlers
marked `relayed_too`: the effect already happened where the event was born.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .domain.complaints import ComplaintCreated, ComplaintOverdue, ComplaintReplied
from .domain.events import (
    ComplaintEscalated,
    ComplaintStatusChanged,
    Event,
    OrderResent,
    UnitDispatched,
    UnitMoveUpOrdered,
)

if TYPE_CHECKING:
    from .runtime import Runtime


@dataclass(frozen=True)
class Handler:
    """One effect of an event; `relayed_too` if it must also run for other processes' events."""

    run: Callable[[Runtime, Event], None]
    relayed_too: bool = False


def publish_order(rt: Runtime, event: Event) -> None:
    """Send a unit its (re-sent or move-up) order over MQTT, if this process publishes orders."""
    if rt.orders is not None:
        rt.orders.publish_order(event)


def wake_outbox(rt: Runtime, event: Event) -> None:
    """A complaint changed: let the webhook sender look at its outbox now, not at next poll."""
    if rt.webhooks is not None:
        rt.webhooks.wake()


def push_to_consoles(rt: Runtime, event: Event) -> None:
    """Show the event on every operator console."""
    if rt.live is not None:
        rt.live.push(event)


HANDLERS: dict[type[Event], tuple[Handler, ...]] = {
    UnitDispatched: (Handler(publish_order),),
    OrderResent: (Handler(publish_order),),
    UnitMoveUpOrdered: (Handler(publish_order),),
    ComplaintCreated: (Handler(wake_outbox),),
    ComplaintEscalated: (Handler(wake_outbox),),
    ComplaintStatusChanged: (Handler(wake_outbox),),
    ComplaintReplied: (Handler(wake_outbox),),
    ComplaintOverdue: (Handler(wake_outbox),),
    # Not relayed: Socket.IO's Redis message queue already carries one process's pushes to
    # the consoles of every other.
    Event: (Handler(push_to_consoles),),
}


def wire_handlers(rt: Runtime, table: dict[type[Event], tuple[Handler, ...]] = HANDLERS) -> None:
    """Subscribe every handler of `table` to the runtime's bus."""
    for event_type, handlers in table.items():
        for handler in handlers:
            rt.bus.subscribe(event_type, _bound(rt, handler), relayed_too=handler.relayed_too)


def _bound(rt: Runtime, handler: Handler) -> Callable[[Event], None]:
    def run(event: Event) -> None:
        handler.run(rt, event)

    run.__qualname__ = f"handlers.{handler.run.__name__}"
    return run
