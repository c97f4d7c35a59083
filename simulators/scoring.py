"""Trainee scoring: per operator, time to classify and to dispatch against targets, and
whether the units sent match the recommendation. Works on incident dicts as the API
returns them (``GET /api/v1/incidents/<id>``, with the timeline), so the same code
scores an in-process run and a session on a running server.

A call nobody handled (no operator classified, dispatched or closed it) is a miss for
everyone on shift: it counts against each operator's shares (classified within target,
and dispatched within target when it was a genuine emergency), so a trainee who leaves
7 of 8 calls alone cannot score 100.
"""

from __future__ import annotations

import csv
import html
import io
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

# Timeline kinds that show an operator has decided what the call is.
CLASSIFY_KINDS = frozenset({"category_overridden", "category_confirmed", "call_type",
                            "priority_changed", "dispatched", "closed", "escalated"})
OPERATOR_KINDS = CLASSIFY_KINDS | {"note", "linked"}


@dataclass(frozen=True)
class Targets:
    """Seconds an operator should take at most."""

    classify_s: float = 30.0
    dispatch_s: float = 64.0  # the city pack's "processing" KPI target

    @classmethod
    def from_city(cls, settings: Mapping[str, Any], raw: Mapping[str, Any] | None = None) -> Targets:
        """Targets from the city pack (kpi_targets.processing) and a scenario's overrides."""
        kpi = dict(settings.get("kpi_targets") or {})
        dispatch = float((kpi.get("processing") or {}).get("target_s", 64.0))
        raw = dict(raw or {})
        return cls(float(raw.get("classify_target_s", 30.0)),
                   float(raw.get("dispatch_target_s", dispatch)))


@dataclass
class IncidentScore:
    """One incident as scored (`operator` is "" when nobody handled it)."""

    incident_id: int
    operator: str
    category: str
    call_type: str
    emergency: bool
    classify_s: float | None
    dispatch_s: float | None
    recommended: list[str]
    dispatched: list[str]
    exact_match: bool | None
    type_match: bool | None
    handled: bool = True

    @property
    def needs_dispatch(self) -> bool:
        """A genuine emergency, or one that was dispatched: the dispatch target applies."""
        return self.dispatch_s is not None or (self.emergency and self.call_type == "genuine")


@dataclass(frozen=True)
class Unhandled:
    """The calls nobody handled, which count against every operator on shift."""

    calls: int = 0
    needing_dispatch: int = 0


@dataclass
class OperatorScore:
    """Aggregates for one operator."""

    operator: str
    incidents: int = 0
    needing_dispatch: int = 0
    classified: list[float] = field(default_factory=list)
    dispatched: list[float] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)
    types: list[bool] = field(default_factory=list)

    def row(self, targets: Targets, unhandled: Unhandled | None = None) -> dict[str, Any]:
        """One CSV/HTML row; the session's unhandled calls count as misses."""
        missed = unhandled or Unhandled()

        def mean(xs: list[float]) -> float | None:
            return round(statistics.fmean(xs), 1) if xs else None

        def p90(xs: list[float]) -> float | None:
            if not xs:
                return None
            s = sorted(xs)
            return round(s[max(math.ceil(0.9 * len(s)) - 1, 0)], 1)  # nearest rank

        def share(flags: list[bool]) -> float | None:
            return round(100.0 * sum(flags) / len(flags), 1) if flags else None

        def within(xs: list[float], target: float, total: int) -> float | None:
            # Out of every call the operator should have done, not only those they did.
            total = max(total, len(xs))
            return round(100.0 * sum(x <= target for x in xs) / total, 1) if total else None

        within_c = within(self.classified, targets.classify_s, self.incidents + missed.calls)
        within_d = within(self.dispatched, targets.dispatch_s,
                          self.needing_dispatch + missed.needing_dispatch)
        parts = [p for p in (within_c, within_d, share(self.exact)) if p is not None]
        return {
            "operator": self.operator,
            "incidents": self.incidents,
            "unhandled_calls": missed.calls,
            "classify_mean_s": mean(self.classified),
            "classify_p90_s": p90(self.classified),
            "classify_within_target_pct": within_c,
            "dispatches": len(self.dispatched),
            "dispatch_mean_s": mean(self.dispatched),
            "dispatch_p90_s": p90(self.dispatched),
            "dispatch_within_target_pct": within_d,
            "recommendation_match_pct": share(self.exact),
            "unit_type_match_pct": share(self.types),
            "score": round(statistics.fmean(parts), 1) if parts else None,
        }


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value))


