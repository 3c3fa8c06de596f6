"""A fall reported by a device reaches the grid worker's open alert list without a reload.

The whole way a real fall travels: a fall detector in her grid publishes over MQTT (the
Mosquitto at 127.0.0.1:1883), ``linli devices listen`` stores the event, the alert rules raise a
critical alert, the push server sends it to her open /alerts/ page on a 360 px phone in Chinese,
and the row appears. She acknowledges it and confirms she is at the door: the alert is on site.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

from tests.browser.conftest import log_in, page_under_policy
from tests.browser.test_grid_worker import axe_violations

BROKER = ("127.0.0.1", 1883)
WIDTH = 360

# Run in the server's data directory: an active, consented fall detector in a flat of demo-grid's
# grid where someone lives. Prints its serial number, its community's code and the house's path.
SETUP = r"""
import datetime, json, sys
import django
django.setup()
from django.utils import timezone
from linli.core.models import User
from linli.core.scope import scope_for
from linli.devices import wire
from linli.devices.models import Device, DeviceStatus
from linli.people.models import Person
from linli.places.models import Level, Place

uid = sys.argv[1]
scope = scope_for(User.objects.get(username="demo-grid"), "alerts.view")
taken = set(Device.objects.filter(kind_id="fall").values_list("house_id", flat=True))
for person in Person.objects.filter(is_active=True, current_house__isnull=False).select_related("current_house").order_by("pk").iterator():
    house = person.current_house
    if house.pk not in taken and scope.covers(house.path):
        break
else:
    raise SystemExit("no house in demo-grid's grid")
now = timezone.now()
Device.objects.create(uid=uid, kind_id="fall", house=house, person=person, label="卫生间", path=house.path,
                      status=DeviceStatus.ACTIVE, legal_basis="《个人信息保护法》第十三条第一项（本人同意）",
                      consent_by=f"self:{person.name}", consent_at=now, activated_at=now, secret=wire.new_secret(),
                      battery=90, last_seen_at=now, last_event_at=now)
community = None
for place in Place.objects.filter(level=Level.COMMUNITY):
    if house.path.startswith(place.path):
        community = place
        break
