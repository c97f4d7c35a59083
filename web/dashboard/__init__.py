"""Supervisor dashboard, executive view, CSV export and the KPI API (GET /api/v1/kpis).

Every figure on the pages comes from ``GET /api/v1/kpis`` (the pages are empty shells
filled by the ES modules in static/dashboard/, main.js first); the CSV export serves the same data as tables.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from dispatch.domain.constants import CALL_TYPES, CATEGORIES
from dispatch.domain.kpis import PHASE_LABELS, PHASES, STATUS_LABELS
from dispatch.services import kpis

from ..auth import roles_required, runtime
from .strings import js_strings

bp = Blueprint("dashboard", __name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _page(template: str, **context: Any) -> Response:
    rt = runtime()
    html = render_template(
        template,
        categories=CATEGORIES,
        districts=[name for name, _, _ in rt.city.kecamatan()],
        phases=[(p, PHASE_LABELS[p]) for p in PHASES],
        dimensions=kpis.DIMENSIONS,
        call_types=CALL_TYPES,
        status_labels=STATUS_LABELS,
        city_name=rt.city.name,
        has_console="console.index" in current_app.view_functions,
        strings=js_strings(),
        **context,
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/dashboard")
@roles_required("viewer")
def index() -> Any:
    """The supervisor's live board and response-time figures."""
    return _page("dashboard/index.html", page="dashboard")


@bp.get("/executive")
@roles_required("viewer")
def executive() -> Any:
    """One page of big numbers and trends for the mayor's office (Sistem Informasi Eksekutif)."""
    return _page("dashboard/executive.html", page="executive")


@bp.get("/api/v1/kpis")
@roles_required("viewer")
def api_kpis() -> Any:
    """Phases, breakdowns, trend, live board and complaints for ?from=&to=&category=&district=."""
    rt = runtime()
    data = kpis.dashboard(rt, kpis.parse_query(rt, request.args))
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@bp.get("/dashboard/export/<name>.csv")
@roles_required("viewer")
def export(name: str) -> Any:
    """One dashboard table as CSV (UTF-8 with BOM so spreadsheets read the accents right)."""
    if name not in kpis.table_names():
        abort(404)
    rt = runtime()
    q = kpis.parse_query(rt, request.args)
    header, rows = kpis.tables(kpis.dashboard(rt, q))[name]
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    tz = kpis.city_tz(rt)
    stamp = f"{q.start.astimezone(tz):%Y%m%d}-{q.end.astimezone(tz):%Y%m%d}"
    resp = Response(buf.getvalue(), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="siaga112-{name}-{stamp}.csv"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
