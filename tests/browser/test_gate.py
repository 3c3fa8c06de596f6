"""The gate screen on a phone: passes checked in the browser (also offline, for a while), the
verdict shown large, visitors registered offline and uploaded when the network comes back;
signing out leaves nothing of the gate on the phone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_grid_worker import axe_violations

# Run inside the server's environment: demo gates, and passes for a resident of the first
# compound (demo-grid's gates), printed as JSON on the last line.
SETUP = """
import datetime, json
from django.utils import timezone
from linli.gates.demo import prepare_demo_gates
from linli.gates.models import Gate
from linli.health import keys
from linli.health.models import PassKey
from linli.people.models import Person

gate = [g for g in prepare_demo_gates() if g.name == "东门"][0]
people = Person.objects.filter(path__startswith=gate.place.path).order_by("pk")
now = timezone.now()
# The street office's key has been in use for a few days, so a pass from two days ago is
# one of its passes (only expired).
PassKey.objects.filter(pk=keys.issuer_key().pk).update(valid_from=now - datetime.timedelta(days=3))
codes = {
    "green": keys.issue_for(people[0], "green", "default@3")[0],
    "green2": keys.issue_for(people[1], "green", "default@3")[0],
    "green3": keys.issue_for(people[2], "green", "default@3")[0],
    "expired": keys.issue_for(people[3], "green", "default@3", now=now - datetime.timedelta(days=2))[0],
    "red": keys.issue_for(people[4], "red", "default@3")[0],
    "yellow": keys.issue_for(people[5], "yellow", "default@3")[0],
}
print(json.dumps({"gate": gate.pk, "codes": codes, "people": [p.pk for p in people[:6]], "since": now.isoformat()}))
"""

COUNT = """
import json
from django.utils.dateparse import parse_datetime
from linli.gates.models import GateEvent, Visitor
from linli.health.models import AccessRecord
gate = {gate}
since = parse_datetime("{since}")
print(json.dumps({{
    "events": GateEvent.objects.filter(gate_id=gate).count(),
    "visitors": [v.name for v in Visitor.objects.filter(gate_id=gate)],
    "reasons": sorted(GateEvent.objects.filter(gate_id=gate).values_list("reason", flat=True)),
    # the demo street has gate records of its own (its epidemic scenario): only this test's count
    "access": sorted(AccessRecord.objects.filter(source="gate", created_at__gte=since)
                     .values_list("person_id", flat=True)),
}}))
"""


def shell(data_dir: Path, code: str) -> Any:
    env = {**os.environ, "LINLI_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "linli.cli", "shell", "-c", code], env=env, check=True,
                            capture_output=True, text=True, timeout=120)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def gate(server: str, server_data_dir: Path) -> dict[str, Any]:
    return shell(server_data_dir, SETUP)


def open_gate(page: Any, server: str, gate: dict[str, Any]) -> None:
    page.goto(f"{server}/gates/{gate['gate']}/")
    page.wait_for_selector("#gate-screen[data-state=ready]")
    page.wait_for_selector("#gate-screen[data-trust=ok]")


def scan(page: Any, code: str, temperature: str = "") -> dict[str, str]:
    before = page.locator("#verdict").get_attribute("data-stamp") or ""
    if temperature:
        page.fill("#scan-temperature", temperature)
    page.fill("#scan-input", code)
    page.press("#scan-input", "Enter")
    page.wait_for_function(
        "before => { const v = document.getElementById('verdict');"
        " return v.dataset.verdict && (v.dataset.stamp || '') !== before; }", arg=before)
    box = page.locator("#verdict")
    return {"verdict": box.get_attribute("data-verdict"), "reason": box.get_attribute("data-reason"),
            "class": box.get_attribute("class"), "word": page.inner_text("#verdict-word"),
            "text": page.inner_text("#verdict-reason"), "detail": page.inner_text("#verdict-detail")}


def register_visitor(page: Any, visitor: tuple[str, str, str, str, str], waiting: int) -> None:
    """Name, phone, purpose, whom, temperature; then wait until ``waiting`` records are queued."""
    for field, value in zip(("name", "phone", "purpose", "visiting", "temperature"), visitor, strict=True):
        page.fill(f"#visitor-{field}", value)
    page.click("#visitor-form button[type=submit]")
    page.wait_for_function("n => document.getElementById('sync-status').dataset.waiting === String(n)", arg=waiting)


def wait_uploaded(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('sync-status').dataset.waiting === '0'", timeout=15000)


def test_verdicts_offline_and_sync(phone: Any, server: str, server_data_dir: Path, gate: dict[str, Any]) -> None:
    page = phone
    log_in(page, server, "demo-grid")
    open_gate(page, server, gate)
    codes = gate["codes"]

    valid = scan(page, codes["green"])
    assert (valid["verdict"], valid["word"], valid["reason"]) == ("pass", "通行", "ok")
    assert "verdict-green" in valid["class"] and valid["text"] == "通行证有效"

    expired = scan(page, codes["expired"])
    assert (expired["verdict"], expired["word"], expired["reason"]) == ("deny", "禁止通行", "expired")
    assert "过期" in expired["text"] and "verdict-red" in expired["class"]

    red = scan(page, codes["red"])
    assert (red["verdict"], red["word"], red["reason"]) == ("deny", "禁止通行", "red")
    assert "红码" in red["text"]

    fever = scan(page, codes["green2"], temperature="38.0")
    assert (fever["verdict"], fever["word"], fever["reason"]) == ("deny", "禁止通行", "fever")
    assert "verdict-yellow" in fever["class"] and "体温偏高" in fever["text"] and "38.0" in fever["detail"]

    yellow = scan(page, codes["yellow"])
    assert (yellow["verdict"], yellow["reason"]) == ("refer", "yellow")

    broken = scan(page, codes["green"][:-6] + "ABCDEF")
    assert broken["verdict"] == "deny" and broken["reason"] in {"signature", "encoding"}
    wait_uploaded(page)
    online = shell(server_data_dir, COUNT.format(gate=gate["gate"], since=gate["since"]))
    assert online["events"] == 6
    assert set(online["reasons"]) == {"ok", "expired", "red", "fever", "yellow", broken["reason"]}
    # Tracing material: everyone whose pass verified, let in or not (green3 is not scanned yet).
    assert set(online["access"]) == set(gate["people"]) - {gate["people"][2]}

    # The network goes away: the cached trust list keeps the gate working.
    page.context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    assert "offline" in page.inner_text("#net-badge") or "离线" in page.inner_text("#net-badge")
    offline = scan(page, codes["green3"])
    assert (offline["verdict"], offline["word"]) == ("pass", "通行")
    register_visitor(page, ("快递员小王", "139 1234 5678", "送快递", "3号楼201室", "36.6"), waiting=2)
    assert page.locator("#verdict").get_attribute("data-reason") == "visitor"
    assert shell(server_data_dir, COUNT.format(gate=gate["gate"], since=gate["since"]))["events"] == 6  # nothing reached it yet

    # A reload without a network still opens the gate (the service worker kept the page).
    page.wait_for_function("async () => !!(await caches.match(location.pathname, {ignoreVary: true}))")
    page.reload()
    page.wait_for_selector("#gate-screen[data-state=ready]")
    page.wait_for_selector("#gate-screen[data-trust=ok]")
    assert page.locator("#sync-status").get_attribute("data-waiting") == "2"

    queued = page.evaluate("() => localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith('.queue')))")
    before = page.inner_text("#sync-today")
    page.context.set_offline(False)
    wait_uploaded(page)
    # The day's counts follow the upload at once, as a reload would show them.
    page.wait_for_function("before => document.getElementById('sync-today').textContent !== before", arg=before)
    uploaded = page.inner_text("#sync-today")
    page.reload()
    page.wait_for_selector("#gate-screen[data-state=ready]")
    assert page.inner_text("#sync-today") == uploaded
    after = shell(server_data_dir, COUNT.format(gate=gate["gate"], since=gate["since"]))
    assert after["events"] == 8 and after["visitors"] == ["快递员小王"]

    # Sending the same records again (a lost answer, a second tab) stores nothing twice.
    page.evaluate("""queued => {
        localStorage.setItem(Object.keys(localStorage).find(k => k.endsWith('.queue')), queued);
    }""", queued)
    page.click("#sync-button")
    wait_uploaded(page)
    assert shell(server_data_dir, COUNT.format(gate=gate["gate"], since=gate["since"]))["events"] == 8


def renew_device_session(page: Any, hours: int) -> None:
    """As if the server had renewed the screen's offline use (what it stores when asked online)."""
    page.evaluate("""hours => {
        const c = JSON.parse(document.getElementById('gate-config').textContent);
        localStorage.setItem('linli.gate.' + c.gate + '.' + c.user + '.offline_until', String(c.offline_until + hours * 3600));
    }""", hours)


