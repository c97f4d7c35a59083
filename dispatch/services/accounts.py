"""Users, roles, login lockout, server-side sessions and API tokens (all secrets stored hashed)."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..db.models import ApiToken, LoginFailure, User, UserSession
from ..db.types import UtcDateTime
from ..runtime import Runtime
from .errors import Conflict, NotFound, ValidationError

# viewer: the mayor's office and OPD heads, read-only (dashboards, executive view, live board).
ROLES: tuple[str, ...] = ("operator", "supervisor", "admin", "agency", "viewer", "unit")
# A `unit` account is named by its unit's id and may use only the crew app (`/crew`).
UNIT_ROLE = "unit"
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD = 8
TOKEN_PREFIX_LEN = 11  # "sg_" + 8 characters: names a token in lists, far too short to use it
MAX_TOKEN_DAYS = 3650
# last_used_at / last_seen_at are written at most this often: a write per request would cost
# more than the request.
_TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    # A real hash of a random password, made like every user's: checking a password against
    # it costs what checking a real user's costs, so an unknown name answers no faster.
    return generate_password_hash(secrets.token_hex(16))


def _check_password(user: User | None, password: str) -> bool:
    """Check `password` against `user`, spending the same work when there is no user."""
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return False
    return check_password_hash(user.password_hash, password or "")


def _check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(f"password must have at least {MIN_PASSWORD} characters", "password")


def create_user(
    rt: Runtime,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    opd_code: str | None = None,
    demo: bool = False,
    active: bool = True,
) -> User:
    """Create a user with a hashed password; the username must be new."""
    if not _USERNAME.match(username or ""):
        raise ValidationError("username: 2-64 characters of letters, digits, _ . -", "username")
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}", "role")
    _check_new_password(password)
    if role == "agency" and opd_code and rt.city and not any(
        o.code == opd_code for o in rt.city.opds
    ):
        raise ValidationError(f"unknown OPD {opd_code!r}", "opd")
    with rt.session() as s:
        if s.scalar(select(User).where(User.username == username)):
            raise Conflict(f"user {username!r} exists", "username")
        user = User(
            username=username,
            password_hash=generate_password_hash(password),
            role=role,
            display_name=display_name or username,
            opd_code=opd_code,
            active=active,
            created_at=rt.clock.now(),
            demo=demo,
        )
        s.add(user)
    return user


def _user_named(s: Any, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if not user:
        raise NotFound(f"no user {username!r}", "username")
    return user


@dataclass(frozen=True)
class Revoked:
    """What a password change or a disable cut off."""

    sessions: int
    tokens: int


def set_password(rt: Runtime, username: str, password: str, revoke_tokens: bool = False) -> Revoked:
    """Replace a user's password; every session of the user ends (and tokens, if asked)."""
    _check_new_password(password)
    now = rt.clock.now()
    with rt.session() as s:
        user = _user_named(s, username)
        user.password_hash = generate_password_hash(password)
        sessions = _revoke_sessions(s, user.id, now)
        tokens = _revoke_user_tokens(s, user.id, now) if revoke_tokens else 0
    _token_cache(rt).clear()
    return Revoked(sessions, tokens)


@dataclass(frozen=True)
class UnitCredential:
    """The crew app login of one unit (the password is shown once, never stored in clear)."""

    username: str
    password: str
    created: bool


def unit_credentials(rt: Runtime, unit_id: str) -> UnitCredential:
    """Create the `unit` account of a unit, or give it a new password (its sessions end)."""
    if rt.fleet.get(unit_id) is None:
        raise NotFound(f"no unit {unit_id!r}", "unit_id")
    password = secrets.token_urlsafe(12)
    with rt.session() as s:
        user = s.scalar(select(User).where(User.username == unit_id))
        if user is not None and user.role != UNIT_ROLE:
            raise Conflict(f"user {unit_id!r} exists with role {user.role}, not {UNIT_ROLE}",
                           "username")
    if user is None:
        create_user(rt, unit_id, password, UNIT_ROLE, display_name=f"Unit {unit_id}")
        return UnitCredential(unit_id, password, True)
    set_password(rt, unit_id, password, revoke_tokens=True)
    return UnitCredential(unit_id, password, False)


def set_active(rt: Runtime, username: str, active: bool) -> Revoked:
    """Disable a user (sessions end, tokens are refused) or enable it (and lift a lockout)."""
    now = rt.clock.now()
    with rt.session() as s:
        user = _user_named(s, username)
        user.active = active
        sessions = 0 if active else _revoke_sessions(s, user.id, now)
        if active:
            s.execute(delete(LoginFailure).where(LoginFailure.username == username))
    _token_cache(rt).clear()
    return Revoked(sessions, 0)


