"""Text as people type, paste and export it, made plain before it is checked or stored.

Two things are wrong with text that looks right. Characters that show nothing (zero-width
spaces, a byte-order mark, a soft hyphen from a word processor) make one name two names and
break ID numbers that look whole. Direction controls (U+202E and friends) make text display
in another order than it is stored, so a name or a reason reads differently in a list than
in the database. Both kinds are removed wherever text is cleaned. Full-width forms ("１３８",
"ＡＢＣ") are folded to ASCII with NFKC by the callers that compare or validate text; NFKC
also turns U+3000 and the no-break space into spaces.
"""

from __future__ import annotations

import codecs
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Zero-width space, non-joiner, joiner, word joiner, byte-order mark, soft hyphen: they
# survive NFKC and str.split().
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the left-to-right and
# right-to-left marks and the Arabic letter mark.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_REMOVED = dict.fromkeys(map(ord, INVISIBLE + BIDI_CONTROLS))


def strip_invisible(text: str) -> str:
    """``text`` without the invisible characters and direction controls."""
    return text.translate(_REMOVED)


def strip_invisible_all(value: Any) -> Any:
    """``value`` with :func:`strip_invisible` applied to every string in it (inside lists and
    dicts too): the one rule for text that arrives in a form or an API request."""
    if isinstance(value, str):
        return value.translate(_REMOVED)
    if isinstance(value, list):
        return [strip_invisible_all(item) for item in value]
    if isinstance(value, dict):
        return {key: strip_invisible_all(item) for key, item in value.items()}
    return value


def fold(text: str) -> str:
    """NFKC-folded ``text`` (full-width digits and letters become ASCII) without the
    invisible characters and direction controls."""
    if text.isascii():  # NFKC leaves ASCII as it is, and nothing removed is ASCII
        return text
    return unicodedata.normalize("NFKC", text).translate(_REMOVED)


def has_control_characters(text: str, allowed: str = "") -> bool:
    """True when ``text`` holds control characters other than ``allowed`` (PostgreSQL refuses
    NUL outright; the others are never meant in a name, an address or a reason)."""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def clean_query_text(value: object, limit: int = 100) -> str:
    """A search-box or filter value made safe to pass to the database: folded, control
    characters (NUL is refused by PostgreSQL) removed, trimmed to ``limit`` characters."""
    text = fold(str(value or ""))
    return "".join(c for c in text if unicodedata.category(c) != "Cc").strip()[:limit]


def decode_csv(data: bytes, error: type[ValidationError] = ValidationError) -> str:
    """An uploaded CSV file as text: UTF-16 with a byte-order mark (Excel's "Unicode text"),
    UTF-8 (with or without a byte-order mark), else GB18030 (what Chinese Excel and WPS write
    when saving CSV). Raises ``error`` when it is none of these, or not text at all (a workbook
    or a photo renamed .csv, which might happen to decode)."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise error(_("The CSV file starts as UTF-16 text but is damaged. Save it again from Excel or WPS "
                          "as \"CSV UTF-8\"."), code="file_encoding") from None
    elif b"\x00" in data[:65536]:
        raise error(_("This file is not a text (CSV) file. Upload an Excel workbook or a CSV file."),
                    code="file_binary")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise error(_("The CSV file is neither UTF-8 nor GB18030 text. Save it again from Excel or WPS "
                              "as \"CSV UTF-8\"."), code="file_encoding") from None
    if "\x00" in text:
        raise error(_("This file is not a text (CSV) file. Upload an Excel workbook or a CSV file."),
                    code="file_binary")
    return text


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"):
# "=HYPERLINK(...)" becomes a live link, "=cmd|..." a command in old Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV file written by Linli carries it: text that a spreadsheet would run as
    a formula starts with an apostrophe, which spreadsheets show as text and do not run. Numbers
    stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
