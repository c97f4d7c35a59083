"""`siaga112 mqtt-config` output run by a real Mosquitto, exactly as generated: one credential
per unit (a unit publishes only under its own id and reads only its own orders), N center
credentials, client ids pinned to user names, files and folders the broker's own user can use,
loopback only unless told, TLS when given certificates, and rotation of one credential."""

from __future__ import annotations

import json
import os
import pwd
import socket
import ssl
import stat
import subprocess
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from siaga112.cli import main as cli_main
from tests.support.brokers import free_port
from tests.support.secured_broker import (
    SecuredBroker,
    eventually,
    process_uid,
    running_as_root,
    secured_broker,
)
from units.mosquitto import Mosquitto
from units.mqtt_config import Options, conf_text, mosquitto_hash
from units.mqtt_config import main as mqtt_config_main
from units.setup import attach
from units.unitclient import UnitClient

pytestmark = pytest.mark.mqtt
CENTERS = [f"siaga112-center-{i}" for i in range(1, 5)]


class Listener:
    """The center's view: subscribes to everything and records what arrives."""

    def __init__(self, port: int, user: str, password: str, host: str = "127.0.0.1",
                 tls_ca: Path | None = None) -> None:
        self.got: list[str] = []
        self.disconnects = 0
        self.ready = threading.Event()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=user)
        self.c.username_pw_set(user, password)
        if tls_ca is not None:
            self.c.tls_set(ca_certs=str(tls_ca))
        self.c.on_connect = lambda c, *_: (c.subscribe("siaga/#", qos=1), None)[1]
        self.c.on_subscribe = lambda *_: self.ready.set()
        self.c.on_message = lambda _c, _u, m: self.got.append(m.topic)
        self.c.on_disconnect = lambda *_: setattr(self, "disconnects", self.disconnects + 1)
        self.c.connect(host, port)
        self.c.loop_start()
        assert self.ready.wait(10)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def unit(sb: SecuredBroker, unit_id: str, **kw: object) -> UnitClient:
    """A unit client with its own generated credential, connected."""
    return UnitClient(sb.broker.url, unit_id, username=unit_id, password=sb.password(unit_id),
                      lwt=False, **kw).connect(announce=False)  # type: ignore[arg-type]


def refused(sb: SecuredBroker, user: str, password: str) -> bool:
    """Whether the broker refuses this login."""
    c = UnitClient(sb.broker.url, user, username=user, password=password, lwt=False)
    try:
        c.connect(timeout=3, announce=False)
    except TimeoutError:
        return c.connect_refused is not None
    c.disconnect()
    return False


def test_hash_matches_mosquitto_format() -> None:
    h = mosquitto_hash("secret", salt=b"0123456789ab")
    assert h.startswith("$7$101$MDEyMzQ1Njc4OWFi$") and len(h.split("$")[-1]) == 88


def test_generated_config_starts_as_the_brokers_own_user(tmp_path: Path) -> None:
    """Today's failure: as root, Mosquitto drops to `mosquitto` and cannot open the pwfile."""
    with secured_broker(["AMB-01"]) as sb:
        out = sb.out
        conf = (out / "mosquitto.conf").read_text()
        assert "user root" not in conf
        assert "use_username_as_clientid true" in conf
        assert "persistence true" in conf and "autosave_interval 1" in conf
        for name in ("passwd", "acl"):
            st = (out / name).stat()
            assert stat.S_IMODE(st.st_mode) == 0o640
        assert stat.S_IMODE((out / "credentials.json").stat().st_mode) == 0o600
        assert stat.S_IMODE((out / "center-1.env").stat().st_mode) == 0o600
        proc = sb.broker.proc
        assert proc is not None and proc.poll() is None
        if running_as_root():
            mosq = pwd.getpwnam("mosquitto")
            assert process_uid(proc.pid) == mosq.pw_uid  # really dropped to its own user
            assert (out / "passwd").stat().st_gid == mosq.pw_gid
            assert (out / "credentials.json").stat().st_gid != mosq.pw_gid
            assert (out / "data").stat().st_uid == mosq.pw_uid
        # It authenticates with the generated passwords (it could read the password file) ...
        a = unit(sb, "AMB-01")
        a.disconnect()
        # ... and writes its persistence file and pid file into the data folder.
        eventually(lambda: (out / "data" / "mosquitto.db").exists(), what="mosquitto.db")
        assert int((out / "data" / "mosquitto.pid").read_text()) == proc.pid