def ensure_demo_user(rt: Runtime, username: str, password: str, role: str,
                     opd_code: str | None = None, active: bool = True) -> User:
    """Create (or keep) a demo account; never touches an account that is not a demo one."""
    with rt.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is not None:
            if not user.demo:
                raise Conflict(f"user {username!r} exists and is not a demo account", "username")
            # Re-hashed only when changed: a reset would end the sessions of a restarted demo.
            if not check_password_hash(user.password_hash, password):
                user.password_hash = generate_password_hash(password)
            user.role, user.opd_code, user.active = role, opd_code, active
            return user
    return create_user(rt, username, password, role, opd_code=opd_code, demo=True, active=active)


def non_demo_usernames(engine: Any, limit: int = 5) -> tuple[int, list[str]]:
    """How many accounts a database has that `siaga112 demo` did not plant (and a few names).

    Reads with a bare engine, before any migration, so the demo can refuse a database
    without writing to it; a schema from before the demo flag counts every account.
    """
    from sqlalchemy import func, inspect, true

    insp = inspect(engine)
    if not insp.has_table("users"):
        return 0, []
    columns = {c["name"] for c in insp.get_columns("users")}
    users = User.__table__
    cond = users.c.demo.is_(False) if "demo" in columns else true()
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(users).where(cond)).scalar_one()
        names = conn.execute(select(users.c.username).where(cond).order_by(users.c.id)
                             .limit(limit)).scalars().all()
    return int(count), list(names)


def get_user(rt: Runtime, user_id: int) -> User | None:
    """A user by id."""
    with rt.session() as s:
        return s.get(User, user_id)


# -- login and lockout ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: `reason` is ok, invalid, locked or disabled."""

    reason: str
    user: User | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the user may have a session."""
        return self.reason == "ok"


def locked_until(rt: Runtime, username: str) -> datetime | None:
    """When the lockout of this (typed) username ends, or None when it is not locked."""
    with rt.session() as s:
        row = s.get(LoginFailure, username)
        if row is not None and row.locked_until is not None and row.locked_until > rt.clock.now():
            return row.locked_until
    return None


def _record_failure(rt: Runtime, username: str, address: str | None) -> datetime | None:
    """Count a failed login; returns the lockout's end when this failure starts one."""
    cfg = rt.settings
    now = rt.clock.now()
    window_start = now - timedelta(minutes=cfg.lockout_window_minutes)
    address = (address or "")[:64] or None
    lf = LoginFailure.__table__.c
    fresh = lf.first_failure_at <= window_start
    # One UPDATE counts the failure, so concurrent failures (threads, processes, both engines)
    # never overwrite each other's count.
    bump = (
        update(LoginFailure).where(lf.username == username)
        .values(failures=case((fresh, 1), else_=lf.failures + 1),
                first_failure_at=case((fresh, literal(now, UtcDateTime())),
                                      else_=lf.first_failure_at),
                last_failure_at=now, last_address=address)
        .returning(lf.failures)
    )
    for attempt in range(2):
        try:
            with rt.session() as s:
                failures = s.execute(bump).scalar()
                if failures is None:
                    # A new name: also forget names whose window and lockout have both passed,
                    # so sprayed unknown names do not pile up.
                    horizon = min(window_start, now - timedelta(minutes=cfg.lockout_minutes))
                    s.execute(delete(LoginFailure).where(
                        lf.last_failure_at < horizon,
                        or_(lf.locked_until.is_(None), lf.locked_until < now)))
                    s.add(LoginFailure(username=username, failures=1, first_failure_at=now,
                                       last_failure_at=now, last_address=address))
                    s.flush()
                    failures = 1
                if failures < max(1, cfg.lockout_failures):
                    return None
                until = now + timedelta(minutes=cfg.lockout_minutes)
                s.execute(update(LoginFailure).where(lf.username == username)
                          .values(locked_until=until, failures=0, first_failure_at=now))
                return until
        except IntegrityError:
            # Another process inserted the same name first: count on its row.
            if attempt:
                raise
    return None


def clear_lockout(rt: Runtime, username: str) -> bool:
    """Forget a username's failed logins and lift its lockout; True when there were any."""
    with rt.session() as s:
        return bool(s.execute(delete(LoginFailure).where(LoginFailure.username == username))
                    .rowcount)


