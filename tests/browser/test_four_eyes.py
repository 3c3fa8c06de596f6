"""Purposes and four eyes in the browser (decision 0023): a reveal asks a purpose from the list
and shows the sentence field only for "other"; a community's list with full values waits for
the street office's approval, then is downloaded by the secretary who asked for it."""

from __future__ import annotations

import re

from tests.browser.conftest import log_in
from tests.browser.test_grid_worker import axe_violations
from tests.browser.test_usability15 import _fits

REVEAL_PHONE = "form[hx-post$='/reveal/phone/'] button[type=submit]"


def test_a_reveal_asks_a_purpose_from_the_list(phone, server):
    page = phone
    log_in(page, server, "demo-grid")
    page.goto(server + "/people/?q=王")
    page.locator(".result-card").first.click()
    page.wait_for_selector("#value-phone")
    page.locator("summary", has_text="显示完整信息").nth(1).click()
    sentence = page.locator("#purpose-phone-text")
    assert not sentence.is_visible()  # shown only for "other"
    page.select_option("#purpose-phone-code", "other")
    assert sentence.is_visible()
    _fits(page)
    sentence.fill("x")
    page.locator(REVEAL_PHONE).click()
    page.wait_for_selector("#reveal-phone .alert-danger")
    assert "请用一句话说明目的" in page.locator("#reveal-phone").inner_text()
    page.select_option("#purpose-phone-code", "care_visit")
    assert not sentence.is_visible()
    page.locator(REVEAL_PHONE).click()
    page.wait_for_selector("#reveal-phone .reveal-value")
    assert re.search(r"1[3-9]\d", page.locator("#reveal-phone .reveal-value").inner_text())


def test_a_long_list_waits_for_the_street_and_then_is_downloaded(phone, desktop, server):
    secretary, officer = phone, desktop
    log_in(secretary, server, "demo-community")
    secretary.goto(server + "/people/export/")
    secretary.check("#fmt-csv")
    secretary.select_option("#purpose-code", "social_assistance")
    secretary.locator("main form button[type=submit]").click()
    secretary.wait_for_url(re.compile(r"/downloads/\d+/$"))
    assert "等待审批" in secretary.locator("#approval-status").inner_text()
    assert secretary.locator("#download-file").count() == 0
    _fits(secretary)
    asked = secretary.url

    log_in(officer, server, "demo-street")
    assert officer.locator("text=个完整信息导出待您审批").count() == 1  # on her home page
    officer.goto(server + "/downloads/approvals/")
    request = officer.locator("[id^=request-]").first
    assert "社会救助" in request.inner_text()
    found = [(v["id"], v["help"]) for v in axe_violations(officer)]
    assert not found, found
    request.locator("button", has_text="批准").click()
    officer.wait_for_selector("text=已批准")

    secretary.goto(asked)
    secretary.wait_for_selector("#download-file")
    assert "已由" in secretary.locator("#approval-status").inner_text()
    with secretary.expect_download() as info:
        secretary.locator("#download-file").click()
    assert info.value.suggested_filename.endswith(".csv")
