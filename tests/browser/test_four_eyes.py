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


def _ask_and_wait(page, purpose_select: str, purpose: str, button: str) -> str:  # type: ignore[no-untyped-def]
    """Ask for a file with a purpose: its page says it waits for approval, with nothing to download."""
    page.select_option(purpose_select, purpose)
    page.locator(button).click()
    page.wait_for_url(re.compile(r"/downloads/\d+/$"))
    assert "等待审批" in page.locator("#approval-status").inner_text()
    assert page.locator("#download-file").count() == 0
    _fits(page)
    return page.url


def test_a_long_list_waits_for_the_street_and_then_is_downloaded(phone, desktop, server):
    secretary, officer = phone, desktop
    log_in(secretary, server, "demo-community")
    secretary.goto(server + "/people/export/")
    secretary.check("#fmt-csv")
    asked = _ask_and_wait(secretary, "#purpose-code", "social_assistance", "main form button[type=submit]")

    log_in(officer, server, "demo-street")
    assert officer.locator("text=个完整信息导出待您审批").count() == 1  # on her home page
    officer.goto(server + "/downloads/approvals/")
    # hers (the demo leaves another list of the same community waiting too)
    asked_id = re.search(r"/downloads/(\d+)/$", asked).group(1)  # type: ignore[union-attr]
    request = officer.locator(f"#request-{asked_id}")
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


def test_all_reports_of_a_street_wait_for_approval_then_are_downloaded(phone, desktop, server):
    """The street's reports name more than 500 people with full ID numbers (police, civil affairs):
    the zip asks a purpose and waits for someone else who may make it (here the administrator)."""
    officer, admin = phone, desktop
    log_in(officer, server, "demo-street")
    officer.goto(server + "/reports/")
    assert officer.locator("#four-eyes-help").is_visible()
    _fits(officer)
    asked = _ask_and_wait(officer, "#purpose-all-code", "authority_request", "button[name=template][value='__all__']")
    officer.goto(server + "/reports/")
    assert "等待另一人审批" in officer.locator("#recent-files ~ .list-group").inner_text()

    log_in(admin, server, "demo-admin")
    admin.goto(server + "/downloads/approvals/")
    request = admin.locator(f"#request-{asked.rstrip('/').split('/')[-1]}")
    assert "上级部门依法调取" in request.inner_text()
    request.locator("button", has_text="批准").click()
    admin.wait_for_selector("text=已批准")

    officer.goto(asked)
    officer.wait_for_selector("#download-file")
    with officer.expect_download() as info:
        officer.locator("#download-file").click()
    assert info.value.suggested_filename.endswith(".zip")
