"""Move-up: keep the city covered by sending available units to stations or standby points.

`suggest_moveups` solves the maximal covering MILP of `domain.moveup` for the live fleet, per
unit type, with demand from the last 90 days of incidents in each kecamatan at this hour of
the day, blended with the city pack's `coverage.default_demand` (all of it for a new city).
`accept_moveups` sends each chosen unit an order of kind `move_up` over the normal order path
(the `UnitMoveUpOrdered` event, which the handler table hands to the MQTT order publisher) and
keeps it in `move_up_orders`, the move-ups' log; the unit's ack is recorded there too.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db.models import Incident, MoveUpOrder, Unit
from ..domain.citytime import iso_local, zone
from ..domain.events import MoveUpAnswered, UnitMoveUpOrdered
from ..domain.moveup import problem_on_roads, suggest_move_ups
from .actors import Actor
from .coverage import _index
from .errors import Conflict, NotFound, ValidationError

if TYPE_CHECKING:
    from geo.coverage import CoverageIndex

    from ..fleet import UnitState
    from ..runtime import Runtime

HISTORY_DAYS = 90
HOUR_WINDOW = 1  # incidents within ±1 hour of the day count for this hour
# The city pack's shares weigh as much as this many incidents: a new city follows the pack,
# a city with months of calls follows its calls.
PRIOR_WEIGHT = 20.0
DEFAULT_MAX_MOVES = 2
DEFAULT_MAX_MOVE_S = 1800.0
# A unit sent on a move-up counts as at its site, and is not moved again, for this long.
HEADING_WINDOW = timedelta(minutes=30)
MAX_ACCEPT = 20


@dataclass(frozen=True)
class Site:
    """A place a unit may be moved up to."""

    id: str
    name: str
    kind: str  # a station kind, or "standby"
    lat: float
    lon: float
    unit_types: frozenset[str] | None = None  # None: any type


def _coverage_settings(rt: Runtime) -> Mapping[str, Any]:
    return rt.city.settings.get("coverage") or {}


def sites_for(rt: Runtime, unit_type: str) -> list[Site]:
    """Stations that are home to units of the type, and the pack's standby points."""
    homes = {u.station for u in rt.fleet.all() if u.type == unit_type and u.station}
    homes |= {u.station for u in rt.city.fleet if u.type == unit_type}
    out = [Site(s.id, s.name, s.kind, s.lat, s.lon) for s in rt.city.stations if s.id in homes]
    for p in _coverage_settings(rt).get("standby_points") or ():
        types = p.get("unit_types")
        if types is not None and unit_type not in types:
            continue
        out.append(Site(str(p["id"]), str(p.get("name") or p["id"]), "standby",
                        float(p["lat"]), float(p["lon"]),
                        frozenset(types) if types is not None else None))
    return out


def _find_site(rt: Runtime, unit_type: str, site_id: str) -> Site | None:
    return next((s for s in sites_for(rt, unit_type) if s.id == site_id), None)


def area_demand(rt: Runtime, unit_type: str, when: datetime) -> dict[str, Any]:
    """Each kecamatan's share of the demand for a unit type at this hour of the day.

    Incidents of the last 90 days whose category's response plan needs the type, within
    ±1 hour of the local hour, are counted per kecamatan and blended with the pack's
    `default_demand` (weighing PRIOR_WEIGHT incidents).
    """
    tz = zone(rt.city.timezone)
    local = when.astimezone(tz)
    areas = [name for name, _code, _geom in rt.city.kecamatan()]
    defaults = dict(_coverage_settings(rt).get("default_demand") or {})
    prior = {a: float(defaults.get(a, 1.0)) for a in areas}
    total_prior = sum(prior.values()) or 1.0
    prior = {a: w / total_prior for a, w in prior.items()}
    categories = [c for c, slots in rt.city.response_plans.items()
                  if any(s.unit_type == unit_type for s in slots)]
    counts: Counter[str] = Counter()
    if categories:
        with rt.session() as s:
            rows = s.execute(
                select(Incident.kecamatan, Incident.created_at)
                .where(Incident.created_at >= when - timedelta(days=HISTORY_DAYS),
                       Incident.created_at <= when,
                       Incident.exercise.is_(False), Incident.emergency.is_(True),
                       Incident.call_type == "genuine",
                       Incident.category.in_(categories),
                       Incident.kecamatan.is_not(None))).all()
        for kecamatan, created_at in rows:
            hour = created_at.astimezone(tz).hour
            gap = min((hour - local.hour) % 24, (local.hour - hour) % 24)
            if gap <= HOUR_WINDOW and kecamatan in prior:
                counts[kecamatan] += 1
    n = sum(counts.values())
    shares = {a: (counts[a] + PRIOR_WEIGHT * prior[a]) / (n + PRIOR_WEIGHT) for a in areas}
    source = "city_pack" if n == 0 else ("incidents" if n >= PRIOR_WEIGHT else "blend")
    return {"shares": shares, "incidents": n, "source": source, "hour": local.hour}


