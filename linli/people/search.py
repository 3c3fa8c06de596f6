"""Normalised search keys for people: pinyin, initials and blind indexes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from pypinyin import Style, lazy_pinyin

from linli.core.crypto import blind_index
from linli.core.text import clean_query_text
from linli.core.validators import EXTENSION_MARK, validate_id_number, validate_phone

ID_PURPOSE = "person.id"
ID_LAST4_PURPOSE = "person.id_last4"
PHONE_PURPOSE = "person.phone"
GROUP_PURPOSE = "person.group"


_PHONE_PUNCTUATION = str.maketrans("", "", "-()")


@lru_cache(maxsize=20000)
def _char_pinyin(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL, errors="ignore")[0] if "\u4e00" <= char <= "\u9fff" else char.lower()


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name: 张晓明 → ("zhangxiaoming", "zxm")."""
    syllables = [_char_pinyin(c) for c in name if not c.isspace()]
    syllables = [s for s in syllables if s and s.isascii() and s.isalnum()]
    return "".join(syllables)[:128], "".join(s[0] for s in syllables)[:32]


def id_hashes(number: str) -> tuple[str, str]:
    return blind_index(number, purpose=ID_PURPOSE), blind_index(number[-4:], purpose=ID_LAST4_PURPOSE)


def phone_hash(stored: str) -> str:
    """The blind index of a phone, without its extension: a switchboard's number finds everyone
    reached through it."""
    return blind_index(stored.partition(EXTENSION_MARK)[0], purpose=PHONE_PURPOSE)


def group_index(groups: list[str]) -> str:
    return " ".join(sorted(blind_index(g, purpose=GROUP_PURPOSE)[:16] for g in set(groups)))


def group_token(group: str) -> str:
    return blind_index(group, purpose=GROUP_PURPOSE)[:16]


@dataclass(frozen=True)
class Query:
    """What a search box input means: a name, pinyin, an ID, its last four, or a phone."""

    kind: str  # name | pinyin | id | id_last4 | phone | empty
    value: str


_PINYIN = re.compile(r"[a-z]{1,40}")
_LAST4 = re.compile(r"[0-9]{3}[0-9X]")


def classify(raw: str) -> Query:
    text = clean_query_text(raw, 100).replace(" ", "")
    if not text:
        return Query("empty", "")
    upper = text.upper()
    if _LAST4.fullmatch(upper):
        return Query("id_last4", upper)
    if len(upper) in (15, 18) and upper[:-1].isdigit():
        try:
            return Query("id", validate_id_number(upper).number)
        except ValidationError:
            pass
    if text.lstrip("+").translate(_PHONE_PUNCTUATION).isdigit() and len(text) >= 7:
        try:
            return Query("phone", validate_phone(text).e164)
        except ValidationError:
            return Query("phone", "")  # digits that are no valid phone match nobody
    if _PINYIN.fullmatch(text.lower()):
        return Query("pinyin", text.lower())
    return Query("name", text[:64])
