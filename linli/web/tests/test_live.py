"""The live stream (decision 0026): the push server in its own process, events published by other
processes, through the database (the demo's zero-configuration way) and through Redis.

A small demo street is built in its own data directory (SQLite file), because the push server, the
publisher and this test are three processes sharing it."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from linli.conftest import same_on_every_database

LINLI = [sys.executable, "-m", "linli.cli"]
# These build their own SQLite data directory whatever database the run uses: the SQLite run
# covers them, and with DATABASE_URL set (CI's PostgreSQL run) they would repeat it word for word.
# One test process runs them all (pytest-xdist's group) and builds the module's demo street once.
pytestmark = [same_on_every_database, pytest.mark.xdist_group("live-site")]
SESSIONS = """
import json
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from linli.core import twofactor
from linli.core.models import RoleAssignment, User
keys = {}
for name in ("demo-community", "demo-grid", "demo-resident"):
    user = User.objects.get(username=name)
    client = Client()
    client.force_login(user)
    device = twofactor.totp_device(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    keys[name] = client.cookies["sessionid"].value
community = RoleAssignment.objects.get(user__username="demo-community").place.path
print(json.dumps({"keys": keys, "community": community}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    env: dict[str, str]
    keys: dict[str, str]
    community: str
    port: int = 0

    def publish(self, topic: str, *, count: int = 1, env: dict[str, str] | None = None) -> None:
        subprocess.run([*LINLI, "publish", topic, "--path", self.community, "--action", "tickets.view",
                        "--count", str(count)], env=env or self.env, check=True, timeout=120,
                       stdout=subprocess.DEVNULL)


def _start_push(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([*LINLI, "push", "--port", str(port)], env=env, stdout=out, stderr=out)
    for _ in range(450):  # up to 90 s on a busy machine
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    pytest.fail("the push server did not start: " + log.read_text())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("live")
    env = {**os.environ, "LINLI_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "linli.settings",
           "LINLI_DEMO_PASSWORD": "live-test-password"}
    for name in ("DATABASE_URL", "LINLI_PUSH_URL", "LINLI_TASKS_URL"):
        env.pop(name, None)
    subprocess.run([*LINLI, "demo", "--residents", "500", "--no-serve", "--quiet"], env=env, check=True,
                   timeout=600, stdout=subprocess.DEVNULL)
    made = subprocess.run([*LINLI, "shell", "-c", SESSIONS], env=env, check=True, timeout=120,
                          capture_output=True, text=True)
    found = json.loads(made.stdout.strip().splitlines()[-1])
    process, port = _start_push(env, data / "push.log")
    try:
        yield Site(env, found["keys"], found["community"], port)
    finally:
        process.terminate()
        process.wait(timeout=10)


class Stream:
    def __init__(self, port: int, session: str = "", *, last: str = "", origin: str = "") -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Host": f"127.0.0.1:{port}"}
        if session:
            headers["Cookie"] = f"sessionid={session}"
        if last:
            headers["Last-Event-ID"] = last
        if origin:
            headers["Origin"] = origin
        self.connection.request("GET", "/live/", headers=headers)
        self.sock = self.connection.sock  # http.client lets go of it once the answer has no length
        self.response = self.connection.getresponse()
        self.status = self.response.status

    def events(self, seconds: float, want: int = 1_000_000) -> list[dict[str, Any]]:
        """The events that arrive within ``seconds`` (stopping early once ``want`` have)."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        ident = ""
        while len(found) < want and (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                line = self.response.fp.readline().decode()
            except TimeoutError:
                break
            if not line:
                break
            if line.startswith("id: "):
                ident = line[4:].strip()
            elif line.startswith("data: "):
                found.append({**json.loads(line[6:]), "id": ident})
                ident = ""
        return found

    def close(self) -> None:
        self.response.close()
        self.sock.close()


def _status(port: int) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/live/status")
    return json.loads(connection.getresponse().read())


def _wait_for_streams(port: int, count: int) -> None:
    for _ in range(100):
        if _status(port)["streams"] >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"{count} streams did not open")


def test_a_stream_needs_a_signed_in_session_and_the_sites_own_origin(site):
    assert Stream(site.port).status == 403
    assert Stream(site.port, "x" * 32).status == 403
    assert Stream(site.port, site.keys["demo-community"], origin="http://evil.example").status == 403
    stream = Stream(site.port, site.keys["demo-community"], origin="http://127.0.0.1:8000")
    assert stream.status == 200
    assert stream.response.getheader("Access-Control-Allow-Origin") == "http://127.0.0.1:8000"
    assert stream.response.getheader("Content-Type").startswith("text/event-stream")
    stream.close()


def test_an_event_from_another_process_reaches_those_in_scope_only(site):
    inside = Stream(site.port, site.keys["demo-community"])
    grid_worker = Stream(site.port, site.keys["demo-grid"])  # her grid, not the whole community
    resident = Stream(site.port, site.keys["demo-resident"])
    _wait_for_streams(site.port, 3)
    site.publish("live.scope")
    [event] = inside.events(10, want=1)
    assert event["topic"] == "live.scope" and event["payload"]["notify"] is True and event["id"]
    assert grid_worker.events(1.0) == [] and resident.events(0.2) == []
    for stream in (inside, grid_worker, resident):
        stream.close()


def test_a_page_that_reconnects_gets_what_it_missed(site):
    first = Stream(site.port, site.keys["demo-community"])
    _wait_for_streams(site.port, 1)
    site.publish("live.before")
    [seen] = first.events(10, want=1)
    first.close()
    site.publish("live.missed-while-away", count=2)
    time.sleep(1.0)  # the push server has read them by now (it polls every 200 ms)
    again = Stream(site.port, site.keys["demo-community"], last=seen["id"])
    replayed = again.events(5, want=2)
    assert [e["payload"]["n"] for e in replayed] == [0, 1]
    assert {e["topic"] for e in replayed} == {"live.missed-while-away"}
    again.close()


def _redis_reachable() -> bool:
    try:
        import redis  # noqa: F401

        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except (ImportError, OSError):
        return False
    return True


# Without Redis this is skipped, unless LINLI_REQUIRE_REDIS is set (CI sets it): then it fails.
@pytest.mark.skipif(not _redis_reachable() and not os.environ.get("LINLI_REQUIRE_REDIS"),
                    reason="Redis at 127.0.0.1:6379 is not reachable (CI requires it: LINLI_REQUIRE_REDIS)")
def test_through_redis_between_processes(site, tmp_path):
    assert _redis_reachable(), "LINLI_REQUIRE_REDIS is set but Redis at 127.0.0.1:6379 is not reachable"
    env = {**site.env, "LINLI_PUSH_URL": os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")}
    process, port = _start_push(env, tmp_path / "push-redis.log")
    try:
        assert _status(port)["backend"] == "RedisBackend"
        stream = Stream(port, site.keys["demo-community"])
        _wait_for_streams(port, 1)
        site.publish("live.redis", env=env)
        [event] = stream.events(10, want=1)
        assert event["topic"] == "live.redis" and "-" in event["id"]
        stream.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_signed_in_pages_open_the_stream_on_their_host_and_may_connect_there(street, settings):
    from linli.web.tests.inline import csp_problems

    settings.LINLI_PUSH_PORT = 8001
    response = street.client_for(street.grid_worker).get("/")
    html = response.content.decode()
    assert 'data-live-url="http://testserver:8001/live/"' in html and "linli/live.js" in html
    assert 'id="live-alerts" role="alert"' in html
    connect = next(part for part in response["Content-Security-Policy"].split(";") if "connect-src" in part)
    assert connect.split()[1:] == ["'self'", "http://testserver:8001"]
    assert csp_problems(response) == []
    resident = street.client_for(street.resident).get("/").content.decode()  # no staff events for her
    assert "data-live-url" not in resident and "live.js" not in resident
    from django.test import Client

    login = Client().get("/login/")
    assert "data-live-url" not in login.content.decode() and "8001" not in login["Content-Security-Policy"]


def test_behind_a_proxy_the_stream_stays_on_the_sites_origin(street, settings):
    settings.LINLI_PUSH_PORT = 8001
    settings.LINLI_PUSH_PUBLIC_URL = "/live/"
    response = street.client_for(street.secretary).get("/")
    assert 'data-live-url="/live/"' in response.content.decode()
    assert "8001" not in response["Content-Security-Policy"]


def test_without_a_push_server_pages_do_not_try(street, settings):
    settings.LINLI_PUSH_PORT = 0
    response = street.client_for(street.secretary).get("/")
    assert "data-live-url" not in response.content.decode() and "live.js" not in response.content.decode()