def login(rt: Runtime, username: str, password: str, address: str | None = None) -> LoginResult:
    """Check a login: a locked name is refused unchecked; failures count towards a lockout."""
    username = (username or "")[:64]
    until = locked_until(rt, username)
    if until is not None:
        return LoginResult("locked", locked_until=until)
    with rt.session() as s:
        user = s.scalar(select(User).where(User.username == username))
    if _check_password(user, password):
        assert user is not None
        if not user.active:
            return LoginResult("disabled")
        clear_lockout(rt, username)
        return LoginResult("ok", user=user)
    until = _record_failure(rt, username, address)
    if until is not None:
        return LoginResult("locked", locked_until=until)
    return LoginResult("invalid")


def authenticate(rt: Runtime, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (same work for unknown names)."""
    with rt.session() as s:
        user = s.scalar(select(User).where(User.username == username))
    if _check_password(user, password) and user is not None and user.active:
        return user
    return None


# -- sessions ------------------------------------------------------------------------------


def start_session(rt: Runtime, user_id: int, address: str | None = None) -> str:
    """Open a server-side session for a user; returns its id (kept only in the signed cookie)."""
    sid = secrets.token_urlsafe(32)
    now = rt.clock.now()
    idle = timedelta(minutes=rt.settings.session_minutes)
    with rt.session() as s:
        # Sessions whose cookie can no longer be valid, or revoked a day ago, are dead weight.
        s.execute(delete(UserSession).where(
            UserSession.user_id == user_id,
            or_(UserSession.last_seen_at < now - idle,
                UserSession.revoked_at < now - timedelta(days=1))))
        s.add(UserSession(user_id=user_id, sid_hash=hash_token(sid), created_at=now,
                          last_seen_at=now, address=(address or "")[:64] or None))
    return sid


def user_for_session(rt: Runtime, user_id: int, sid: str) -> User | None:
    """The active user of a live (not revoked) session, or None."""
    if not sid or len(sid) > 200:
        return None
    now = rt.clock.now()
    with rt.session() as s:
        row = s.execute(
            select(User, UserSession)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.sid_hash == hash_token(sid), User.id == user_id,
                   UserSession.revoked_at.is_(None), User.active.is_(True))
        ).first()
        if row is None:
            return None
        user, sess = row
        if sess.last_seen_at <= now - _TOUCH_EVERY:
            sess.last_seen_at = now
    return user


def end_session(rt: Runtime, sid: str) -> bool:
    """Revoke one session (logout); True when it was live."""
    if not sid:
        return False
    with rt.session() as s:
        return bool(s.execute(
            update(UserSession)
            .where(UserSession.sid_hash == hash_token(sid), UserSession.revoked_at.is_(None))
            .values(revoked_at=rt.clock.now())
        ).rowcount)


def _revoke_sessions(s: Any, user_id: int, now: datetime) -> int:
    return int(s.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount)


def revoke_sessions(rt: Runtime, username: str) -> int:
    """End every session of a user; returns how many were live."""
    with rt.session() as s:
        return _revoke_sessions(s, _user_named(s, username).id, rt.clock.now())


# -- API tokens ----------------------------------------------------------------------------


def create_token(rt: Runtime, username: str, name: str = "api",
                 expires_days: int | None = None) -> str:
    """Create an API token acting as `username`; the clear token is returned once."""
    days = rt.settings.token_days if expires_days is None else expires_days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(f"expiry must be 1-{MAX_TOKEN_DAYS} days", "expires_days")
    token = "sg_" + secrets.token_urlsafe(32)
    now = rt.clock.now()
    with rt.session() as s:
        user = _user_named(s, username)
        s.add(
            ApiToken(
                user_id=user.id,
                name=(name or "api")[:64],
                token_hash=hash_token(token),
                prefix=token[:TOKEN_PREFIX_LEN],
                created_at=now,
                expires_at=now + timedelta(days=days),
                revoked=False,
            )
        )
    return token


@dataclass(frozen=True)
class TokenCheck:
    """A token's verdict: `reason` is ok, unknown, revoked, expired or disabled."""

    reason: str
    user: User | None = None
    expires_at: datetime | None = None
    token_id: int | None = None


# Every API request authenticates; a short-lived cache spares the database that
# query. Revoking in this process takes effect at once; another process (the CLI)
# within TOKEN_CACHE_TTL_S.
TOKEN_CACHE_TTL_S = 10.0
_TOKEN_CACHE_MAX = 10_000


def _token_cache(rt: Runtime) -> dict[str, tuple[float, TokenCheck]]:
    return rt.token_cache


def check_token(rt: Runtime, token: str) -> TokenCheck:
    """Why a Bearer token is (not) valid, with its user when it is."""
    if not token or len(token) > 200:
        return TokenCheck("unknown")
    key = hash_token(token)
    cache = _token_cache(rt)
    mono = time.monotonic()
    now = rt.clock.now()
    hit = cache.get(key)
    if hit is not None and hit[0] > mono:
        verdict = hit[1]
    else:
        verdict = _load_token(rt, key, now)
        if len(cache) >= _TOKEN_CACHE_MAX:
            cache.clear()
        cache[key] = (mono + TOKEN_CACHE_TTL_S, verdict)
    # Expiry is checked on every call, against the runtime's clock, not the cache's age.
    if verdict.reason == "ok" and verdict.expires_at is not None and verdict.expires_at <= now:
        return TokenCheck("expired", expires_at=verdict.expires_at, token_id=verdict.token_id)
    return verdict


def _load_token(rt: Runtime, key: str, now: datetime) -> TokenCheck:
    with rt.session() as s:
        row = s.execute(
            select(ApiToken, User).join(User, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == key)
        ).first()
        if row is None:
            return TokenCheck("unknown")
        tok, user = row
        if tok.revoked:
            return TokenCheck("revoked", token_id=tok.id)
        if not user.active:
            return TokenCheck("disabled", token_id=tok.id)
        if tok.expires_at is not None and tok.expires_at <= now:
            return TokenCheck("expired", expires_at=tok.expires_at, token_id=tok.id)
        if tok.last_used_at is None or tok.last_used_at <= now - _TOUCH_EVERY:
            tok.last_used_at = now
    return TokenCheck("ok", user=user, expires_at=tok.expires_at, token_id=tok.id)


def user_for_token(rt: Runtime, token: str) -> User | None:
    """The active user behind a valid, unexpired, unrevoked token."""
    return check_token(rt, token).user


def list_tokens(rt: Runtime, username: str | None = None) -> list[dict[str, Any]]:
    """Every token (of one user when named), newest first; never the secret."""
    now = rt.clock.now()
    with rt.session() as s:
        q = select(ApiToken, User.username).join(User, ApiToken.user_id == User.id)
        if username is not None:
            q = q.where(User.id == _user_named(s, username).id)
        rows = s.execute(q.order_by(ApiToken.id.desc())).all()
    out = []
    for tok, owner in rows:
        if tok.revoked:
            state = "revoked"
        elif tok.expires_at is not None and tok.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        out.append({
            "id": tok.id, "prefix": tok.prefix, "user": owner, "name": tok.name,
            "created_at": tok.created_at, "expires_at": tok.expires_at,
            "last_used_at": tok.last_used_at, "revoked": tok.revoked,
            "revoked_at": tok.revoked_at, "state": state,
        })
    return out


def _revoke_user_tokens(s: Any, user_id: int, now: datetime) -> int:
    return int(s.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False))
        .values(revoked=True, revoked_at=now)
    ).rowcount)


