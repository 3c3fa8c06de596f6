"""The hotline import in the browser: the community secretary uploads the demo's sample 12345
export on her phone, confirms the columns, types the place of an order nobody could place, and
files the rest. Every page fits the screen and passes axe."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.browser.conftest import log_in
from tests.browser.test_requests import fits


def test_import_the_hotlines_orders_on_a_phone(phone, server, server_data_dir, tmp_path):  # type: ignore[no-untyped-def]
    export = tmp_path / "12345.xlsx"
    env = {**os.environ, "LINLI_DATA_DIR": str(server_data_dir), "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "linli.cli", "hotline_sample", str(export), "--orders", "12"], env=env,
                   check=True, timeout=120, stdout=subprocess.DEVNULL)
    page = phone
    log_in(page, server, "demo-community")
    page.goto(server + "/requests/")
    page.get_by_role("link", name="12345热线工单").click()
    page.wait_for_url(re.compile(r".*/requests/hotline/$"))
    fits(page)
    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="上传并核对").click()
    page.wait_for_url(re.compile(r".*/requests/hotline/\d+/$"))
    page.get_by_role("link", name="确认各列").click()
    page.wait_for_url(re.compile(r".*/columns/$"))
    fits(page)
    page.get_by_role("button", name="保存并核对工单").click()
    page.wait_for_selector("text=登记库中没有与该地址相符的地点")
    fits(page)
    # the order nobody could place: she types where it is (the first compound of her community)
    row = page.locator(".list-group-item", has_text="某某路旁边那个小区门口")
    row.locator("input[type=text]").fill(page.locator("#compounds option").first.get_attribute("value"))
    page.get_by_role("button", name="保存地点并重新核对").click()
    page.wait_for_selector("text=已保存，并已重新核对。")
    page.locator("main form[action$='commit/'] button").click()
    page.wait_for_selector("text=/已根据热线工单登记 \\d+ 条诉求/")
    fits(page)
    page.get_by_role("link", name=re.compile("^全部")).click()
    page.wait_for_url(re.compile(r".*show=all$"))
    page.locator("a[href^='/requests/']", has_text=re.compile(r"^\d{8}-\d+$")).first.click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    assert "热线工单" in page.inner_text("main")
    fits(page)
