"""The disinfection team's phone page and the office's pages in Chromium: today's route on a map
at 360 px, one tap to record a point, the points and shelters at desktop size, and the overview's
flood and disinfection scenarios; screenshots for the reviewer, axe-core on each page."""

from __future__ import annotations

from tests.browser.conftest import log_in
from tests.browser.test_grid_worker import axe_violations


def test_the_team_records_a_point_of_todays_route_on_the_phone(small_phone, server, artifacts):
    page = small_phone
    log_in(page, server, "demo-grid")
    page.goto(server + "/sites/today/")
    page.wait_for_selector("#sites-map .leaflet-interactive")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    stops = page.locator("ol.list-group > li")
    before = stops.count()
    assert before >= 1
    page.screenshot(path=str(artifacts / "sites-today-phone.png"), full_page=True)
    assert not axe_violations(page)
    name = stops.first.locator(".fw-semibold").inner_text()
    stops.first.get_by_role("button", name="已消杀").click()
    page.wait_for_selector(".alert-success, .alert")
    assert name in page.content()
    assert page.locator("ol.list-group > li").count() == before - 1


def test_the_office_lists_points_and_shelters_and_the_overview_shows_them(wide, server, artifacts):
    page = wide
    log_in(page, server, "demo-community")
    page.goto(server + "/sites/")
    assert page.locator("tbody tr").count() >= 5
    page.screenshot(path=str(artifacts / "sites-points-desktop.png"), full_page=False)
    assert not axe_violations(page)
    page.goto(server + "/sites/shelters/")
    assert page.locator("tbody tr").count() >= 2
    assert not axe_violations(page)
    for scenario in ("disinfection", "flood"):
        page.goto(server + f"/overview/?s={scenario}")
        page.wait_for_selector('#ov-screen[data-loaded="1"]', timeout=20_000)
        page.screenshot(path=str(artifacts / f"sites-overview-{scenario}.png"))
    legend = page.locator("#ov-legend").inner_text()
    assert "应急避难场所" in legend
