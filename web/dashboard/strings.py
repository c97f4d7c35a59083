"""The city's words for the codes the dashboards show, translated per request (Flask-Babel)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..console.strings import js_strings as console_strings

# The console's names of categories, unit types, statuses, call types and order states.
_SHARED_PREFIXES = ("cat.", "type.", "st.", "ist.", "ct.", "ord.")


def js_strings() -> dict[str, str]:
    """Key → text in the request's language, handed to the dashboard pages as JSON."""
    out = {k: v for k, v in console_strings().items() if k.startswith(_SHARED_PREFIXES)}
    out.update({
        "phase.processing": _("Call processing"),
        "phase.ack": _("Order acknowledgement"),
        "phase.turnout": _("Turnout"),
        "phase.travel": _("Travel"),
        "phase.response": _("Response"),
        "phase.on_scene": _("On scene"),
        "phase.total": _("Total to close"),
        "kst.met": _("Target met"),
        "kst.near": _("Near target"),
        "kst.missed": _("Target missed"),
        "kst.no_data": _("No data"),
        "dash.waiting_overdue": _("Waiting past target"),
        "dash.none": _("None"),
        "dash.overdue": _("Overdue"),
        "dash.whole_city": _("whole city"),
    })
    return out
