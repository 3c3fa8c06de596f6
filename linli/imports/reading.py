"""Reading uploaded files: .xlsx / .xls through calamine, CSV in UTF-8 or GB18030.

The file type is decided by the bytes, not the name, so a picture renamed ``.xlsx`` or a
workbook renamed ``.csv`` gets a clear message instead of an error page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook

from linli.core.text import decode_csv

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


def max_rows() -> int:
    return int(getattr(settings, "LINLI_IMPORT_MAX_ROWS", 300_000))


def _row_limit() -> int:
    return max_rows() + 20  # room for title and header rows


def max_bytes() -> int:
    return int(getattr(settings, "LINLI_IMPORT_MAX_BYTES", 60 * 1024 * 1024))


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (empty, not a spreadsheet, too large …)."""


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[i] is Excel row i + 1
    total_rows: int = -1  # rows in the sheet, when only the first ones were read

    def __post_init__(self) -> None:
        if self.total_rows < 0:
            self.total_rows = len(self.rows)


def read_file(data: bytes, file_name: str, *, head: int | None = None) -> list[Sheet]:
    """Every sheet of the file; with ``head``, only its first rows (and the row count)."""
    if not data:
        raise ImportFileError(_("The file is empty."), code="file_empty")
    if len(data) > max_bytes():
        raise ImportFileError(_("The file is larger than %(mb)d MB; split it into several files."),
                              code="file_too_large", params={"mb": max_bytes() // (1024 * 1024)})
    name = file_name.lower()
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return _read_workbook(data, head)
    if name.endswith(WORKBOOK_SUFFIXES):
        raise ImportFileError(
            _("This file is not a real Excel workbook, even though its name ends in .xlsx or .xls. "
              "Open it in Excel or WPS and save it again as .xlsx."), code="file_not_workbook")
    if not name.endswith(TEXT_SUFFIXES):
        raise ImportFileError(_("Upload an Excel workbook (.xlsx, .xls) or a CSV file."), code="file_type")
    return [Sheet("CSV", _read_csv(data))]


def _read_workbook(data: bytes, head: int | None) -> list[Sheet]:
    limit = _row_limit()
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue  # chart sheets and macro sheets hold no rows
            sheet = workbook.get_sheet_by_name(meta.name)
            total = sheet.end[0] + 1 if sheet.end else 0
            _check_row_count(total, limit)
            rows = sheet.to_python(skip_empty_area=False, nrows=min(limit, head or limit)) if total else []
            sheets.append(Sheet(meta.name[:100], rows, total))
    except ImportFileError:
        raise
    except (CalamineError, ValueError, TypeError, OverflowError, MemoryError, RuntimeError) as exc:
        raise ImportFileError(
            _("This file cannot be read as a spreadsheet (%(reason)s). Open it in Excel or WPS and save it "
              "again as .xlsx."), code="file_unreadable", params={"reason": str(exc)[:120]}) from exc
    return sheets


def _check_row_count(count: int, limit: int) -> None:
    if count > limit:
        raise ImportFileError(_("The file has more than %(limit)d rows; split it into several files."),
                              code="file_too_many_rows", params={"limit": max_rows()})


def decode_text(data: bytes) -> str:
    """A CSV file's text; a binary file (a workbook or a photo named .csv) is refused first,
    since it might happen to decode."""
    if b"\x00" in data[:65536]:
        raise ImportFileError(
            _("This file is not a text (CSV) file. Upload an Excel workbook or a CSV file."),
            code="file_binary")
    return decode_csv(data, ImportFileError)


def _read_csv(data: bytes) -> list[list[Any]]:
    text = decode_text(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    limit = _row_limit()
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
            _check_row_count(len(rows), limit)
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file is malformed near row %(row)d (%(reason)s)."), code="file_csv",
            params={"row": len(rows) + 1, "reason": str(exc)[:120]}) from exc
    return rows
