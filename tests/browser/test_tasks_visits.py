"""A grid worker's round on a phone: tick a household of the cold-wave task off, record a visit
to a household due today; the pages pass the accessibility check and do not scroll sideways,
in large-text mode too."""

from __future__ import annotations

import re

from tests.browser.conftest import log_in
from tests.browser.test_grid_worker import axe_violations


def _no_sideways_scroll(page, what: str) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{what} scrolls sideways by {overflow}px on a phone"


def test_grid_worker_ticks_a_household_and_records_a_visit(phone, server):
    page = phone
    log_in(page, server, "demo-grid")
    page.goto(server + "/tasks/")
    page.get_by_role("link", name=re.compile("冬季寒潮前走访独居老人")).click()
    page.wait_for_selector("#items")
    _no_sideways_scroll(page, "the task page")
    assert axe_violations(page) == []
    to_do = page.locator("#items .item-row[data-status=pending]")
    before = to_do.count()
    assert before > 0
    address = to_do.first.locator(".fw-bold").first.inner_text()
    to_do.first.get_by_role("link", name="打勾").click()
    page.wait_for_selector("form input[name=status]")
    _no_sideways_scroll(page, "the tick-off form")
    assert axe_violations(page) == []
    page.check("input[name=status][value=done]")
    for box in page.locator("input[name=answers]").all():
        box.check()
    page.fill("textarea[name=note]", "已上门，取暖器安全")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("#items")
    assert address in page.locator(".alert-success").inner_text()
    assert page.locator("#items .item-row[data-status=pending]").count() == before - 1
    row = page.locator("#items .item-row", has_text=address)
    assert row.get_attribute("data-status") == "done"

    page.goto(server + "/visits/")
    _no_sideways_scroll(page, "the visits page")
    assert axe_violations(page) == []
    due = page.locator("#due-today .visit-row, #overdue .visit-row")
    count = due.count()
    assert count > 0
    visited = due.first.locator("a.fw-bold").inner_text()
    due.first.get_by_role("link", name="登记走访").click()
    page.wait_for_selector("input[name=outcome]")
    _no_sideways_scroll(page, "the visit form")
    assert axe_violations(page) == []
    page.check("input[name=outcome][value=met]")
    page.fill("textarea[name=observations]", "身体状况良好")
    page.get_by_role("button", name="保存走访记录").click()
    page.wait_for_url(server + "/visits/")
    assert visited in page.locator(".alert-success").inner_text()
    assert page.locator("#due-today .visit-row, #overdue .visit-row").count() == count - 1


def test_visit_pages_in_large_text_mode(phone, server):
    page = phone
    log_in(page, server, "demo-grid")
    page.goto(server + "/visits/")
    page.locator("#elder-toggle").click()
    page.wait_for_selector("body.elder")
    try:
        for path in ["/visits/", "/tasks/", "/visits/workload/"]:
            page.goto(server + path)
            _no_sideways_scroll(page, path + " in large-text mode")
    finally:
        page.locator("#elder-toggle").click()  # the choice is kept on the account: switch it back
        page.wait_for_selector("body:not(.elder)")


def test_the_office_follows_progress_and_sets_care_levels(desktop, server):
    page = desktop
    log_in(page, server, "demo-community")
    page.goto(server + "/tasks/")
    page.get_by_role("link", name=re.compile("冬季寒潮前走访独居老人")).click()
    page.wait_for_selector("#progress table")
    assert axe_violations(page) == []
    # the counts come back from the JSON endpoint the page polls
    data = page.evaluate("async () => (await fetch(document.getElementById('progress').dataset.url)).json()")
    shown = int(page.locator("[data-t=total]").inner_text())
    assert data["total"]["total"] == shown
    page.goto(server + "/visits/levels/")
    assert axe_violations(page) == []
    page.goto(server + "/visits/workload/")
    assert page.locator(".worker-card").count() >= 1 and axe_violations(page) == []
