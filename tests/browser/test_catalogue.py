"""The street office's catalogue, calendar and duty-list pages on a phone and a desktop, a grid
worker's duty lists on her home page and the workload page: each fits the screen and passes axe.
Nothing here changes where the other browser tests' requests go (no limit is saved, the duty
line added is a member's power, the calendar correction lies beyond any limit)."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_requests import fits


@pytest.mark.parametrize("large", [False, True])
def test_the_street_edits_its_catalogue_on_a_phone(phone, server, large):  # type: ignore[no-untyped-def]
    page = phone
    if large:
        page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": server}])
    log_in(page, server, "demo-street")
    page.goto(server + "/requests/")
    page.get_by_role("link", name="目录、日历与清单").click()
    page.wait_for_selector("#active-categories")
    fits(page)
    page.locator("#category-noise a").first.click()
    page.fill("#id_respond_hours", "30")
    page.fill("#id_resolve_hours", "8")
    page.get_by_role("button", name="保存", exact=True).click()
    assert "不能短于首次响应时限" in page.inner_text("main")
    fits(page)
    page.goto(server + "/requests/calendar/")
    fits(page)
    page.goto(server + "/requests/duties/")
    fits(page)


def test_the_street_adds_lines_on_a_desktop(desktop, server):  # type: ignore[no-untyped-def]
    page = desktop
    log_in(page, server, "demo-street")
    page.goto(server + "/requests/duties/")
    page.select_option("#id_role", "member")
    page.check("#id_kind_0")  # powers
    page.fill("#id_text", "组织楼组长开展邻里互助")
    page.get_by_role("button", name="添加这一条").click()
    page.wait_for_selector("text=已保存到")
    assert "组织楼组长开展邻里互助" in page.inner_text("#role-member")
    fits(page)
    page.goto(server + "/requests/calendar/")
    day = (datetime.datetime.now(tz=datetime.UTC).date() + datetime.timedelta(days=650)).isoformat()  # past any limit filed today
    page.fill("#id_date", day)
    page.check("#id_working_0")
    page.fill("#id_note", "调休上班")
    page.get_by_role("button", name="保存更正").click()
    page.wait_for_selector(f"#coming-days >> text={day}")
    fits(page)


def test_a_grid_worker_reads_her_lists_and_her_workload(phone, server):  # type: ignore[no-untyped-def]
    page = phone
    log_in(page, server, "demo-grid")
    lists = page.locator("#duties details")
    assert lists.count() == 1 and not lists.evaluate("el => el.open")
    page.locator("#duties summary").click()
    assert "负面清单" in page.inner_text("#duties")
    fits(page)
    page.goto(server + "/visits/workload/")
    assert page.locator(".worker-card").count() == 1  # her own figures only
    assert "按时首次响应" in page.inner_text("main")
    fits(page)