def score_incident(inc: Mapping[str, Any]) -> IncidentScore:
    """Score one incident dict (with its timeline)."""
    created = _ts(inc["created_at"])
    assert created is not None
    timeline = list(inc.get("timeline") or ())
    creator = next((e.get("actor_id") for e in timeline if e.get("kind") == "created"), None)
    acts = [e for e in timeline if e.get("actor_type") == "operator"
            and e.get("kind") in OPERATOR_KINDS]
    classify_s = None
    first_class = next((e for e in timeline if e.get("actor_type") == "operator"
                        and e.get("kind") in CLASSIFY_KINDS), None)
    # Taking the call (intake) is not handling it: the simulator, or the trainer's token,
    # creates the incidents of an exercise.
    handled = bool(acts) or inc.get("first_dispatch_at") is not None
    operator = str(acts[0].get("actor_id") if acts else creator or "?") if handled else ""
    if first_class is not None:
        classify_s = max(0.0, ((_ts(first_class["ts"]) or created) - created).total_seconds())
    dispatch_s = None
    first = _ts(inc.get("first_dispatch_at"))
    if first is not None:
        dispatch_s = max(0.0, (first - created).total_seconds())
    # What was recommended when the operator dispatched: the last recommendation before it.
    recommended: list[dict[str, Any]] = list(inc.get("recommendations") or ())
    first_batch: list[tuple[str, str]] = []
    for e in timeline:
        data = e.get("data") or {}
        if e.get("kind") == "recommended" and (first is None or _ts(e["ts"]) <= first):  # type: ignore[operator]
            recommended = list(data.get("recommendations") or ())
        if e.get("kind") == "dispatched" and first is not None and _ts(e["ts"]) == first:
            first_batch.append((str(data.get("unit_id")), str(data.get("unit_type"))))
    exact = types = None
    if first_batch:
        rec_ids = {str(r.get("unit_id")) for r in recommended}
        exact = {u for u, _ in first_batch} == rec_ids
        types = Counter(t for _, t in first_batch) == Counter(
            str(r.get("unit_type")) for r in recommended)
    return IncidentScore(
        incident_id=int(inc["id"]), operator=operator, category=str(inc.get("category")),
        call_type=str(inc.get("call_type")), emergency=bool(inc.get("emergency")),
        classify_s=classify_s, dispatch_s=dispatch_s,
        recommended=sorted(str(r.get("unit_id")) for r in recommended),
        dispatched=sorted(u for u, _ in first_batch), exact_match=exact, type_match=types,
        handled=handled,
    )


def unhandled(rows: Iterable[IncidentScore]) -> Unhandled:
    """How many calls nobody handled, and how many of them needed a dispatch."""
    missed = [r for r in rows if not r.handled]
    return Unhandled(len(missed), sum(1 for r in missed if r.needs_dispatch))


def score(incidents: Iterable[Mapping[str, Any]]) -> tuple[list[IncidentScore], list[OperatorScore]]:
    """Per-incident scores and per-operator aggregates (sorted by operator; unhandled apart)."""
    per_incident = [score_incident(i) for i in incidents]
    return per_incident, _aggregate(per_incident, lambda s: s.operator)


SESSION = "(semua / all)"


def session_score(rows: list[IncidentScore]) -> OperatorScore:
    """The whole session as one operator: every handled call, the unhandled as misses."""
    found = _aggregate(rows, lambda _s: SESSION)
    return found[0] if found else OperatorScore(SESSION)


def _aggregate(per_incident: list[IncidentScore],
               key: Any) -> list[OperatorScore]:
    ops: dict[str, OperatorScore] = defaultdict(lambda: OperatorScore(""))
    for s in per_incident:
        if not s.handled:
            continue
        o = ops[key(s)]
        o.operator = key(s)
        o.incidents += 1
        if s.needs_dispatch:
            o.needing_dispatch += 1
        if s.classify_s is not None:
            o.classified.append(s.classify_s)
        if s.dispatch_s is not None:
            o.dispatched.append(s.dispatch_s)
        if s.exact_match is not None:
            o.exact.append(s.exact_match)
        if s.type_match is not None:
            o.types.append(bool(s.type_match))
    return [ops[k] for k in sorted(ops)]


