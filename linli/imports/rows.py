"""One spreadsheet row → a validated person, house and residence, or the reasons why not.

Validation is the registry's own (``apply_person_input`` on an unsaved ``Person``), so an
imported person is checked exactly like one typed into the form.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.errors import bilingual
from linli.core.scope import Scope
from linli.core.text import has_control_characters
from linli.core.validators import mask_id_number, mask_phone
from linli.imports.cells import (
    EARLIEST,
    cell_date,
    cell_text,
    clean_name,
    id_cell_text,
)
from linli.imports.fields import (
    COMMUNITY_ROLE_WORDS,
    EMPTY_WORDS,
    HOUSE_FIELDS,
    LIST_SEPARATORS,
    NOTHING,
    POPULATION_TYPE_WORDS,
    RELATION_WORDS,
    SPECIAL_GROUP_WORDS,
    Vocabulary,
    value_key,
)
from linli.imports.headers import SheetLayout
from linli.imports.houses import HouseIndex, HouseRef, Where
from linli.people.actions import PersonInput, apply_person_input
from linli.people.models import Person, PopulationType, Relation

REPORT_VALUE_LIMIT = 100
_ABOUT_A_VALID_VALUE = frozenset({"duplicate_in_file", "duplicate_match", "id_not_here", "duplicate"})
RELATION_TO_HEAD_LIMIT = 32
# Which column a house-lookup error points at.
_HOUSE_ERROR_FIELD = {
    "house_missing": "building", "compound_outside_area": "compound", "compound_unknown": "compound",
    "compound_ambiguous": "compound", "building_unknown": "building", "unit_unknown": "unit",
    "unit_ambiguous": "unit", "room_unknown": "room", "house_outside_scope": "room",
}


@dataclass
class RowError:
    field: str
    column: str
    value: str
    code: str
    zh: str
    en: str
    person: int | None = None  # the registered person the row collides with, when the user may see her

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "column": self.column, "value": self.value, "code": self.code,
                                "zh": self.zh, "en": self.en}
        if self.person is not None:
            data["person"] = self.person
        return data


@dataclass
class Row:
    """A data row of the file, after validation."""

    sheet: str
    number: int  # as Excel shows it (1-based)
    values: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # field → header text
    person: Person | None = None  # unsaved, validated, with hashes and house set
    house: HouseRef | None = None
    relation: str = Relation.FAMILY
    relation_given: bool = False
    relation_to_head: str = ""
    moved_in: datetime.date | None = None
    errors: list[RowError] = field(default_factory=list)
    existing: Person | None = None
    match_kind: str = ""
    differences: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    @property
    def name(self) -> str:
        return self.person.name if self.person is not None else self.values.get("name", "")

    def reject(self, field_code: str, error: ValidationError, *, person: Person | None = None) -> None:
        text = bilingual(error)
        value = self.values.get(field_code, "")
        if text["code"] in _ABOUT_A_VALID_VALUE:  # the value is fine: no need to show it in full
            value = {"id_number": mask_id_number, "phone": mask_phone}.get(field_code, str)(value)
        self.errors.append(RowError(field_code, self.columns.get(field_code, ""), value[:REPORT_VALUE_LIMIT],
                                    text["code"], text["zh"], text["en"], person.pk if person is not None else None))


_BLANK: dict[str, Any] = {}


def blank_person() -> Person:
    """A new, unsaved Person with every default set, as ``Person()`` makes it, without the
    cost of ``Model.__init__`` (which dominates when it runs 100,000 times)."""
    if not _BLANK:
        _BLANK.update({k: v for k, v in Person().__dict__.items() if k != "_state"})
    person = Person.__new__(Person)
    person.__dict__.update(_BLANK)
    person._state = ModelState()
    person.special_groups, person.community_roles = [], []
    return person


class RowParser:
    """Turns raw rows of one sheet into ``Row``s, with the house index and the user's rights."""

    def __init__(self, layout: SheetLayout, houses: HouseIndex, groups_scope: Scope) -> None:
        self.layout, self.houses, self.groups_scope = layout, houses, groups_scope
        self.today = timezone.localdate()
        self.columns = {code: layout.headers[i] if i < len(layout.headers) else "" for i, code in
                        layout.mapping.items()}

    def parse(self, raw: list[Any], number: int) -> Row:
        row = Row(self.layout.name, number, columns=self.columns)
        cells: dict[str, Any] = {code: raw[i] if i < len(raw) else None for i, code in self.layout.mapping.items()}
        for code, value in cells.items():
            text = id_cell_text(value) if code == "id_number" else cell_text(value)
            row.values[code] = "" if len(text) <= 4 and value_key(text) in EMPTY_WORDS else text
        if "name" in row.values:
            row.values["name"] = clean_name(row.values["name"])
        data = PersonInput(name=row.values.get("name", ""), id_number=row.values.get("id_number", ""),
                           phone=row.values.get("phone", ""), hukou_address=row.values.get("hukou_address", ""),
                           school=row.values.get("school", ""), notes=row.values.get("notes", ""))
        data.population_type = self._choice(row, "population_type", POPULATION_TYPE_WORDS) or PopulationType.REGISTERED
        data.special_groups = self._words(row, "special_groups", SPECIAL_GROUP_WORDS)
        data.community_roles = self._words(row, "community_roles", COMMUNITY_ROLE_WORDS)
        relation = self._choice(row, "relation", RELATION_WORDS)
        row.relation, row.relation_given = relation or Relation.FAMILY, bool(relation)
        row.relation_to_head = self._relation_to_head(row)
        row.moved_in = self._date(row, "moved_in", cells.get("moved_in"))
        self._house(row)
        self._person(row, data)
        return row

    def _choice(self, row: Row, code: str, words: Vocabulary) -> str:
        text = row.values.get(code, "")
        if not text:
            return ""
        found = words.get(text)
        if found is None:
            row.reject(code, ValidationError(_("%(value)s is not one of: %(choices)s."), code="invalid_choice",
                                             params={"value": text, "choices": words.hint}))
            return ""
        return found

    def _words(self, row: Row, code: str, words: Vocabulary) -> list[str]:
        found: list[str] = []
        unknown: list[str] = []
        for part in LIST_SEPARATORS.split(row.values.get(code, "")):
            if not part or value_key(part) in NOTHING:
                continue
            hit = words.get(part)
            (found if hit else unknown).append(hit or part)
        if unknown:
            row.reject(code, ValidationError(_("Unknown: %(value)s. Use: %(choices)s."), code="invalid_choice",
                                             params={"value": "、".join(unknown), "choices": words.hint}))
        return sorted(set(found))

    def _relation_to_head(self, row: Row) -> str:
        text = row.values.get("relation_to_head", "")
        if len(text) > RELATION_TO_HEAD_LIMIT:
            row.reject("relation_to_head", ValidationError(_("At most %(limit)d characters."), code="too_long",
                                                           params={"limit": RELATION_TO_HEAD_LIMIT}))
        elif has_control_characters(text):
            row.reject("relation_to_head", ValidationError(
                _("This text contains control characters; please retype it."), code="control_chars"))
        return "户主" if text == "本人" else text

    def _date(self, row: Row, code: str, value: Any) -> datetime.date | None:
        if not row.values.get(code):
            return None
        try:
            moved_in = cell_date(value)
        except ValidationError as exc:
            row.reject(code, exc)
            return None
        if moved_in is not None and not (EARLIEST <= moved_in <= self.today):
            row.reject(code, ValidationError(_("The date %(date)s is not plausible (before 1900 or in the future)."),
                                             code="date_range", params={"date": moved_in.isoformat()}))
            return None
        if moved_in is not None:
            row.values[code] = moved_in.isoformat()
        return moved_in

    def _house(self, row: Row) -> None:
        where = Where(**{k: row.values.get(k, "") for k in HOUSE_FIELDS})
        try:
            row.house = self.houses.find(where)
        except ValidationError as exc:
            target = _HOUSE_ERROR_FIELD.get(exc.code or "", "room")
            if target not in self.columns:
                target = "address" if "address" in self.columns else next(
                    (f for f in ("room", "building", "compound") if f in self.columns), target)
            row.reject(target, exc)

    def _person(self, row: Row, data: PersonInput) -> None:
        house = row.house
        person = blank_person()
        if house is not None:
            person.current_house_id, person.path, person.current_address = house.id, house.path, house.address
        try:
            apply_person_input(person, data, today=self.today)
        except ValidationError as exc:
            for code, errors in exc.error_dict.items():
                for error in errors:
                    row.reject(code, error)
        if data.special_groups and house and not self.groups_scope.covers(house.path):
            row.reject("special_groups", ValidationError(
                _("You may not record special groups for this house; leave the column empty or ask the "
                  "community office."), code="groups_not_allowed"))
        if house is not None:
            person.hukou_matches_residence = bool(person.hukou_region) and house.code.startswith(person.hukou_region)
        row.person = person
