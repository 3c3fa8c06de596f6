"""A community secretary imports a messy roster: upload, fix a column, read the dry run, commit."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import xlsxwriter

from tests.browser.conftest import log_in


def _a_house(data_dir: Path) -> tuple[str, str, str, str]:
    """Compound, building, unit and room of a house in the first community (demo-community's)."""
    with sqlite3.connect(data_dir / "linli.sqlite3") as db:
        community = db.execute("SELECT path FROM places_place WHERE level = 'community' ORDER BY path").fetchone()[0]
        house = db.execute("SELECT path FROM places_place WHERE level = 'house' AND path LIKE ? ORDER BY path",
                           (community + "%",)).fetchone()[0]
        names = {}
        for level in ("compound", "building", "unit"):
            names[level] = db.execute("SELECT name FROM places_place WHERE level = ? AND ? LIKE path || '%'",
                                      (level, house)).fetchone()[0]
        number = db.execute("SELECT number FROM places_place WHERE path = ?", (house,)).fetchone()[0]
    return names["compound"], names["building"], names["unit"], number


def _roster(where: tuple[str, str, str, str]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("居民")
    sheet.merge_range(0, 0, 0, 6, "某社区居民花名册（2026年11月）")
    # 登记对象 is not a header the importer knows: the secretary has to map it to 姓名 herself
    sheet.write_row(2, 0, ["登记对象", "公民身份号码", "联系电话", "所在小区", "楼栋", "单元号", "室号"])
    sheet.write_row(3, 0, ["林小满", "110101192301050017", "１３８００１３８０００", *where])
    sheet.write_row(4, 0, ["周大为", "110101192301050092", "123", *where])
    book.close()
    return buffer.getvalue()


def test_import_a_roster_fix_a_column_and_commit(desktop, server, server_data_dir):
    page = desktop
    log_in(page, server, "demo-community")
    page.goto(server + "/imports/")
    page.select_option("#id_area", index=1)
    page.set_input_files("#id_file", files=[{"name": "花名册.xlsx", "buffer": _roster(_a_house(server_data_dir)),
                                             "mimeType": "application/vnd.ms-excel"}])
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(re.compile(r"/imports/\d+/mapping/$"))
    name_column = page.get_by_label("登记对象")
    assert name_column.input_value() == ""  # not recognised
    name_column.select_option("name")
    page.get_by_role("button", name="开始试导入").click()

    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    page.wait_for_selector("#rejected", timeout=30_000)  # the progress bar reloads the page when done
    rejected = page.locator("section[aria-labelledby=rejected] tbody tr")
    assert rejected.count() == 1 and "123" in rejected.first.inner_text()
    page.get_by_role("checkbox", name=re.compile("未通过校验的行不会被导入")).check()
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_selector(".alert-success", timeout=30_000)
    assert "1" in page.locator(".alert-success").inner_text()

    page.goto(server + "/people/?q=林小满")
    assert page.locator("main").get_by_text("林小满").count() >= 1
