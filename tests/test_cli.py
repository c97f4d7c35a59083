"""The siaga112 command line, run as a real process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dispatch.bootstrap import bootstrap
from dispatch.domain.constants import CATEGORIES

CLI = [sys.executable, "-m", "siaga112.cli"]
ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(CLI + args, input=stdin, capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["SIAGA_DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.db"
    e["PYTHONPATH"] = str(ROOT)
    return e


def test_classify_one_text(env: dict[str, str]) -> None:
    out = run(["classify", "tolong ada kebakaran rumah"], env)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout.strip().splitlines()[-1])
    assert obj["category"] == "fire" and obj["emergency"] is True
    assert set(obj) >= {"category", "emergency", "priority", "confidence", "cues"}


def test_classify_stdin_lines(env: dict[str, str]) -> None:
    out = run(["classify", "-"], env, stdin="laka lantas di jalan dhoho\nlampu PJU mati\n")
    lines = [json.loads(x) for x in out.stdout.strip().splitlines()]
    assert len(lines) == 2 and all(x["category"] in CATEGORIES for x in lines)
    assert lines[0]["category"] == "traffic_accident"
    assert lines[1]["category"] == "non_emergency" and lines[1]["emergency"] is False


def test_users_and_tokens(env: dict[str, str]) -> None:
    out = run(["users", "create", "budi", "--role", "operator", "--password-stdin"], env,
              stdin="sangat-rahasia-1\n")
    assert out.returncode == 0, out.stderr
    dup = run(["users", "create", "budi", "--role", "operator", "--password-stdin"], env,
              stdin="sangat-rahasia-1\n")
    assert dup.returncode != 0
    short = run(["users", "create", "ani", "--role", "operator", "--password-stdin"], env,
                stdin="short\n")
    assert short.returncode != 0
    tok = run(["tokens", "create", "budi"], env)
    assert tok.returncode == 0, tok.stderr
    token = tok.stdout.strip().splitlines()[-1]
    assert token.startswith("sg_") and len(token) > 30

    from dispatch.bootstrap import bootstrap
    from dispatch.config import Settings
    from dispatch.services.accounts import user_for_token

    rt = bootstrap(Settings(database_url=env["SIAGA_DATABASE_URL"]))
    try:
        assert user_for_token(rt, token).username == "budi"
    finally:
        rt.stop()


# -- accounts: users disable/enable/passwd, tokens list/revoke, and the demo's own database --


@pytest.fixture
def cli(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Any:
    """`cli(*argv, stdin="")` runs siaga112's main() on the test's database: (code, out, err)."""
    from siaga112.cli import main

    monkeypatch.setenv("SIAGA_DATABASE_URL", env["SIAGA_DATABASE_URL"])

    def call(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def web_login(client: Any, username: str, password: str) -> int:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}).status_code


def test_tokens_list_and_revoke(env: dict[str, str], cli: Any) -> None:
    from dispatch.config import Settings
    from dispatch.services.accounts import check_token

    assert cli("users", "create", "budi", "--role", "operator", "--password-stdin",
               stdin="sangat-rahasia-1\n")[0] == 0
    code, out, _ = cli("tokens", "create", "budi", "--label", "simulator", "--expires-days", "7")
    assert code == 0 and "7 day" in out
    sim = out.strip().splitlines()[-1]
    code, out, _ = cli("tokens", "create", "budi")
    other = out.strip().splitlines()[-1]
    assert code == 0 and other.startswith("sg_") and "90 day" in out

    code, out, _ = cli("tokens", "list")
    assert code == 0
    assert sim not in out and other not in out  # never the secret...
    assert sim[:11] in out and other[:11] in out  # ...only its prefix
    assert out.splitlines()[0].split() == ["ID", "PREFIX", "USER", "LABEL", "CREATED", "EXPIRES",
                                           "LAST", "USED", "STATE"]
    assert "WIB" in out and "budi" in out and "simulator" in out
    code, out, _ = cli("tokens", "list", "budi", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["prefix"] for r in rows] == [other[:11], sim[:11]]
    assert all(r["expires_at"].endswith("+00:00") and r["state"] == "active" for r in rows)
    from datetime import datetime
    created, expires = (datetime.fromisoformat(rows[1][k]) for k in ("created_at", "expires_at"))
    assert (expires - created).days == 7
    assert cli("tokens", "list", "nobody")[0] == 1

    code, out, _ = cli("tokens", "revoke", sim[:11])
    assert code == 0 and "revoked" in out
    code, out, _ = cli("tokens", "revoke", str(rows[0]["id"]))
    assert code == 0
    code, _, err = cli("tokens", "revoke", "sg_nothing1")
    assert code == 1 and "no token" in err
    code, out, _ = cli("tokens", "list", "budi")
    assert out.count("revoked") == 2
    rt = bootstrap(Settings(database_url=env["SIAGA_DATABASE_URL"]))
    try:
        assert check_token(rt, sim).reason == "revoked"
        assert check_token(rt, other).reason == "revoked"
    finally:
        rt.stop()
    assert cli("tokens", "create", "budi", "--expires-days", "0")[0] == 1


def test_users_disable_enable_passwd(env: dict[str, str], cli: Any) -> None:
    from dispatch.config import Settings
    from dispatch.services import accounts
    from web import create_app

    assert cli("users", "create", "budi", "--role", "operator", "--password-stdin",
               stdin="sangat-rahasia-1\n")[0] == 0
    token = cli("tokens", "create", "budi")[1].strip().splitlines()[-1]
    rt = bootstrap(Settings(database_url=env["SIAGA_DATABASE_URL"], secret_key="cli-test"))
    try:
        app = create_app(runtime=rt, config={"TESTING": True})
        desk = app.test_client()
        assert web_login(desk, "budi", "sangat-rahasia-1") == 302
        assert desk.get("/console").status_code == 200

        code, out, _ = cli("users", "disable", "budi")
        assert code == 0 and "1 session" in out
        assert desk.get("/console").status_code == 302  # the open session is gone
        assert web_login(app.test_client(), "budi", "sangat-rahasia-1") == 403
        resp = app.test_client().get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "token_disabled"

        # enable brings the account back, and lifts a lockout.
        for _ in range(10):
            accounts.login(rt, "budi", "wrong-password")
        assert accounts.locked_until(rt, "budi") is not None
        assert cli("users", "enable", "budi")[0] == 0
        assert accounts.locked_until(rt, "budi") is None
        assert web_login(desk, "budi", "sangat-rahasia-1") == 302

        assert cli("users", "passwd", "budi")[0] == 2  # no password on the command line
        assert cli("users", "passwd", "budi", "--password-stdin", stdin="short\n")[0] == 1
        assert cli("users", "passwd", "nobody", "--password-stdin", stdin="long-enough-1\n")[0] == 1
        code, out, _ = cli("users", "passwd", "budi", "--password-stdin", stdin="baru-rahasia-2\n")
        assert code == 0 and "1 session" in out
        assert desk.get("/console").status_code == 302
        assert web_login(app.test_client(), "budi", "sangat-rahasia-1") == 401
        assert web_login(app.test_client(), "budi", "baru-rahasia-2") == 302
        assert cli("users", "disable", "nobody")[0] == 1
    finally:
        rt.stop()


def test_demo_refuses_a_database_with_real_accounts(env: dict[str, str]) -> None:
    from dispatch.config import Settings
    from dispatch.services import accounts

    rt = bootstrap(Settings(database_url=env["SIAGA_DATABASE_URL"]))
    try:
        accounts.create_user(rt, "admin", "our-own-admin-pass", "admin")
    finally:
        rt.stop()
    out = run(["demo", "--no-simulation", "--port", "0"], env)
    assert out.returncode == 3, out.stdout + out.stderr
    assert "refusing" in out.stderr and "admin" in out.stderr and "ready" not in out.stdout
    rt = bootstrap(Settings(database_url=env["SIAGA_DATABASE_URL"]))
    try:
        # The same-named real account keeps its password; nothing was planted.
        assert accounts.authenticate(rt, "admin", "our-own-admin-pass") is not None
        assert accounts.authenticate(rt, "admin", "admin112") is None
        assert accounts.get_user(rt, 2) is None
        with pytest.raises(accounts.Conflict):
            accounts.ensure_demo_user(rt, "admin", "admin112", "admin")
        assert accounts.authenticate(rt, "admin", "our-own-admin-pass") is not None
    finally:
        rt.stop()


def test_demo_refuses_a_database_from_before_demo_accounts(tmp_path: Path) -> None:
    # A database not yet migrated has no demo flag: every account in it counts as real.
    from alembic import command
    from sqlalchemy import text

    from dispatch.db.engine import alembic_config, make_engine
    from siaga112.cli import _demo_refusal

    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    try:
        command.upgrade(alembic_config(engine), "0005_incident_geocell")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (username, password_hash, role, active, "
                              "created_at) VALUES ('kepala', 'x', 'admin', true, "
                              "'2026-11-01 01:00:00')"))
    finally:
        engine.dispose()
    refusal = _demo_refusal(url)
    assert refusal is not None and "kepala" in refusal
    assert _demo_refusal(f"sqlite:///{tmp_path}/empty.db") is None


def brokers_under(folder: Path) -> list[str]:
    """Command lines of live mosquitto processes whose config lies under `folder`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "mosquitto" in cmd and str(folder) in cmd:
            found.append(cmd)
    return found