def test_unit_a_cannot_publish_as_unit_b() -> None:
    with secured_broker(["AMB-01", "AMB-02"]) as sb:
        creds = sb.users
        assert set(creds) == {*CENTERS, "AMB-01", "AMB-02"}
        acl = (sb.out / "acl").read_text()
        assert "user AMB-01\ntopic write siaga/units/AMB-01/position" in acl
        center = Listener(sb.port, CENTERS[0], sb.password(CENTERS[0]))
        a = unit(sb, "AMB-01")
        b = unit(sb, "AMB-02")
        try:
            # A forges B's position and status, then publishes its own position.
            a.publish_raw("siaga/units/AMB-02/position", json.dumps({"lat": -7.8, "lon": 112.0}))
            a.publish_raw("siaga/units/AMB-02/status", json.dumps({"status": "out_of_service"}))
            a.publish_raw("siaga/units/AMB-01/orders", json.dumps({"order_id": "fake"}))
            a.position(-7.81, 112.01)
            # The broker forwards one client's messages in order: A's own fix arriving means
            # any forged one that got through would already be here.
            eventually(lambda: "siaga/units/AMB-01/position" in center.got, what="A's fix")
            assert "siaga/units/AMB-02/position" not in center.got
            assert "siaga/units/AMB-02/status" not in center.got
            assert "siaga/units/AMB-01/orders" not in center.got  # units cannot write orders
            b.position(-7.82, 112.02)
            eventually(lambda: "siaga/units/AMB-02/position" in center.got, what="B's fix")

            # Orders: only the addressed unit reads them, even if another subscribes, directly
            # or through a shared subscription. Wait for the SUBACKs: an order published before
            # them would make this part pass without testing anything.
            subacked = threading.Semaphore(0)
            a.client.on_subscribe = lambda *_args: subacked.release()
            a.client.subscribe("siaga/units/AMB-02/orders", qos=1)
            a.client.subscribe("$share/snoop/siaga/units/AMB-02/orders", qos=1)
            a.client.subscribe("$share/snoop/siaga/#", qos=1)
            for _ in range(3):
                assert subacked.acquire(timeout=10)
            center.c.publish("siaga/units/AMB-02/orders", json.dumps({"order_id": "o-b"}),
                             qos=1).wait_for_publish(5)
            center.c.publish("siaga/units/AMB-01/orders", json.dumps({"order_id": "o-a"}),
                             qos=1).wait_for_publish(5)
            assert [o["order_id"] for o in b.wait_orders(1)] == ["o-b"]
            # In order from the center: had "o-b" leaked to A, it would have come first.
            assert [o["order_id"] for o in a.wait_orders(1)] == ["o-a"]
            assert [o["order_id"] for o in a.copies] == ["o-a"]
        finally:
            a.disconnect()
            b.disconnect()
            center.close()
        assert refused(sb, "AMB-01", "wrong")


def test_each_center_process_has_its_own_credential_and_client_id(tmp_path: Path) -> None:
    """Several center processes at once (web, workers): none kicks another; workers can
    share the position topics through a shared subscription."""
    with secured_broker(["AMB-01"], "--centers", "3") as sb:
        names = [f"siaga112-center-{i}" for i in (1, 2, 3)]
        assert [u for u, v in sb.users.items() if v["role"] == "center"] == names
        assert not (sb.out / "center-4.env").exists()
        env = (sb.out / "center-2.env").read_text().strip()
        assert env == (f"SIAGA_MQTT_URL=mqtt://siaga112-center-2:{sb.password(names[1])}"
                       f"@127.0.0.1:{sb.port}")
        rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/c.db",
                              mqtt_url=sb.url(names[0])))
        attach(rt, embedded=False)
        rt.start()
        shared: list[tuple[mqtt.Client, list[str], list[int]]] = []
        try:
            gw = rt.orders
            assert gw.client_id == names[0] and gw.persistent
            assert gw.wait_connected(10) and gw.wait_subscribed(10)
            assert sb.password(names[0]) not in gw.public_url
            # Two workers in one shared group: each fix reaches exactly one of them.
            for name in names[1:]:
                got: list[str] = []
                drops: list[int] = []
                ready = threading.Event()
                c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name,
                                protocol=mqtt.MQTTv5)
                c.username_pw_set(name, sb.password(name))
                c.on_connect = lambda cl, *_: cl.subscribe(
                    "$share/workers/siaga/units/+/position", qos=1)
                c.on_subscribe = lambda *_a, ev=ready: ev.set()
                c.on_message = lambda _c, _u, m, g=got: g.append(m.topic)
                c.on_disconnect = lambda *_a, d=drops: d.append(1)
                c.connect("127.0.0.1", sb.port)
                c.loop_start()
                shared.append((c, got, drops))
                assert ready.wait(10)
            a = unit(sb, "AMB-01")
            try:
                for i in range(10):
                    a.position(-7.81 + i * 1e-4, 112.01)
                eventually(lambda: sum(len(g) for _c, g, _d in shared) == 10, what="10 fixes")
                eventually(lambda: rt.fleet.get("AMB-01").lat == -7.81 + 9e-4,  # type: ignore[union-attr]
                           what="the last fix at the center")
            finally:
                a.disconnect()
            assert all(len(g) < 10 for _c, g, _d in shared)  # shared, not copied to both
            assert rt.counters.snapshot().get("mqtt_disconnects", 0) == 0
            assert [d for _c, _g, d in shared] == [[], []]
        finally:
            for c, _g, _d in shared:
                c.disconnect()
                c.loop_stop()
            rt.stop()


