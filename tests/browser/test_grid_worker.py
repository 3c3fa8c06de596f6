from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.browser.conftest import log_in

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    # Evaluated over the DevTools protocol: a <script> tag with axe inside would be an inline
    # script, which the pages' Content-Security-Policy refuses (decision 0014).
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def open_my_building(page, server):  # type: ignore[no-untyped-def]
    page.goto(server + "/")
    page.get_by_role("link", name=re.compile("第1网格")).first.click()
    page.locator("main a.btn-outline-primary").first.click()
    page.wait_for_selector("table.building")


def test_grid_worker_searches_and_sees_only_her_grid(phone, server):
    page = phone
    log_in(page, server, "demo-grid")
    # search by the first two characters of a name shown in her grid
    page.goto(server + "/people/?q=" + "王")
    first = page.locator(".person-name").first.inner_text()
    page.goto(server + "/people/")
    page.fill("#q", first)
    page.wait_for_function("() => document.querySelectorAll('#results .result-card').length > 0")
    cards = page.locator("#results .result-card")
    assert cards.count() >= 1
    text = page.locator("#results").inner_text()
    assert not re.search(r"\b\d{17}[\dX]\b", text), "a full ID number is shown in search results"
    assert not re.search(r"\b1[3-9]\d{9}\b", text), "a full phone number is shown in search results"

    open_my_building(page, server)
    assert page.locator("td.usage-hidden").count() == 0  # her building: every house is hers
    assert page.locator("td.house-cell").count() > 0
    building_url = page.url
    page.locator("td.house-cell a").first.click()
    page.wait_for_selector("h1")
    assert "/places/" in page.url and page.url != building_url

    # another grid's building, reached by changing the id in the URL: not found
    page.goto(server + "/grids/")
    grid_links = page.locator("main .list-group a")
    assert grid_links.count() == 1, "a grid worker sees exactly her own grid"
    page.goto(server + "/places/999999/")
    assert page.locator("text=Not Found").count() + page.locator("h1").count() >= 1


def test_other_grid_building_is_not_found(desktop, server):
    page = desktop
    log_in(page, server, "demo-community")
    page.goto(server + "/grids/")
    page.locator("main .list-group a").nth(1).click()
    page.locator("main a.btn-outline-primary").first.click()
    other_building = page.url
    page.context.clear_cookies()
    log_in(page, server, "demo-grid")
    response = page.goto(other_building)
    assert response.status == 404


def test_no_horizontal_scroll_on_phone(phone, server):
    page = phone
    log_in(page, server, "demo-grid")
    for path in ["/", "/people/?q=z", "/grids/"]:
        page.goto(server + path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"


def test_elder_mode_and_english(desktop, server):
    page = desktop
    log_in(page, server, "demo-grid")
    normal = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert page.locator("body.elder").count() == 0
    page.locator("#elder-toggle").click()
    page.wait_for_selector("body.elder")
    large = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert large >= normal * 1.3
    page.locator("#elder-toggle").click()  # the choice is kept on the account: switch it back
    page.wait_for_selector("body:not(.elder)")
    page.locator("form[action='/i18n/setlang/'] button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Find residents").count() == 1


PAGES = ["/login/", "/", "/people/?q=z", "/grids/"]


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "large-text"])
def test_axe_finds_no_serious_violations(browser, server, elder):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(server + "/login/")
    problems = {"/login/": axe_violations(page)}
    log_in(page, server, "demo-grid")
    if elder:
        page.locator("#elder-toggle").click()  # visible on a phone without opening the menu
        page.wait_for_selector("body.elder")
    for path in PAGES[1:]:
        page.goto(server + path)
        problems[path] = axe_violations(page)
    open_my_building(page, server)
    problems["building"] = axe_violations(page)
    page.locator("td.house-cell a").first.click()
    page.wait_for_selector("h1")
    problems["household"] = axe_violations(page)
    page.locator("main a.fw-bold").first.click()
    page.wait_for_selector("dl")
    problems["person"] = axe_violations(page)
    if elder:
        page.locator("#elder-toggle").click()
        page.wait_for_selector("body:not(.elder)")
    context.close()
    found = {k: [(v["id"], v["help"], len(v["nodes"])) for v in vs] for k, vs in problems.items() if vs}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_street_officer_pages_pass_axe_and_reports_download(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    log_in(page, server, "demo-street")
    problems = {}
    for path in ["/reports/", "/ledger/", "/people/organizations/", "/audit/"]:
        response = page.goto(server + path)
        assert response.status == 200, path
        problems[path] = axe_violations(page)
    page.goto(server + "/reports/")
    # made in the background (at once: the test server runs tasks immediately), then downloaded
    page.locator("button[name=template][value='civil-affairs-care-list']").click()
    page.wait_for_url(re.compile(r"/downloads/\d+/$"))
    problems["/downloads/"] = axe_violations(page)
    with page.expect_download() as download_info:
        page.locator("#download-file").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    page.goto(server + "/ledger/")
    assert page.locator("text=报表上报").count() >= 1  # the generation just made is in the ledger
    context.close()
    found = {k: [(v["id"], v["help"], len(v["nodes"])) for v in vs] for k, vs in problems.items() if vs}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
