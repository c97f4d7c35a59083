"""Accounts under attack and on a bad day: login throttles and lockout, the same work for
unknown names, sessions that die at logout / password change / disable, token expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.db.models import LoginFailure, UserSession
from dispatch.runtime import Runtime
from dispatch.services import accounts
from web import create_app

PASSWORD = "operator-pass-1"
LOCKED = ("Akun dikunci sementara", "Account temporarily locked")
THROTTLED = ("Terlalu banyak percobaan masuk", "Too many login attempts")
# Throttles out of the way, for tests about the lockout itself.
RELAXED = {"login_rate_address": "10000 per minute", "login_rate_account": "10000 per minute"}


def csrf(client: Any) -> str:
    page = client.get("/login").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def post_login(client: Any, username: str, password: str, token: str | None = None,
               address: str = "127.0.0.1") -> Any:
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token or csrf(client)},
                       environ_base={"REMOTE_ADDR": address})


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture
def clock() -> ManualClock:
    """Pinned: the lockout's end is compared with this clock, never the wall's."""
    return ManualClock()


def make(settings: Settings, clock: ManualClock, **changes: Any) -> tuple[Runtime, Flask]:
    rt = bootstrap(settings.with_(**changes), clock=clock)
    return rt, create_app(runtime=rt, config={"TESTING": True})


@pytest.fixture
def relaxed(settings: Settings, clock: ManualClock) -> Iterator[tuple[Runtime, Flask]]:
    rt, app = make(settings, clock, **RELAXED)
    accounts.create_user(rt, "operator", PASSWORD, "operator")
    yield rt, app
    rt.stop()


# -- throttling and lockout ------------------------------------------------------------------


def test_200_wrong_passwords_get_429_and_a_lockout(client: Any, runtime: Runtime,
                                                   users: Any) -> None:
    token = csrf(client)
    answers = [post_login(client, "operator", f"guess-{i}", token) for i in range(200)]
    codes = [r.status_code for r in answers]
    # Nine plain refusals, then the tenth failure locks the account (defaults: 10 in 15 min).
    assert codes[:9] == [401] * 9
    assert all(c == 429 for c in codes[9:]), codes
    for phrase in LOCKED:
        assert phrase in text(answers[9])
    assert int(answers[9].headers["Retry-After"]) > 14 * 60
    # Past the per-account rate (20 a minute) Flask-Limiter answers before any password check.
    assert all(phrase in text(answers[-1]) for phrase in THROTTLED)
    assert "Retry-After" in answers[-1].headers
    # The lockout is in the database (shared by processes, survives a restart).
    with runtime.session() as s:
        row = s.get(LoginFailure, "operator")
        assert row is not None and row.locked_until is not None
        assert row.locked_until > runtime.clock.now() + timedelta(minutes=14)
    # Even the right password gets nowhere now.
    assert post_login(client, "operator", users["operator"].password, token).status_code == 429


def test_lockout_is_visible_survives_a_restart_ends_by_itself_or_by_enable(
        settings: Settings, clock: ManualClock, relaxed: tuple[Runtime, Flask]) -> None:
    _rt, app = relaxed
    client = app.test_client()
    token = csrf(client)
    for _ in range(9):
        assert post_login(client, "operator", "wrong-password", token).status_code == 401
    locked = post_login(client, "operator", "wrong-password", token)
    assert locked.status_code == 429
    assert all(p in text(locked) for p in LOCKED)
    assert "WIB" in text(locked)  # the end of the lockout, in the city's time
    # A restarted server (a new runtime on the same database) still refuses, unchecked.
    rt2, app2 = make(settings, clock, **RELAXED)
    try:
        client2 = app2.test_client()
        resp = post_login(client2, "operator", PASSWORD)
        assert resp.status_code == 429 and LOCKED[1] in text(resp)
        # It ends by itself after the lockout time...
        clock.advance(15 * 60 + 1)
        assert post_login(client2, "operator", PASSWORD).status_code == 302
        # ...a success forgets the failures...
        with rt2.session() as s:
            assert s.get(LoginFailure, "operator") is None
        # ...and an admin can lift it at once.
        for _ in range(10):
            post_login(client2, "operator", "wrong-password")
        assert post_login(client2, "operator", PASSWORD).status_code == 429
        accounts.set_active(rt2, "operator", True)  # what `siaga112 users enable` does
        assert post_login(client2, "operator", PASSWORD).status_code == 302
    finally:
        rt2.stop()


def test_failures_outside_the_window_do_not_add_up(clock: ManualClock,
                                                   relaxed: tuple[Runtime, Flask]) -> None:
    _rt, app = relaxed
    client = app.test_client()
    token = csrf(client)
    for _ in range(9):
        assert post_login(client, "operator", "wrong-password", token).status_code == 401
    clock.advance(15 * 60 + 1)
    for _ in range(9):
        assert post_login(client, "operator", "wrong-password", token).status_code == 401
    assert post_login(client, "operator", PASSWORD, token).status_code == 302


def test_lockout_is_configurable(settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock, lockout_failures=3, lockout_minutes=1, **RELAXED)
    try:
        accounts.create_user(rt, "operator", PASSWORD, "operator")
        client = app.test_client()
        codes = [post_login(client, "operator", "nope-nope", csrf(client)).status_code
                 for _ in range(3)]
        assert codes == [401, 401, 429]
        clock.advance(61)
        assert post_login(client, "operator", PASSWORD).status_code == 302
    finally:
        rt.stop()


def test_unknown_names_lock_the_same_way(relaxed: tuple[Runtime, Flask]) -> None:
    # Otherwise locking would tell an attacker which names exist.
    _rt, app = relaxed
    client = app.test_client()
    token = csrf(client)
    codes = [post_login(client, "nobody-here", "wrong-password", token).status_code
             for _ in range(10)]
    assert codes == [401] * 9 + [429]
    assert LOCKED[0] in text(post_login(client, "nobody-here", "x", token))


def test_per_address_throttle(settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock, login_rate_address="5 per minute")
    try:
        client = app.test_client()
        token = csrf(client)
        codes = [post_login(client, f"name{i}", "wrong-password", token).status_code
                 for i in range(6)]
        assert codes == [401] * 5 + [429]
        # Another address is not held back by this one.
        assert post_login(client, "name9", "wrong", token, address="10.0.0.9").status_code == 401
    finally:
        rt.stop()


def forwarded_login(client: Any, token: str, forwarded_for: str) -> int:
    return int(client.post("/login", data={"username": "someone", "password": "wrong-password",
                                           "csrf_token": token},
                           headers={"X-Forwarded-For": forwarded_for},
                           environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code)


def test_behind_a_trusted_proxy_each_citizen_is_their_own_address(
        settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock, login_rate_address="3 per minute", trusted_proxies=1)
    try:
        client = app.test_client()
        token = csrf(client)
        # Every request comes from the proxy (10.9.9.9); the throttle counts the client.
        codes = [forwarded_login(client, token, "203.0.113.5") for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        assert forwarded_login(client, token, "203.0.113.6") == 401
    finally:
        rt.stop()


def test_without_a_trusted_proxy_a_forged_forwarded_for_dodges_nothing(
        settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock, login_rate_address="3 per minute")
    try:
        client = app.test_client()
        token = csrf(client)
        codes = [forwarded_login(client, token, f"198.51.100.{i}") for i in range(4)]
        assert codes == [401, 401, 401, 429]
    finally:
        rt.stop()


def test_per_account_throttle_across_addresses(settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock, login_rate_account="3 per minute", lockout_failures=100)
    try:
        client = app.test_client()
        token = csrf(client)
        codes = [post_login(client, "operator", "wrong", token, address=f"10.0.0.{i}").status_code
                 for i in range(4)]
        assert codes == [401, 401, 401, 429]
        assert THROTTLED[1] in text(post_login(client, "operator", "x", token, "10.0.1.1"))
    finally:
        rt.stop()


def test_unknown_user_costs_a_password_hash(runtime: Runtime, users: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = accounts.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    assert accounts.login(runtime, "no-such-user", "some-password").reason == "invalid"
    assert checked == [accounts._dummy_hash()]
    # The dummy is a real hash of the same kind as every user's, so it costs the same.
    with runtime.session() as s:
        from dispatch.db.models import User

        real_hash = s.scalar(select(User.password_hash).where(User.username == "operator"))
    assert accounts._dummy_hash().split("$")[0] == real_hash.split("$")[0]
    checked.clear()
    assert accounts.login(runtime, "operator", "wrong-password").reason == "invalid"
    assert checked == [real_hash]
    checked.clear()
    assert accounts.authenticate(runtime, "no-such-user", "some-password") is None
    assert checked == [accounts._dummy_hash()]


def test_disabled_user_cannot_log_in_or_use_tokens(client: Any, runtime: Runtime,
                                                   users: Any) -> None:
    op = users["operator"]
    assert post_login(client, "operator", op.password).status_code == 302
    assert client.get("/console").status_code == 200
    accounts.set_active(runtime, "operator", False)
    # Its session is gone, its token refused, its right password refused with the reason.
    resp = client.get("/console")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    resp = client.get("/api/v1/units", headers=op.headers)
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "token_disabled"
    resp = post_login(app_client := client, "operator", op.password)
    assert resp.status_code == 403 and "Account disabled" in text(resp)
    accounts.set_active(runtime, "operator", True)
    assert app_client.get("/api/v1/units", headers=op.headers).status_code == 200
    assert post_login(client, "operator", op.password).status_code == 302


# -- sessions --------------------------------------------------------------------------------


def copy_of(app: Flask, client: Any) -> Any:
    """A second browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    other.set_cookie("siaga112_session", client.get_cookie("siaga112_session").value)
    return other


