"""File inputs speak the page's language: a button and "no file chosen" in Chinese on a Chinese
page (the browser's own words are in the browser's language), over the native input, which keeps
its label, its keyboard focus and its dialog; the chosen file's name shows once chosen."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import log_in, page_under_policy
from tests.browser.test_grid_worker import axe_violations
from tests.browser.test_journeys import SIZES, _english_words


def test_file_pickers_are_in_chinese_reachable_by_keyboard_and_name_the_chosen_file(browser, server, artifacts: Path):
    context = browser.new_context(locale="en-US", **SIZES["phone"])  # a browser in English, the page in Chinese
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": server}])
    page, csp = page_under_policy(context)
    folder = artifacts / "file-pickers"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        log_in(page, server, "demo-community")
        page.goto(server + "/imports/")
        picker = page.locator(".file-picker").first
        assert picker.locator(".file-picker-button").inner_text() == "选择文件"
        assert picker.locator(".file-picker-name").inner_text() == "未选择文件"
        assert page.get_by_label("表格文件").count() == 1  # the native input keeps its label
        page.focus("#id_area")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "id_file"
        assert not _english_words(page)
        assert not axe_violations(page)
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 360
        page.screenshot(path=folder / "import-empty.png", full_page=True)
        page.set_input_files("#id_file", files=[{"name": "花名册.xlsx", "buffer": b"x", "mimeType": "text/plain"}])
        assert picker.locator(".file-picker-name").inner_text() == "花名册.xlsx"
        page.screenshot(path=folder / "import-chosen.png", full_page=True)

        context.clear_cookies()
        context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": server}])
        log_in(page, server, "demo-resident")
        page.goto(server + "/requests/new/")
        album = page.locator(".file-picker:has(input[multiple])").first
        assert album.locator(".file-picker-button").inner_text() == "选择照片"
        png = (Path(__file__).parents[2] / "linli" / "static" / "linli" / "favicon.svg").read_bytes()
        album.locator("input").set_input_files(files=[
            {"name": f"门口{i}.png", "buffer": png, "mimeType": "image/png"} for i in (1, 2)])
        assert album.locator(".file-picker-name").inner_text() == "已选择 2 张照片"
        assert not _english_words(page)
        page.screenshot(path=folder / "request-photos.png", full_page=True)
    finally:
        context.close()
    assert not csp, "\n".join(csp)
