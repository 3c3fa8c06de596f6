"""A request's working day in the browser: the resident reports a leak on her phone with a photo,
the grid worker accepts and resolves it on hers, the resident rates it, the street supervises on a
desktop. Every page fits the screen and passes axe (no serious or critical violation)."""

from __future__ import annotations

import re

from PIL import Image

from tests.browser.conftest import log_in
from tests.browser.test_grid_worker import axe_violations


def fits(page) -> None:  # type: ignore[no-untyped-def]
    # A click on a link may still be replacing the document: measure the page that loaded.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width} px wide on a {viewport} px screen"
    assert not axe_violations(page), page.url


def log_out(page, server: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("document.querySelector('form[action=\"/logout/\"]').submit()")
    page.wait_for_url(re.compile(r".*/login/.*"))


def test_report_accept_resolve_rate(phone, server, tmp_path):  # type: ignore[no-untyped-def]
    page = phone
    photo = tmp_path / "leak.jpg"
    Image.new("RGB", (800, 600), "steelblue").save(photo, "JPEG")
    log_in(page, server, "demo-resident")
    page.goto(server + "/requests/new/")
    fits(page)
    page.get_by_text("漏水、水管维修", exact=True).click()
    page.fill("#id_description", "厨房水槽下面的水管在漏水，地上全是水。")
    page.set_input_files("#new-photo-album", str(photo))
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    number = re.search(r"编号 (\d{8}-\d+)", page.inner_text("main")).group(1)
    assert "办理记录" in page.inner_text("main")
    thumbnail = page.locator(".photo-strip img").first
    thumbnail.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth === 800", arg=thumbnail.element_handle())
    fits(page)
    log_out(page, server)

    log_in(page, server, "demo-grid")
    page.goto(server + "/requests/?view=mine")
    fits(page)
    # her queue also holds the visit needs of the demo's elder-care campaign: she finds it by number
    page.goto(server + f"/requests/?view=mine&q={number}")
    page.get_by_text(number).click()
    page.get_by_role("button", name="受理：我来处理").click()
    page.wait_for_selector("text=已受理")
    page.fill("#id_outcome", "已上门更换水槽下水管接头，不再漏水。")
    page.get_by_role("button", name="标记为已办结").click()
    page.wait_for_selector("text=已办结：系统会请居民评价办理结果。")
    fits(page)
    log_out(page, server)

    log_in(page, server, "demo-resident")
    assert "等待您的评价" in page.inner_text("main")
    page.goto(server + "/requests/")
    page.get_by_text(number).click()
    page.get_by_text("满意", exact=True).click()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_selector("text=谢谢，您的评价已记录。")
    assert "已关闭" in page.inner_text("main")
    fits(page)


def test_the_street_supervises(desktop, server):  # type: ignore[no-untyped-def]
    page = desktop
    log_in(page, server, "demo-street")
    page.goto(server + "/requests/supervision/")
    assert "督办" in page.inner_text("main")
    fits(page)
    page.get_by_role("link", name="三率统计").click()
    page.wait_for_selector("text=响应率")
    fits(page)
    page.goto(server + "/requests/?view=dispatch")
    fits(page)


def test_returned_request_is_assigned_and_supervised_on_phones(phone, server):  # type: ignore[no-untyped-def]
    """The grid worker returns a request that is not hers, the community secretary assigns it on
    her phone, and the street officer reads supervision and the three rates on hers."""
    page = phone
    log_in(page, server, "demo-grid")
    page.goto(server + "/requests/?view=mine")
    page.locator("a.ticket-row").first.click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    number = re.search(r"编号 (\d{8}-\d+)", page.inner_text("main")).group(1)
    page.get_by_text("退回：不属于我们办理").click()
    form = page.locator("form[action$='/return/']")
    form.locator("textarea").fill("这是物业公司的维修范围，请社区协调物业处理。")
    form.get_by_role("button", name="退回").click()
    page.wait_for_selector("text=已退回分派单位。")
    fits(page)
    log_out(page, server)

    log_in(page, server, "demo-community")
    page.goto(server + "/requests/?view=dispatch")
    fits(page)
    page.get_by_text(number).click()
    assert "这是物业公司的维修范围" in page.inner_text("main")
    assign = page.locator("form[action$='/assign/']")
    assign.locator("select[name=level]").select_option("grid")
    grid_select = assign.locator("select[name=grid]")
    grid_select.select_option(index=1)
    assign.get_by_role("button", name="指派").click()
    page.wait_for_selector("text=已指派。")
    fits(page)
    log_out(page, server)

    log_in(page, server, "demo-street")
    page.goto(server + "/requests/supervision/")
    assert "督办" in page.inner_text("main")
    fits(page)
    page.get_by_role("link", name="三率统计").click()
    page.wait_for_selector("text=响应率")
    fits(page)
