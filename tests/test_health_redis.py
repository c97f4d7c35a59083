"""/healthz tells the truth about a configured Redis: not ok when it does not answer."""

from __future__ import annotations

from pathlib import Path

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from units.broker import free_port
from web import create_app


def health(tmp_path: Path, redis_url: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/h.db", redis_url=redis_url))
    try:
        resp = create_app(runtime=rt, config={"TESTING": True}).test_client().get("/healthz")
        return resp.status_code, resp.get_json()
    finally:
        rt.stop()


def test_a_configured_redis_that_answers_is_reported_ok(tmp_path: Path, redis_url: str) -> None:
    code, body = health(tmp_path, redis_url)
    assert code == 200 and body["status"] == "ok"
    assert body["checks"]["redis"] == "ok"


def test_a_configured_redis_that_does_not_answer_makes_the_server_not_ok(tmp_path: Path) -> None:
    code, body = health(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    assert code == 503
    assert body["checks"]["redis"] == "unreachable"
    assert any("Redis" in r for r in body["reasons"])
    assert "127.0.0.1" not in str(body)  # the public view names no address
