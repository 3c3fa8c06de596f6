"""The stock as a spreadsheet: exported lot by lot; imported as receipts or as a count that a
second person approves; bad rows reported in Chinese and English; nothing half-written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.imports.reading import read_file
from linli.imports.tests.helpers import xlsx_bytes
from linli.suppliers import stockfile
from linli.suppliers.tests.helpers import point_in
from linli.supplies import actions as supplies
from linli.supplies.models import CountSheet, Lot, Movement, MovementKind, SheetStatus
from linli.supplies.tests.helpers import item, stock

pytestmark = pytest.mark.django_db
LATER = (timezone.localdate() + datetime.timedelta(days=300)).isoformat()


def exported(client) -> bytes:
    """The stock file, asked for on the page and made in the background (at once in the tests)."""
    asked = client.post("/supplies/stock/export/")
    assert asked.status_code == 302 and asked["Location"].startswith("/downloads/"), asked
    page = client.get(asked["Location"] + "file/")
    assert page.status_code == 200 and page["Content-Type"].startswith("application/vnd.openxmlformats")
    return page.content


def test_export_has_one_row_per_lot_in_stock(street):
    point = point_in(street)
    stock(street, point, 120)
    stock(street, point, 7, code="blanket", days=None)
    supplies.do_issue(point, item("blanket"), 7, acting_user=street.secretary)  # an empty lot is left out
    [sheet] = read_file(exported(street.client_for(street.secretary)), "stock.xlsx")
    header, *rows = sheet.rows
    assert header[0] == "存放点编号 point id" and "实盘数量 counted" in header
    assert len(rows) == 1 and rows[0][1] == "社区物资室" and rows[0][2] == "mask-kn95" and rows[0][6] == 120
    assert street.client_for(street.grid_worker).post("/supplies/stock/export/").status_code == 403


def test_opening_stock_with_full_width_digits_and_bad_rows_in_both_languages(street):
    point = point_in(street)
    headers = ["存放点", "物资编码", "数量", "有效期至", "来源"]
    good = [["社区物资室", "mask-kn95", "１２０", LATER, "区应急局"], ["社区物资室", "blanket", "5", None, ""]]
    bad = [["社区物资室", "no-such-thing", "5", None, ""], ["别的点", "blanket", "很多", None, ""],
           ["社区物资室", "mask-kn95", "10", None, ""]]
    data = xlsx_bytes(good + bad, headers=headers)
    checked = stockfile.preview(street.secretary, data, "期初库存.xlsx", stockfile.RECEIPTS)
    assert not checked.ok and [r.line for r in checked.bad_rows] == [7, 8, 9]  # title, blank, header, blank
    errors = {r.line: r.errors for r in checked.bad_rows}
    assert "no-such-thing" in errors[7][0].zh and "catalogue" in errors[7][0].en
    assert any("整数" in e.zh for e in errors[8]) and any("whole number" in e.en for e in errors[8])
    assert any("有效期" in e.zh for e in errors[9])  # masks have a shelf life: expiry required
    with pytest.raises(ValidationError):
        stockfile.do_import(street.secretary, data, "期初库存.xlsx", stockfile.RECEIPTS)
    assert not Lot.objects.filter(point=point).exists()  # all or nothing
    page = street.client_for(street.secretary).post("/supplies/stock/import/", {
        "mode": "receipts", "file": _upload(data)})
    text = page.content.decode()
    assert page.status_code == 422 and "no-such-thing" in text and "whole number" in text
    fixed = xlsx_bytes(good, headers=headers)
    made = stockfile.do_import(street.secretary, fixed, "期初库存.xlsx", stockfile.RECEIPTS)
    assert made["receipts"] == 2
    assert sorted(Lot.objects.filter(point=point).values_list("quantity", flat=True)) == [5, 120]
    assert Movement.objects.filter(point=point, kind=MovementKind.RECEIPT).count() == 2


def test_a_count_goes_to_a_second_person_and_becomes_corrections(street):
    point = point_in(street)
    stock(street, point, 120)
    stock(street, point, 30, code="blanket", days=None)
    client = street.client_for(street.secretary)
    [sheet] = read_file(exported(client), "stock.xlsx")
    header, *rows = sheet.rows
    counted = header.index("实盘数量 counted")
    code = header.index("物资编码 item code")
    for row in rows:
        row[counted] = "１１８" if row[code] == "mask-kn95" else 30  # two masks missing
    data = xlsx_bytes(rows, headers=[str(h) for h in header], title=None, blank_rows_after_header=0)
    preview = client.post("/supplies/stock/import/", {"mode": "counts", "file": _upload(data)})
    assert preview.status_code == 200 and preview.context["preview"].ok
    done = client.post("/supplies/stock/import/", {"mode": "counts", "token": preview.context["token"]})
    assert done.status_code == 302
    submitted = CountSheet.objects.get(point=point)
    assert submitted.status == SheetStatus.SUBMITTED and submitted.submitted_by == street.secretary
    assert Lot.objects.get(point=point, item__code="mask-kn95").quantity == 120  # not yet: four eyes
    supplies.do_decide_count(submitted, approve=True, acting_user=street.street_officer)
    assert Lot.objects.get(point=point, item__code="mask-kn95").quantity == 118
    # a count leaving out a lot of the point is refused
    partial = xlsx_bytes([r for r in rows if r[code] == "blanket"], headers=[str(h) for h in header], title=None, blank_rows_after_header=0)
    checked = stockfile.preview(street.secretary, partial, "盘点.xlsx", stockfile.COUNTS)
    assert not checked.ok and "leaves out" in checked.bad_rows[0].errors[0].en


def test_files_that_are_not_stock_files_are_refused_clearly(street):
    point_in(street)
    not_a_sheet = stockfile.preview(street.secretary, b"\x89PNG\r\n\x1a\n" + b"0" * 50, "库存.xlsx",
                                    stockfile.RECEIPTS)
    assert not not_a_sheet.ok and not_a_sheet.problems
    no_headers = stockfile.preview(street.secretary, xlsx_bytes([["a", "b"]], headers=["甲", "乙"]), "x.xlsx",
                                   stockfile.RECEIPTS)
    assert "列" in no_headers.problems[0].zh and "columns" in no_headers.problems[0].en
    huge = stockfile.preview(street.secretary, b"0" * (stockfile.MAX_FILE + 1), "x.csv", stockfile.RECEIPTS)
    assert "MB" in huge.problems[0].en
    client = street.client_for(street.secretary)
    expired = client.post("/supplies/stock/import/", {"mode": "receipts", "token": "forged"})
    assert expired.status_code == 302 and not Lot.objects.exists()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("库存.xlsx", data,
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
