"""A delivery for a quarantined household, in the browser: the household asks for groceries on
her phone, the volunteer takes the delivery on hers, buys, leaves it at the door with a photo,
and the household confirms receipt. Every page fits a 390 px phone and passes axe."""

from __future__ import annotations

import io
import re

from PIL import Image

from tests.browser.conftest import log_in
from tests.browser.test_requests import fits, log_out


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(out, format="JPEG")
    return out.getvalue()


def test_a_delivery_from_request_to_receipt(phone, server):  # type: ignore[no-untyped-def]
    page = phone
    log_in(page, server, "demo-quarantined")
    page.goto(server + "/requests/new/")
    page.get_by_text("隔离户代购生活物资", exact=True).click()
    page.fill("#id_description", "想买点水果，谢谢志愿者")
    page.fill("#id_items", "苹果 两斤\n香蕉 一把")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    request_url = page.url
    assert "已推送给值守志愿者" in page.inner_text("main")
    log_out(page, server)

    log_in(page, server, "demo-volunteer")
    assert "户隔离户在等待代购" in page.inner_text("main")
    page.get_by_text("户隔离户在等待代购").click()
    page.wait_for_url(re.compile(r".*/deliveries/.*"))
    fits(page)
    card = page.locator("#waiting .delivery-row", has_text="想买点水果")
    assert "苹果 两斤" in card.inner_text() and "****" in card.inner_text()
    card.get_by_role("button", name="接单").click()
    page.wait_for_selector("text=接单成功")
    fits(page)
    page.get_by_role("button", name="已买好，出发送货").click()
    page.wait_for_selector("text=已买好：已告诉住户您正在送来。")
    page.fill("#id_note", "放在门口鞋柜上了")
    page.set_input_files("#id_photo", files=[{"name": "bag.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    fits(page)
    page.get_by_role("button", name="已放在门口").click()
    page.wait_for_selector("text=已放在门口：已提醒住户取回并确认收到。")
    fits(page)
    log_out(page, server)

    log_in(page, server, "demo-quarantined")
    assert "放在您家门口" in page.inner_text("main")
    page.goto(request_url)
    main = page.inner_text("main")
    assert "放在门口鞋柜上了" in main and "志愿者已接单" in main
    assert page.locator("img.photo-thumb").evaluate("img => img.naturalWidth") > 0  # the photo loads
    fits(page)
    page.get_by_role("button", name="已收到").click()
    page.wait_for_selector("text=谢谢！已确认收到")
    main = page.inner_text("main")
    assert "已确认收到" in main and "您对办理结果满意吗" in main
    fits(page)
