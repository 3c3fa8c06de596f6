"""Reading an untrusted workbook in a child process with memory and time limits.

The spreadsheet reader allocates a sheet's whole extent before it hands back a cell, so a
1.6 KB workbook with one cell at XFD300000 asks for 300,000 × 16,384 cells, and the
allocator aborts the process that asked. Here that process is a child with a capped address
space and CPU time: the worst file costs a bounded amount and ends in an answer, never in a
dead server. This module imports no Django, so the child starts quickly.
"""

from __future__ import annotations

import io
import resource
from multiprocessing.connection import Connection
from typing import Any

# What the child sends back: ("ok", [(name, rows, total), …]), ("refused", code, params) or
# ("unreadable", reason).
Outcome = tuple[Any, ...]


def run(channel: Connection, data: bytes, head: int | None, row_limit: int, max_columns: int,
        max_cells: int, memory_bytes: int, cpu_seconds: int) -> None:
    """The child's whole life: limit itself, read, send the outcome, exit."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    try:
        outcome = read(data, head, row_limit, max_columns, max_cells)
    except MemoryError:
        outcome = ("refused", "file_too_big_to_read", {})
    channel.send(outcome)
    channel.close()


def read(data: bytes, head: int | None, row_limit: int, max_columns: int, max_cells: int) -> Outcome:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue  # chart sheets and macro sheets hold no rows
            sheet = workbook.get_sheet_by_name(meta.name)
            total = sheet.end[0] + 1 if sheet.end else 0
            name = meta.name[:100]
            if total > row_limit:
                return ("refused", "file_too_many_rows", {})
            columns = sheet.end[1] + 1 if sheet.end else 0
            if columns > max_columns:
                return ("refused", "file_too_wide", {"sheet": name, "columns": columns})
            read_rows = min(row_limit, head or row_limit, total)
            if read_rows * columns > max_cells:
                return ("refused", "file_too_many_cells", {"sheet": name})
            rows = sheet.to_python(skip_empty_area=False, nrows=read_rows) if total else []
            sheets.append((name, rows, total))
    except (CalamineError, ValueError, TypeError, OverflowError, RuntimeError) as exc:
        return ("unreadable", str(exc)[:120])
    return ("ok", sheets)
