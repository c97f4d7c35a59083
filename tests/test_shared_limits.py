"""The complaint portal's limits are counted in the one Flask-Limiter store: Redis when
configured, so every web process sees the same count."""

from __future__ import annotations

from pathlib import Path

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.runtime import Runtime
from tests.complaints.test_complaints_web import submit
from tests.support.complaints import MONDAY_9AM, make_app
from web.extensions import socketio


def _runtime(tmp_path: Path, redis_url: str | None) -> Runtime:
    return bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/l.db", secret_key="t",
                              redis_url=redis_url), clock=ManualClock(MONDAY_9AM))


def test_a_second_web_process_sees_the_first_ones_count(tmp_path: Path, redis_url: str) -> None:
    rt = _runtime(tmp_path, redis_url)
    try:
        first = make_app(rt, tmp_path, COMPLAINT_FORM_RATE="3/600").test_client()
        assert [submit(first, ip="10.7.0.1").status_code for _ in range(3)] == [201] * 3
        # A new app connects its own limiter store: only Redis still holds the three.
        second = make_app(rt, tmp_path, COMPLAINT_FORM_RATE="3/600").test_client()
        over = submit(second, ip="10.7.0.1")
        assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
        assert submit(second, ip="10.7.0.2").status_code == 201
    finally:
        rt.stop()


def test_without_redis_the_count_is_the_process_own(tmp_path: Path) -> None:
    rt = _runtime(tmp_path, None)
    try:
        first = make_app(rt, tmp_path, COMPLAINT_FORM_RATE="2/600").test_client()
        assert [submit(first, ip="10.7.1.1").status_code for _ in range(3)] == [201, 201, 429]
        second = make_app(rt, tmp_path, COMPLAINT_FORM_RATE="2/600").test_client()
        assert submit(second, ip="10.7.1.1").status_code == 201  # memory: a new count
    finally:
        rt.stop()


def test_an_app_without_redis_after_one_with_it_has_no_message_queue(
        tmp_path: Path, redis_url: str) -> None:
    with_redis = _runtime(tmp_path / "a", redis_url)
    plain = _runtime(tmp_path / "b", None)
    try:
        make_app(with_redis, tmp_path / "a")
        app = make_app(plain, tmp_path / "b")
        # Flask-SocketIO's test client refuses an app that still publishes to a queue.
        client = socketio.test_client(app)
        assert not client.is_connected()  # anonymous: refused, but no queue error
    finally:
        with_redis.stop()
        plain.stop()
