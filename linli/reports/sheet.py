"""Writing a department's list as xlsx, from plain values (no Django here).

Kept apart so that the street's reports can be written in worker processes while the next
report's rows are read. Where the platform has its wheel, the cells are written by
rust_xlsxwriter (through rvgsrust-xlsxwriter), a run of rows in one call: about 1 µs a cell,
against XlsxWriter's 5–9 µs in Python, which was the larger part of generating a street's
reports (decision 0052). XlsxWriter writes the same file elsewhere.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter

try:
    import rvgsrust_xlsxwriter as rust_xlsx
except ImportError:  # no wheel for this platform: XlsxWriter writes the same file
    rust_xlsx = None  # type: ignore[assignment]


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
    return _write_rust(sheet) if rust_xlsx is not None else _write_python(sheet)


def _write_rust(sheet: ListSheet) -> bytes:
    """The file as ``_write_python`` makes it, each run of people's rows written in one call
    (constant memory: rows are streamed out as they are written)."""
    book = rust_xlsx.Workbook()
    head = book.add_format().set_bold().set_background_color("#DDEBF7").set_border("thin").set_text_wrap() \
        .set_vertical_align("vcenter")
    group_fmt = book.add_format().set_bold().set_background_color("#F2F2F2")
    out = book.add_worksheet(sheet.title[:31], constant_memory=True)
    for i, (header, width) in enumerate(sheet.columns):
        out.set_column_width(i, width)
        out.write(0, i, header, head)
    _frame(out, sheet)
    last = len(sheet.columns) - 1
    counts: defaultdict[str, int] = defaultdict(int)
    group = "—"
    line = 1
    run: list[Any] = []  # people's rows not yet written, from line - len(run)
    for kind, payload in sheet.lines:
        if kind == "group":
            if run:
                out.write_rows(line - len(run), 0, run)  # None and "" stay blank, dates as yyyy-mm-dd
                counts[group] += len(run)
                run = []
            group = payload or "—"
            out.merge_range(line, 0, line, last, group, group_fmt)
        else:
            run.append(payload)
        line += 1
    if run:
        out.write_rows(line - len(run), 0, run)
        counts[group] += len(run)
    out.write(line + 1, 0, sheet.footer)
    if sheet.summary_label:
        _summary(book, head, sheet.summary_label, counts).set_column_width(0, 20)
    return book.save_to_buffer()


def _write_python(sheet: ListSheet) -> bytes:
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
    _frame(out, sheet)
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
        _summary(book, head, sheet.summary_label, counts).set_column(0, 0, 20)
    book.close()
    return buffer.getvalue()


def _summary(book: Any, head: Any, label: str, counts: dict[str, int]) -> Any:
    """The 汇总 sheet: people per group (either writer: both take ``write_row``)."""
    summary = book.add_worksheet("汇总")
    summary.write_row(0, 0, [label, "人数"], head)
    for i, (name, count) in enumerate(sorted(counts.items()), start=1):
        summary.write_row(i, 0, [str(name), count])
    return summary


def _frame(out: Any, sheet: ListSheet) -> None:
    """The header row frozen, the footer on every printed page (either writer)."""
    out.freeze_panes(1, 0)
    out.set_footer(f"&L{sheet.footer.replace('&', '&&')[:200]}&R&P / &N")