def revoke_token(rt: Runtime, token: str) -> bool:
    """Revoke a token given in clear; True when it existed."""
    key = hash_token(token)
    with rt.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == key))
        if row is not None and not row.revoked:
            row.revoked, row.revoked_at = True, rt.clock.now()
    _token_cache(rt).pop(key, None)
    return row is not None


def revoke_token_ref(rt: Runtime, ref: str) -> dict[str, Any]:
    """Revoke the one token named by its id, its prefix (as listed) or the clear token."""
    ref = (ref or "").strip()
    with rt.session() as s:
        if ref.isdigit():
            rows = [t for t in [s.get(ApiToken, int(ref))] if t is not None]
        elif len(ref) > TOKEN_PREFIX_LEN:
            rows = list(s.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(ref))))
        else:
            prefix = ref if ref.startswith("sg_") else "sg_" + ref
            rows = list(s.scalars(select(ApiToken).where(ApiToken.prefix == prefix)))
        if not rows:
            raise NotFound(f"no token {ref!r} (give its id or prefix from `tokens list`)", "token")
        if len(rows) > 1:
            raise Conflict(f"prefix {ref!r} names {len(rows)} tokens; give the id", "token")
        tok = rows[0]
        was_live = not tok.revoked
        if was_live:
            tok.revoked, tok.revoked_at = True, rt.clock.now()
        owner = s.get(User, tok.user_id)
        result = {"id": tok.id, "prefix": tok.prefix, "user": owner.username if owner else None,
                  "was_live": was_live}
    _token_cache(rt).clear()
    return result
