"""In real Chromium: every HTML page carries a CSP that really stops inline script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dispatch.services import accounts, complaints
from tests.support.complaints import DHOHO, make_app, make_runtime
from tests.support.live_server import live_server

# Inserted by the test into each loaded page: under the CSP it must not run.
INJECT = """() => {
  const s = document.createElement('script');
  s.textContent = 'window.__inline = 1';
  document.body.appendChild(s);
  const a = document.createElement('a');
  a.setAttribute('onclick', 'window.__inline = 2');
  document.body.appendChild(a);
  a.click();
  return window.__inline === undefined ? null : window.__inline;
}"""


@pytest.mark.browser
def test_every_page_blocks_inline_script(tmp_path: Path, page: Any) -> None:
    rt = make_runtime(tmp_path)
    try:
        created = complaints.create_complaint(rt, {"description": "lampu pju mati", **DHOHO},
                                              "web")
        accounts.create_user(rt, "kasi", "coordinator-pass-1", "admin")
        app = make_app(rt, tmp_path)
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.route("https://**", lambda route: route.fulfill(status=204, body=""))
        with live_server(app) as srv:
            paths = ["/login", "/lapor", "/lapor/peta", f"/lapor/{created['public_id']}",
                     "/opd", "/console", "/dashboard"]  # the last three: the login page
            for path in paths:
                resp = page.goto(f"{srv.url}{path}")
                assert resp is not None and resp.ok, path
                csp = resp.headers.get("content-security-policy", "")
                assert "script-src" in csp and "'unsafe-inline'" not in csp.split(
                    "script-src")[1].split(";")[0], (path, csp)
                before = len(violations)
                assert page.evaluate(INJECT) is None, path
                # Chromium reports the refusal: the policy, not luck, stopped it.
                assert len(violations) > before, path
            page.goto(f"{srv.url}/login")
            page.fill("input[name=username]", "kasi")
            page.fill("input[name=password]", "coordinator-pass-1")
            page.click("button[type=submit]")
            for path in ("/opd", "/pengaduan/webhooks"):
                resp = page.goto(f"{srv.url}{path}")
                assert resp is not None and resp.ok, path
                assert "script-src" in resp.headers.get("content-security-policy", ""), path
                assert page.evaluate(INJECT) is None, path
    finally:
        rt.stop()
