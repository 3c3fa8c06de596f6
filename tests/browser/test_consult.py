"""Consultations in the browser: on a 360 px phone, a resident goes from her notices to the open
parking consultation, supports a section, comments and supports a proposal, then reads what
became of her proposal in the closed consultation (你说我改); on a desktop, the secretary reads
the comments with the moderation tools and the summary report. Screenshots go to the artifacts;
the pages pass the accessibility check and do not scroll sideways on the phone."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations


def test_a_resident_comments_supports_and_sees_the_answer(small_phone, desktop, server, artifacts):
    page = small_phone
    log_in(page, server, "demo-resident")
    page.goto(server + "/notices/mine/")
    page.get_by_role("link", name=re.compile("协商")).click()
    page.wait_for_url(re.compile("/consult/mine/"))
    assert_no_sideways_scroll(page, "the resident's consultations")
    assert page.locator(".badge", has_text="新答复").count() == 1
    page.screenshot(path=str(artifacts / "consult-mine-phone.png"), full_page=True)

    page.get_by_role("link", name=re.compile("停车管理办法")).click()
    page.wait_for_selector("#s1")
    assert_no_sideways_scroll(page, "the consultation's page")
    assert axe_violations(page) == []
    first = page.locator("#s1")
    before = int(re.search(r"\d+", first.get_by_role("button", name=re.compile("^支持")).inner_text()).group(0))
    first.get_by_role("button", name=re.compile("^支持")).click()
    page.wait_for_selector(".alert-success")
    first = page.locator("#s1")
    after = first.get_by_role("button", name=re.compile("^支持"))
    assert int(re.search(r"\d+", after.inner_text()).group(0)) == before + 1
    assert after.get_attribute("aria-pressed") == "true"

    second = page.locator("#s2")
    second.locator("textarea").fill("访客车辆扫码登记，离开时自动计费。")
    second.get_by_role("button", name="发表意见").click()
    page.wait_for_selector(".alert-success")
    mine = page.locator("#s2 li", has_text="访客车辆扫码登记")
    assert mine.count() == 1 and "居民" in mine.inner_text()
    assert "demo-resident" not in page.content()

    proposal = page.locator("article[id^=p]", has_text="车位摇号分配")
    count = int(re.search(r"\d+", proposal.get_by_role("button", name=re.compile("^支持")).inner_text()).group(0))
    proposal.get_by_role("button", name=re.compile("^支持")).click()
    page.wait_for_selector(".alert-success")
    proposal = page.locator("article[id^=p]", has_text="车位摇号分配")
    assert int(re.search(r"\d+", proposal.get_by_role("button", name=re.compile("^支持")).inner_text()).group(0)) \
        == count + 1
    proposal.scroll_into_view_if_needed()
    assert_no_sideways_scroll(page, "the consultation after taking part")
    page.screenshot(path=str(artifacts / "consult-take-part-phone.png"), full_page=False)

    # what became of her proposal in the closed consultation
    page.goto(server + "/consult/mine/")
    page.get_by_role("link", name=re.compile("垃圾分类")).click()
    page.wait_for_selector("#answer-h")
    assert_no_sideways_scroll(page, "the answered consultation")
    assert axe_violations(page) == []
    answered = page.locator("article[id^=p]", has_text="旧衣回收箱")
    assert "我的" in answered.inner_text() and "已采纳" in answered.inner_text()
    page.screenshot(path=str(artifacts / "consult-answered-phone.png"), full_page=True)

    office = desktop
    log_in(office, server, "demo-community")
    office.goto(server + "/notices/")
    office.get_by_role("link", name=re.compile("协商")).first.click()
    office.get_by_role("link", name=re.compile("停车管理办法")).click()
    office.wait_for_selector("#comments")
    assert "访客车辆扫码登记" in office.locator("#comments + ul").inner_text()
    assert axe_violations(office) == []
    office.screenshot(path=str(artifacts / "consult-detail-desktop.png"), full_page=False)
    detail = office.url
    office.goto(server + "/consult/")
    office.locator("a", has_text="汇总报告").first.click()
    office.wait_for_selector("article.report")
    assert axe_violations(office) == []
    office.screenshot(path=str(artifacts / "consult-report-desktop.png"), full_page=True)

    # the office's pages on a 360 px phone too
    context = page.context.browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                                is_mobile=True, has_touch=True)
    secretary = context.new_page()
    log_in(secretary, server, "demo-community")
    for url, name in ((detail, "consult-detail-phone.png"), (office.url, "consult-report-phone.png")):
        secretary.goto(url)
        assert_no_sideways_scroll(secretary, url)
        secretary.screenshot(path=str(artifacts / name), full_page=False)
    context.close()
