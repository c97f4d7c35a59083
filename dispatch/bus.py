"""The one in-process message bus: services publish events, adapters subscribe."""

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
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()
        self.errors = 0

    def subscribe(self, event_type: type[Event], handler: Handler) -> None:
        """Call `handler` for every event of `event_type` or a subclass."""
        with self._lock:
            self._handlers[event_type].append(handler)

    def unsubscribe(self, event_type: type[Event], handler: Handler) -> None:
        """Stop calling `handler` for `event_type`."""
        with self._lock:
            if handler in self._handlers.get(event_type, []):
                self._handlers[event_type].remove(handler)

    def publish(self, event: Event) -> None:
        """Deliver to every subscriber; one failing subscriber never stops the rest."""
        with self._lock:
            handlers = [h for t in type(event).__mro__ for h in self._handlers.get(t, ())]
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                # A console push or MQTT publish failing must not undo a committed fact.
                self.errors += 1
                log.exception("bus handler %r failed on %s", handler, event.name)

    def publish_all(self, events: list[Event]) -> None:
        """Publish several events in order."""
        for event in events:
            self.publish(event)
