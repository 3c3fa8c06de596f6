"""Pages under the Content-Security-Policy (decision 0014): what used inline code still works,
and the API docs (Swagger UI) run under the same policy. The phone and desktop pages fail any
test during which Chromium reports a violation."""

from __future__ import annotations

import re

from tests.browser.conftest import log_in


def test_the_api_docs_work_under_the_policy(desktop, server):
    page = desktop
    log_in(page, server, "demo-admin")
    page.goto(server + "/api/docs")
    page.wait_for_selector(".opblock")
    operation = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text="/api/places/{place_id}"))
    operation.first.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("input[placeholder=place_id]").fill("1")
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status")
    status.first.wait_for()
    assert status.first.inner_text().strip() == "200"


def test_the_report_selector_submits_itself(desktop, server):
    page = desktop
    log_in(page, server, "demo-admin")  # the administrator chooses among the street and its communities
    page.goto(server + "/reports/")
    chosen = page.locator("#scope option").nth(1).get_attribute("value")
    page.select_option("#scope", index=1)
    page.wait_for_url(re.compile(rf"/reports/\?scope={chosen}$"))
    assert page.locator("#scope").input_value() == chosen


def test_the_print_button_prints(phone, server):
    page = phone
    log_in(page, server, "demo-grid")
    page.goto(server + "/health/checkins/?missing=1")
    href = page.locator("main a[href*='/health/people/'][href$='/checkin/']").first.get_attribute("href") or ""
    person = re.search(r"/health/people/(\d+)/checkin/", href)
    assert person is not None
    page.goto(server + f"/health/people/{person.group(1)}/paper-pass/")
    page.evaluate("window.print = () => { window.linliPrinted = true; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.linliPrinted") is True
