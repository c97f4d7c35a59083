"""Every text the crew page's JavaScript shows, in the request's language."""

from __future__ import annotations

from flask_babel import gettext as _

from web.console.strings import js_strings


def crew_strings() -> dict[str, str]:
    """The console's names (categories, statuses) plus the crew page's own texts."""
    names = {k: v for k, v in js_strings().items() if k.startswith(("cat.", "st.", "type."))}
    names.update({
        "noOrder": _("No order. Standing by."),
        "order": _("Order"),
        "accept": _("Accept"),
        "decline": _("Decline"),
        "accepted": _("Accepted"),
        "caller": _("Caller"),
        "address": _("Address"),
        "hospital": _("Hospital"),
        "status": _("Status"),
        "sharePosition": _("Share my position"),
        "sharing": _("Sharing position"),
        "noGeolocation": _("This phone cannot share its position"),
        "queued": _("Offline: {n} waiting to be sent"),
        "sent": _("Sent"),
        "online": _("Connected"),
        "offline": _("No connection"),
        "openMap": _("Open in map"),
        "refused": _("Refused"),
    })
    return names