def test_rotate_one_units_credential_and_reload_the_broker() -> None:
    with secured_broker(["AMB-01", "AMB-02"]) as sb:
        before = sb.users
        b = unit(sb, "AMB-02")
        old_a = before["AMB-01"]["password"]
        a = unit(sb, "AMB-01")
        try:
            # Without --units: the units of the previous run, not the database's.
            assert sb.config("--rotate", "AMB-01", "--reload") == 0
            after = sb.users
            assert set(after) == set(before)
            assert after["AMB-01"]["password"] != old_a
            assert {u: v["password"] for u, v in after.items() if u != "AMB-01"} == \
                   {u: v["password"] for u, v in before.items() if u != "AMB-01"}
            # The reloaded broker refuses the old password and takes the new one ...
            eventually(lambda: refused(sb, "AMB-01", old_a), what="old password refused")
            assert not refused(sb, "AMB-01", after["AMB-01"]["password"])
            # ... and throws out the session still logged in with it; B keeps its own.
            eventually(lambda: a.disconnects > 0, what="the old AMB-01 session closed")
            b.position(-7.82, 112.02)
            assert b.disconnects == 0 and b.client.is_connected()
        finally:
            a.client.loop_stop()
            b.disconnect()
        assert sb.config("--rotate", "NOPE") == 2  # an unknown user is an error, not a no-op


def test_loopback_only_unless_told() -> None:
    with secured_broker(["AMB-01"]) as sb:
        conf = (sb.out / "mosquitto.conf").read_text()
        assert f"listener {sb.port} 127.0.0.1\n" in conf
        other = _non_loopback_address()
        if other is not None:
            with pytest.raises(OSError), socket.create_connection((other, sb.port), 2):
                pass
        # Asked for every interface, it says so (restart needed for a listener change).
        assert sb.config("--listen", "0.0.0.0") == 0  # noqa: S104
        assert f"listener {sb.port} 0.0.0.0\n" in (sb.out / "mosquitto.conf").read_text()
        sb.broker.restart()
        if other is not None:
            socket.create_connection((other, sb.port), 2).close()


