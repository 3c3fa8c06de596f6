"""Reservations as spreadsheets: the round's list for the pickup desk (with each household's
pickup code, to print for those without a phone; no names), and a list of households the staff
reserve for at once (one house code a row; 房屋编码 as on the registry's house pages and exports).

Uploads are read by the imports app's hardened reader (size, extent, encodings, hostile
workbooks). Each row is reserved through ``actions.do_reserve`` as if typed, so the fairness
rule, the one-per-household rule and the permission checks are the same; a row that cannot be
reserved is reported with its row number and why, and the others stand.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.access import PermissionDenied
from linli.core.errors import Bilingual
from linli.handout import actions
from linli.handout.models import Reservation, Round, Status, Via
from linli.handout.tokens import pickup_code
from linli.imports.cells import cell_text, is_blank_row
from linli.imports.headers import HEADER_SEARCH_ROWS, HeaderTable, find_header_row, header_key
from linli.imports.reading import ImportFileError, read_file
from linli.places.models import Level, Place
from linli.tasks.targets import addresses

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
PROGRESS_EVERY = 500  # rows between progress reports
HEADERS = ["预约号", "房屋编码", "地址", "优先", "类别", "状态", "领取点", "领取时段", "登记方式", "登记时间", "领取时间", "领取码"]
TABLE = HeaderTable([("house_code", ["房屋编码", "房屋代码", "房屋编号", "户室编码", "house code"]),
                     ("note", ["备注", "说明", "note"]), ("address", ["地址", "房屋地址", "address"])])


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_xlsx(round_: Round, progress: Callable[[str, int, int], None] | None = None) -> bytes:
    """The round's list; ``progress(stage, done, total)`` is told how far it got (a background run)."""
    tell = progress or (lambda stage, done, total: None)
    tell("reading", 0, 0)
    rows = list(Reservation.objects.filter(round=round_).select_related("slot__point", "house").order_by("pk"))
    names = addresses({r.path for r in rows})
    tell("writing", 0, len(rows))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("预约")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS, bold)
    for n, r in enumerate(rows, start=1):
        slot = r.slot
        sheet.write_row(n, 0, [
            r.pk, r.house.code, names.get(r.path, ""), "是" if r.tier == "priority" else "否", str(r.get_group_display()),
            str(r.get_status_display()), slot.point.name if slot else "",
            f"{_local(slot.starts_at)}–{_local(slot.ends_at)[-5:]}" if slot else "", str(r.get_via_display()),
            _local(r.created_at), _local(r.collected_at), pickup_code(r.pk) if r.status == Status.HELD else ""])
        if n % PROGRESS_EVERY == 0:
            tell("writing", n, len(rows))
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 2, 28)
    sheet.set_column(3, 11, 14)
    sheet.freeze_panes(1, 0)
    tell("saving", 0, 0)
    book.close()
    tell("saving", 1, 1)
    return buffer.getvalue()


@dataclass
class ImportResult:
    held: int = 0
    waiting: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row number, why)


def _table(data: bytes, file_name: str) -> tuple[int, int, list[list[Any]]]:
    """(row index of the header, column of the house code, the rows)."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB; split it into several files."),
                              code="file_too_large", params={"mb": MAX_BYTES // (1024 * 1024)})
    for sheet in read_file(data, file_name):
        index = find_header_row(sheet.rows, TABLE) if sheet.rows else None
        if index is None:
            # a one-column list: a header cell naming the house code is enough
            index = next((i for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS])
                          if any(TABLE.exact.get(header_key(c)) == "house_code" for c in row)), None)
        if index is None:
            continue
        column = next((i for i, c in enumerate(sheet.rows[index]) if TABLE.exact.get(header_key(c)) == "house_code"
                       or TABLE.field_in(header_key(c)) == "house_code"), None)
        if column is None:
            continue
        rows = sheet.rows[index + 1:]
        if sum(1 for row in rows if not is_blank_row(row)) > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(limit)d rows; split it into several files."),
                                  code="file_too_many_rows", params={"limit": MAX_ROWS})
        return index, column, rows
    raise ImportFileError(_("No sheet has a column named 房屋编码 (house code) in its first %(n)d rows."),
                          code="no_header", params={"n": HEADER_SEARCH_ROWS})


def import_xlsx(round_: Round, data: bytes, file_name: str, *, acting_user: Any) -> ImportResult:
    """Reserve for each household listed (staff on their behalf); rows that cannot be are reported."""
    header, column, rows = _table(data, file_name)
    codes = [(header + offset + 2, cell_text(row[column]) if column < len(row) else "")
             for offset, row in enumerate(rows) if not is_blank_row(row)]
    houses = {p.code: p for p in Place.objects.filter(level=Level.HOUSE, path__startswith=round_.path,
                                                     code__in=[c for _n, c in codes if c])}
    result, seen = ImportResult(), set()
    for number, code in codes:
        house = houses.get(code)
        if house is None:
            why = _("No house of this round's community has this code.") if code else _("The house code is empty.")
            result.skipped.append((number, str(Bilingual.of(why))))
            continue
        if code in seen:
            result.skipped.append((number, str(Bilingual.of(_("Listed twice in this file.")))))
            continue
        seen.add(code)
        try:
            reservation = actions.do_reserve(round_, house, acting_user=acting_user, via=Via.IMPORT)
        except ValidationError as exc:
            result.skipped.append((number, str(Bilingual.of_error(exc))))
            continue
        except PermissionDenied:
            result.skipped.append((number, str(Bilingual.of(_("You may not reserve for this household.")))))
            continue
        if reservation.status == Status.HELD:
            result.held += 1
        else:
            result.waiting += 1
    return result
