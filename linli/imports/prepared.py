"""The rows a dry run accepted, kept (sealed) for the commit.

Validating a row costs far more than writing it, so the commit does not validate the file a
second time: it takes the rows exactly as the dry run prepared them (validated, normalised,
hashed), matches them against the registry again, and writes them only if the outcome is
still what the user reviewed.
"""

from __future__ import annotations

import base64
import datetime
import json
import operator
import zlib
from typing import Any

from linli.imports.houses import HouseRef
from linli.imports.plan import Plan
from linli.imports.rows import Row, blank_person

PERSON_FIELDS = (
    "name", "name_pinyin", "name_initials", "id_number", "id_hash", "id_last4_hash", "birth_date", "sex", "phone",
    "phone_hash", "population_type", "hukou_region", "hukou_address", "special_groups", "special_groups_index",
    "community_roles", "notes", "hukou_matches_residence", "school",
)


_PERSON_VALUES = operator.attrgetter(*PERSON_FIELDS)
_BIRTH_DATE = PERSON_FIELDS.index("birth_date")


def _record(row: Row) -> list[Any]:
    person, house = row.person, row.house
    assert person is not None and house is not None  # noqa: S101 - only accepted rows are kept
    values = list(_PERSON_VALUES(person))
    values[_BIRTH_DATE] = person.birth_date.isoformat() if person.birth_date else ""
    return [row.sheet, row.number, [house.id, house.path, house.code, house.address], values, row.relation,
            row.relation_given, row.relation_to_head, row.moved_in.isoformat() if row.moved_in else "",
            bool(row.values.get("population_type"))]


def dump(plan: Plan) -> str:
    records = [_record(row) for row in plan.rows if not row.rejected]
    packed = zlib.compress(json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode(), 1)
    return base64.b64encode(packed).decode("ascii")


def _row(record: list[Any]) -> Row:
    sheet, number, house, values, relation, given, to_head, moved_in, type_given = record
    fields = dict(zip(PERSON_FIELDS, values, strict=True))
    fields["birth_date"] = datetime.date.fromisoformat(fields["birth_date"]) if fields["birth_date"] else None
    ref = HouseRef(*house)
    person = blank_person()
    person.__dict__.update(fields)
    person.current_house_id, person.path, person.current_address = ref.id, ref.path, ref.address
    return Row(sheet, number, values={"population_type": "given"} if type_given else {}, person=person, house=ref,
               relation=relation, relation_given=given, relation_to_head=to_head,
               moved_in=datetime.date.fromisoformat(moved_in) if moved_in else None)


def load(text: str) -> list[Row]:
    return [_row(record) for record in json.loads(zlib.decompress(base64.b64decode(text)))]