def test_demo_plants_marked_accounts_in_its_own_database(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    from siaga112.cli import _demo_refusal
    from units.broker import free_port

    demo_env = {k: v for k, v in env.items() if k != "SIAGA_DATABASE_URL"}
    log_path = tmp_path / "demo.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([*CLI, "demo", "--no-simulation", "--port", str(free_port())],
                                stdout=log, stderr=subprocess.STDOUT, env=demo_env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 90
        while "ready" not in log_path.read_text():
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(30)
    assert "admin / admin112" in log_path.read_text()
    # Its Mosquitto child ended with it (persistence under var/mosquitto, where it ran).
    deadline = time.monotonic() + 10
    while brokers_under(tmp_path):
        assert time.monotonic() < deadline, brokers_under(tmp_path)
        time.sleep(0.1)
    url = f"sqlite:///{tmp_path}/var/demo.db"  # its own database, under var/ where it ran
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, demo FROM users ORDER BY id")).all()
    engine.dispose()
    names = {name for name, _ in rows}
    assert {"operator", "supervisor", "admin", "dishub"} <= names
    assert all(demo for _, demo in rows), rows
    assert _demo_refusal(url) is None  # so the demo starts again on it


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_busy_port_is_reported_before_anything_says_ready(
        env: dict[str, str], tmp_path: Path, command: str) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run([command, "--port", str(port)]
                  + (["--no-simulation"] if command == "demo" else []), env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"port {port}" in out.stderr and "already in use" in out.stderr
    assert "--port" in out.stderr and "ready" not in out.stdout
    # Nothing was started: no database was created either.
    assert not (tmp_path / "cli.db").exists()