def test_copied_cookie_stops_working_after_logout(app: Flask, users: Any) -> None:
    client = app.test_client()
    assert post_login(client, "operator", users["operator"].password).status_code == 302
    thief = copy_of(app, client)
    assert thief.get("/console").status_code == 200
    assert thief.get("/api/v1/units").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 302
    resp = thief.get("/console")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert thief.get("/api/v1/units").status_code == 401


def test_logout_ends_only_that_session(app: Flask, users: Any) -> None:
    desk, wall = app.test_client(), app.test_client()
    for c in (desk, wall):
        assert post_login(c, "operator", users["operator"].password).status_code == 302
    desk.post("/logout", data={"csrf_token": csrf(desk)})
    assert wall.get("/console").status_code == 200


def test_password_change_ends_every_session(app: Flask, runtime: Runtime, users: Any) -> None:
    desk, wall = app.test_client(), app.test_client()
    for c in (desk, wall):
        assert post_login(c, "operator", users["operator"].password).status_code == 302
    thief = copy_of(app, desk)
    done = accounts.set_password(runtime, "operator", "a-brand-new-pass")
    assert done.sessions == 2
    for c in (desk, wall, thief):
        assert c.get("/console").status_code == 302
    fresh = app.test_client()
    assert post_login(fresh, "operator", users["operator"].password).status_code == 401
    assert post_login(fresh, "operator", "a-brand-new-pass").status_code == 302
    # Tokens are kept unless asked; then they go too.
    assert fresh.get("/api/v1/units", headers=users["operator"].headers).status_code == 200
    assert accounts.set_password(runtime, "operator", "yet-another-pass", revoke_tokens=True).tokens
    resp = app.test_client().get("/api/v1/units", headers=users["operator"].headers)
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "token_revoked"


