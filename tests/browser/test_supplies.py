"""Emergency materials in the browser: the street approves a keeper's stock-taking, sees where
masks are short and gets a dispatch plan (desktop); a keeper counts her store room on a phone.
The pages pass the accessibility check and do not scroll sideways on a phone."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations


def test_street_approves_and_plans_then_a_keeper_counts_on_her_phone(desktop, phone, server, artifacts):
    page = desktop
    log_in(page, server, "demo-street")
    page.goto(server + "/supplies/")
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "supplies-index-desktop.png"), full_page=True)
    page.locator(".alert-warning a").first.click()
    page.wait_for_selector("button[name=decide][value=approve]")
    assert "-1" in page.locator("table").inner_text()  # the variance shown before approving
    page.get_by_role("button", name="审核通过差异").click()
    page.wait_for_selector(".alert-success")
    assert "已批准" in page.locator("h1").inner_text()

    page.goto(server + "/supplies/street/")
    assert page.locator("td.text-danger").count() > 0  # communities short of something
    page.get_by_role("link", name="计算调拨方案").click()
    page.wait_for_selector("#plan")
    lines = page.locator("li.plan-line")
    assert lines.count() > 0 and re.search(r".+ → .+：[\d,]+ ", lines.first.inner_text())
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "supplies-street-desktop.png"), full_page=True)
    page.get_by_role("button", name="批准方案").click()
    page.wait_for_url(re.compile(r"/supplies/shipments/$"))
    assert page.locator(".list-group-item").count() > 0
    assert page.get_by_role("button", name="发出").count() > 0  # the street sends from its own warehouse
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "supplies-shipments-desktop.png"), full_page=True)

    keeper = phone
    log_in(keeper, server, "demo-volunteer")
    keeper.goto(server + "/supplies/")
    assert_no_sideways_scroll(keeper, "the supplies page")
    keeper.locator(".list-group-item-action").first.click()
    keeper.wait_for_selector("h1")
    assert_no_sideways_scroll(keeper, "a storage point")
    assert axe_violations(keeper) == []
    keeper.screenshot(path=str(artifacts / "supplies-point-phone.png"), full_page=True)
    keeper.get_by_role("button", name="开始盘点").click()
    keeper.wait_for_selector("input[name^=line-]")
    inputs = keeper.locator("input[name^=line-]")
    for n in range(inputs.count()):
        label = keeper.locator(f"label[for='{inputs.nth(n).get_attribute('id')}']").inner_text()
        books = int(re.search(r"账面 (\d+)", label).group(1))
        inputs.nth(n).fill(str(books))
    assert_no_sideways_scroll(keeper, "the count sheet")
    assert axe_violations(keeper) == []
    keeper.screenshot(path=str(artifacts / "supplies-count-phone.png"), full_page=True)
    keeper.get_by_role("button", name="提交审核").click()
    keeper.wait_for_selector(".alert-success")
    assert "待审核" in keeper.locator("h1").inner_text()
    assert "等待另一人审核" in keeper.content()

    phone_street = keeper
    phone_street.set_viewport_size({"width": 360, "height": 780})
    phone_street.goto(server + "/supplies/")
    assert_no_sideways_scroll(phone_street, "the supplies page at 360 px")
    # the stock is made in the background: the next page shows how far it got, then offers it
    phone_street.locator("#export-stock").click()
    phone_street.wait_for_url(re.compile(r"/downloads/\d+/$"))
    phone_street.wait_for_selector("#download-file")
    assert_no_sideways_scroll(phone_street, "the stock file's page at 360 px")
    assert axe_violations(phone_street) == []
    with phone_street.expect_download() as info:
        phone_street.locator("#download-file").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    phone_street.goto(server + "/supplies/")
    assert phone_street.locator("#recent-files").count() == 1
    assert_no_sideways_scroll(phone_street, "the supplies page with the recent files at 360 px")
