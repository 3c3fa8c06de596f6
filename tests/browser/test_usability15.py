"""The pages added for what users missed fit a phone in Chinese and in large text, pass axe, and
work: the import template and column list, the jump to a page, a list made in the background,
a gate's roster for the grid worker on duty, the grid drawn from its buildings, the rules in
words."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_grid_worker import axe_violations

PHONE = 390


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE, page.url
    found = [(v["id"], v["help"]) for v in axe_violations(page)]
    assert not found, (page.url, found)


@pytest.mark.parametrize("mode", ["chinese", "large"])
def test_the_new_pages_fit_a_phone_and_pass_axe(phone, server, mode):
    page = phone
    if mode == "large":
        page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": server}])
    log_in(page, server, "demo-grid")
    page.goto(server + "/grids/")
    page.locator("main .list-group a").first.click()
    page.wait_for_selector("svg.grid-map .grid-building")
    _fits(page)
    page.goto(server + "/gates/")
    page.locator("text=值守排班").first.click()  # on duty at a compound outside her grid
    page.wait_for_url(re.compile(r"/gates/\d+/roster/$"))
    assert page.locator("input[name=starts_at]").count() == 0  # she reads it, the office changes it
    _fits(page)
    page.goto(server + "/imports/")
    assert page.locator("#column-id_number").count() == 1
    _fits(page)
    page.goto(server + "/people/?q=z")
    page.fill("#pager-jump", "3")
    page.locator(".pager-jump button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]page=3"))
    assert "q=z" in page.url and page.locator(".page-item.active").inner_text().startswith("3 /")
    _fits(page)


def test_a_street_list_is_made_while_the_page_waits(phone, server):
    page = phone
    log_in(page, server, "demo-street")
    page.goto(server + "/people/export/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/downloads/\d+/$"))
    page.wait_for_selector("#download-file")
    _fits(page)
    with page.expect_download() as info:
        page.locator("#download-file").click()
    assert info.value.suggested_filename.endswith(".xlsx")


def test_the_health_rules_read_in_words(phone, server):
    page = phone
    log_in(page, server, "demo-health")
    page.goto(server + "/health/rules/")
    assert page.locator("text=14 天内核酸检测阳性 → 红码，需隔离 14 天").count() == 1
    assert not page.locator("text=days|null").first.is_visible()  # in the closed technical details
    _fits(page)
