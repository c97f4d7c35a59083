"""The siaga112 command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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

    from dispatch.config import Settings
    from dispatch.runtime import Runtime
    from dispatch.services.accounts import user_for_token

    rt = Runtime(Settings(database_url=env["SIAGA_DATABASE_URL"]))
    try:
        assert user_for_token(rt, token).username == "budi"
    finally:
        rt.stop()
