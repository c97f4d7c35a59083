"""The core tables: accounts, incidents and their timeline, units, orders, tracks."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UtcDateTime


class Base(DeclarativeBase):
    """Declarative base of every Siaga112 table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(128))
    opd_code: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Planted by `siaga112 demo` (known passwords): the demo refuses a database with others.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class UserSession(Base):
    """A login session, so a copied cookie dies at logout, password change or disable."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    address: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """Failed logins per typed username (known or not, so a lockout reveals no account)."""

    __tablename__ = "login_failures"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime]
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_address: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The first characters of the clear token: enough to name it, useless to use it.
    prefix: Mapped[str | None] = mapped_column(String(16), index=True)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_status_created", "status", "created_at"),
        Index("ix_incidents_caller_phone", "caller_phone"),
        Index("ix_incidents_created", "created_at"),
        # The duplicate check looks for recent incidents in the 3x3 grid cells around a point;
        # covering, so it never visits the table rows it then throws away.
        Index("ix_incidents_geocell_created", "geocell", "created_at", "lat", "lon", "status",
              "category"),
        Index("ix_incidents_owner_status", "owner", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # geo.cells.cell_of(lat, lon, DUPLICATE_CELL_DEG): an indexable "where" for near-by lookups.
    geocell: Mapped[int | None] = mapped_column(Integer)
    location_radius_m: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="call")
    call_type: Mapped[str] = mapped_column(String(16), default="genuine")
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    emergency: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    cues: Mapped[list[Any]] = mapped_column(default=list)
    suggested_category: Mapped[str | None] = mapped_column(String(32))
    kecamatan: Mapped[str | None] = mapped_column(String(64))
    kelurahan: Mapped[str | None] = mapped_column(String(64))
    outside_jurisdiction: Mapped[bool] = mapped_column(Boolean, default=False)
    possible_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    linked_to: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    recommendations: Mapped[list[Any]] = mapped_column(default=list)
    complaint_ticket: Mapped[str | None] = mapped_column(String(32))
    exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_dispatch_at: Mapped[datetime | None]
    first_on_scene_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(500))
    # Calls that are real and locations that are true (0006_i10_call_rules).
    unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    handoff: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    boundary_distance_m: Mapped[float | None] = mapped_column(Float)
    no_recommendation_reason: Mapped[str | None] = mapped_column(String(32))
    shortfall: Mapped[list[Any] | None] = mapped_column(JSON)
    aml: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Several operators, one queue (0008_i14_owner_version): who owns it, and a version
    # each operator change raises, so a stale edit is refused instead of overwriting.
    owner: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The destination hospital proposed for the transporting unit (medical, traffic accident).
    hospital: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident", order_by="TimelineEntry.id", cascade="all, delete-orphan"
    )


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    incident: Mapped[Incident] = relationship(back_populates="timeline")


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(128))
    station: Mapped[str | None] = mapped_column(String(64))
    tracker: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="available")
    status_since: Mapped[datetime | None]
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    last_seen: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(16), default="station")
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    current_incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    created_at: Mapped[datetime]
    fix_at: Mapped[datetime | None]  # the last fix's own (device) time; NULL: never reported
    fix_flag: Mapped[str | None] = mapped_column(String(24))  # rule that fix broke, if any
    # A training unit: only exercise incidents may use it, and exercises use nothing else.
    simulated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Order(Base):
    """A dispatch order: one unit sent to one incident."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_incident", "incident_id"),
        Index("ix_orders_unit_state", "unit_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    unit_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="sent")
    issued_at: Mapped[datetime]
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    send_count: Mapped[int] = mapped_column(Integer, default=1)
    last_sent_at: Mapped[datetime]
    acked_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    en_route_at: Mapped[datetime | None]
    on_scene_at: Mapped[datetime | None]
    cleared_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # mqtt: sent to the unit's client; radio: a position-only unit, the operator confirms.
    channel: Mapped[str] = mapped_column(String(8), default="mqtt", server_default="mqtt")


class UnitPosition(Base):
    """Track history: one GPS fix of a unit."""

    __tablename__ = "unit_positions"
    __table_args__ = (Index("ix_unit_positions_unit_ts", "unit_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[datetime]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16), default="mqtt")
    flag: Mapped[str | None] = mapped_column(String(24))  # domain.fixes.FIX_FLAGS, NULL: good


class MoveUpOrder(Base):
    """A move-up: an available unit sent to a station or standby point to keep coverage."""

    __tablename__ = "move_up_orders"
    __table_args__ = (Index("ix_move_up_orders_unit", "unit_id", "issued_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    unit_type: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[str] = mapped_column(String(64))
    site_name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    travel_s: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), default="sent")  # sent|acknowledged|declined
    issued_at: Mapped[datetime]
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str | None] = mapped_column(String(64))
    acked_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # What the suggestion promised: demand covered before and after, for the record.
    plan: Mapped[dict[str, Any]] = mapped_column(default=dict)


class HospitalStatus(Base):
    """The live state of a hospital's emergency department (reported by an admin or an API key)."""

    __tablename__ = "hospital_status"

    hospital_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ed_open: Mapped[bool] = mapped_column(Boolean, default=True)
    beds_free: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))
