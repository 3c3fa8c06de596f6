"""Finding the header row under merged title rows, and mapping its columns to fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from linli.core.text import fold
from linli.imports.cells import cell_text
from linli.imports.fields import PEOPLE_FIELDS

HEADER_SEARCH_ROWS = 10
MIN_KNOWN_HEADERS = 2
_BRACKETS = re.compile(r"[(\[【<].*?[)\]】>]")
_DECORATION = re.compile(r"[*:：#\-_.。·]")

EXACT: dict[str, str] = {}
CONTAINED: list[tuple[str, str]] = []  # (synonym, field), longest synonyms first
for _field in PEOPLE_FIELDS:
    for _synonym in _field.headers:
        EXACT[_synonym] = _field.code
        if len(_synonym) >= 2:
            CONTAINED.append((_synonym, _field.code))
CONTAINED.sort(key=lambda item: -len(item[0]))


def header_key(value: Any) -> str:
    """``身份证号码（必填）*`` → ``身份证号码``: NFKC, no spaces, no notes in brackets,
    no required-field stars."""
    text = fold(cell_text(value))
    text = _BRACKETS.sub("", "".join(text.split()))
    return _DECORATION.sub("", text).lower()


def _contained(key: str) -> str | None:
    """The field of the longest synonym inside a header key."""
    if len(key) > 30:
        return None  # a title or a note, not a header
    return next((code for synonym, code in CONTAINED if synonym in key), None)


def _known(value: Any) -> bool:
    key = header_key(value)
    return bool(key) and (key in EXACT or _contained(key) is not None)


def find_header_row(rows: list[list[Any]]) -> int | None:
    """Index of the first row among the first ten with at least two cells that are known
    headers. Merged title rows have one filled cell, so they never qualify."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if _known(cell)) >= MIN_KNOWN_HEADERS:
            return index
    return None


def auto_map(headers: list[str]) -> dict[int, str]:
    """Column index → field: exact synonyms first, then headers that contain a synonym,
    each field used once (``户主姓名`` does not take ``name`` from ``姓名``)."""
    keys = [header_key(header) for header in headers]
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for field_of in (EXACT.get, _contained):
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


def layout_of(name: str, rows: list[list[Any]], total_rows: int | None = None) -> SheetLayout:
    index = find_header_row(rows)
    if index is None:
        return SheetLayout(name, None)
    headers = [cell_text(c)[:60] for c in rows[index]]
    while headers and not headers[-1]:
        headers.pop()
    total = len(rows) if total_rows is None else total_rows
    return SheetLayout(name, index, headers, auto_map(headers), max(0, total - index - 1))
