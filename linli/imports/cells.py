"""Spreadsheet cells as community staff actually type them, made into clean text and dates.

Calamine gives str, float, int, bool, date, datetime, time or timedelta per cell; CSV gives
str. Everything becomes NFKC-folded text without stray or invisible spaces (full-width digits
and letters become ASCII). Dates become ISO text where a date is expected.
"""

from __future__ import annotations

import datetime
import functools
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core.text import fold

MAX_CELL = 2000  # longer cells are cut for the report; fields have smaller limits anyway

_DATE_TEXT = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_DIGITS = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01, after Excel's leap-year bug
EARLIEST = datetime.date(1900, 1, 1)


@functools.lru_cache(maxsize=1 << 16)  # the same few words, compounds and buildings fill a file
def clean_text(value: str) -> str:
    """Fold full-width forms, drop invisible characters, trim and collapse spaces, and drop a
    leading apostrophe: spreadsheets' mark for "text, not a number or formula" ('310115…, and
    what Linli's own CSV exports put before formula-like cells), never part of the value."""
    text = value if value.isascii() else fold(value)  # ASCII: nothing to fold (digits, codes)
    text = " ".join(text.split())
    if text.startswith("'"):
        text = text[1:].lstrip()
    return text[:MAX_CELL]


# Chinese names are padded to line up in a column ("张　三"): a space between two Chinese
# characters (or around the middle dot of 买买提·艾力) is layout, not part of the name.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_SPACE_IN_CHINESE = re.compile(f"(?<=[{_CJK}\u00b7]) (?=[{_CJK}\u00b7])")


def clean_name(text: str) -> str:
    """A name cell's text (already cleaned) without the padding inside Chinese names."""
    return text if text.isascii() else _SPACE_IN_CHINESE.sub("", text)


def cell_text(value: Any) -> str:
    """Any cell as text. Whole numbers lose their ".0" (a phone typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper()
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean_text(str(value))


def id_cell_text(value: Any) -> str:
    """An ID number cell. A number cell means Excel stored the ID as a floating-point
    number: 18 digits do not fit, so the digits are gone. Give the validator the float's
    own spelling (``1.1010119900307E+17``), which it refuses as damaged; never guess."""
    if isinstance(value, bool):
        return cell_text(value)
    if isinstance(value, int | float):
        return repr(float(value)).upper()
    return cell_text(value)


def _real_date(year: int, month: int, day: int, raw: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(_("%(value)s is not a real date."), code="date_invalid",
                              params={"value": raw}) from None


def _date_from_number(value: float, raw: str) -> datetime.date:
    if not value.is_integer():
        value = float(int(value))  # a date-time serial: the day is the whole part
    number = int(value)
    if 19000101 <= number <= 29991231:  # 20260105 typed as a number
        return _real_date(number // 10000, number // 100 % 100, number % 100, raw)
    if 1 <= number <= 200000:  # an Excel date serial in a cell not formatted as a date
        return _EXCEL_EPOCH + datetime.timedelta(days=number)
    raise ValidationError(_("%(value)s is not a date."), code="date_format", params={"value": raw})


def cell_date(value: Any) -> datetime.date | None:
    """A date cell or a date typed as text: 2026-01-05, 2026/1/5, 2026.1.5, 2026年1月5日,
    20260105. Empty gives None; anything else raises a ValidationError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = cell_text(value)
    if not raw:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _date_from_number(float(value), raw)
    match = _DATE_TEXT.fullmatch(raw) or _DATE_DIGITS.fullmatch(raw)
    if match is None:
        raise ValidationError(
            _("%(value)s is not a date; write it as 2026-01-05."), code="date_format", params={"value": raw})
    return _real_date(int(match["y"]), int(match["m"]), int(match["d"]), raw)


_DATETIME_TEXT = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})?\s*分?"
    r"(?:\s*[:：]?\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?)?"
)
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")


def _time_of(match: re.Match[str], raw: str) -> datetime.time:
    try:
        return datetime.time(int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0))
    except ValueError:
        raise ValidationError(_("%(value)s is not a real time of day."), code="time_invalid",
                              params={"value": raw}) from None


def cell_datetime(value: Any) -> datetime.datetime | None:
    """A date-and-time cell, or one typed as text as Chinese exports write it: 2026-12-03
    09:15:00, 2026/12/3 9:15, 2026年12月3日 9时15分, an Excel serial number (46359.385) in a cell
    not formatted as a date. A date alone is its midnight. Naive (the caller knows the zone);
    empty gives None; anything else raises a ValidationError."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    raw = cell_text(value)
    if not raw:
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif _SERIAL_TEXT.fullmatch(raw):
        number = float(raw)
    if number is not None:
        day = _date_from_number(number, raw)
        if number >= 19000101:  # 20261203 typed as a number: a date, no time
            return datetime.datetime.combine(day, datetime.time())
        seconds = round((number - int(number)) * 86400)
        return datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=min(seconds, 86399))
    match = _DATETIME_TEXT.fullmatch(raw) or _DATE_DIGITS.fullmatch(raw)
    if match is None:
        raise ValidationError(_("%(value)s is not a date and time; write it as 2026-12-03 09:15."),
                              code="datetime_format", params={"value": raw})
    day = _real_date(int(match["y"]), int(match["m"]), int(match["d"]), raw)
    at = _time_of(match, raw) if "H" in match.groupdict() else datetime.time()
    return datetime.datetime.combine(day, at)


def is_blank_row(row: list[Any]) -> bool:
    return all(cell_text(v) == "" for v in row)