print(json.dumps({"uid": uid, "community": community.code, "house": house.path}))
"""


def _broker_up() -> bool:
    try:
        socket.create_connection(BROKER, timeout=1).close()
        return True
    except OSError:
        return False


def _stored(data_dir, uid: str, event_id: str) -> bool:  # type: ignore[no-untyped-def]
    with sqlite3.connect(f"file:{data_dir / 'linli.sqlite3'}?mode=ro", uri=True, timeout=10) as connection:
        return connection.execute(
            "SELECT 1 FROM devices_deviceevent e JOIN devices_device d ON d.id = e.device_id"
            " WHERE d.uid = ? AND e.event_id = ?", (uid, event_id)).fetchone() is not None


def _publisher():  # type: ignore[no-untyped-def]
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect(*BROKER)
    client.loop_start()
    return client


def _send(client, device: dict, kind: str) -> tuple[str, float]:  # type: ignore[no-untyped-def]
    event_id = f"{kind}-{uuid.uuid4().hex[:12]}"
    body = {"id": event_id, "ts": int(time.time() * 1000), "type": kind, "battery": 88}
    sent = time.time()
    client.publish(f"linli/{device['community']}/{device['uid']}/events",
                   json.dumps(body, separators=(",", ":")), qos=1).wait_for_publish(10)
    return event_id, sent


@pytest.fixture
def fall_detector(server, server_data_dir):  # type: ignore[no-untyped-def]
    """The device, and a ``linli devices listen`` consumer for its community that has stored a
    heartbeat (so it is subscribed) before the test publishes the fall."""
    if not _broker_up():
        pytest.fail("Mosquitto is not listening on 127.0.0.1:1883 (apt-get install -y mosquitto)")
    env = {**os.environ, "LINLI_DATA_DIR": str(server_data_dir), "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    uid = f"FALL-E2E-{uuid.uuid4().hex[:8].upper()}"
    out = subprocess.run([sys.executable, "-c", SETUP, uid], env=env, check=True, timeout=120,
                         capture_output=True, text=True).stdout
    device = json.loads(out.strip().splitlines()[-1])
    log = open(server_data_dir / f"listen-{uid}.log", "w")  # noqa: SIM115 - closed at teardown
    consumer = subprocess.Popen([sys.executable, "-m", "linli.cli", "devices", "listen", "--url",
                                 f"mqtt://{BROKER[0]}:{BROKER[1]}", "--communities", device["community"],
                                 "--client-id", f"linli-browser-{uid}", "--batch-ms", "20"],
                                env=env, stdout=log, stderr=log)
    client = _publisher()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert consumer.poll() is None, f"the consumer stopped; see {log.name}"
            event_id, _ = _send(client, device, "heartbeat")
            wait = time.monotonic() + 2
            while time.monotonic() < wait and not _stored(server_data_dir, uid, event_id):
                time.sleep(0.1)
            if _stored(server_data_dir, uid, event_id):
                break
            assert time.monotonic() < deadline, f"the consumer stored nothing; see {log.name}"
        yield device, client
    finally:
        client.disconnect()
        client.loop_stop()
        consumer.terminate()
        consumer.wait(timeout=20)
        log.close()


def test_a_fall_appears_on_the_grid_workers_open_list_and_she_responds(browser, server, fall_detector, artifacts):
    device, client = fall_detector
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page, violations = page_under_policy(context)
    log_in(page, server, "demo-grid")
    page.goto(server + "/alerts/")
    page.wait_for_selector("html[data-live=open]", state="attached", timeout=20_000)
    page.evaluate("window.alertEvents = []; window.LinliLive.on('alerts', function (p) {"
                  " window.alertEvents.push({payload: p, at: Date.now() / 1000}); });")
    before = page.evaluate("Array.from(document.querySelectorAll('.alert-row')).map(r => r.dataset.alert)")
    page.evaluate("window.unloaded = false; window.addEventListener('beforeunload', () => { window.unloaded = true; });")
    marker = page.evaluate("window.keep = Math.random()")

    _, sent = _send(client, device, "fall")
    page.wait_for_function("(before) => Array.from(document.querySelectorAll('.alert-row'))"
                           ".some(r => !before.includes(r.dataset.alert))", arg=before, timeout=15_000)
    shown = time.time()
    print(f"fall published → row on the open page: {shown - sent:.3f} s")  # the measured delay
    assert page.evaluate("window.keep") == marker and not page.evaluate("window.unloaded")  # no reload
    events = page.evaluate("window.alertEvents")
    assert any(e["payload"]["condition"] == "fall" and e["payload"]["state"] == "new" for e in events)
    new_id = next(e["payload"]["id"] for e in events if e["payload"]["condition"] == "fall")
    row = page.locator(f".alert-row[data-alert='{new_id}']")
    assert "跌倒" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    found = [(v["id"], v["help"]) for v in axe_violations(page)]
    assert not found, found
    page.screenshot(path=str(artifacts / "alert-live-phone.png"), full_page=True)

    row.get_by_role("button", name="确认").click()  # acknowledge, back on the list
    page.wait_for_url(server + "/alerts/")
    row = page.locator(f".alert-row[data-alert='{new_id}']")
    assert row.get_by_role("button", name="确认").count() == 0
    row.locator("a[href$='#on-site']").click()  # "At the door": the alert's page, at its on-site form
    page.wait_for_url(f"{server}/alerts/{new_id}/#on-site")
    page.locator("#locate").click()  # "I am at the door": no location allowed, a plain confirmation
    page.wait_for_url(f"{server}/alerts/{new_id}/")
    page.wait_for_load_state()
    assert page.locator("#on-site").count() == 0
    assert "已到场" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    found = [(v["id"], v["help"]) for v in axe_violations(page)]
    assert not found, found
    page.screenshot(path=str(artifacts / "alert-on-site-phone.png"), full_page=True)
    page.goto(server + "/alerts/")
    assert "已到场" in page.locator(f".alert-row[data-alert='{new_id}']").inner_text()
    context.close()
    assert not violations, "\n".join(violations)
