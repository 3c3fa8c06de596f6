"""Finding the header row under merged title rows, and mapping its columns to fields."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from linli.core.text import fold
from linli.imports.cells import cell_text
from linli.imports.fields import PEOPLE_FIELDS

HEADER_SEARCH_ROWS = 10
MIN_KNOWN_HEADERS = 2
_BRACKETS = re.compile(r"[(\[【<].*?[)\]】>]")
_DECORATION = re.compile(r"[*:：#\-_.。·]")


class HeaderTable:
    """The header names of a kind of file (a household register, a hotline export), each
    with the field it means: exact names first, then headers that contain one."""

    def __init__(self, synonyms: Iterable[tuple[str, Iterable[str]]]) -> None:
        self.exact: dict[str, str] = {}
        self.contained: list[tuple[str, str]] = []  # (synonym, field), longest synonyms first
        for code, headers in synonyms:
            for synonym in headers:
                self.exact[synonym] = code
                if len(synonym) >= 2:
                    self.contained.append((synonym, code))
        self.contained.sort(key=lambda item: -len(item[0]))

    def field_in(self, key: str) -> str | None:
        """The field of the longest synonym inside a header key."""
        if len(key) > 30:
            return None  # a title or a note, not a header
        return next((code for synonym, code in self.contained if synonym in key), None)

    def known(self, value: Any) -> bool:
        key = header_key(value)
        return bool(key) and (key in self.exact or self.field_in(key) is not None)


PEOPLE = HeaderTable((f.code, f.headers) for f in PEOPLE_FIELDS)


def header_key(value: Any) -> str:
    """``身份证号码（必填）*`` → ``身份证号码``: NFKC, no spaces, no notes in brackets,
    no required-field stars."""
    text = fold(cell_text(value))
    text = _BRACKETS.sub("", "".join(text.split()))
    return _DECORATION.sub("", text).lower()


def find_header_row(rows: list[list[Any]], table: HeaderTable = PEOPLE) -> int | None:
    """Index of the first row among the first ten with at least two cells that are known
    headers. Merged title rows have one filled cell, so they never qualify."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if table.known(cell)) >= MIN_KNOWN_HEADERS:
            return index
    return None


def auto_map(headers: list[str], table: HeaderTable = PEOPLE) -> dict[int, str]:
    """Column index → field: exact synonyms first, then headers that contain a synonym,
    each field used once (``户主姓名`` does not take ``name`` from ``姓名``)."""
    keys = [header_key(header) for header in headers]
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for field_of in (table.exact.get, table.field_in):
        for index, key in enumerate(keys):
            code = field_of(key)
            if index not in mapping and code and code not in used:
                mapping[index] = code
                used.add(code)
    return mapping


@dataclass
class SheetLayout:
    """Where a sheet's data is: its header row and the column mapping."""

    name: str
    header_row: int | None  # 0-based row index, None when no header was found
    headers: list[str] = field(default_factory=list)
    mapping: dict[int, str] = field(default_factory=dict)
    rows: int = 0  # data rows below the header (blank rows included)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "header_row": self.header_row, "headers": self.headers,
                "mapping": {str(k): v for k, v in self.mapping.items()}, "rows": self.rows}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SheetLayout:
        return cls(name=data["name"], header_row=data["header_row"], headers=list(data["headers"]),
                   mapping={int(k): v for k, v in data["mapping"].items()}, rows=int(data.get("rows", 0)))


def layout_of(name: str, rows: list[list[Any]], total_rows: int | None = None,
              table: HeaderTable = PEOPLE) -> SheetLayout:
    index = find_header_row(rows, table)
    if index is None:
        return SheetLayout(name, None)
    headers = [cell_text(c)[:60] for c in rows[index]]
    while headers and not headers[-1]:
        headers.pop()
    total = len(rows) if total_rows is None else total_rows
    return SheetLayout(name, index, headers, auto_map(headers, table), max(0, total - index - 1))
