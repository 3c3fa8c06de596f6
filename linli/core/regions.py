"""The GB/T 2260 list of provinces, prefecture-level cities and counties, shipped with Linli.

``data/gbt2260.tsv`` holds every six-digit code with the name in use now, and codes that have
been abolished with their last name and year (an arrival's form must not offer 崇文区, but the
message for 110103 can say what it was). Searching forgives what people type: 武汉, 武汉市,
wuhan, whs, 江岸, 420102 or 4201 all find Wuhan's regions. Plain Python, no Django.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DATA = Path(__file__).parent / "data" / "gbt2260.tsv"
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# City-level codes that group districts or counties instead of naming a city (北京市 市辖区,
# 重庆市 县, 湖北省 省直辖县级行政单位): valid codes, but nobody comes from them.
GROUPS = frozenset({"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# Longest first, so that 浦东新区 loses 新区 and 恩施土家族苗族自治州 its 自治州.
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "林区", "新区", "省", "市", "区", "县", "盟", "旗")
MAX_QUERY = 40

Level = Literal["province", "city", "district"]


@dataclass(frozen=True, slots=True)
class Region:
    """One code of the list. ``full_name`` is what a person reads (湖北省武汉市江岸区, 上海市浦东新区);
    ``until`` is the last year an abolished code was in use, empty for a code in use."""

    code: str
    name: str
    full_name: str
    level: Level
    until: str = ""
    syllables: tuple[str, ...] = ()  # the name's pinyin, one syllable per character

    @property
    def in_use(self) -> bool:
        return not self.until

    @property
    def is_group(self) -> bool:
        return self.level == "city" and self.name in GROUPS


def level_of(code: str) -> Level:
    if code[2:] == "0000":
        return "province"
    return "city" if code[4:] == "00" else "district"


def short_name(name: str) -> str:
    """The name without its administrative suffix (武汉市 → 武汉), when something is left."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + (0 if len(name) > 2 else 1):
            return name[: -len(suffix)]
    return name


@functools.cache
def _table() -> dict[str, Region]:
    names: dict[str, tuple[str, str]] = {}
    sounds: dict[str, tuple[str, ...]] = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name, until, syllables = line.split("\t")
            names[code], sounds[code] = (name, until), tuple(syllables.split())
    table: dict[str, Region] = {}
    for code, (name, until) in names.items():
        level = level_of(code)
        parts = [names.get(code[:2] + "0000", ("", ""))[0]]
        if level == "district":
            city = names.get(code[:4] + "00", ("", ""))[0]
            if city not in GROUPS and code[:2] not in MUNICIPALITIES:
                parts.append(city)
        if level != "province" and not (level == "city" and name in GROUPS):
            parts.append(name)
        table[code] = Region(code, name, "".join(p for p in parts if p), level, until, sounds[code])
    return table


def lookup(code: str) -> Region | None:
    """The region of a six-digit code, in use or abolished; None when the list has no such code."""
    return _table().get(code)


def name_of(code: str) -> str:
    """The full name of a code in use ("" when it is not one)."""
    found = _table().get(code[:6])
    return found.full_name if found is not None and found.in_use else ""


@dataclass(frozen=True, slots=True)
class _Keys:
    region: Region
    short: str
    local: str  # the name without the province: 武汉市江岸区
    pinyin: str
    short_pinyin: str
    local_pinyin: str
    initials: str


def _letters(syllables: tuple[str, ...]) -> str:
    return "".join(s for s in syllables if s.isalpha())


@functools.cache
def _index() -> list[_Keys]:
    table = _table()
    keys: list[_Keys] = []
    for region in table.values():
        if not region.in_use or region.is_group:
            continue
        province = table[region.code[:2] + "0000"].name if region.level != "province" else ""
        local = region.full_name.removeprefix(province) or region.full_name
        short = short_name(region.name)
        city = table.get(region.code[:4] + "00") if region.level == "district" else None
        above = city.syllables if city is not None and city.name in local else ()
        keys.append(_Keys(region, short, local, _letters(region.syllables), _letters(region.syllables[:len(short)]),
                          _letters(above + region.syllables), "".join(s[0] for s in region.syllables if s.isalpha())))
    return keys


_LEVEL_ORDER = {"province": 0, "city": 1, "district": 2}
_NOT_WORDS = re.compile(r"[\s·•,，.。、/\\-]+")


def clean_query(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "")
    return _NOT_WORDS.sub("", folded).lower()[:MAX_QUERY]


def _rank(keys: _Keys, query: str) -> int | None:
    """How well ``keys`` match ``query`` (lower is better), None when they do not."""
    region = keys.region
    if query in (region.name, keys.short, region.full_name, keys.local, keys.short_pinyin):
        return 0
    if region.name.startswith(query) or keys.local.startswith(query):
        return 1
    if query in region.full_name:
        return 2
    if query.isascii() and query.isalpha():
        if query in (keys.pinyin, keys.initials) or keys.pinyin.startswith(query):
            return 3
        if keys.local_pinyin.startswith(query):
            return 4
    return None


def search(text: str, limit: int = 20) -> list[Region]:
    """Regions in use matching what a person typed: a name or part of it (武汉, 武汉市江岸),
    pinyin or its initials (wuhan, whs), or the first digits of a code (4201). Best first:
    exact names, then names starting with it, then the rest; within each, provinces before
    cities before districts, then by code."""
    query = clean_query(text)
    if not query:
        return []
    if query.isdigit():
        found = [k.region for k in _index() if k.region.code.startswith(query[:6])]
        return sorted(found, key=lambda r: (r.code != query, _LEVEL_ORDER[r.level], r.code))[:limit]
    ranked = []
    for keys in _index():
        rank = _rank(keys, query)
        if rank is not None:
            ranked.append((rank, _LEVEL_ORDER[keys.region.level], keys.region.code, keys.region))
    ranked.sort(key=lambda item: item[:3])
    return [region for *_key, region in ranked[:limit]]


def resolve(text: str) -> tuple[Region | None, list[Region]]:
    """What a person meant by ``text`` in a "came from" field: (the region, []) when it names
    one region unambiguously (a code in use, or a name only one region has), else (None, the
    candidates to choose from, possibly none)."""
    query = clean_query(text)
    if query.isdigit() and len(query) in (6, 9):
        found = lookup(query[:6])
        return (found, []) if found is not None and found.in_use and not found.is_group else (None, [])
    candidates = search(text)
    exact = [r for r in candidates if _rank(_keys_of(r), query) == 0]
    if len(exact) == 1:
        return exact[0], candidates
    if not exact and len(candidates) == 1:
        return candidates[0], candidates
    return None, candidates


def _keys_of(region: Region) -> _Keys:
    return _by_code()[region.code]


@functools.cache
def _by_code() -> dict[str, _Keys]:
    return {k.region.code: k for k in _index()}