def test_sessions_survive_a_restart(settings: Settings, runtime: Runtime, app: Flask,
                                    users: Any) -> None:
    client = app.test_client()
    assert post_login(client, "operator", users["operator"].password).status_code == 302
    rt2 = bootstrap(settings)
    try:
        other = copy_of(create_app(runtime=rt2, config={"TESTING": True}), client)
        assert other.get("/console").status_code == 200
    finally:
        rt2.stop()
    with runtime.session() as s:
        assert len(s.scalars(select(UserSession)).all()) == 1


# -- tokens ----------------------------------------------------------------------------------


def test_expired_token_gets_401_with_a_clear_message(settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock)
    try:
        accounts.create_user(rt, "sim", "sim-password-1", "operator")
        token = accounts.create_token(rt, "sim", "simulator", expires_days=1)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/units", headers=headers).status_code == 200  # now cached
        clock.advance(86400 + 1)
        resp = client.get("/api/v1/units", headers=headers)
        assert resp.status_code == 401
        err = resp.get_json()["error"]
        assert err["code"] == "token_expired" and "expired" in err["message"]
        assert [t["state"] for t in accounts.list_tokens(rt, "sim")] == ["expired"]
    finally:
        rt.stop()


def test_tokens_expire_by_default_and_record_use(settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock)
    try:
        accounts.create_user(rt, "sim", "sim-password-1", "operator")
        token = accounts.create_token(rt, "sim")
        (row,) = accounts.list_tokens(rt, "sim")
        assert row["expires_at"] - row["created_at"] == timedelta(days=90)
        assert row["prefix"] == token[:11] and token not in str(row)
        assert row["last_used_at"] is None
        app.test_client().get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
        assert accounts.list_tokens(rt, "sim")[0]["last_used_at"] == clock.now()
        with pytest.raises(accounts.ValidationError):
            accounts.create_token(rt, "sim", expires_days=0)
    finally:
        rt.stop()


