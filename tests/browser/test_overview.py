"""The one-screen overview in Chromium: the street officer's wall screen at 1920 x 1080 and the
phone layout at 360 px (large text too), a scenario switch kept in the URL, a click from a
compound on the map down to its buildings and a household; screenshots for the reviewer."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in, page_under_policy
from tests.browser.test_grid_worker import axe_violations


def _wait_loaded(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector('#ov-screen[data-loaded="1"]', timeout=20_000)


def _width(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def wall(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page, violations = page_under_policy(context)
    yield page
    context.close()
    assert not violations, "\n".join(violations)


@pytest.fixture
def small_phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page, violations = page_under_policy(context)
    yield page
    context.close()
    assert not violations, "\n".join(violations)


def test_the_wall_screen_switches_scenario_and_drills_down_to_a_household(wall, server, artifacts):
    page = wall
    log_in(page, server, "demo-street")
    page.get_by_role("link", name="一屏统览").click()
    _wait_loaded(page)
    assert page.url.endswith("/overview/")
    assert page.locator(".ov-counter").count() >= 4
    assert page.locator("#ov-map canvas").count() >= 1  # the boundaries, drawn without tiles
    assert page.locator('img.leaflet-tile').count() == 0
    assert _width(page) <= 1920
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080 + 2  # one screen, no scrolling
    assert [(v["id"], v["help"]) for v in axe_violations(page)] == []
    page.screenshot(path=str(artifacts / "overview-wall-normal.png"))

    page.get_by_role("link", name="疫情").click()
    page.wait_for_url(re.compile(r"/overview/\?s=epidemic$"))
    _wait_loaded(page)
    assert page.locator('[data-counter="health.arrivals_today"]').count() == 1
    assert page.locator('#ov-legend ul[data-layer="health.arrivals"] li').count() == 5  # every colour in words
    page.screenshot(path=str(artifacts / "overview-wall-epidemic.png"))

    # down to a community, the scenario kept
    page.locator(".ov-drill a").first.click()
    page.wait_for_url(re.compile(r"/overview/\d+/\?s=epidemic$"))
    _wait_loaded(page)
    # click a compound on the map: its popup leads to the compound's page, the scenario kept
    point = page.evaluate("""() => {
        const o = window.LinliOverview;
        const compound = Object.values(o.places).find(l => l.feature.properties.level === 'compound');
        const inside = compound.getBounds().getCenter();
        o.map.setView(inside, 16, {animate: false});
        const p = o.map.latLngToContainerPoint(inside);
        const box = document.getElementById('ov-map').getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""")
    page.mouse.click(point[0] + 1, point[1] + 1)
    popup = page.locator(".leaflet-popup-content a").last
    popup.wait_for()
    href = popup.get_attribute("href")
    assert href and "s=epidemic" in href
    popup.click()
    page.wait_for_url(re.compile(r"/places/\d+/\?s=epidemic$"))
    page.locator("main a.btn-outline-primary[href^='/places/']").first.click()  # a building (一楼一图)
    page.wait_for_selector("table.building")
    page.locator("table.building a[href^='/places/']").first.click()  # a household (一房一图)
    page.wait_for_load_state()
    assert re.search(r"/places/\d+/$", page.url)
    page.screenshot(path=str(artifacts / "overview-household.png"))


@pytest.mark.parametrize("large", [False, True])
def test_the_phone_layout_fits_360_px(small_phone, server, artifacts, large):
    page = small_phone
    if large:
        page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": server}])
    log_in(page, server, "demo-community")
    page.goto(server + "/overview/?s=epidemic")
    _wait_loaded(page)
    assert page.locator("body.elder").count() == large
    assert _width(page) <= 360
    assert page.locator("#ov-map").bounding_box()["width"] <= 360
    assert [(v["id"], v["help"]) for v in axe_violations(page)] == []
    page.screenshot(path=str(artifacts / f"overview-phone{'-large' if large else ''}.png"), full_page=True)


def test_a_grid_worker_has_no_overview(desktop, server):
    page = desktop
    log_in(page, server, "demo-grid")
    assert page.locator("a[href='/overview/']").count() == 0
    response = page.goto(server + "/overview/")
    assert response is not None and response.status == 403
