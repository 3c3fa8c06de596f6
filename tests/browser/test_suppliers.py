"""Suppliers in the browser: the street office sees the grades, the warning of an expiring
qualification, a supplier's verified trail in the shared ledger and the late order (desktop);
on a 360 px phone the supplier pages, the donations and the public list of donors fit the
screen. The pages pass the accessibility check."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations


def test_street_sees_grades_trail_and_late_order_then_a_phone(desktop, phone, server, artifacts):
    page = desktop
    log_in(page, server, "demo-street")
    page.goto(server + "/supplies/")
    page.get_by_role("link", name="供应商").first.click()
    page.wait_for_url(re.compile(r"/supplies/suppliers/$"))
    warning = page.locator(".alert-warning").inner_text()
    assert "华东防护用品制造有限公司" in warning and "医疗器械注册证" in warning
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "suppliers-index-desktop.png"), full_page=True)

    page.get_by_role("link", name=re.compile("上海康达医疗用品有限公司")).click()
    page.wait_for_selector("h1")
    assert "延误" in page.content() and "评级是怎样得出的" in page.content()
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "suppliers-supplier-desktop.png"), full_page=True)

    page.get_by_role("link", name="共享账簿中的溯源记录").click()
    page.wait_for_selector(".list-group-item")
    for _ in range(20):  # the server's sequencer takes the demo's entries within seconds
        if page.locator(".trail-status.text-bg-success").count() and not page.locator(".alert-secondary").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    statuses = page.locator(".trail-status")
    assert statuses.count() >= 3 and statuses.count() == page.locator(".trail-status.text-bg-success").count()
    assert "supplier:" in page.content()
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "suppliers-trail-desktop.png"), full_page=True)

    page.goto(server + "/supplies/suppliers/")
    page.locator(".alert-warning a").first.click()  # the expiring registration's supplier
    assert page.locator(".text-danger.fw-bold").count() >= 1

    keeper = phone
    keeper.set_viewport_size({"width": 360, "height": 780})
    log_in(keeper, server, "demo-street")
    for path, name in (("/supplies/suppliers/", "suppliers-index"), ("/supplies/donations/", "suppliers-donations"),
                       ("/supplies/stock/import/", "suppliers-stock-import"),
                       ("/supplies/orders/new/", "suppliers-order-new"), ("/supplies/suppliers/new/", "suppliers-new")):
        keeper.goto(server + path)
        assert_no_sideways_scroll(keeper, path)
        assert axe_violations(keeper) == []
        keeper.screenshot(path=str(artifacts / f"{name}-phone.png"), full_page=True)
    keeper.goto(server + "/supplies/suppliers/")
    keeper.locator(".list-group-item-action").first.click()
    keeper.wait_for_selector("h1")
    assert_no_sideways_scroll(keeper, "a supplier")
    keeper.screenshot(path=str(artifacts / "suppliers-supplier-phone.png"), full_page=True)
    keeper.get_by_role("link", name=re.compile(r"^PO-")).first.click()
    keeper.wait_for_selector("h1")
    assert_no_sideways_scroll(keeper, "an order")
    assert axe_violations(keeper) == []
    keeper.screenshot(path=str(artifacts / "suppliers-order-phone.png"), full_page=True)


def test_the_public_list_of_donors_needs_no_sign_in(phone, server, artifacts):
    phone.set_viewport_size({"width": 360, "height": 780})
    phone.goto(server + "/supplies/donors/")
    text = phone.locator("main, body").first.inner_text()
    assert "上海爱心科技有限公司" in text and "张阿姨" in text and "李先生" not in text
    assert "不具名" in text
    assert_no_sideways_scroll(phone, "the donors")
    assert axe_violations(phone) == []
    phone.screenshot(path=str(artifacts / "suppliers-donors-phone.png"), full_page=True)
