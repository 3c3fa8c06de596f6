"""The data dictionary: every canonical field with its code, Chinese and English label and type,
and the national code list (GB/T …) behind it where one exists.

Code lists are versioned data in ``linli/reports/codelists/*.json`` (one file per list), loaded
once and cached. ``dictionary_version()`` is a hash of all lists and the field definitions, so a
generated report or an exchange file can say which dictionary it was made with.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import translation

from linli.core.text import fold
from linli.reports.fields import FIELDS

CODELIST_DIR = Path(__file__).resolve().parent / "codelists"


@dataclass(frozen=True)
class Code:
    code: str
    label_zh: str
    label_en: str
    synonyms: tuple[str, ...] = ()
    parent: str | None = None
    alpha: str | None = None  # GB/T 3304 two-letter code
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"code": self.code, "label_zh": self.label_zh, "label_en": self.label_en}
        if self.synonyms:
            row["synonyms"] = list(self.synonyms)
        if self.parent:
            row["parent"] = self.parent
        if self.alpha:
            row["alpha"] = self.alpha
        if self.note:
            row["note"] = self.note
        return row


@dataclass(frozen=True)
class CodeList:
    name: str
    standard: str
    title: str
    title_en: str
    version: str
    codes: tuple[Code, ...]
    notes: str = ""
    verified_against: tuple[str, ...] = ()
    _index: dict[str, Code] = field(default_factory=dict, compare=False, repr=False)

    def by_code(self, code: str) -> Code | None:
        return next((c for c in self.codes if c.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "standard": self.standard, "title": self.title, "title_en": self.title_en,
                "version": self.version, "notes": self.notes, "verified_against": list(self.verified_against),
                "codes": [c.as_dict() for c in self.codes]}


# Which canonical field each national list serves. Fields marked ``registry=False`` are not yet
# stored in the registry: they are in the dictionary so imports and departments share the codes.
@dataclass(frozen=True)
class NationalField:
    code: str
    label_zh: str
    label_en: str
    code_list: str


NATIONAL_FIELDS: tuple[NationalField, ...] = (
    NationalField("ethnicity", "民族", "ethnic group", "ethnicity"),
    NationalField("political_status", "政治面貌", "political affiliation", "political_status"),
    NationalField("marital_status", "婚姻状况", "marital status", "marital_status"),
    NationalField("education", "学历", "education", "education"),
)
FIELD_CODE_LISTS: dict[str, str] = {"sex": "sex", "relation_to_head": "family_relation"}


class CodeListError(ValueError):
    pass


def normalise(value: Any) -> str:
    """What a spreadsheet cell may hold → the form we index: full-width folded (NFKC), spaces
    dropped, case folded, an Excel number such as ``1.0`` read as ``1``."""
    text = fold(str(value)).strip()
    text = re.sub(r"\s+", "", text)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text.casefold()


def _parse(path: Path) -> CodeList:
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        codes = tuple(Code(code=str(c["code"]), label_zh=c["label_zh"], label_en=c["label_en"],
                           synonyms=tuple(c.get("synonyms") or ()), parent=c.get("parent"),
                           alpha=c.get("alpha"), note=c.get("note", ""))
                      for c in raw["codes"])
        code_list = CodeList(name=raw.get("name") or path.stem, standard=raw["standard"], title=raw["title"],
                             title_en=raw.get("title_en", ""), version=str(raw["version"]), codes=codes,
                             notes=raw.get("notes", ""), verified_against=tuple(raw.get("verified_against") or ()))
    except (KeyError, TypeError) as exc:
        raise CodeListError(f"{path.name}: missing {exc}") from exc
    seen: set[str] = set()
    for c in codes:
        if c.code in seen:
            raise CodeListError(f"{path.name}: code {c.code} appears twice")
        seen.add(c.code)
    index = code_list._index
    # Codes first, then labels, then synonyms: a synonym never shadows a real code or label.
    for c in codes:
        index.setdefault(normalise(c.code), c)
    for c in codes:
        for key in (c.label_zh, c.label_en, c.alpha):
            if key:
                index.setdefault(normalise(key), c)
    for c in codes:
        for key in c.synonyms:
            index.setdefault(normalise(key), c)
    return code_list


@functools.cache
def _load(directory: Path) -> dict[str, CodeList]:
    lists = [_parse(path) for path in sorted(directory.glob("*.json"))]
    return {cl.name: cl for cl in lists}


def load_code_lists() -> dict[str, CodeList]:
    """All shipped code lists by name (cached; ``clear_cache()`` after changing the files)."""
    return _load(CODELIST_DIR)


def clear_cache() -> None:
    _load.cache_clear()


def lookup(list_name: str, code_or_label: Any) -> Code | None:
    """The code for a cell value: the code itself (``"01"``, or ``1`` as Excel left it), the
    Chinese or English label, or a common synonym (男, 女, 汉, 党员, 本科 …). None if unknown."""
    code_list = load_code_lists().get(list_name)
    if code_list is None or code_or_label is None:
        return None
    key = normalise(code_or_label)
    if not key:
        return None
    found = code_list._index.get(key)
    if found is None and key.isdigit():
        width = max(len(c.code) for c in code_list.codes)
        found = code_list._index.get(key.zfill(width))
    return found


def _english(label: Any) -> str:
    with translation.override("en"):
        return str(label)


def canonical_fields() -> list[dict[str, Any]]:
    """One row per canonical field, for the page and the JSON download."""
    lists = load_code_lists()
    rows: list[dict[str, Any]] = []
    for f in FIELDS.values():
        list_name = FIELD_CODE_LISTS.get(f.code)
        kind = "code" if list_name else f.kind
        rows.append({"code": f.code, "label_zh": f.label_zh, "label_en": _english(f.label),
                     "type": kind, "sensitive": f.sensitive, "in_registry": True,
                     "code_list": list_name if list_name in lists else None,
                     "standard": lists[list_name].standard if list_name in lists else ""})
    for nf in NATIONAL_FIELDS:
        rows.append({"code": nf.code, "label_zh": nf.label_zh, "label_en": nf.label_en,
                     "type": "code", "sensitive": False, "in_registry": False,
                     "code_list": nf.code_list if nf.code_list in lists else None,
                     "standard": lists[nf.code_list].standard if nf.code_list in lists else ""})
    return rows


def _version_payload() -> dict[str, Any]:
    return {"fields": canonical_fields(), "code_lists": {name: cl.as_dict() for name, cl in sorted(load_code_lists().items())}}


def dictionary_version() -> str:
    """A short, stable hash of every list and field definition (independent of UI language)."""
    payload = json.dumps(_version_payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def as_json() -> dict[str, Any]:
    """The whole dictionary as one document (what ``?format=json`` downloads)."""
    payload = _version_payload()
    return {"version": dictionary_version(), **payload}
