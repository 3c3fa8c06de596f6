"""Notices in the browser: the secretary reads the water cut-off's reach on a desktop; a grid
worker records a door-knock from her list on a phone; a resident with no account confirms
through her household's link and through the building's poster. Screenshots at phone and
desktop width go to the artifacts; the pages pass the accessibility check and do not scroll
sideways on a phone."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations


def test_secretary_watches_the_reach_and_a_grid_worker_knocks(desktop, phone, server, artifacts):
    page = desktop
    log_in(page, server, "demo-community")
    page.goto(server + "/notices/")
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "notices-list-desktop.png"), full_page=True)
    page.get_by_role("link", name=re.compile("停水通知")).first.click()
    page.wait_for_selector("#reach-h")
    percent = int(re.search(r"(\d+)%", page.locator("#reach-h + p").inner_text()).group(1))
    assert 60 <= percent <= 80
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "notices-reach-desktop.png"), full_page=False)
    notice_url = page.url
    page.get_by_role("link", name="楼栋张贴海报").click()
    poster = page.locator(".poster-url").first.inner_text()
    page.screenshot(path=str(artifacts / "notices-poster-desktop.png"), full_page=False)
    page.goto(notice_url + "households/")
    link = page.locator("a.household-link").last.get_attribute("href")

    worker = phone
    log_in(worker, server, "demo-grid")
    worker.goto(server + "/notices/follow-up/")
    assert_no_sideways_scroll(worker, "the follow-up lists")
    worker.get_by_role("link", name=re.compile("停水通知")).click()
    worker.wait_for_selector("form[action*='/attempt/']")
    assert_no_sideways_scroll(worker, "the follow-up list")
    assert axe_violations(worker) == []
    worker.screenshot(path=str(artifacts / "notices-follow-up-phone.png"), full_page=False)
    first = worker.locator("main li.border").first
    address = first.locator(".fw-bold").first.inner_text()
    first.locator("select[name=outcome]").select_option("informed")
    first.locator("input[name=note]").fill("已上门告知")
    first.locator("button[type=submit]").click()
    worker.wait_for_selector(".alert-success")
    assert address in worker.locator(".alert-success").inner_text()
    assert worker.locator("main li.border .fw-bold", has_text=address).count() == 0

    # A resident, not signed in, on her phone: the household's link from the chat group …
    context = phone.context.browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                                is_mobile=True, has_touch=True)
    resident = context.new_page()
    resident.goto(server + link)
    # a function, not an expression: Playwright evaluates a bare expression with eval(), which the
    # page's Content-Security-Policy forbids
    resident.wait_for_function("() => !!document.querySelector('img.notice-image')"
                               " && document.querySelector('img.notice-image').complete")
    assert resident.locator("img.notice-image").first.evaluate("img => img.naturalWidth") > 0  # the sketch
    assert_no_sideways_scroll(resident, "the household's link")
    assert axe_violations(resident) == []
    resident.screenshot(path=str(artifacts / "notices-link-phone.png"), full_page=True)
    resident.get_by_role("button", name="已知晓").click()
    resident.wait_for_selector(".alert-success")
    # … and the poster's QR code in the stairwell
    resident.goto(poster)
    resident.get_by_role("button", name="已知晓").click()
    resident.wait_for_selector(".alert-success")
    resident.screenshot(path=str(artifacts / "notices-poster-confirmed-phone.png"), full_page=False)
    context.close()
