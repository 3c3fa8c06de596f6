"""Exports of the 12345 hotline as a city's system writes them, made inside the tests (and for
the demo): a merged title row, the header row, one work order a row, times as Excel date cells
or as text."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.utils import timezone

from linli.places.models import Level, Place

HEADERS = ["序号", "工单编号", "来电时间", "诉求人", "联系电话", "诉求地址", "诉求内容", "问题类型", "承办单位", "办理时限"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Where:
    compound: str
    building: str  # "3号楼"
    unit: str  # "1单元"
    room: str  # "502"

    @property
    def number(self) -> str:
        return self.building.removesuffix("号楼")

    def address(self, style: int = 0) -> str:
        """The house written the ways callers and operators write it."""
        u = self.unit.removesuffix("单元")
        styles = [
            f"明月街道 {self.compound} {self.building} {self.unit} {self.room}室",
            f"上海市浦东新区{self.compound}{self.number}幢{u}单元{self.room}".translate(FULL_WIDTH),
            f"{self.compound}{self.number}-{u}-{self.room}",
            f"{self.compound}小区{self.number}栋{u}单元{self.room}号",
        ]
        return styles[style % len(styles)]


def where(house: Place) -> Where:
    by_level = {p.level: p for p in house.ancestors()}
    return Where(by_level[Level.COMPOUND].name, by_level[Level.BUILDING].name, by_level[Level.UNIT].name,
                 house.number)


def order(n: int, address: str, *, at: Any = None, text: str = "楼上卫生间漏水，我家天花板渗水严重",
          kind: str = "城乡建设-房屋漏水", name: str = "王女士", phone: Any = "13800138000", due: Any = "",
          ref: Any = None) -> list[Any]:
    """One row under HEADERS. ``at`` defaults to an hour ago (a naive local time, as Excel holds it)."""
    if at is None:
        at = timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    return [n, ref if ref is not None else f"2026120300{n:04d}", at, name, phone, address, text, kind, "明月街道",
            due]


def xlsx_export(rows: list[list[Any]], *, headers: list[str] = HEADERS,
                title: str | None = "12345市民服务热线工单导出") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet("工单")
    r = 0
    if title:
        sheet.merge_range(0, 0, 0, len(headers) - 1, title)
        r = 1
    sheet.write_row(r, 0, headers)
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(r, c, value, when)
            elif value is not None and value != "":
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def csv_export(rows: list[list[Any]], *, headers: list[str] = HEADERS, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([v.strftime("%Y/%m/%d %H:%M") if isinstance(v, datetime.datetime) else v for v in row])
    text = buffer.getvalue()
    return text.encode("utf-16") if encoding == "utf-16" else text.encode(encoding)


def houses(building: Place, n: int) -> list[Place]:
    return list(Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path")[:n])