def test_bad_tokens_are_throttled_per_address(settings: Settings, clock: ManualClock) -> None:
    rt, app = make(settings, clock, api_auth_fail_rate="5 per minute")
    try:
        accounts.create_user(rt, "sim", "sim-password-1", "operator")
        good = {"Authorization": f"Bearer {accounts.create_token(rt, 'sim')}"}
        client = app.test_client()
        codes = [client.get("/api/v1/units", headers={"Authorization": f"Bearer sg_bad{i}"})
                 .status_code for i in range(6)]
        assert codes == [401] * 5 + [429]
        assert client.get("/api/v1/units", headers=good).status_code == 200
    finally:
        rt.stop()


# -- on every engine -------------------------------------------------------------------------


def test_lockout_counts_concurrent_failures_and_outlives_the_process(database_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clock = ManualClock()
    settings = Settings(database_url=database_url, lockout_failures=12)
    rt = bootstrap(settings, clock=clock)
    try:
        accounts.create_user(rt, "operator", PASSWORD, "operator")
        sid = accounts.start_session(rt, accounts.authenticate(rt, "operator", PASSWORD).id)
        # Twelve failures at once from four threads: none may be lost, or no lockout comes.
        with ThreadPoolExecutor(4) as pool:
            reasons = list(pool.map(lambda i: accounts.login(rt, "operator", f"w{i}", "10.0.0.1")
                                    .reason, range(12)))
        assert sorted(reasons) == ["invalid"] * 11 + ["locked"]
    finally:
        rt.stop()
    rt = bootstrap(settings, clock=clock)
    try:
        assert accounts.login(rt, "operator", PASSWORD).reason == "locked"
        user = accounts.get_user(rt, 1)
        assert accounts.user_for_session(rt, user.id, sid) is not None
        assert accounts.end_session(rt, sid) is True
        assert accounts.user_for_session(rt, user.id, sid) is None
        clock.advance(15 * 60 + 1)
        assert accounts.login(rt, "operator", PASSWORD).ok
    finally:
        rt.stop()


# -- live consoles ---------------------------------------------------------------------------


def test_live_console_on_a_copied_cookie_is_cut_at_logout(app: Flask, runtime: Runtime,
                                                          users: Any) -> None:
    from web.extensions import socketio

    client = app.test_client()
    assert post_login(client, "operator", users["operator"].password).status_code == 302
    thief = copy_of(app, client)
    other = app.test_client()
    assert post_login(other, "supervisor", users["supervisor"].password).status_code == 302
    stolen = socketio.test_client(app, flask_test_client=thief)
    kept = socketio.test_client(app, flask_test_client=other)
    assert stolen.is_connected() and kept.is_connected()
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert not stolen.is_connected()
    assert kept.is_connected()
    # A password change elsewhere (the CLI) is caught by the periodic check.
    accounts.set_password(runtime, "supervisor", "new-supervisor-pass")
    assert app.extensions["session_guard"].check_now() == 1
    assert not kept.is_connected()