def _non_loopback_address() -> str | None:
    """An address of this machine that is not 127.x (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for a UDP connect
            addr = str(s.getsockname()[0])
        except OSError:
            return None
    return None if addr.startswith("127.") else addr


def _make_certs(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1, made with the openssl command."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, crt = (folder / n for n in
                                 ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out",
        str(ca), "-days", "30", "-subj", "/CN=Siaga112 test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", "/CN=127.0.0.1")
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-out", str(crt), "-days", "30", "-extfile", str(ext))
    return crt, key, ca


def test_tls_listener_when_certificates_are_given() -> None:
    with secured_broker(["AMB-01"]) as plain:
        certs = plain.out.parent / "certs"  # inside a folder the broker's user may pass
        crt, key, ca = _make_certs(certs)
        if running_as_root():  # Mosquitto reads the key after dropping to its user
            key.chmod(0o640)
            os.chown(key, -1, pwd.getpwnam("mosquitto").pw_gid)
        tls_port, plain_port = free_port(), free_port()
        out = plain.out.parent / "tls"
        assert mqtt_config_main(["--out", str(out), "--units", "AMB-01", "--port",
                                 str(plain_port), "--tls-cert", str(crt), "--tls-key",
                                 str(key), "--tls-ca", str(ca), "--tls-port",
                                 str(tls_port)]) == 0
        conf = (out / "mosquitto.conf").read_text()
        assert (f"listener {tls_port} 127.0.0.1\nuse_username_as_clientid true\n"
                f"certfile {crt}\nkeyfile {key}\ncafile {ca}\n") in conf
        users = json.loads((out / "credentials.json").read_text())["users"]
        broker = Mosquitto(port=plain_port, workdir=out.parent / "tls-run",
                           conf=out / "mosquitto.conf").start()
        try:
            center = Listener(tls_port, CENTERS[0], users[CENTERS[0]]["password"], tls_ca=ca)
            center.close()
            # Without the CA the client refuses the server: the listener really speaks TLS.
            c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="AMB-01")
            c.username_pw_set("AMB-01", users["AMB-01"]["password"])
            c.tls_set()
            with pytest.raises(ssl.SSLError):
                c.connect("127.0.0.1", tls_port)
        finally:
            broker.stop()


def test_unreadable_tls_key_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not running_as_root():
        pytest.skip("needs root to make a file the broker's user cannot read")
    with secured_broker(["AMB-01"]) as sb:
        crt, key, _ca = _make_certs(sb.out.parent / "certs")
        key.chmod(0o600)
        capsys.readouterr()
        assert sb.config("--tls-cert", str(crt), "--tls-key", str(key)) == 0
        assert f"Mosquitto will not start: user mosquitto may not read {key}" in \
               capsys.readouterr().out


def test_options_are_kept_and_bad_ones_refused(tmp_path: Path) -> None:
    out = tmp_path / "mqtt"
    # Through the real command line: `siaga112 mqtt-config --out DIR ...`.
    assert cli_main(["mqtt-config", "--out", str(out), "--units", "AMB-01", "--port", "1999",
                     "--centers", "2", "--autosave-interval", "3"]) == 0
    creds = json.loads((out / "credentials.json").read_text())["users"]
    # Running it again keeps the passwords units already have, and the options given before.
    assert mqtt_config_main(["--out", str(out), "--units", "AMB-01", "AMB-02"]) == 0
    again = json.loads((out / "credentials.json").read_text())["users"]
    assert {u: again[u]["password"] for u in creds} == {u: v["password"] for u, v in creds.items()}
    conf = (out / "mosquitto.conf").read_text()
    assert "listener 1999 127.0.0.1" in conf and "autosave_interval 3" in conf
    assert sorted(p.name for p in out.glob("center-*.env")) == ["center-1.env", "center-2.env"]
    assert mqtt_config_main(["--out", str(out), "--units", "AMB-01", "--centers", "1"]) == 0
    assert sorted(p.name for p in out.glob("center-*.env")) == ["center-1.env"]
    assert mqtt_config_main(["--out", str(out), "--units", "AMB-01", "--tls-cert", "x"]) == 2
    assert mqtt_config_main(["--out", str(out), "--units", "AMB-01", "--centers", "0"]) == 2
    assert mqtt_config_main(["--out", str(out), "--units", "bad id"]) == 2
    assert mqtt_config_main(["--out", str(out), "--units", "A", "--owner", "no-such-user"]) == 2


def test_gateway_with_center_credentials(tmp_path: Path) -> None:
    with secured_broker(["AMB-01"]) as sb:
        url = sb.url(CENTERS[0])
        rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path}/g.db", mqtt_url=url))
        attach(rt, embedded=False)
        rt.start()
        try:
            gw = rt.orders
            # Connected is not subscribed: a fix published before the SUBACK is lost.
            assert gw.wait_connected(10) and gw.wait_subscribed(10)
            a = UnitClient(sb.broker.url, "AMB-01", username="AMB-01",
                           password=sb.password("AMB-01")).connect()
            try:
                a.position(-7.8123, 112.0123)
                eventually(lambda: rt.fleet.get("AMB-01").lat == -7.8123,  # type: ignore[union-attr]
                           what="the fix")
            finally:
                a.disconnect()
        finally:
            rt.stop()


def test_deploy_template_is_what_the_documented_command_writes() -> None:
    """deploy/mosquitto/siaga112.conf must not drift from the generator."""
    opts = Options(data_dir="/var/lib/mosquitto/siaga112",
                   tls_cert="/etc/mosquitto/certs/siaga112.crt",
                   tls_key="/etc/mosquitto/certs/siaga112.key", tls_listen="0.0.0.0")  # noqa: S104
    template = Path(__file__).parent.parent / "deploy" / "mosquitto" / "siaga112.conf"
    assert template.read_text() == conf_text(Path("/etc/mosquitto/siaga112"), opts, "mosquitto")
