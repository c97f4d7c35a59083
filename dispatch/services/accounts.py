"""Users, roles and API tokens (passwords and tokens are stored hashed)."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db.models import ApiToken, User
from ..runtime import Runtime
from .errors import Conflict, NotFound, ValidationError

ROLES: tuple[str, ...] = ("operator", "supervisor", "admin", "agency")
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD = 8


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    rt: Runtime,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    opd_code: str | None = None,
) -> User:
    """Create a user with a hashed password; the username must be new."""
    if not _USERNAME.match(username or ""):
        raise ValidationError("username: 2-64 characters of letters, digits, _ . -", "username")
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}", "role")
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(f"password must have at least {MIN_PASSWORD} characters", "password")
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
            active=True,
            created_at=rt.clock.now(),
        )
        s.add(user)
    return user


def set_password(rt: Runtime, username: str, password: str) -> None:
    """Replace a user's password."""
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(f"password must have at least {MIN_PASSWORD} characters", "password")
    with rt.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if not user:
            raise NotFound(f"no user {username!r}")
        user.password_hash = generate_password_hash(password)


def authenticate(rt: Runtime, username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    with rt.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user and user.active and check_password_hash(user.password_hash, password or ""):
            return user
    return None


def get_user(rt: Runtime, user_id: int) -> User | None:
    """A user by id."""
    with rt.session() as s:
        return s.get(User, user_id)


def create_token(rt: Runtime, username: str, name: str = "api") -> str:
    """Create an API token acting as `username`; the clear token is returned once."""
    token = "sg_" + secrets.token_urlsafe(32)
    with rt.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if not user:
            raise NotFound(f"no user {username!r}", "username")
        s.add(
            ApiToken(
                user_id=user.id,
                name=name,
                token_hash=hash_token(token),
                created_at=rt.clock.now(),
                revoked=False,
            )
        )
    return token


# Every API request authenticates; a short-lived cache spares the database that
# query. Revoking through revoke_token() takes effect at once in this process.
TOKEN_CACHE_TTL_S = 10.0
_TOKEN_CACHE_MAX = 10_000


def _token_cache(rt: Runtime) -> dict[str, tuple[float, User | None]]:
    return rt.extensions.setdefault("accounts.token_cache", {})


def user_for_token(rt: Runtime, token: str) -> User | None:
    """The active user behind a valid, unrevoked token."""
    if not token or len(token) > 200:
        return None
    key = hash_token(token)
    cache = _token_cache(rt)
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    with rt.session() as s:
        user = s.scalar(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == key, ApiToken.revoked.is_(False), User.active.is_(True))
        )
    if len(cache) >= _TOKEN_CACHE_MAX:
        cache.clear()
    cache[key] = (now + TOKEN_CACHE_TTL_S, user)
    return user


def revoke_token(rt: Runtime, token: str) -> bool:
    """Revoke a token; True when it existed."""
    key = hash_token(token)
    with rt.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == key))
        if row is not None:
            row.revoked = True
    _token_cache(rt).pop(key, None)
    return row is not None
