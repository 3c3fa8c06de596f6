"""Lawful purposes: why someone reads or exports residents' full personal data (decision 0023).

A full ID number or phone, and lists with them, are handed out only for a purpose chosen from
a list the site keeps (``LINLI_LAWFUL_PURPOSES``: epidemic control, social assistance, care
visits …), or "other" described in words. A typed sentence alone turned into a formality
(``x``, ``....``); a list names the legal grounds PIPL art. 13 allows, and what falls outside
it has to be said in a real sentence. The audit log keeps the code (``detail.purpose_code``)
and the purpose in words (``purpose``: the purpose's Chinese name, and the text if any).

``LINLI_LAWFUL_PURPOSES`` is a comma-separated list of entries: a built-in code
(``epidemic_control``) or a site's own purpose as ``code=中文名称`` or
``code=中文名称|English name``. "other" is always offered, last.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

OTHER = "other"
# The built-in purposes, with their names (Chinese in the translations).
BUILTIN: dict[str, Promise] = {
    "epidemic_control": _("epidemic prevention and control"),
    "social_assistance": _("social assistance (subsistence allowance, hardship relief)"),
    "care_visit": _("care visit"),
    "emergency": _("emergency response"),
    "authority_request": _("lawful request from an authority"),
    "verify_registration": _("verifying registration details"),
    OTHER: _("other (describe it)"),
}
DEFAULT = ["epidemic_control", "social_assistance", "care_visit", "emergency", "authority_request",
           "verify_registration"]
CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
MAX_TEXT = 300
# "Other" must say something: this many letters or digits (punctuation and spaces do not count)
# and more than this many different ones ("xxxxxxxxxx" says nothing either).
OTHER_MIN_DISTINCT = 3


@dataclass(frozen=True)
class LawfulPurpose:
    code: str
    zh: str = ""  # a site's own purpose: its names
    en: str = ""

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        if self.code in BUILTIN and not self.zh:
            return str(BUILTIN[self.code])
        english = (translation.get_language() or "").startswith("en")
        return self.en if english and self.en else self.zh

    @property
    def label_zh(self) -> str:
        """The Chinese name, as the audit log keeps it."""
        with translation.override("zh-hans"):
            return self.label


def parse(entries: Iterable[str]) -> list[LawfulPurpose]:
    """The purposes an installation offers, "other" last; ImproperlyConfigured for a bad entry."""
    found: dict[str, LawfulPurpose] = {}
    for entry in entries:
        code, sep, names = (part.strip() for part in str(entry).partition("="))
        zh, _bar, en = (part.strip() for part in names.partition("|"))
        if not CODE.fullmatch(code):
            raise ImproperlyConfigured(f"LINLI_LAWFUL_PURPOSES: {code!r} is not a code (a-z, 0-9, _; 2-32 characters)")
        if sep and not zh:
            raise ImproperlyConfigured(f"LINLI_LAWFUL_PURPOSES: {code!r} needs its Chinese name after '='")
        if not sep and code not in BUILTIN:
            raise ImproperlyConfigured(f"LINLI_LAWFUL_PURPOSES: {code!r} is not built in; write it as "
                                       f"{code}=中文名称|English name (built in: {', '.join(BUILTIN)})")
        if code in found:
            raise ImproperlyConfigured(f"LINLI_LAWFUL_PURPOSES: {code!r} is listed twice")
        found[code] = LawfulPurpose(code, zh, en)
    found.setdefault(OTHER, LawfulPurpose(OTHER))
    found[OTHER] = found.pop(OTHER)  # last
    return list(found.values())


_PARSED: dict[tuple[str, ...], list[LawfulPurpose]] = {}


def offered() -> list[LawfulPurpose]:
    """The purposes of this installation (``LINLI_LAWFUL_PURPOSES``)."""
    from django.conf import settings

    entries = tuple(getattr(settings, "LINLI_LAWFUL_PURPOSES", DEFAULT))
    if entries not in _PARSED:
        _PARSED[entries] = parse(entries)
    return _PARSED[entries]


def find(code: str) -> LawfulPurpose | None:
    return next((p for p in offered() if p.code == code), None)


def other_min_length() -> int:
    from django.conf import settings

    return int(getattr(settings, "LINLI_PURPOSE_OTHER_MIN_LENGTH", 10))


def meaningful(text: str) -> str:
    """The letters and digits of ``text`` (Chinese characters are letters)."""
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


@dataclass(frozen=True)
class StatedPurpose:
    """A purpose as checked: its code and the words the user added (required for "other")."""

    code: str
    text: str = ""

    @property
    def recorded(self) -> str:
        """For the audit log's ``purpose``: the purpose's Chinese name, then the text."""
        purpose = find(self.code)
        name = purpose.label_zh if purpose else self.code
        return (f"{name}：{self.text}" if self.text else name)[:MAX_TEXT]


def _error(field: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code, params=params or None)]})


def tidy(text: Any) -> str:
    from linli.core.text import has_control_characters, strip_invisible

    tidied = " ".join(strip_invisible(str(text or "")).split())
    if has_control_characters(tidied):
        raise _error("purpose", _("This text contains control characters; please retype it."), "control_chars")
    return tidied


def state(code: Any, text: Any = "") -> StatedPurpose:
    """Check a purpose as sent: a listed ``code``, with ``text`` for "other" (a text without a
    code is taken as "other", as callers that sent only a text did before the list). Raises
    ValidationError naming ``purpose_code`` or ``purpose``, with a message in both languages."""
    code, text = str(code or "").strip(), tidy(text)
    if not code and not text:
        raise _error("purpose_code", _("Choose the purpose you need the full values for."), "required")
    code = code or OTHER
    if find(code) is None:
        raise _error("purpose_code", _("Choose one of the listed purposes."), "unknown_purpose")
    if code == OTHER:
        letters, least = meaningful(text), other_min_length()
        if len(letters) < least or len(set(letters)) < OTHER_MIN_DISTINCT:
            raise _error("purpose", _("Describe the purpose in a sentence of at least %(n)d letters or digits "
                                      "(punctuation and spaces do not count)."), "too_short", n=least)
    return StatedPurpose(code, text[:MAX_TEXT])


def state_if_any(code: Any, text: Any = "") -> StatedPurpose | None:
    """As :func:`state`, where a purpose is optional (masked lists, counted reports): None when
    nothing was sent."""
    if not str(code or "").strip() and not tidy(text):
        return None
    return state(code, text)


def words(purpose: str, code: str) -> str:
    """A recorded purpose in the reader's language (the audit log page): the listed purpose's
    name, then the text; what was recorded otherwise, as it is."""
    lawful = find(code) if code else None
    if lawful is None:
        return purpose
    name_zh = lawful.label_zh
    if not purpose.startswith(name_zh):
        return purpose
    rest = purpose[len(name_zh):].lstrip("：")
    separator = ": " if (translation.get_language() or "").startswith("en") else "："
    return f"{lawful.label}{separator}{rest}" if rest else lawful.label