def _cell_weights(index: CoverageIndex, shares: Mapping[str, float]) -> list[float]:
    cells_per_area = Counter(p.area for p in index.points if p.kind == "cell")
    return [shares.get(p.area or "", 0.0) / cells_per_area[p.area]
            if p.kind == "cell" and cells_per_area[p.area] else 0.0
            for p in index.points]


def _heading(rt: Runtime, now: datetime) -> dict[str, MoveUpOrder]:
    """Move-ups still under way: unit id -> its latest order."""
    with rt.session() as s:
        rows = list(s.scalars(select(MoveUpOrder).where(
            MoveUpOrder.issued_at >= now - HEADING_WINDOW,
            MoveUpOrder.state.in_(("sent", "acknowledged"))).order_by(MoveUpOrder.issued_at)))
        s.expunge_all()
    return {r.unit_id: r for r in rows}


def _movable(rt: Runtime, unit: UnitState, now: float) -> bool:
    ok, _reason = rt.fleet.recommendable(unit, now)
    return (ok and unit.status == "available" and unit.incident_id is None
            and not unit.simulated and unit.lat is not None and unit.lon is not None)


def _int_arg(raw: Any, name: str, lo: int, hi: int, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be a whole number {lo}-{hi}", name) from None
    if not lo <= value <= hi:
        raise ValidationError(f"{name} must be a whole number {lo}-{hi}", name)
    return value


def suggest_moveups(rt: Runtime, max_moves: Any = None,
                    unit_type: str | None = None) -> dict[str, Any]:
    """The optimal move-ups for the current fleet, per unit type (at most `max_moves` each)."""
    cov = _coverage_settings(rt)
    moves_cap = _int_arg(max_moves, "max_moves", 1, 10,
                         int(cov.get("max_moves", DEFAULT_MAX_MOVES)))
    index = _index(rt)
    if unit_type is not None and unit_type not in index.targets_s:
        raise ValidationError(f"unit_type must be one of {', '.join(index.targets_s)}",
                              "unit_type")
    when = rt.clock.now()
    now = when.timestamp()
    max_move_s = float(cov.get("max_move_s", DEFAULT_MAX_MOVE_S))
    heading = _heading(rt, when)
    out: list[dict[str, Any]] = []
    for utype in ([unit_type] if unit_type else list(index.targets_s)):
        demand = area_demand(rt, utype, when)
        weights = _cell_weights(index, demand["shares"])
        sites = sites_for(rt, utype)
        by_site = {s.id: s for s in sites}
        fixed: list[tuple[str, float, float]] = []  # on their way: counted at the site
        free: list[tuple[str, float, float]] = []
        for u in rt.fleet.all():
            if u.type != utype or not _movable(rt, u, now):
                continue
            assert u.lat is not None and u.lon is not None
            going = heading.get(u.id)
            if going is not None:
                fixed.append((u.id, going.lat, going.lon))
            else:
                free.append((u.id, u.lat, u.lon))
        _w, units, site_objs = problem_on_roads(
            index, utype, free + fixed, [(s.id, s.lat, s.lon, None) for s in sites], when)
        fixed_ids = {f[0] for f in fixed}
        # A unit already on a move-up stays where it is going: no site options for it.
        units = [type(u)(u.unit_id, u.covers, {}) if u.unit_id in fixed_ids else u
                 for u in units]
        plan = suggest_move_ups(weights, units, site_objs, max_moves=moves_cap,
                                max_travel_s=max_move_s)
        uncovered = sorted({index.points[d].area or "" for d in plan.uncovered_after
                            if weights[d] > 0})
        out.append({
            "unit_type": utype,
            "target_s": index.targets_s[utype],
            "available_units": len(free) + len(fixed),
            "moving_up": sorted(fixed_ids),
            "demand": {"source": demand["source"], "incidents": demand["incidents"],
                       "hour": demand["hour"],
                       "shares": {a: round(v, 4) for a, v in demand["shares"].items()}},
            "covered_before": round(plan.covered_before, 4),
            "covered_after": round(plan.covered_after, 4),
            "gain": round(plan.gain, 4),
            "total_demand": round(plan.total_demand, 4),
            "status": plan.status,
            "uncovered_areas_after": uncovered,
            "moves": [{"unit_id": m.unit_id, "unit_type": utype, "site_id": m.site_id,
                       "site_name": by_site[m.site_id].name, "site_kind": by_site[m.site_id].kind,
                       "lat": by_site[m.site_id].lat, "lon": by_site[m.site_id].lon,
                       "travel_s": round(m.travel_s, 1)} for m in plan.moves],
        })
    return {"computed_at": iso_local(when, zone(rt.city.timezone)),
            "window_days": HISTORY_DAYS, "max_moves": moves_cap, "max_move_s": max_move_s,
            "suggestions": out,
            "moves": [m for s in out for m in s["moves"]]}


def move_up_payload(order_id: str, site: Site, issued_at: datetime,
                    travel_s: float | None) -> dict[str, Any]:
    """The MQTT order a unit receives for a move-up: the dispatch order's keys, kind move_up.

    It carries every key of the order contract so a unit that reads only those still parses
    it; `incident_id`, `category` and `priority` are null because no incident is behind it.
    """
    return {
        "order_id": order_id, "kind": "move_up", "incident_id": None, "category": None,
        "priority": None, "lat": site.lat, "lon": site.lon,
        "description": f"Pindah siaga ke {site.name} / Move up to {site.name}",
        "address": site.name, "issued_at": issued_at.isoformat(),
        "site": {"id": site.id, "name": site.name, "kind": site.kind},
        "travel_s": round(travel_s, 1) if travel_s is not None else None,
    }


def _parse_moves(data: Any) -> list[tuple[str, str]]:
    if not isinstance(data, Mapping):
        raise ValidationError("body must be a JSON object", "body")
    moves = data.get("moves")
    if not isinstance(moves, list) or not 1 <= len(moves) <= MAX_ACCEPT:
        raise ValidationError(
            f"moves harus daftar 1-{MAX_ACCEPT} {{unit_id, site_id}} / moves must be a list of "
            f"1-{MAX_ACCEPT} {{unit_id, site_id}}", "moves")
    out: list[tuple[str, str]] = []
    for i, m in enumerate(moves):
        if (not isinstance(m, Mapping) or not isinstance(m.get("unit_id"), str)
                or not isinstance(m.get("site_id"), str)
                or not 0 < len(m["unit_id"]) <= 32 or not 0 < len(m["site_id"]) <= 64):
            raise ValidationError(f"moves[{i}] must be {{unit_id, site_id}} (text)", "moves")
        out.append((m["unit_id"], m["site_id"]))
    if len({u for u, _s in out}) != len(out):
        raise ValidationError("a unit may be moved up only once per request", "moves")
    return out


def accept_moveups(rt: Runtime, data: Any, actor: Actor) -> dict[str, Any]:
    """Send each chosen unit a `move_up` order to its site; every move is kept in the log."""
    moves = _parse_moves(data)
    plan = data.get("plan") if isinstance(data.get("plan"), Mapping) else {}
    now = rt.clock.now()
    with rt.dispatch_lock:
        chosen: list[tuple[UnitState, Site]] = []
        for uid, sid in moves:
            unit = rt.fleet.get(uid)
            if unit is None:
                raise NotFound(f"unit {uid!r} tidak dikenal / unknown unit {uid!r}", "unit_id")
            if not _movable(rt, unit, now.timestamp()):
                raise Conflict(f"Unit {uid} tidak tersedia ({unit.status}) / unit {uid} is not "
                               f"available ({unit.status})", "unit_id")
            site = _find_site(rt, unit.type, sid)
            if site is None:
                raise ValidationError(
                    f"{sid!r} bukan pos atau titik siaga untuk {unit.type} / {sid!r} is not a "
                    f"station or standby point for {unit.type}", "site_id")
            chosen.append((unit, site))
        orders = []
        with rt.transaction() as (s, events):
            for unit, site in chosen:
                if s.get(Unit, unit.id) is None:
                    raise NotFound(f"unknown unit {unit.id!r}", "unit_id")
                assert unit.lat is not None and unit.lon is not None
                route = rt.router.route((unit.lat, unit.lon), (site.lat, site.lon), unit.type,
                                        now.astimezone(zone(rt.city.timezone)))
                travel = route.eta_s if math.isfinite(route.eta_s) else None
                order_id = "mvu_" + uuid.uuid4().hex[:16]
                payload = move_up_payload(order_id, site, now, travel)
                row = MoveUpOrder(
                    id=order_id, unit_id=unit.id, unit_type=unit.type, site_id=site.id,
                    site_name=site.name, lat=site.lat, lon=site.lon, travel_s=travel,
                    state="sent", issued_at=now, issued_by=actor.user_id,
                    issued_by_name=actor.id, payload=payload, plan=dict(plan))
                s.add(row)
                orders.append(move_up_to_dict(row))
                events.append(UnitMoveUpOrdered(unit.id, order_id, site.id, payload))
    return {"orders": orders}


def move_up_to_dict(row: MoveUpOrder) -> dict[str, Any]:
    """The API's view of one move-up order."""
    return {"order_id": row.id, "kind": "move_up", "unit_id": row.unit_id,
            "unit_type": row.unit_type, "site_id": row.site_id, "site_name": row.site_name,
            "lat": row.lat, "lon": row.lon, "travel_s": row.travel_s, "state": row.state,
            "issued_at": row.issued_at.isoformat(), "issued_by": row.issued_by_name,
            "acked_at": row.acked_at.isoformat() if row.acked_at else None}


def list_moveups(rt: Runtime, limit: int = 50) -> list[dict[str, Any]]:
    """The latest move-up orders, newest first (the move-ups' log)."""
    with rt.session() as s:
        rows = s.scalars(select(MoveUpOrder).order_by(MoveUpOrder.issued_at.desc(),
                                                      MoveUpOrder.id.desc()).limit(limit))
        return [move_up_to_dict(r) for r in rows]


def is_move_up_order(order_id: str) -> bool:
    """Whether an order id names a move-up (they live in their own table)."""
    return order_id.startswith("mvu_")


def answer_move_up(rt: Runtime, unit_id: str, order_id: str, accepted: bool,
                   ts: float | None = None) -> None:
    """The unit acknowledged (or declined) its move-up order."""
    now = rt.clock.now()
    with rt.transaction() as (s, events):
        row = s.get(MoveUpOrder, order_id)
        if row is None or row.unit_id != unit_id:
            raise NotFound(f"unknown order {order_id!r} for unit {unit_id!r}", "order_id")
        if row.state != "sent":
            return  # a repeated ack (QoS 1 copy): already recorded
        row.state = "acknowledged" if accepted else "declined"
        row.acked_at = now
        events.append(MoveUpAnswered(unit_id, order_id, accepted))

