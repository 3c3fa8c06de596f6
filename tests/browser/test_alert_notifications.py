"""The alerts' system notifications on a phone go through a small service worker (phone browsers
show notifications only from one): live.js registers it once the page may notify, and shows an
alert's notification through it when the page is not in front."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.browser.conftest import log_in, page_under_policy
from tests.browser.test_live import _community_path

WORKER = "/static/linli/notify-sw.js"


def _phone(browser):  # type: ignore[no-untyped-def]
    return browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True)


def test_the_worker_registers_with_the_permission_and_shows_the_notification(browser, server, server_data_dir,
                                                                             artifacts):
    context = _phone(browser)
    context.grant_permissions(["notifications"], origin=server)
    page, violations = page_under_policy(context)
    log_in(page, server, "demo-community")
    page.goto(server + "/alerts/")
    page.wait_for_selector("html[data-live=open]", state="attached", timeout=20_000)
    page.wait_for_selector("html[data-live-worker=registered]", state="attached", timeout=20_000)
    # (not navigator.serviceWorker.ready: that waits for a worker controlling this page, and this
    # one controls none)
    page.wait_for_function("""async (script) => {
        const registration = await navigator.serviceWorker.getRegistration(script);
        return Boolean(registration && registration.active);
    }""", arg=WORKER, timeout=20_000)
    found = page.evaluate("""async (script) => {
        const registration = await navigator.serviceWorker.getRegistration(script);
        return {scope: registration.scope, script: registration.active.scriptURL};
    }""", WORKER)
    assert found is not None, "no service worker registered"
    assert found["scope"] == server + "/static/linli/"  # same origin, controls no page
    assert found["script"] == server + WORKER
    # with the page behind another window, an alert's notification is shown by the worker
    page.evaluate("document.hasFocus = function () { return false; };")
    env = {**os.environ, "LINLI_DATA_DIR": str(server_data_dir), "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    payload = {"notify": True, "title": "跌倒 · 紧急", "body": "玉兰苑1号楼1单元101室", "url": "/alerts/"}
    subprocess.run([sys.executable, "-m", "linli.cli", "publish", "alerts.sw-test", "--path",
                    _community_path(server_data_dir), "--action", "alerts.view", "--payload", json.dumps(payload)],
                   env=env, check=True, timeout=120, stdout=subprocess.DEVNULL)
    page.wait_for_selector("#live-alerts .live-alert", timeout=10_000)
    page.wait_for_function("""async () => {
        const registration = await navigator.serviceWorker.getRegistration('/static/linli/notify-sw.js');
        const shown = await registration.getNotifications();
        return shown.some((n) => n.title === '跌倒 · 紧急' && n.data && n.data.url === '/alerts/');
    }""", timeout=10_000)
    page.screenshot(path=str(artifacts / "alert-notification-phone.png"))
    context.close()
    assert not violations, "\n".join(violations)


def test_without_the_permission_nothing_is_registered(browser, server):
    context = _phone(browser)
    page, violations = page_under_policy(context)
    log_in(page, server, "demo-community")
    page.goto(server + "/alerts/")
    page.wait_for_selector("html[data-live=open]", state="attached", timeout=20_000)
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((all) => all.length)") == 0
    assert page.get_attribute("html", "data-live-worker") is None
    context.close()
    assert not violations, "\n".join(violations)


def _place_id(data_dir, level: str) -> int:  # type: ignore[no-untyped-def]
    import sqlite3

    with sqlite3.connect(f"file:{data_dir / 'linli.sqlite3'}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT id FROM places_place WHERE level = ? ORDER BY path", (level,)).fetchone()[0]


def test_the_new_alert_pages_fit_a_phone_and_pass_axe(browser, server, server_data_dir, artifacts):
    """The QR sticker sheet, the door page a sticker opens and the worker's shifts, on a 360 px phone."""
    from tests.browser.test_grid_worker import axe_violations

    context = _phone(browser)
    page, violations = page_under_policy(context)
    log_in(page, server, "demo-community")
    building = _place_id(server_data_dir, "building")
    page.goto(f"{server}/places/{building}/")
    page.get_by_role("link", name="打印各户的二维码贴纸（告警到场用）").click()
    page.wait_for_selector(".sticker")
    pages = {"stickers": page.url, "my-shifts": server + "/alerts/my-shifts/", "rota": server + "/alerts/rota/",
             "chains": server + "/alerts/chains/", "measures": server + "/alerts/measures/"}
    house = page.locator(".sticker").first
    assert house.locator("svg").count() == 1 and house.locator(".sticker-room").inner_text()
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        assert not axe_violations(page), (name, axe_violations(page))
        page.screenshot(path=str(artifacts / f"alerts-{name}-phone.png"), full_page=name != "stickers")
    # the door page a sticker opens (its code read back from the sheet's printed code)
    page.goto(pages["stickers"])
    code = page.locator(".sticker-code .font-monospace").first.inner_text().replace("-", "")
    house_code = _first_house_code(server_data_dir, building)
    page.goto(f"{server}/alerts/door/{house_code}/{code}/")
    assert page.locator("h1").count() == 1 and "不是本户" not in page.inner_text("main")
    assert not axe_violations(page)
    page.screenshot(path=str(artifacts / "alerts-door-phone.png"))
    context.close()
    assert not violations, "\n".join(violations)


def _first_house_code(data_dir, building_id: int) -> str:  # type: ignore[no-untyped-def]
    import sqlite3

    with sqlite3.connect(f"file:{data_dir / 'linli.sqlite3'}?mode=ro", uri=True) as connection:
        path = connection.execute("SELECT path FROM places_place WHERE id = ?", (building_id,)).fetchone()[0]
        return connection.execute("SELECT code FROM places_place WHERE level = 'house' AND path LIKE ? ORDER BY path",
                                  (path + "%",)).fetchone()[0]