OPERATOR_COLUMNS = ("operator", "incidents", "unhandled_calls", "classify_mean_s",
                    "classify_p90_s",
                    "classify_within_target_pct", "dispatches", "dispatch_mean_s",
                    "dispatch_p90_s", "dispatch_within_target_pct", "recommendation_match_pct",
                    "unit_type_match_pct", "score")
INCIDENT_COLUMNS = ("incident_id", "operator", "category", "call_type", "handled", "classify_s",
                    "dispatch_s", "recommended", "dispatched", "exact_match", "type_match")


def operators_csv(ops: list[OperatorScore], targets: Targets,
                  missed: Unhandled | None = None) -> str:
    """The per-operator table as CSV."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=OPERATOR_COLUMNS, lineterminator="\n")
    w.writeheader()
    for o in ops:
        w.writerow({k: ("" if v is None else v) for k, v in o.row(targets, missed).items()})
    return buf.getvalue()


def incidents_csv(rows: list[IncidentScore]) -> str:
    """The per-incident detail as CSV."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(INCIDENT_COLUMNS)
    for s in rows:
        w.writerow([s.incident_id, s.operator, s.category, s.call_type, s.handled,
                    "" if s.classify_s is None else round(s.classify_s, 1),
                    "" if s.dispatch_s is None else round(s.dispatch_s, 1),
                    " ".join(s.recommended), " ".join(s.dispatched),
                    "" if s.exact_match is None else s.exact_match,
                    "" if s.type_match is None else s.type_match])
    return buf.getvalue()


def report_html(ops: list[OperatorScore], rows: list[IncidentScore], targets: Targets,
                title: str = "Siaga112 — laporan latihan / training report") -> str:
    """A self-contained HTML report (every value escaped)."""
    e = html.escape
    missed = unhandled(rows)

    def cell(v: Any) -> str:
        return "<td>" + ("–" if v is None or v == "" else e(str(v))) + "</td>"

    head = "".join(f"<th>{e(c)}</th>" for c in OPERATOR_COLUMNS)
    body = "".join("<tr>" + "".join(cell(v) for v in o.row(targets, missed).values()) + "</tr>"
                   for o in [*ops, session_score(rows)])
    ihead = "".join(f"<th>{e(c)}</th>" for c in INCIDENT_COLUMNS)
    ibody = "".join(
        "<tr>" + "".join(cell(v) for v in (
            s.incident_id, s.operator, s.category, s.call_type, s.handled,
            None if s.classify_s is None else round(s.classify_s, 1),
            None if s.dispatch_s is None else round(s.dispatch_s, 1),
            " ".join(s.recommended), " ".join(s.dispatched), s.exact_match, s.type_match,
        )) + "</tr>" for s in rows)
    return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{background:#eee}}
td:first-child,th:first-child{{text-align:left}}</style></head><body>
<h1>{e(title)}</h1>
<p>Target klasifikasi / classify target: {targets.classify_s:.0f} s ·
target pemberangkatan / dispatch target: {targets.dispatch_s:.0f} s.
Cocok rekomendasi / recommendation match: unit yang dikirim pertama sama dengan rekomendasi /
the first units sent equal the recommendation.</p>
<p id="unhandled">Panggilan tidak ditangani / calls nobody handled: {missed.calls} dari / of
{len(rows)} ({missed.needing_dispatch} perlu unit / needed a unit); dihitung gagal untuk setiap
operator / counted as misses for every operator.</p>
<h2>Per operator</h2><table><tr>{head}</tr>{body}</table>
<h2>Per kejadian / per incident</h2><table><tr>{ihead}</tr>{ibody}</table>
</body></html>
"""


def write_report(directory: str | Path, incidents: Iterable[Mapping[str, Any]],
                 targets: Targets) -> dict[str, str]:
    """Write report.html, operators.csv and incidents.csv; returns their paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    rows, ops = score(incidents)
    paths = {"html": d / "report.html", "csv": d / "operators.csv",
             "incidents_csv": d / "incidents.csv"}
    paths["html"].write_text(report_html(ops, rows, targets), encoding="utf-8")
    paths["csv"].write_text(operators_csv(ops, targets, unhandled(rows)), encoding="utf-8")
    paths["incidents_csv"].write_text(incidents_csv(rows), encoding="utf-8")
    return {k: str(v) for k, v in paths.items()}
