"""Reading uploaded files: .xlsx / .xls through calamine, CSV in UTF-8, GB18030 or UTF-16.

The file type is decided by the bytes, not the name, so a picture renamed ``.xlsx`` or a
workbook renamed ``.csv`` gets a clear message instead of an error page.
"""

from __future__ import annotations

import html
import io
import multiprocessing
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core.csvfiles import read_csv
from linli.imports import sandbox

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


# A workbook is checked before any cell is read: its declared extent decides what the reader
# would allocate (a 1.6 KB file with one cell at XFD300000 asks for 4.9 billion cells), and a
# zip's declared sizes what it would inflate.
MAX_COLUMNS = 256  # a household register has a few dozen columns


def max_cells() -> int:
    return int(getattr(settings, "LINLI_IMPORT_MAX_CELLS", 6_000_000))


def max_unzipped() -> int:
    return int(getattr(settings, "LINLI_IMPORT_MAX_UNZIPPED", 400 * 1024 * 1024))


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
    return [Sheet("CSV", read_csv_file(data))]


def _check_unzipped_size(data: bytes) -> None:
    if not data.startswith(ZIP_MAGIC):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportFileError(
            _("This file cannot be read as a spreadsheet (%(reason)s). Open it in Excel or WPS and save it "
              "again as .xlsx."), code="file_unreadable", params={"reason": str(exc)[:120]}) from exc
    if inflated > max_unzipped():
        raise ImportFileError(
            _("Unpacked, this workbook would take %(mb)d MB, more than the %(limit)d MB allowed; split it into "
              "several files."), code="file_too_large_unzipped",
            params={"mb": inflated // (1024 * 1024), "limit": max_unzipped() // (1024 * 1024)})


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]{1,3}\d{1,7}:)?([A-Z]{1,3})(\d{1,7})"')
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]+)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"')
_HEAD_BYTES = 64 * 1024  # <dimension> comes before the sheet's data, in its first few hundred bytes


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def declared_extents(archive: zipfile.ZipFile) -> list[tuple[str, int, int]]:
    """Each worksheet's name and the rows and columns its ``<dimension>`` declares, read from the
    first bytes of each part only. A sheet without one is left to the reader's own limits."""
    names = set(archive.namelist())

    def head(part: str) -> bytes:
        with archive.open(part) as stream:
            return stream.read(_HEAD_BYTES)

    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names and "xl/workbook.xml" in names:
        relations = {rid: target for rid, target in _RELATION.findall(head("xl/_rels/workbook.xml.rels"))}
        for name, rid in _SHEET.findall(head("xl/workbook.xml")):
            target = relations.get(rid, b"").decode("utf-8", "replace").lstrip("/")
            part = target if target.startswith("xl/") else f"xl/{target}"
            targets[part] = html.unescape(name.decode("utf-8", "replace"))[:100]
    extents = []
    for part in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        found = _DIMENSION.search(head(part))
        if found:
            extents.append((targets.get(part, part.rsplit("/", 1)[-1][:-4]), int(found.group(2)),
                            _column_number(found.group(1))))
    return extents


def _check_declared_extent(data: bytes) -> None:
    """Refuse at once a workbook whose sheets declare an extent beyond the limits, before a
    reader process is started to allocate it (the reader's own limits remain the backstop for
    a sheet that declares nothing or lies)."""
    if not data.startswith(ZIP_MAGIC):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            extents = declared_extents(archive)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
        return  # the reader says what is wrong with the file, in its words
    for sheet, rows, columns in extents:
        if columns > MAX_COLUMNS:
            raise _refused("file_too_wide", {"sheet": sheet, "columns": columns})
        if rows > _row_limit():
            raise _refused("file_too_many_rows", {})


def reader_memory() -> int:
    return int(getattr(settings, "LINLI_IMPORT_READER_MEMORY_MB", 2048)) * 1024 * 1024


def reader_seconds() -> int:
    return int(getattr(settings, "LINLI_IMPORT_READER_SECONDS", 120))


REFUSALS: dict[str, Any] = {
    "file_too_many_rows": _("The file has more than %(limit)d rows; split it into several files."),
    "file_too_wide": _("Sheet %(sheet)s reaches column %(columns)d; a register has at most %(limit)d columns. "
                       "Delete the cells far to the right (or save the sheet again from Excel or WPS)."),
    "file_too_many_cells": _("Sheet %(sheet)s has more than %(limit)d cells; split it into several files."),
    "file_too_big_to_read": _("Reading this workbook would take more than %(mb)d MB of memory (its sheets reach "
                              "far beyond their data, or it is very large). Delete the empty cells far to the "
                              "right and below, or split it into several files."),
    "file_too_slow_to_read": _("Reading this workbook took longer than %(seconds)d seconds; split it into "
                               "several files."),
}


def _refused(code: str, params: dict[str, Any]) -> ImportFileError:
    params = {"limit": max_rows() if code == "file_too_many_rows" else
              MAX_COLUMNS if code == "file_too_wide" else max_cells(),
              "mb": reader_memory() // (1024 * 1024), "seconds": reader_seconds(), **params}
    return ImportFileError(REFUSALS[code], code=code, params=params)


def _read_workbook(data: bytes, head: int | None) -> list[Sheet]:
    """The workbook's sheets, read in a child process (``linli.imports.sandbox``) whose memory
    and time are capped: a file built to exhaust the reader ends in a refusal."""
    _check_unzipped_size(data)
    _check_declared_extent(data)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=sandbox.run, daemon=True, args=(
        sender, data, head, _row_limit(), MAX_COLUMNS, max_cells(), reader_memory(), reader_seconds()))
    child.start()
    sender.close()
    try:
        if not receiver.poll(reader_seconds() + 10):
            raise _refused("file_too_slow_to_read", {})
        outcome = receiver.recv()
    except (EOFError, OSError) as exc:  # the child died: the allocator gave up
        raise _refused("file_too_big_to_read", {}) from exc
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if outcome[0] == "refused":
        raise _refused(outcome[1], outcome[2])
    if outcome[0] == "unreadable":
        raise ImportFileError(
            _("This file cannot be read as a spreadsheet (%(reason)s). Open it in Excel or WPS and save it "
              "again as .xlsx."), code="file_unreadable", params={"reason": outcome[1]})
    return [Sheet(name, rows, total) for name, rows, total in outcome[1]]


def read_csv_file(data: bytes) -> list[list[Any]]:
    """A CSV file's rows (``linli.core.csvfiles``: RFC 4180 quoting, the separator that gives
    consistent rows, UTF-8, GB18030 or UTF-16)."""
    try:
        return read_csv(data, error=ImportFileError, max_rows=_row_limit())
    except ImportFileError as exc:
        if exc.code == "file_too_many_rows":  # said with the limit the user knows
            raise _refused("file_too_many_rows", {}) from None
        raise
