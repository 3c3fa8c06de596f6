"""The monthly 15-minute report as an xlsx workbook, from the figures (no Django here).

One sheet for the alerts and one for the drills (counted apart), each with a title row, a line
saying what the figures are, and Chinese headers; the minutes are numbers and the share within
15 minutes a percentage, so the office can sort and chart them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

from linli.alerts.measures import Figures

COLUMNS: list[tuple[str, int]] = [
    ("社区", 18), ("月份", 10), ("告警数", 8), ("已确认", 8), ("已到场", 8),
    ("确认用时 P50（分钟）", 12), ("确认用时 P90（分钟）", 12), ("到场用时 P50（分钟）", 12),
    ("到场用时 P90（分钟）", 12), ("15 分钟内到场", 10), ("15 分钟到场率", 10),
]
EXPLAIN = ("从告警发出到确认、到工作人员到达门口的分钟数（中位数 P50、第 90 百分位 P90）；"
           "15 分钟到场率 = 15 分钟内到场的告警 ÷ 告警数。设备自行恢复且无人确认的告警不计。")


def write_monthly(rows: Sequence[tuple[str, Figures]], *, title: str, made: str) -> bytes:
    """``rows``: (community name, figures) in the order to print; ``made``: when and by whom."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False})
    formats = {
        "title": book.add_format({"bold": True, "font_size": 16, "valign": "vcenter"}),
        "note": book.add_format({"font_color": "#404040", "text_wrap": True, "valign": "top"}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                 "valign": "vcenter", "align": "center"}),
        "minutes": book.add_format({"num_format": "0.0"}),
        "share": book.add_format({"num_format": "0.0%"}),
    }
    for sheet_name, drills, heading in (("告警", False, title), ("演练", True, f"{title}（演练）")):
        _sheet(book, formats, sheet_name, heading, made, [(n, f) for n, f in rows if f.is_drill == drills])
    book.close()
    return buffer.getvalue()


def _sheet(book: xlsxwriter.Workbook, formats: dict[str, object], name: str, heading: str, made: str,
           rows: Sequence[tuple[str, Figures]]) -> None:
    out = book.add_worksheet(name)
    last = len(COLUMNS) - 1
    out.set_row(0, 28)
    out.merge_range(0, 0, 0, last, heading, formats["title"])
    out.set_row(1, 32)
    out.merge_range(1, 0, 1, last, f"{EXPLAIN} {made}", formats["note"])
    out.set_row(2, 36)
    for col, (header, width) in enumerate(COLUMNS):
        out.set_column(col, col, width)
        out.write_string(2, col, header, formats["head"])
    out.freeze_panes(3, 1)
    line = 3
    for community, f in rows:
        out.write_string(line, 0, community)
        out.write_string(line, 1, f.month)
        for col, value in ((2, f.alerts), (3, f.acknowledged), (4, f.on_site), (9, f.within_goal)):
            out.write_number(line, col, value)
        for col, minutes in ((5, f.ack_p50), (6, f.ack_p90), (7, f.site_p50), (8, f.site_p90)):
            if minutes is None:
                out.write_blank(line, col, None)
            else:
                out.write_number(line, col, minutes, formats["minutes"])  # shown to one decimal
        if f.share_within_goal is None:
            out.write_blank(line, 10, None)
        else:
            out.write_number(line, 10, f.share_within_goal, formats["share"])
        line += 1
    if not rows:
        out.write_string(line, 0, "本期无数据")
    out.set_landscape()
    out.set_paper(9)  # A4
    out.fit_to_pages(1, 0)
    out.repeat_rows(0, 2)
