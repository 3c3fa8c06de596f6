"""Opinion in the browser: the street officer reads the month's opinion report with its charts
(desktop, and printed); a community secretary reads her community's analysis on a phone and
files a demand found in the chat groups as a request. The pages pass the accessibility check
and do not scroll sideways on a phone."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations

# The topic names the bar chart does not show whole: wider (in the chart's font, as this browser
# measures it) than the label column, or than its lines where labels wrap.
CLIPPED_TOPICS = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById("opinion-topics"));
  const label = chart.getOption().yAxis[0].axisLabel;
  const lines = label.overflow === "break" ? Math.floor((label.height || label.lineHeight) / label.lineHeight) : 1;
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = "12px sans-serif";
  const names = JSON.parse(document.getElementById("opinion-data").textContent).topics.map(t => t.name);
  return names.filter(name => !(pen.measureText(name).width <= label.width * lines - (lines > 1 ? 12 : 0)));
}"""


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
    assert page.evaluate(CLIPPED_TOPICS) == []
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
    assert secretary.evaluate(CLIPPED_TOPICS) == []
    assert axe_violations(secretary) == []
    secretary.screenshot(path=str(artifacts / "opinion-analysis-phone.png"), full_page=True)
    buttons = secretary.get_by_role("button", name="转为诉求工单").and_(secretary.locator(":enabled"))
    assert buttons.count() > 0
    buttons.first.click()
    secretary.wait_for_selector(".alert-success")
    assert re.search(r"已转为工单 [0-9-]+", secretary.locator(".alert-success").inner_text())


def test_only_the_community_sees_the_send_button_and_topics_read_whole_at_360_px(desktop, small_phone, server,
                                                                                 artifacts):
    """This month's report of the first community is generated, not yet sent: its secretary may send it up, the
    street officer reads it without the button; its chart's topic names read whole on a phone."""
    secretary = small_phone
    log_in(secretary, server, "demo-community")
    secretary.goto(server + "/opinion/reports/")
    secretary.locator(".list-group-item", has_text="已生成").locator("a").first.click()
    secretary.wait_for_selector("#opinion-topics :is(svg, canvas)")
    report = secretary.url
    assert secretary.get_by_role("button", name="报送街道").count() == 1
    assert secretary.evaluate(CLIPPED_TOPICS) == []
    assert_no_sideways_scroll(secretary, "the report on a 360 px phone")
    secretary.screenshot(path=str(artifacts / "opinion-report-360.png"), full_page=True)
    officer = desktop
    log_in(officer, server, "demo-street")
    officer.goto(report)
    officer.wait_for_selector("#opinion-topics :is(svg, canvas)")
    assert officer.get_by_role("button", name="报送街道").count() == 0
    assert officer.evaluate(CLIPPED_TOPICS) == []
    officer.locator("#opinion-topics").screenshot(path=str(artifacts / "opinion-topics-desktop.png"))
