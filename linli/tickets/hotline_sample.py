"""Exports of the 12345 hotline as a city's system writes them, for the tests and the demo
(``linli hotline_sample``, and the file ``linli demo`` leaves in its data directory): a merged title row, the header row, one work order a row, times as
Excel date cells or as text, addresses written the ways callers and operators write them."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import Path
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


# What callers ask the hotline about, as its operators classify and write it down.
SAMPLE_ORDERS = [
    ("城乡建设-房屋漏水", "楼上卫生间漏水，我家天花板渗水严重，请尽快处理。"),
    ("环境保护-噪声污染", "楼上住户每天晚上十一点以后还在装修，噪音很大，影响休息。"),
    ("市容环卫-垃圾清运", "小区垃圾箱房两天没有清运，气味很大。"),
    ("城乡建设-物业管理-电梯故障", "电梯经常停运，物业不及时维修，老人上下楼困难。"),
    ("公共安全-消防安全", "楼道里有人给电瓶车充电，飞线很危险。"),
    ("交通管理-停车管理", "小区内乱停车，消防通道被堵。"),
    ("社会保障-低保政策", "咨询低保申请需要哪些材料。"),
    ("其他事项", "反映小区东门门禁坏了，外来人员随意进出。"),
]


def sample(area: Place, n: int = 40, seed: int = 12345) -> list[list[Any]]:
    """``n`` orders about houses of ``area`` (a street or a community), with what real exports
    also hold: an address nobody can place, a room that does not exist, an order twice, a masked
    phone, a time typed wrong."""
    import random

    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    homes = list(Place.objects.filter(path__startswith=area.path, level=Level.HOUSE).order_by("path")[:5000])
    homes = rng.sample(homes, min(len(homes), n))
    now = timezone.localtime().replace(tzinfo=None, microsecond=0)
    rows = []
    for i in range(n):
        kind, text = SAMPLE_ORDERS[i % len(SAMPLE_ORDERS)]
        at = now - datetime.timedelta(minutes=rng.randint(30, 60 * 24 * 3))
        rows.append(order(i + 1, where(homes[i % len(homes)]).address(i), at=at, kind=kind, text=text,
                          name=rng.choice("王李张刘陈杨黄赵") + rng.choice(["先生", "女士", "阿姨", "师傅"]),
                          phone=f"13{rng.randint(0, 999_999_999):09d}", due="3个工作日"))
    if n >= 8 and homes:
        w = where(homes[0])
        rows[1][5] = "某某路旁边那个小区门口"  # nobody can place it: chosen by hand
        rows[2][5] = f"{w.compound}{w.building}{w.unit}9901室"  # no such room: to the community office
        rows[3][1] = rows[0][1]  # the same order twice
        rows[4][4] = "139****5678"  # the hotline masked the phone
        rows[5][2] = "2026年13月1日"  # a time typed wrong
    return rows


def write_demo_export() -> Path | None:
    """The demo's 12345 export about the first community, in the data directory; None when the
    demo has no community."""
    from django.conf import settings

    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    if community is None:
        return None
    folder = Path(settings.DATA_DIR) / "hotline"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"12345热线工单_{community.name}.xlsx"
    path.write_bytes(xlsx_export(sample(community, 40)))
    return path
