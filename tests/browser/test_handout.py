"""The fair hand-out in the browser: a resident reserves masks on her phone and shows her pickup
code; the keeper at the community's store room types (or scans) it on her phone and hands out;
the resident then sees her share collected and the results by group; the secretary reads the
round on a desktop and has its list made in the background (on a phone too). The pages pass the accessibility check and do not scroll sideways at 360 px."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_sideways_scroll, log_in
from tests.browser.test_grid_worker import axe_violations


def test_a_resident_reserves_and_picks_up(phone, small_phone, desktop, server, artifacts):
    resident = small_phone  # 360 px
    log_in(resident, server, "demo-resident")
    resident.goto(server + "/")
    resident.get_by_role("link", name="预约领取").first.click()
    resident.wait_for_url(re.compile(r"/handout/$"))
    assert_no_sideways_scroll(resident, "the reservations page")
    assert axe_violations(resident) == []
    resident.screenshot(path=str(artifacts / "handout-index-phone.png"), full_page=True)
    resident.locator(".list-group-item-action").first.click()
    resident.wait_for_selector("#reserve-button")
    assert "分配规则" in resident.content()
    resident.locator("#reserve-button").click()
    resident.wait_for_selector("#pickup-code")
    code = resident.locator("#pickup-code").inner_text().strip()
    assert code.startswith("LLH")
    assert resident.locator(".pickup-qr svg").count() == 1
    assert_no_sideways_scroll(resident, "the round with the pickup code")
    assert axe_violations(resident) == []
    resident.screenshot(path=str(artifacts / "handout-code-phone.png"), full_page=True)
    round_url = resident.url

    keeper = phone
    log_in(keeper, server, "demo-volunteer")
    keeper.goto(server + "/handout/pickup/")
    assert keeper.locator("#camera-button").count() == 1
    # the camera's scanner (linli/qrcamera.js, shared with the gate) loads on the first press; with
    # no camera here the page says so, and the box still takes the code
    assert keeper.evaluate("() => typeof window.Html5Qrcode") == "undefined"
    keeper.locator("#camera-button").click()
    keeper.wait_for_function("() => typeof window.Html5Qrcode === 'function'")
    keeper.wait_for_function("() => document.querySelector('#code-form [role=alert]')"
                             " || document.getElementById('camera-button').getAttribute('aria-pressed') === 'true'")
    if keeper.get_attribute("#camera-button", "aria-pressed") == "true":
        keeper.locator("#camera-button").click()  # a camera after all: switch it off again
    keeper.locator("#code-input").fill(code)
    keeper.locator("#check-button").click()
    keeper.wait_for_selector("#collect-button")
    assert "医用外科口罩" in keeper.locator("#found").inner_text()
    assert_no_sideways_scroll(keeper, "the pickup page")
    assert axe_violations(keeper) == []
    keeper.screenshot(path=str(artifacts / "handout-pickup-phone.png"), full_page=True)
    keeper.locator("#collect-button").click()
    keeper.wait_for_selector(".alert-success")
    assert "已发放" in keeper.locator(".alert-success").inner_text()

    resident.goto(round_url)
    assert "已领取" in resident.locator("#mine").inner_text()
    assert resident.locator("#results").count() == 1
    resident.screenshot(path=str(artifacts / "handout-collected-phone.png"), full_page=True)

    office = desktop
    log_in(office, server, "demo-community")
    office.goto(round_url)
    office.wait_for_selector("#results")
    assert axe_violations(office) == []
    office.screenshot(path=str(artifacts / "handout-round-desktop.png"), full_page=True)
    # the list is made in the background: the next page shows how far it got, then offers it
    office.set_viewport_size({"width": 360, "height": 780})
    assert_no_sideways_scroll(office, "the round's page for the office at 360 px")
    office.get_by_role("button", name="生成预约名单（.xlsx）").click()
    office.wait_for_url(re.compile(r"/downloads/\d+/$"))
    office.wait_for_selector("#download-file")
    assert_no_sideways_scroll(office, "the list's page at 360 px")
    assert axe_violations(office) == []
    office.screenshot(path=str(artifacts / "handout-list-ready-phone.png"), full_page=True)
    with office.expect_download() as info:
        office.locator("#download-file").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    office.goto(round_url)
    assert office.locator("#recent-files").count() == 1  # the file she asked for, beside the button
    assert_no_sideways_scroll(office, "the round's page with the recent files at 360 px")
    office.set_viewport_size({"width": 1280, "height": 900})
    office.goto(server + "/handout/checklist/")
    assert office.locator("#checklist-totals").count() == 1
    office.screenshot(path=str(artifacts / "handout-checklist-desktop.png"), full_page=True)
