"""The one in-process message bus: services publish events, adapters subscribe.

With several processes (web, worker) an event can also arrive from another process
through the relay (dispatch/relay.py). Such a relayed event already had its effects
(MQTT order, webhook, console push) in the process it came from, so it reaches only
the handlers that asked for relayed events too: the ones that keep local copies in step.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from .domain.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]


class MessageBus:
    """Synchronous publish/subscribe keyed by event class (and its bases)."""

    def __init__(self) -> None:
        # Each handler with its relayed_too flag.
        self._handlers: dict[type[Event], list[tuple[Handler, bool]]] = defaultdict(list)
        self._lock = threading.Lock()
        self.errors = 0

    def subscribe(self, event_type: type[Event], handler: Handler,
                  relayed_too: bool = False) -> None:
        """Call `handler` for every event of `event_type` or a subclass.

        Only with `relayed_too` does it also see events relayed from another process.
        """
        with self._lock:
            self._handlers[event_type].append((handler, relayed_too))

    def unsubscribe(self, event_type: type[Event], handler: Handler) -> None:
        """Stop calling `handler` for `event_type`."""
        with self._lock:
            entries = self._handlers.get(event_type, [])
            for entry in entries:
                if entry[0] == handler:
                    entries.remove(entry)
                    break

    def publish(self, event: Event, relayed: bool = False) -> None:
        """Deliver to every subscriber; one failing subscriber never stops the rest.

        A `relayed` event (from another process) reaches only relayed_too subscribers.
        """
        with self._lock:
            handlers = [h for t in type(event).__mro__ for h, too in self._handlers.get(t, ())
                        if too or not relayed]
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                # A console push or MQTT publish failing must not undo a committed fact.
                self.errors += 1
                log.exception("bus handler %r failed on %s", handler, event.name)

    def publish_all(self, events: list[Event], relayed: bool = False) -> None:
        """Publish several events in order."""
        for event in events:
            self.publish(event, relayed)
