"""Building the kind of spreadsheets community staff really send, inside the tests."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from linli.core.validators import id_check_digit
from linli.places.models import Level, Place

HEADERS = ["序号", "姓名", "身份证号码", "联系电话", "所在小区", "楼号", "单元", "房号", "与户主关系", "人员类别",
           "户籍地址", "居住关系", "特殊群体", "政治面貌", "入住日期"]


def make_id(birth: str = "19230105", seq: int = 1, region: str = "310115") -> str:
    """A valid ID number the demo street cannot hold (its residents are born after 1930)."""
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


@dataclass
class Address:
    compound: str
    building: str
    unit: str
    room: str


def address_of(house: Place) -> Address:
    by_level = {p.level: p for p in house.ancestors()}
    return Address(by_level[Level.COMPOUND].name, by_level[Level.BUILDING].name, by_level[Level.UNIT].name,
                   house.number)


def person_row(n: int, name: str, id_number: Any, phone: Any, where: Address, **extra: Any) -> list[Any]:
    """A row under HEADERS; ``extra`` sets the later columns by header."""
    row: list[Any] = [n, name, id_number, phone, where.compound, where.building, where.unit, where.room,
                      "", "", "", "", "", "", ""]
    for header, value in extra.items():
        row[HEADERS.index(header)] = value
    return row


def xlsx_bytes(rows: list[list[Any]], *, title: str | None = "明月街道居民信息登记表", headers: list[str] = HEADERS,
               sheet: str = "居民", blank_rows_after_header: int = 1, extra_sheets: dict[str, list[list[Any]]] | None = None) -> bytes:
    """A workbook as offices make them: a merged title row, an empty row, the headers, a blank
    row, then the data; dates written as real Excel dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    _write_sheet(book.add_worksheet(sheet), rows, title, headers, blank_rows_after_header, date_format)
    for name, more in (extra_sheets or {}).items():
        _write_sheet(book.add_worksheet(name), more, None, headers, 0, date_format)
    book.close()
    return buffer.getvalue()


def _write_sheet(ws: Any, rows: list[list[Any]], title: str | None, headers: list[str], blanks: int,
                 date_format: Any) -> None:
    r = 0
    if title:
        ws.merge_range(0, 0, 0, len(headers) - 1, title)
        r = 2
    ws.write_row(r, 0, headers)
    r += 1 + blanks
    for row in rows:
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                ws.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date_format)
            elif value is not None:
                ws.write(r, c, value)
        r += 1


def csv_bytes(rows: list[list[Any]], *, headers: list[str] = HEADERS, encoding: str = "utf-8",
              title: str | None = None) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    if title:
        writer.writerow([title])
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)
