"""CSV files as people save them from Excel, WPS and other systems, read by RFC 4180's rules.

The separator is not guessed from a sample (``csv.Sniffer`` takes a ``;`` inside a quoted note
for the separator and reads ``"门口写着""东""字"`` at the end of a line with the doubled quotes
left in). Each candidate separator reads the whole file instead, and the one that gives the
same number of fields (more than one) on the most rows wins: a separator inside quoted fields
never splits them, so it cannot give consistent rows. A first line ``sep=;`` (Excel's own hint)
is obeyed.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core.text import decode_csv

DELIMITERS = (",", ";", "\t", "|")
_SEP_HINT = "sep="


def _counts(text: str, delimiter: str) -> Counter[int] | None:
    """How many non-blank rows have each number of fields, read with ``delimiter``; None when
    the file cannot be read that way (an unbalanced quote swallows the rest of the file)."""
    counts: Counter[int] = Counter()
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in row):
                counts[len(row)] += 1
    except csv.Error:
        return None
    return counts


def choose_delimiter(text: str) -> str:
    """The separator among ``,`` ``;`` tab and ``|`` that gives the most consistent field count
    above one over the whole text; a comma when none does (a file of one column)."""
    best: tuple[float, int, int] | None = None
    chosen = ","
    for rank, delimiter in enumerate(DELIMITERS):
        counts = _counts(text, delimiter)
        if not counts:
            continue
        fields, rows = max(counts.items(), key=lambda item: (item[1], item[0]))
        if fields < 2:
            continue
        score = (rows / sum(counts.values()), fields, -rank)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def read_csv(data: bytes, *, error: type[ValidationError] = ValidationError,
             max_rows: int | None = None) -> list[list[str]]:
    """Every row of a CSV file (UTF-8 with or without BOM, GB18030, or UTF-16 with BOM), blank
    rows included so that row numbers stay those a spreadsheet shows. Raises ``error`` for a
    file that is not such text, has more than ``max_rows`` rows, or is malformed."""
    text = decode_csv(data, error)
    first, _newline, rest = text.partition("\n")
    hint = first.strip()
    if hint.lower().startswith(_SEP_HINT) and len(hint) == len(_SEP_HINT) + 1:
        delimiter, text = hint[-1], rest
    else:
        delimiter = choose_delimiter(text)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if max_rows is not None and len(rows) > max_rows:
                raise error(_("The file has more than %(limit)d rows; split it into several files."),
                            code="file_too_many_rows", params={"limit": max_rows})
    except csv.Error as exc:
        raise error(_("The CSV file is malformed near row %(row)d (%(reason)s)."), code="file_csv",
                    params={"row": len(rows) + 1, "reason": str(exc)[:120]}) from exc
    return rows
