"""Opinion in the browser: the street officer reads the month's opinion report with its charts
(desktop, and printed); a community secretary reads her community's analysis on a phone and
files a demand found in the chat groups as a request. The pages pass the accessibility check
and do not scroll sideways on a phone."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations


def test_the_street_reads_the_report_and_a_secretary_files_a_demand_on_her_phone(desktop, phone, server, artifacts):
    page = desktop
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    log_in(page, server, "demo-street")
    page.goto(server + "/opinion/reports/")
    assert axe_violations(page) == []
    # the month's report a community sent up
    page.locator(".list-group-item", has_text="已报送街道").locator("a").first.click()
    page.wait_for_selector("#opinion-volume :is(svg, canvas)")  # the chart is drawn
    assert not problems, problems
    assert page.locator("#opinion-topics :is(svg, canvas)").count() == 1
    text = page.locator("article").inner_text()
    assert "热点话题及走势" in text and "负面话题及涉及小区" in text and "群众诉求及办理情况" in text
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "opinion-report-desktop.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "opinion-report-print.png"), full_page=True)
    page.emulate_media(media="screen")

    secretary = phone
    log_in(secretary, server, "demo-community")
    secretary.goto(server + "/opinion/")
    assert_no_sideways_scroll(secretary, "the opinion page")
    assert axe_violations(secretary) == []
    secretary.screenshot(path=str(artifacts / "opinion-index-phone.png"), full_page=True)
    secretary.locator(".list-group-item-action").first.click()
    secretary.wait_for_selector("#opinion-volume :is(svg, canvas)")
    assert_no_sideways_scroll(secretary, "the analysis page")
    assert axe_violations(secretary) == []
    secretary.screenshot(path=str(artifacts / "opinion-analysis-phone.png"), full_page=True)
    buttons = secretary.get_by_role("button", name="转为诉求工单").and_(secretary.locator(":enabled"))
    assert buttons.count() > 0
    buttons.first.click()
    secretary.wait_for_selector(".alert-success")
    assert re.search(r"已转为工单 [0-9-]+", secretary.locator(".alert-success").inner_text())