def test_a_trust_list_older_than_a_day_is_refused(phone: Any, server: str, gate: dict[str, Any]) -> None:
    page = phone
    log_in(page, server, "demo-volunteer")
    page.clock.install()
    open_gate(page, server, gate)
    page.context.set_offline(True)
    renew_device_session(page, 48)  # the screen may still be used: only the trust list is old
    page.clock.fast_forward("25:00:00")
    stale = scan(page, gate["codes"]["green"])
    assert (stale["verdict"], stale["reason"], stale["word"]) == ("refer", "trust_list_stale", "请找工作人员")
    assert "信任名单" in stale["text"]
    assert "alert-danger" in (page.locator("#trust-status").get_attribute("class") or "")


def test_gate_pages_are_accessible(browser: Any, server: str, gate: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    log_in(page, server, "demo-grid")
    page.goto(server + "/gates/")
    problems = {"list": axe_violations(page)}
    open_gate(page, server, gate)
    scan(page, gate["codes"]["red"])
    problems["gate"] = axe_violations(page)
    overflow = {"gate": page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")}
    wait_uploaded(page)
    # The gate's records, as the person on duty reads them on her phone.
    page.click(f"a[href='/gates/records/?gate={gate['gate']}']")
    page.wait_for_selector("#records")
    assert page.locator("#records li[data-kind=scan]").count() >= 1
    problems["records"] = axe_violations(page)
    overflow["records"] = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    found = {k: [(v["id"], v["help"], len(v["nodes"])) for v in vs] for k, vs in problems.items() if vs}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert max(overflow.values()) <= 1, overflow


def test_someone_not_on_duty_gets_404(desktop: Any, server: str, gate: dict[str, Any]) -> None:
    log_in(desktop, server, "demo-resident")
    assert desktop.goto(f"{server}/gates/{gate['gate']}/").status == 404


def test_the_camera_button_loads_the_scanner(phone: Any, server: str, gate: dict[str, Any]) -> None:
    """html5-qrcode is loaded on demand; with no camera (as here) the gate says so and the
    hand scanner keeps working."""
    page = phone
    log_in(page, server, "demo-volunteer")
    open_gate(page, server, gate)
    assert page.evaluate("() => typeof window.Html5Qrcode") == "undefined"
    page.click("#camera-button")
    page.wait_for_function("() => typeof window.Html5Qrcode === 'function'")
    page.wait_for_function("() => document.getElementById('scan-error').textContent"
                           " || document.getElementById('camera-button').getAttribute('aria-pressed') === 'true'")
    if page.get_attribute("#camera-button", "aria-pressed") == "true":
        page.click("#camera-button")  # a camera after all: switch it off again
    assert scan(page, gate["codes"]["green"])["verdict"] == "pass"


def test_the_screen_stops_working_offline_when_its_session_ends(phone: Any, server: str,
                                                                gate: dict[str, Any]) -> None:
    page = phone
    log_in(page, server, "demo-volunteer")
    page.clock.install()
    open_gate(page, server, gate)
    assert page.get_attribute("#gate-screen", "data-session") == "ok"
    assert page.inner_text("#offline-until")  # it says until when
    page.context.set_offline(True)
    page.clock.fast_forward("25:00:00")  # past LINLI_GATE_OFFLINE_HOURS and the end of her shift
    page.wait_for_selector("#gate-screen[data-session=expired]")
    assert page.is_visible("#session-status") and "离线" in page.inner_text("#session-status")
    assert page.is_disabled("#scan-input") and page.is_disabled("#visitor-name") and page.is_disabled("#manual-note")
    assert page.get_attribute("#verdict", "data-verdict") == ""  # nothing was decided


def test_logging_out_leaves_nothing_of_the_gate_on_the_phone(phone: Any, server: str,
                                                             gate: dict[str, Any]) -> None:
    """The finding: after logout the gate page kept visitors' names and phones in localStorage,
    and the service worker served the previous user's gate screen offline."""
    page = phone
    log_in(page, server, "demo-volunteer")
    page.route("**/api/gates/*/events", lambda route: route.abort())  # the upload fails: records wait
    open_gate(page, server, gate)
    page.wait_for_function("async () => !!(await caches.match(location.pathname, {ignoreVary: true}))")
    register_visitor(page, ("访客乙", "13912345679", "探亲访友", "5号楼101室", ""), waiting=1)
    assert page.evaluate("() => JSON.stringify(Object.assign({}, localStorage))").count("访客乙") == 1

    # Signing out with a record not uploaded asks first; "cancel" keeps her signed in.
    asked: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.click(".navbar-toggler")
    page.wait_for_selector("#nav.show")  # the menu has finished opening: the button stays where it is
    page.click("form[data-logout] button")
    for _ in range(100):  # the question, as the page asks it (handled by the listener above)
        if asked:
            break
        page.wait_for_timeout(50)
    assert asked and "1" in asked[0] and "退出" in asked[0]
    assert "/gates/" in page.url and page.locator("#sync-status").get_attribute("data-waiting") == "1"
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.click("form[data-logout] button")
    page.wait_for_url(server + "/login/")
    assert "已清除" in page.inner_text("main")
    page.wait_for_function("""async () => localStorage.length === 0
        && (await caches.keys()).length === 0
        && (await navigator.serviceWorker.getRegistrations()).length === 0""")

    # Offline, the gate screen is gone with them.
    page.context.set_offline(True)
    try:
        page.goto(f"{server}/gates/{gate['gate']}/")
    except Exception as error:  # noqa: BLE001 - the browser's own "no network" error page
        assert "ERR_INTERNET_DISCONNECTED" in str(error)
    else:
        raise AssertionError("the gate screen was served offline after signing out")
