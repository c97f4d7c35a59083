"""The citizen portal and the OPD inbox over HTTP: form (CSRF, photo, rate limit), public
tracking without personal data, anonymised map, inbox permissions, bad input, inert HTML."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dispatch.clock import ManualClock
from dispatch.runtime import Runtime
from dispatch.services import complaints
from tests.support.complaints import (
    DHOHO,
    STREET_LIGHT,
    csrf_from,
    login,
    make_app,
    user,
)

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def png_bytes() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def app(rt: Runtime, tmp_path: Path) -> Any:
    return make_app(rt, tmp_path, COMPLAINT_FORM_RATE="4/600")


@pytest.fixture
def client(app: Any) -> FlaskClient:
    return app.test_client()


def submit(client: FlaskClient, ip: str = "127.0.0.1", **fields: Any) -> Any:
    page = client.get("/lapor")
    data: dict[str, Any] = {"csrf_token": csrf_from(page.get_data(as_text=True)),
                            "description": STREET_LIGHT, "lat": str(DHOHO["lat"]),
                            "lon": str(DHOHO["lon"]), "reporter_name": "Budi Santoso",
                            "reporter_phone": "081234500001", "reporter_email": "budi@example.id"}
    data.update(fields)
    return client.post("/lapor", data=data, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": ip})


def ticket_of(resp: Any) -> tuple[str, str]:
    html = resp.get_data(as_text=True)
    t = re.search(r'id="ticket">([^<]+)<', html)
    c = re.search(r'id="code">([^<]+)<', html)
    assert t and c, html[:500]
    return t.group(1), c.group(1)


def internal(rt: Runtime, public_id: str) -> str:
    """The staff ticket number behind a public id."""
    with rt.session() as s:
        c = complaints.by_public_id(s, public_id)
        assert c is not None
        return c.ticket


# ----------------------------------------------------------------------------- public form


def test_public_form_files_a_complaint_without_login(client: FlaskClient, rt: Runtime) -> None:
    page = client.get("/lapor")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    resp = submit(client)
    assert resp.status_code == 201
    public_id, code = ticket_of(resp)
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", public_id) and len(code) == 8
    ticket = internal(rt, public_id)
    assert ticket == "SGA-2026-000001"
    staff = complaints.get_complaint(rt, ticket, complaints.SYSTEM_ACTOR)
    assert (staff["channel"], staff["status"], staff["opd_code"]) == ("web", "received", "DISHUB")
    assert staff["reporter"] == {"name": "Budi Santoso", "phone": "+6281234500001",
                                 "email": "budi@example.id"}
    assert staff["kelurahan"] and staff["kecamatan"] == "Kota"


def test_the_form_needs_its_csrf_token(client: FlaskClient) -> None:
    resp = client.post("/lapor", data={"description": STREET_LIGHT, "address": "Jl. Dhoho"})
    assert resp.status_code == 400


@pytest.mark.parametrize(("fields", "status"), [
    ({"description": ""}, 422),
    ({"description": "x" * 4001}, 422),
    ({"lat": "abc"}, 422),
    ({"lat": "-95"}, 422),
    ({"lat": "", "lon": ""}, 422),  # no place at all
    ({"lat": "", "lon": "", "address": "Jl. Dhoho"}, 201),
    ({"category": "unicorns"}, 422),
    ({"reporter_phone": "<b>0812</b>"}, 422),
    ({"reporter_email": "x@"}, 422),
    # NUL cannot be stored on PostgreSQL: refused with the message (issue 16, finding 6).
    ({"description": "\x00\x01 lampu mati"}, 400),
])
def test_bad_form_input_is_a_4xx_page(client: FlaskClient, fields: dict[str, Any],
                                      status: int) -> None:
    resp = submit(client, **fields)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    if status in (400, 422):
        html = resp.get_data(as_text=True)
        assert 'role="alert"' in html
        assert "<b>0812</b>" not in html  # echoed values are escaped


def test_photo_checked_by_content_stored_safely_and_served_to_staff_only(
        client: FlaskClient, rt: Runtime, tmp_path: Path) -> None:
    import io

    resp = submit(client, photo=(io.BytesIO(png_bytes()), "foto.jpg", "image/jpeg"))
    assert resp.status_code == 201
    ticket = internal(rt, ticket_of(resp)[0])
    stored = list((tmp_path / "uploads" / "complaints").iterdir())
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{32}\.png", stored[0].name)
    # HTML wearing an image name and type is refused, and so is anything over 5 MB.
    fake = submit(client, photo=(io.BytesIO(b"<html><script>alert(1)</script>"), "x.png",
                                 "image/png"))
    assert fake.status_code == 422 and "photo" in fake.get_data(as_text=True)
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)
    assert submit(client, photo=(io.BytesIO(big), "big.png", "image/png")).status_code == 422
    assert len(list((tmp_path / "uploads" / "complaints").iterdir())) == 1
    # Served through a view, as the type it really is, never sniffed.
    assert client.get(f"/opd/{ticket}/foto").status_code in (302, 401)
    dishub = user(rt, "dishub1", "agency", "DISHUB")
    pupr = user(rt, "pupr1", "agency", "PUPR")
    op = user(rt, "op1", "operator")
    got = client.get(f"/opd/{ticket}/foto", headers=op)
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert got.data == png_bytes()
    # Not yet disposed: no department sees it; after disposal only DISHUB.
    assert client.get(f"/opd/{ticket}/foto", headers=dishub).status_code == 404
    coord = complaints.staff_actor(rt, "operator", "op1")
    complaints.transition(rt, ticket, "verify", coord)
    complaints.transition(rt, ticket, "dispose", coord)
    assert client.get(f"/opd/{ticket}/foto", headers=dishub).status_code == 200
    assert client.get(f"/opd/{ticket}/foto", headers=pupr).status_code == 404
    nophoto = submit(client, ip="10.1.1.1")
    assert client.get(f"/opd/{internal(rt, ticket_of(nophoto)[0])}/foto",
                      headers=op).status_code == 404


def test_the_form_is_rate_limited_per_ip(client: FlaskClient) -> None:
    codes = [submit(client, ip="10.0.0.5").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 201, 429]
    assert submit(client, ip="10.0.0.6").status_code == 201


# ----------------------------------------------------------------------------- tracking


def test_tracking_page_has_status_and_replies_but_no_personal_data(
        client: FlaskClient, rt: Runtime) -> None:
    resp = submit(client, description=f"{STREET_LIGHT}. Hubungi saya 0812 3450 0001 {XSS}")
    public_id, _ = ticket_of(resp)
    ticket = internal(rt, public_id)
    coord = complaints.staff_actor(rt, "operator", "op1")
    complaints.transition(rt, ticket, "verify", coord)
    complaints.transition(rt, ticket, "dispose", coord)
    dishub = complaints.staff_actor(rt, "agency", "dishub1", None, "DISHUB")
    complaints.add_reply(rt, ticket, {"message": f"Sudah dicek {XSS}"}, dishub)
    complaints.add_reply(rt, ticket, {"message": "catatan internal rahasia", "public": False},
                         dishub)
    assert client.get(f"/lapor/{ticket}").status_code == 404
    page = client.get(f"/lapor/{public_id.lower()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert public_id in html and ticket not in html and "Sedang ditindaklanjuti" in html and "Sudah dicek" in html
    assert "Dinas Perhubungan" in html
    for secret in ("Budi", "081234500001", "budi@example.id", "0812 3450 0001",
                   "catatan internal rahasia", "dishub1", "op1"):
        assert secret not in html, secret
    assert "<script>window.__xss" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_reopen_from_the_public_page_needs_the_code(client: FlaskClient, rt: Runtime,
                                                    clock: ManualClock) -> None:
    public_id, code = ticket_of(submit(client))
    ticket = internal(rt, public_id)
    page = client.get(f"/lapor/{public_id}").get_data(as_text=True)
    assert "Buka kembali" not in page  # not resolved: nothing to reopen
    coord = complaints.staff_actor(rt, "operator", "op1")
    for action in ("verify", "dispose"):
        complaints.transition(rt, ticket, action, coord)
    complaints.transition(rt, ticket, "resolve", coord, {"reason": "lampu diganti"})
    page = client.get(f"/lapor/{public_id}").get_data(as_text=True)
    token = csrf_from(page)
    wrong = client.post(f"/lapor/{public_id}/buka", data={"csrf_token": token, "code": "NOPE1234",
                                                       "reason": "masih mati"})
    assert wrong.status_code == 403 and "kode akses salah" in wrong.get_data(as_text=True)
    empty = client.post(f"/lapor/{public_id}/buka", data={"csrf_token": token, "code": code,
                                                       "reason": ""})
    assert empty.status_code == 409
    nocsrf = client.post(f"/lapor/{public_id}/buka", data={"code": code, "reason": "masih"})
    assert nocsrf.status_code == 400
    ok = client.post(f"/lapor/{public_id}/buka", data={"csrf_token": token, "code": code,
                                                    "reason": "Masih mati / still dark"})
    assert ok.status_code == 303
    assert "Didisposisikan" in client.get(f"/lapor/{public_id}").get_data(as_text=True)
    # (The form and reopen share one per-IP limit: a fresh address for the last probe.)
    assert client.post("/lapor/SGA-2026-999999/buka", data={"csrf_token": token, "code": code},
                       environ_base={"REMOTE_ADDR": "10.2.2.2"}).status_code == 404


@pytest.mark.parametrize("path", [
    "/lapor/SGA-2026-999999", "/lapor/nothing", "/lapor/%3Cscript%3E", "/lapor/SGA-2026-1",
    "/lapor/../../etc/passwd", "/opd/SGA-2026-000001/foto/x",
])
def test_unknown_public_paths_are_404(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_public_map_is_anonymised(client: FlaskClient, rt: Runtime) -> None:
    shown = ticket_of(submit(client, lat="-7.816634", lon="112.011456"))[0]
    complaints.transition(rt, internal(rt, shown), "verify",
                          complaints.staff_actor(rt, "operator", "op1"))
    submit(client, lat="-7.816634", lon="112.011456", ip="10.9.9.9")  # unverified: not shown
    submit(client, lat="", lon="", address="Jl. Dhoho")  # no point: not on the map
    assert client.get("/lapor/peta").status_code == 200
    data = client.get("/lapor/peta.json").get_json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 1
    f = data["features"][0]
    assert f["geometry"]["coordinates"] == [112.011, -7.817]
    assert f["properties"]["ticket"] == shown
    assert set(f["properties"]) == {"ticket", "category", "category_name", "status",
                                    "status_label", "date"}
    flat = str(data)
    assert "Budi" not in flat and "0812" not in flat and "lampu PJU" not in flat


# ----------------------------------------------------------------------------- staff pages


def test_opd_inbox_shows_only_the_opds_own_tickets(client: FlaskClient, rt: Runtime) -> None:
    user(rt, "dishub1", "agency", "DISHUB")
    user(rt, "pupr1", "agency", "PUPR")
    op = complaints.staff_actor(rt, "operator", "op1")
    light = complaints.create_complaint(rt, {"description": STREET_LIGHT, **DHOHO}, "sms", op)
    road = complaints.create_complaint(rt, {"description": f"jalan berlubang {XSS}", **DHOHO},
                                       "whatsapp", op)
    login(client, "dishub1")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/opd")
    inbox = client.get("/opd").get_data(as_text=True)
    assert light["ticket"] in inbox and road["ticket"] not in inbox
    assert client.get(f"/opd/{road['ticket']}").status_code == 404
    # Asking for another department's tickets gives nothing, not its list.
    assert client.get("/opd?status=all&opd=PUPR").get_data(as_text=True).count("SGA-") == 0
    detail = client.get(f"/opd/{light['ticket']}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert "Mulai tindak lanjut" in html and "Verifikasi / Verify" not in html
    token = csrf_from(html)
    # Reply (public) through the form: the ticket moves to in progress.
    r = client.post(f"/opd/{light['ticket']}/balas", data={"csrf_token": token, "public": "1",
                                                          "message": f"Segera {XSS}"})
    assert r.status_code == 303
    assert client.post(f"/opd/{light['ticket']}/balas",
                       data={"public": "1", "message": "tanpa token"}).status_code == 400
    after = client.get(f"/opd/{light['ticket']}").get_data(as_text=True)
    assert "Sedang ditindaklanjuti" in after and "&lt;script&gt;" in after
    # Status change through the form; a forbidden one is a 409 page, not a 500.
    bad = client.post(f"/opd/{light['ticket']}/aksi", data={"csrf_token": token,
                                                          "action": "verify"})
    assert bad.status_code == 409
    noreason = client.post(f"/opd/{light['ticket']}/aksi", data={"csrf_token": token,
                                                               "action": "resolve"})
    assert noreason.status_code == 409
    ok = client.post(f"/opd/{light['ticket']}/aksi", data={"csrf_token": token,
                                                         "action": "resolve",
                                                         "reason": "Lampu diganti"})
    assert ok.status_code == 303
    assert complaints.get_complaint(rt, light["ticket"], op)["status"] == "resolved"
    # Another department cannot touch it.
    client.post("/logout", data={"csrf_token": token})
    login(client, "pupr1")
    assert light["ticket"] not in client.get("/opd?status=all").get_data(as_text=True)
    pupr_token = csrf_from(client.get("/opd").get_data(as_text=True))
    assert client.post(f"/opd/{light['ticket']}/aksi",
                       data={"csrf_token": pupr_token, "action": "close"}).status_code == 404
    assert client.post(f"/opd/{light['ticket']}/balas",
                       data={"csrf_token": pupr_token, "message": "x"}).status_code == 404


def test_coordinator_sees_everything_and_verifies(client: FlaskClient, rt: Runtime) -> None:
    user(rt, "op1", "operator")
    t = complaints.create_complaint(rt, {"description": "ada pengamen berisik",
                                         "address": "Jl. Dhoho"}, "web")["ticket"]
    login(client, "op1")
    inbox = client.get("/opd").get_data(as_text=True)
    assert t in inbox
    html = client.get(f"/opd/{t}").get_data(as_text=True)
    assert "Verifikasi / Verify" in html and "Tolak" in html
    token = csrf_from(html)
    assert client.post(f"/opd/{t}/aksi", data={"csrf_token": token, "action": "verify"}
                       ).status_code == 303
    r = client.post(f"/opd/{t}/aksi", data={"csrf_token": token, "action": "dispose",
                                            "opd_code": "SATPOLPP"})
    assert r.status_code == 303
    assert complaints.get_complaint(rt, t, complaints.SYSTEM_ACTOR)["opd_code"] == "SATPOLPP"
    assert client.get("/opd?status=bogus&overdue=1").status_code == 200
    assert client.get("/pengaduan/webhooks").status_code == 403  # admins only


def test_staff_pages_need_login(client: FlaskClient) -> None:
    for path in ("/opd", "/opd/SGA-2026-000001", "/pengaduan/webhooks"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.get("/api/v1/complaints/SGA-2026-000001").status_code == 401
