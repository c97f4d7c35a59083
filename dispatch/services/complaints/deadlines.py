"""Complaint deadlines: overdue reminders, closing after the reopen window, the timer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from ...db.models_complaints import Complaint
from ...domain import citytime
from ...domain import complaints as rules
from ...domain.events import ComplaintStatusChanged
from .. import webhooks
from .common import SYSTEM_ACTOR, _stamp, _webhook_data, log, settings
from .lifecycle import _apply

if TYPE_CHECKING:
    from ...runtime import Runtime


def scan_overdue(rt: Runtime) -> dict[str, list[str]]:
    """Remind about overdue tickets (at most once per `reminder_every_hours`) and close
    resolved tickets whose reopen window has passed."""
    cfg = settings(rt)
    now = rt.clock.now()
    every = timedelta(hours=float(cfg["reminder_every_hours"]))
    reminded: list[str] = []
    closed: list[str] = []
    with rt.transaction() as (s, events):
        candidates = s.scalars(select(Complaint).where(or_(
            (Complaint.status == "received") & (Complaint.verify_due_at < now),
            Complaint.status.in_(("verified", "disposed", "in_progress"))
            & (Complaint.due_at < now),
        ))).all()
        for c in candidates:
            if c.last_reminder_at is not None and now - c.last_reminder_at < every:
                continue
            kind = "verification" if c.status == "received" else "followup"
            due = c.verify_due_at if kind == "verification" else c.due_at
            assert due is not None
            c.last_reminder_at = now
            who = c.opd_code if kind == "followup" and c.status != "verified" else "coordinator"
            _stamp(s, c, "reminder", SYSTEM_ACTOR, now,
                   f"Lewat batas waktu / Overdue ({kind}) sejak / since "
                   f"{citytime.format_datetime(due, rt.city.tz)}; "
                   f"pengingat ke / reminder to {who}", deadline=kind, to=who)
            webhooks.enqueue(s, rt, "complaint.overdue",
                             _webhook_data(rt, c, kind=kind, remind=who), c.ticket)
            reminded.append(c.ticket)
            events.append(rules.ComplaintOverdue(c.ticket, c.opd_code, due.isoformat(), kind))
        window = timedelta(days=int(cfg["reopen_days"]))
        for c in s.scalars(select(Complaint).where(Complaint.status == "resolved",
                                                   Complaint.resolved_at < now - window)):
            previous, status = _apply(s, rt, c, "close", SYSTEM_ACTOR, now,
                                      "Ditutup otomatis setelah masa sanggah / "
                                      "Closed automatically after the reopen window")
            closed.append(c.ticket)
            events.append(ComplaintStatusChanged(c.ticket, status, previous, "system"))
    return {"reminded": reminded, "closed": closed}


class ComplaintTimers:
    """Background pass over deadlines: reminders and automatic closing (every `every_s`)."""

    def __init__(self, rt: Runtime, every_s: float = 300.0,
                 scan: Callable[[Runtime], Any] = scan_overdue) -> None:
        self.rt = rt
        self.every_s = every_s
        self._scan = scan
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin the periodic scan."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="complaint-timers",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop scanning."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.rt.leadership.held():
                # Another process leads and sends the reminders; look again soon, in case
                # it dies.
                self._stop.wait(min(self.every_s, 5.0))
                continue
            try:
                self._scan(self.rt)
            except Exception:
                log.exception("complaint deadline scan failed")
            self._stop.wait(self.every_s)
