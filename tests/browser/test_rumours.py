"""Rumours in the browser: the secretary confirms the flu-drug rumour from the queue and signs its
clarification for the government office on a desktop; the expert and the communications officer
sign on 360 px phones; the secretary releases it as an urgent notice, which a community worker
fact-checks and the street officer publishes. Screenshots at phone and desktop width go to the
artifacts; the pages pass the accessibility check and do not scroll sideways on a phone."""

from __future__ import annotations

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations

FLU = "吃大剂量抗流感药能预防新冠病毒感染"


def _phone_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    return context.new_page()


def _sign(page, party: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"#parties li[data-party={party}] button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert "✓" in page.locator(f"#parties li[data-party={party}]").inner_text()


def test_from_the_queue_through_three_signatures_to_the_notice(desktop, small_phone, server, artifacts):
    page = desktop
    log_in(page, server, "demo-community")
    page.goto(server + "/rumours/")
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "rumours-queue-desktop.png"), full_page=True)
    page.locator("#queue-open a", has_text=FLU).click()
    page.wait_for_selector("#review-h")
    assert "奥司他韦" in page.locator("main").inner_text()  # the verified fact beside the messages
    page.locator("button[name=decision][value=confirm]").click()
    page.wait_for_selector("#draft-h")
    assert "奥司他韦" in page.locator("textarea[name=body]").input_value()  # drafted from the fact
    page.locator("form[action$='/clarify/'] button[type=submit]").click()
    page.wait_for_selector("#parties")
    _sign(page, "office")
    assert page.locator("#parties li[data-party=expert] button").count() == 0  # not hers to sign
    assert axe_violations(page) == []
    suspect_url = page.url

    expert = small_phone
    log_in(expert, server, "demo-expert")
    expert.goto(suspect_url)
    assert_no_sideways_scroll(expert, "the suspected rumour")
    assert axe_violations(expert) == []
    expert.screenshot(path=str(artifacts / "rumours-sign-expert-phone.png"), full_page=True)
    _sign(expert, "expert")

    media = _phone_page(expert.context.browser)
    log_in(media, server, "demo-media")
    media.goto(suspect_url)
    _sign(media, "media")
    assert_no_sideways_scroll(media, "the signed clarification")
    media.screenshot(path=str(artifacts / "rumours-three-signed-phone.png"), full_page=True)
    media.context.close()

    page.goto(suspect_url)
    assert page.locator("#parties").inner_text().count("✓") == 3
    page.locator("form[action$='/release/'] button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    page.screenshot(path=str(artifacts / "rumours-released-desktop.png"), full_page=True)
    page.locator("main .alert-success a[href^='/notices/']").click()
    page.wait_for_selector("h1")
    notice_url = page.url
    assert page.locator("h1").inner_text().startswith("辟谣")
    badges = page.locator("main p.small.mb-2").first.inner_text()
    assert "紧急" in badges and "简化审核" in badges

    # The notices' own review: a community worker fact-checks, the street officer publishes.
    worker = _phone_page(page.context.browser)
    log_in(worker, server, "demo-worker2")
    worker.goto(notice_url)
    worker.locator("form[action$='/check/'] button[type=submit]").click()
    worker.wait_for_selector(".alert-success")
    worker.context.close()
    street = _phone_page(page.context.browser)
    log_in(street, server, "demo-street")
    street.goto(notice_url)
    street.locator("form[action$='/publish/'] button[type=submit]").click()
    street.wait_for_selector("#reach-h")
    street.screenshot(path=str(artifacts / "rumours-notice-published-phone.png"), full_page=False)
    street.context.close()
    page.goto(suspect_url)
    assert "已发布" in page.locator("main .alert-success").inner_text()


def test_report_and_the_fact_base_on_a_phone(small_phone, server, artifacts):
    page = small_phone
    log_in(page, server, "demo-community")
    page.goto(server + "/rumours/report/")
    page.fill("textarea[name=text]", "群里说喝白酒能杀死新冠病毒，联系人13812345678")
    page.fill("input[name=group]", "5号楼群")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#fact-h")
    assert "138****5678" in page.locator("main").inner_text()
    assert_no_sideways_scroll(page, "a reported message")
    page.goto(server + "/rumours/facts/")
    assert page.locator("main .list-group-item").count() >= 12
    assert_no_sideways_scroll(page, "the fact base")
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "rumours-facts-phone.png"), full_page=False)
