"""In real Chromium: citizen text on the public tracking page and map never runs as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dispatch.services import complaints
from tests.support.complaints import DHOHO, make_app, make_runtime
from tests.support.live_server import live_server

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.mark.browser
def test_tracking_page_and_map_keep_citizen_text_inert(tmp_path: Path, page: Any) -> None:
    rt = make_runtime(tmp_path)
    try:
        created = complaints.create_complaint(
            rt, {"description": f"lampu pju mati {XSS}", **DHOHO}, "web")
        ticket, public_id = created["ticket"], created["public_id"]
        coord = complaints.staff_actor(rt, "operator", "op")
        complaints.transition(rt, ticket, "verify", coord)
        complaints.transition(rt, ticket, "dispose", coord)
        complaints.add_reply(rt, ticket, {"message": f"dicek {XSS}"}, coord)
        app = make_app(rt, tmp_path)
        with live_server(app) as srv:
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            # Tiles are not needed (and there is no network): answer them empty.
            page.route("https://**", lambda route: route.fulfill(status=204, body=""))
            page.goto(f"{srv.url}/lapor/{public_id}")
            assert XSS in page.inner_text("#description")  # shown as text
            assert page.locator("main img").count() == 0
            assert page.evaluate("window.__xss") is None
            page.goto(f"{srv.url}/lapor/peta")
            page.wait_for_function(
                "document.getElementById('mapcount').textContent.length > 0")
            assert "1 pengaduan" in page.inner_text("#mapcount")
            page.locator(".leaflet-interactive").first.click()
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for()
            assert public_id in popup.inner_text()
            assert page.evaluate("window.__xss") is None and dialogs == []
    finally:
        rt.stop()
