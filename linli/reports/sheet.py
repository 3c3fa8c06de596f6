"""Writing a department's list as xlsx, from plain values (no Django here).

Kept apart so that the street's reports can be written in worker processes while the next
report's rows are read: xlsxwriter costs about 9 µs a cell in Python, the larger part of
generating a street's reports.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter


@dataclass
class ListSheet:
    title: str  # already safe as a sheet name
    columns: list[tuple[str, int]]  # header, width
    # ("group", name) starts a group; ("row", [values]) is a person. Values are str, int,
    # float, datetime.date or None: nothing that needs Django to render.
    lines: list[tuple[str, Any]] = field(default_factory=list)
    footer: str = ""
    summary_label: str | None = None  # "小区" / "楼栋": add a sheet counting people per group


def write_list(sheet: ListSheet) -> bytes:
    buffer = io.BytesIO()
    # constant_memory streams each row to a temporary file as it is written (rows go strictly
    # in order here), so a 150,000-row report neither holds every cell in memory nor builds
    # a shared-strings table.
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    group_fmt = book.add_format({"bold": True, "bg_color": "#F2F2F2"})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    out = book.add_worksheet(sheet.title[:31])
    for i, (header, width) in enumerate(sheet.columns):
        out.set_column(i, i, width)
        out.write_string(0, i, header, head)
    out.freeze_panes(1, 0)
    out.set_footer(f"&L{sheet.footer.replace('&', '&&')[:200]}&R&P / &N")
    last = len(sheet.columns) - 1
    counts: defaultdict[str, int] = defaultdict(int)
    group = "—"
    line = 1
    write_string, write_number, write_blank, write_datetime = (out.write_string, out.write_number, out.write_blank,
                                                               out.write_datetime)
    for kind, payload in sheet.lines:
        if kind == "group":
            group = payload or "—"
            out.merge_range(line, 0, line, last, group, group_fmt)
        else:
            counts[group] += 1
            for col, value in enumerate(payload):
                if value is None or value == "":
                    write_blank(line, col, None)
                elif isinstance(value, str):
                    write_string(line, col, value)  # IDs stay text: never 1.10101E+17
                elif isinstance(value, datetime.date):
                    write_datetime(line, col, datetime.datetime.combine(value, datetime.time()), date_fmt)  # noqa: DTZ001 - a calendar date, no time zone
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    write_number(line, col, value)
                else:
                    write_string(line, col, str(value))
        line += 1
    out.write_string(line + 1, 0, sheet.footer)
    if sheet.summary_label:
        summary = book.add_worksheet("汇总")
        summary.write_row(0, 0, [sheet.summary_label, "人数"], head)
        for i, (name, count) in enumerate(sorted(counts.items()), start=1):
            summary.write_string(i, 0, str(name))
            summary.write_number(i, 1, count)
        summary.set_column(0, 0, 20)
    book.close()
    return buffer.getvalue()
