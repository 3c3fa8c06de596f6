"""Screening campaigns in the browser: the secretary watches the running campaign's progress by
grid and checks an uncertain answer (desktop); a grid worker works a knock with the script on
her 360 px phone; a resident with no account answers the groceries survey through her
household's link. The pages pass the accessibility check and do not scroll sideways on a phone."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations


def test_secretary_watches_progress_and_checks_an_answer(desktop, server, artifacts):
    page = desktop
    log_in(page, server, "demo-community")
    page.goto(server + "/campaigns/")
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "campaigns-list-desktop.png"), full_page=True)
    page.get_by_role("link", name=re.compile("返沪人员健康摸排")).click()
    page.wait_for_selector("#progress table")
    assert re.search(r"已回答 \d+ 户", page.locator("#progress").inner_text())
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "campaigns-progress-desktop.png"), full_page=True)
    page.get_by_role("link", name="待核对的答案").click()
    page.wait_for_selector("h1")
    forms = page.locator("main form.card")
    before = forms.count()
    assert before > 0
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "campaigns-review-desktop.png"), full_page=False)
    first = forms.first
    if first.locator("select").count():
        first.locator("select").select_option(index=1)
    else:
        first.locator("input[name=value]").fill("36.6")
    first.get_by_role("button", name="确认").click()
    page.wait_for_selector(".alert-success")


def test_grid_worker_knocks_and_a_resident_answers_by_link(small_phone, server, artifacts):
    worker = small_phone
    log_in(worker, server, "demo-grid")
    worker.goto(server + "/campaigns/work/")
    assert_no_sideways_scroll(worker, "the grid worker's list")
    assert axe_violations(worker) == []
    worker.screenshot(path=str(artifacts / "campaigns-work-phone.png"), full_page=False)
    worker.locator("main a.list-group-item", has_text="封控期间买菜需求调查").first.click()
    worker.wait_for_selector("#save")
    link = worker.locator("a.household-link").get_attribute("href")
    worker.goto(server + "/campaigns/work/")
    worker.locator("main a.list-group-item", has_text="返沪人员健康摸排").first.click()
    worker.wait_for_selector("#save")
    assert_no_sideways_scroll(worker, "the script on the phone")
    assert axe_violations(worker) == []
    worker.get_by_label("否").first.check()
    worker.get_by_label(re.compile("体温")).fill("50")
    worker.locator("#save").click()
    worker.wait_for_selector(".text-danger")
    assert "34" in worker.locator(".text-danger").first.inner_text()  # the bad temperature, in Chinese
    worker.screenshot(path=str(artifacts / "campaigns-knock-error-phone.png"), full_page=True)
    worker.get_by_label(re.compile("体温")).fill("36.6")
    worker.locator("#save").click()
    worker.wait_for_selector(".alert-success")
    worker.screenshot(path=str(artifacts / "campaigns-knock-saved-phone.png"), full_page=False)

    # A resident, not signed in, on her phone, through the household's link
    context = worker.context.browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                                 is_mobile=True, has_touch=True)
    resident = context.new_page()
    resident.goto(link if link.startswith("http") else server + link)
    assert_no_sideways_scroll(resident, "the survey link")
    assert axe_violations(resident) == []
    resident.screenshot(path=str(artifacts / "campaigns-link-phone.png"), full_page=True)
    resident.get_by_label("是").first.check()
    resident.get_by_label(re.compile("几位老人")).fill("１")
    resident.get_by_role("button", name="提交答案").click()
    resident.wait_for_selector(".alert-success")
    assert "已回答" in resident.locator("main").inner_text()
    resident.screenshot(path=str(artifacts / "campaigns-link-answered-phone.png"), full_page=False)
    context.close()
