"""The one-screen overview in Chromium: the street officer's wall screen at 1920 x 1080 and the
phone layout at 360 px (large text too), a scenario switch kept in the URL, a click from a
compound on the map down to its buildings and a household with the scenario kept all the way
and links back, the 14-day slider, and the export (one A4 landscape page with its stamp);
screenshots for the reviewer."""

from __future__ import annotations

import datetime
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
    page.wait_for_url(re.compile(r"/overview/\?scenario=epidemic$"))
    _wait_loaded(page)
    assert page.locator('[data-counter="health.arrivals_today"]').count() == 1
    assert page.locator('#ov-legend ul[data-layer="health.arrivals"] li').count() == 5  # every colour in words
    page.screenshot(path=str(artifacts / "overview-wall-epidemic.png"))

    # down to a community, the scenario kept
    page.locator(".ov-drill a").first.click()
    page.wait_for_url(re.compile(r"/overview/\d+/\?scenario=epidemic$"))
    community_screen = page.url.split("?")[0]
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
    assert href and "scenario=epidemic" in href
    popup.click()
    page.wait_for_url(re.compile(r"/places/\d+/\?scenario=epidemic$"))
    back = page.locator(".overview-back a").first
    assert back.get_attribute("href") == community_screen.removeprefix(server) + "?scenario=epidemic"
    page.locator("main a.btn-outline-primary[href^='/places/']").first.click()  # a building (一楼一图)
    page.wait_for_selector("table.building")
    assert page.url.endswith("?scenario=epidemic")
    page.screenshot(path=str(artifacts / "overview-building.png"))
    page.locator("table.building a[href^='/places/']").first.click()  # a household (一房一图)
    page.wait_for_load_state()
    assert re.search(r"/places/\d+/\?scenario=epidemic$", page.url)
    assert page.locator(".overview-back a").count() == 2  # the screen, and up to the building
    assert [(v["id"], v["help"]) for v in axe_violations(page)] == []
    page.screenshot(path=str(artifacts / "overview-household.png"))
    page.locator(".overview-back a").last.click()  # up to the building, the scenario kept
    page.wait_for_selector("table.building")
    assert page.url.endswith("?scenario=epidemic")
    page.locator(".overview-back a").first.click()  # and back to the screen, in the same scenario
    page.wait_for_url(re.compile(r"/overview/\d+/\?scenario=epidemic$"))
    _wait_loaded(page)
    assert page.locator('[aria-current="page"][data-scenario-link="epidemic"]').count() == 1


@pytest.mark.parametrize("large", [False, True])
def test_the_phone_layout_fits_360_px(small_phone, server, artifacts, large):
    page = small_phone
    if large:
        page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": server}])
    log_in(page, server, "demo-community")
    page.goto(server + "/overview/?scenario=epidemic")
    _wait_loaded(page)
    assert page.locator("body.elder").count() == large
    assert _width(page) <= 360
    assert page.locator("#ov-map").bounding_box()["width"] <= 360
    assert page.locator("#ov-slider").is_visible()
    page.wait_for_selector("#ov-series canvas", state="attached")  # the simple build draws on canvas
    assert [(v["id"], v["help"]) for v in axe_violations(page)] == []
    page.screenshot(path=str(artifacts / f"overview-phone{'-large' if large else ''}.png"), full_page=True)


def test_a_grid_worker_has_no_overview(desktop, server):
    page = desktop
    log_in(page, server, "demo-grid")
    assert page.locator("a[href='/overview/']").count() == 0
    response = page.goto(server + "/overview/")
    assert response is not None and response.status == 403


def test_the_slider_shows_a_past_day_and_the_export_is_one_stamped_page(wall, server, artifacts):
    page = wall
    log_in(page, server, "demo-street")
    page.goto(server + "/overview/?scenario=epidemic")
    _wait_loaded(page)
    today = page.locator("#ov-screen").get_attribute("data-day")
    page.wait_for_selector("#ov-series canvas", state="attached")
    assert today and page.locator("#ov-series-legend li").count() >= 3  # each series' colour, in words
    assert page.locator("#ov-series").get_attribute("aria-label").count(":") >= 3  # a line per series, in words
    day = (datetime.date.fromisoformat(today) - datetime.timedelta(days=7)).isoformat()
    page.locator("#ov-slider").fill("6")  # a week ago
    page.wait_for_selector(f'#ov-screen[data-shown="{day}"]')
    assert page.locator("#ov-slider-day").inner_text().strip() == day
    assert page.url.endswith(f"?scenario=epidemic&day={day}")
    # numbers kept per day show that day; the others keep today's and say so
    assert page.locator(".ov-counter.ov-today-only").count() >= 1
    assert page.locator('[data-counter="health.arrivals_today"]:not(.ov-today-only)').count() == 1
    assert page.locator('[data-counter="health.arrivals_today"] .ov-note').is_hidden()
    assert page.locator('[data-scenario-link="normal"]').get_attribute("href") == f"?scenario=normal&day={day}"
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080 + 2
    assert [(v["id"], v["help"]) for v in axe_violations(page)] == []
    page.screenshot(path=str(artifacts / "overview-wall-past-day.png"))

    # a reload keeps the day; the scenario switch too
    page.get_by_role("link", name="常态").click()
    page.wait_for_url(re.compile(rf"\?scenario=normal&day={day}$"))
    _wait_loaded(page)
    assert page.locator("#ov-slider").input_value() == "6"

    # export: the button lays the screen out as the printed page and prints it (the dialog
    # itself is the browser's); the page is one A4 landscape sheet with the stamp on top
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="导出日报（打印或 PDF）").click()
    page.wait_for_function("() => window.__printed === true")
    assert page.locator("body.ov-print").count() == 1
    stamp = page.locator("#ov-print-stamp")
    assert stamp.is_visible() and page.locator("nav.navbar").is_hidden() and page.locator("#ov-export").is_hidden()
    text = stamp.inner_text()
    assert "场景: 常态" in text.replace("：", ": ") and day in text and "打印于" in text
    box = page.locator("#ov-screen").bounding_box()
    assert box["width"] <= 1062 and box["height"] <= 733  # A4 landscape less its margins, at 96 px an inch
    page.screenshot(path=str(artifacts / "overview-print.png"), clip={"x": 0, "y": 0, "width": 1100, "height": 760})
    pdf = page.pdf(landscape=True, format="A4", print_background=True, prefer_css_page_size=True)
    (artifacts / "overview-export.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one page
    page.evaluate("window.LinliOverview.fromPrint()")
    assert page.locator("body.ov-print").count() == 0 and page.locator("#ov-print-stamp").is_hidden()
