"""Complaint flow rules (SP4N-LAPOR! style): lifecycle, who may move a ticket, routing.

Pure: no framework imports. The service layer asks this module whether a transition is
allowed and which OPD a text belongs to; it never decides that itself.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from . import privacy
from .events import Event

# ----------------------------------------------------------------------------- lifecycle

STATUSES: tuple[str, ...] = (
    "received",
    "verified",
    "disposed",
    "in_progress",
    "resolved",
    "closed",
    "rejected",
    "duplicate",
    "archived",
)
OPEN_STATUSES: frozenset[str] = frozenset({"received", "verified", "disposed", "in_progress"})
# Open311 knows only open/closed; a resolved ticket waits for the citizen but is "closed".
OPEN311_OPEN: frozenset[str] = OPEN_STATUSES

STATUS_LABELS: Mapping[str, str] = {
    "received": "Diterima / Received",
    "verified": "Terverifikasi / Verified",
    "disposed": "Didisposisikan ke OPD / Disposed to department",
    "in_progress": "Sedang ditindaklanjuti / In progress",
    "resolved": "Selesai ditindaklanjuti / Resolved",
    "closed": "Ditutup / Closed",
    "rejected": "Ditolak / Rejected",
    "duplicate": "Duplikat / Duplicate",
    "archived": "Diarsipkan / Archived",
}

CHANNELS: tuple[str, ...] = ("call", "whatsapp", "sms", "web", "walk_in", "aml", "open311", "api")

# Who acts: the coordinator (command-center staff or the coordinating OPD), the OPD the
# ticket is disposed to, the citizen who reported it (with their access code), the system.
COORDINATOR, OPD, CITIZEN, SYSTEM = "coordinator", "opd", "citizen", "system"


@dataclass(frozen=True)
class Transition:
    """One allowed move of a ticket: an action from some statuses to one status."""

    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    needs_reason: bool = False
    label: str = ""


def _t(action: str, sources: Iterable[str], target: str, actors: Iterable[str],
       needs_reason: bool = False, label: str = "") -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors), needs_reason, label)


TRANSITIONS: Mapping[str, Transition] = {
    t.action: t
    for t in (
        _t("verify", ["received"], "verified", [COORDINATOR],
           label="Verifikasi / Verify"),
        _t("dispose", ["verified"], "disposed", [COORDINATOR],
           label="Disposisi ke OPD / Dispose to department"),
        # A department says "not ours": back to the coordinator, who disposes again.
        _t("return", ["disposed", "in_progress"], "verified", [OPD, COORDINATOR],
           needs_reason=True, label="Kembalikan ke koordinator / Return to coordinator"),
        _t("start", ["disposed"], "in_progress", [OPD, COORDINATOR],
           label="Mulai tindak lanjut / Start work"),
        _t("resolve", ["disposed", "in_progress"], "resolved", [OPD, COORDINATOR],
           needs_reason=True, label="Selesai / Resolve"),
        _t("close", ["resolved"], "closed", [COORDINATOR, CITIZEN, SYSTEM],
           label="Tutup / Close"),
        _t("reject", ["received", "verified"], "rejected", [COORDINATOR],
           needs_reason=True, label="Tolak, bukan kewenangan / Reject, not our authority"),
        _t("duplicate", ["received", "verified"], "duplicate", [COORDINATOR],
           label="Tandai duplikat / Mark duplicate"),
        _t("archive", ["rejected", "duplicate", "closed"], "archived", [COORDINATOR, SYSTEM],
           label="Arsipkan / Archive"),
        _t("reopen", ["resolved", "closed"], "disposed", [CITIZEN, COORDINATOR],
           needs_reason=True, label="Buka kembali / Reopen"),
    )
}


class TransitionError(Exception):
    """A move the lifecycle forbids (wrong status, wrong actor, missing reason, too late)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_transition(
    action: str,
    status: str,
    actor: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
    resolved_at: datetime | None = None,
    reopen_days: int = 14,
) -> Transition:
    """The transition for `action` from `status` by `actor`, or TransitionError saying why not."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionError(f"unknown action {action!r}", "action")
    if actor not in t.actors:
        raise TransitionError(f"{actor} may not {action} a complaint", "action")
    if status not in t.sources:
        raise TransitionError(
            f"cannot {action} a complaint that is {status} "
            f"(only from {', '.join(sorted(t.sources))})", "action")
    if t.needs_reason and not (reason or "").strip():
        raise TransitionError(f"{action} needs a reason / alasan", "reason")
    if action == "reopen":
        if resolved_at is None or now is None:
            raise TransitionError("this complaint was never resolved", "action")
        if now - resolved_at > timedelta(days=reopen_days):
            raise TransitionError(
                f"reopen is possible only within {reopen_days} days of resolution", "action")
    return t


def allowed_actions(status: str, actor: str) -> list[Transition]:
    """Every transition `actor` may take from `status` (for buttons on a page)."""
    return [t for t in TRANSITIONS.values() if status in t.sources and actor in t.actors]


def is_open(status: str) -> bool:
    """True while the complaint waits for someone in the government to act."""
    return status in OPEN_STATUSES


def open311_status(status: str) -> str:
    """GeoReport v2 knows only `open` and `closed`."""
    return "open" if status in OPEN311_OPEN else "closed"


# ----------------------------------------------------------------------------- tickets

TICKET_RE = re.compile(r"^[A-Z]{2,8}-(\d{4})-(\d{6,9})$")


def format_ticket(prefix: str, year: int, seq: int) -> str:
    """A human-readable ticket number, e.g. SGA-2026-000123."""
    return f"{prefix}-{year:04d}-{seq:06d}"


def valid_ticket(text: str) -> bool:
    """True when `text` looks like a ticket number (anything else is a 404, not a query)."""
    return bool(TICKET_RE.match(text or ""))


# ----------------------------------------------------------------------------- routing


class OpdLike(Protocol):
    """What routing needs of an OPD (the city pack's Opd)."""

    code: str
    name: str
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    coordinator: bool


# Generic words that tell which of an OPD's categories a text is about (the pack maps
# keywords to OPDs, not to categories). A pack may extend this in
# city.json complaint.category_keywords.
CATEGORY_HINTS: Mapping[str, tuple[str, ...]] = {
    "roads": ("jalan", "aspal", "trotoar", "jembatan", "berlubang", "road", "pothole"),
    "drainage": ("drainase", "saluran", "gorong", "selokan", "genangan", "got", "drain"),
    "waste": ("sampah", "tps", "limbah", "rubbish", "garbage", "waste"),
    "environment": ("pohon", "taman", "pencemaran", "asap", "bau", "polusi"),
    "street_light": ("pju", "lampu jalan", "penerangan", "lampu mati", "street light"),
    "traffic_light": ("traffic light", "bangjo", "lampu merah", "apill", "lampu lalu lintas"),
    "parking": ("parkir", "jukir", "parking"),
    "water": ("air", "pdam", "pipa", "water"),
    "id_documents": ("ktp", "kk", "akta", "kia", "domisili"),
    "social_aid": ("bansos", "pkh", "bpnt", "dtks", "bantuan"),
    "health_service": ("puskesmas", "posyandu", "bpjs", "fogging", "vaksin"),
    "public_order": ("pkl", "reklame", "baliho", "spanduk", "bangunan liar"),
}

CATEGORY_NAMES: Mapping[str, str] = {
    "roads": "Jalan rusak / Roads",
    "drainage": "Drainase dan saluran / Drainage",
    "waste": "Sampah / Waste",
    "environment": "Lingkungan / Environment",
    "street_light": "Lampu jalan (PJU) / Street lights",
    "traffic_light": "Lampu lalu lintas / Traffic lights",
    "parking": "Parkir / Parking",
    "water": "Air bersih (PDAM) / Water supply",
    "id_documents": "Dokumen kependudukan / ID documents",
    "social_aid": "Bantuan sosial / Social aid",
    "health_service": "Layanan kesehatan / Health services",
    "public_order": "Ketertiban umum / Public order",
    "other": "Lainnya / Other",
}


def category_name(code: str) -> str:
    """A display name for a complaint category."""
    return CATEGORY_NAMES.get(code) or code.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Routing:
    """Where a complaint goes and why."""

    opd_code: str
    category: str
    method: str  # category, model, keyword, manual
    matched: tuple[str, ...] = ()

    @property
    def manual(self) -> bool:
        """True when nobody matched: the coordinator disposes it by hand."""
        return self.method == "manual"


def normalize(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces, single spaces."""
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = re.sub(r"[^\w-]+", " ", folded)
    return f" {' '.join(folded.split())} "


@functools.lru_cache(maxsize=8192)
def _needle(phrase: str) -> str:
    # Keywords repeat on every call; normalising them once keeps routing cheap.
    return f" {' '.join(normalize(phrase).split())} "


def _has(phrase: str, norm_text: str) -> bool:
    return _needle(phrase) in norm_text


class OpdModel(Protocol):
    """A trained router: the likeliest OPD code, its confidence and the words behind it."""

    def __call__(self, text: str, opds: Sequence[OpdLike]) -> Any: ...


def route(
    text: str,
    opds: Sequence[OpdLike],
    category: str | None = None,
    hints: Mapping[str, Sequence[str]] | None = None,
    model: OpdModel | None = None,
    min_confidence: float = 0.45,
) -> Routing:
    """The OPD and category: explicit category, else the model, else keywords, else the coordinator.

    `model(text, opds)` returns an object with `opd_code`, `confidence` and `cues`, or None;
    it is believed at `min_confidence` or above. Below that, the keyword rule decides, and
    only a text neither can place goes to the coordinator by hand.
    """
    coordinator = next((o for o in opds if o.coordinator), None)
    if coordinator is None:
        raise ValueError("the city pack has no coordinator OPD")
    if category:
        for opd in opds:
            if category in opd.categories:
                return Routing(opd.code, category, "category")
    norm = normalize(text)
    guess = model(text, opds) if model is not None and norm.strip() else None
    if guess is not None and guess.confidence >= min_confidence:
        chosen = next((o for o in opds if o.code == guess.opd_code), None)
        if chosen is not None and not chosen.coordinator:
            return Routing(chosen.code, pick_category(chosen.categories, norm, hints), "model",
                           tuple(guess.cues))
        if chosen is not None:
            fallback = coordinator.categories[0] if coordinator.categories else "other"
            return Routing(coordinator.code, fallback, "manual")
    best: tuple[int, int, int] | None = None
    best_opd: OpdLike | None = None
    best_matched: tuple[str, ...] = ()
    for index, opd in enumerate(opds):
        if opd.coordinator:
            continue
        matched = tuple(k for k in opd.keywords if k.strip() and _has(k, norm))
        if not matched:
            continue
        # More keywords first, then the longest keyword (more specific), then pack order.
        score = (len(matched), max(len(k) for k in matched), -index)
        if best is None or score > best:
            best, best_opd, best_matched = score, opd, matched
    if best_opd is None:
        fallback = coordinator.categories[0] if coordinator.categories else "other"
        return Routing(coordinator.code, fallback, "manual")
    return Routing(best_opd.code, pick_category(best_opd.categories, norm, hints), "keyword",
                   best_matched)


def pick_category(categories: Sequence[str], norm_text: str,
                  hints: Mapping[str, Sequence[str]] | None = None) -> str:
    """Which of an OPD's categories the (normalized) text is about; the first one if unclear."""
    table = dict(CATEGORY_HINTS)
    for key, words in (hints or {}).items():
        table[key] = tuple(table.get(key, ())) + tuple(words)
    scored = []
    for index, cat in enumerate(categories):
        words = table.get(cat, ())
        hits = [w for w in words if _has(w, norm_text)]
        scored.append((len(hits), max((len(w) for w in hits), default=0), -index, cat))
    return max(scored)[3] if scored else "other"


# ----------------------------------------------------------------------------- privacy

def redact(text: str, known: Iterable[str | None] = ()) -> str:
    """Mask NIK, phones, e-mail, house numbers and names in text shown to the public."""
    return privacy.mask(text, known)


def anonymise_point(lat: float | None, lon: float | None,
                    places: int = 3) -> tuple[float | None, float | None]:
    """Round a point to ~110 m (3 decimals) so a public map does not show a house."""
    if lat is None or lon is None:
        return None, None
    return round(lat, places), round(lon, places)


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True)
class ComplaintCreated(Event):
    ticket: str
    channel: str
    opd_code: str | None
    category: str
    incident_id: int | None = None


@dataclass(frozen=True)
class ComplaintReplied(Event):
    ticket: str
    public: bool
    actor: str


@dataclass(frozen=True)
class ComplaintOverdue(Event):
    ticket: str
    opd_code: str | None
    due_at: str
    kind: str  # verification or followup
