"""Every ugly spreadsheet of ``fixtures/`` through the real dry run, compared with the report
expected for it (``fixtures/<name>.expected.json``), exactly.

After changing the importer's messages or rules, or ``fixtures/make_fixtures.py``:

    python -m linli.imports.tests.fixtures.make_fixtures        # rebuild the files
    LINLI_UPDATE_FIXTURES=1 python -m pytest linli/imports/tests/test_fixtures.py

rewrites the expected reports. Read every changed line before committing it: each rejection
must be right, and nothing wrong may be among the accepted rows. That review is the test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from xlsxwriter.utility import xl_col_to_name

from linli.core.errors import bilingual
from linli.imports import actions, prepared
from linli.imports.cells import clean_name
from linli.imports.models import BatchStatus, ImportBatch, RowStatus
from linli.imports.reading import OLE_MAGIC, ZIP_MAGIC, ImportFileError, read_file
from linli.imports.tests.fixtures import make_fixtures
from linli.imports.tests.fixtures.make_fixtures import EXISTING, FIXTURES
from linli.imports.tests.helpers import address_of, make_id, person_row, xlsx_bytes
from linli.people import actions as people_actions
from linli.people.actions import PersonInput
from linli.people.models import Person
from linli.places.models import Level, Place

HERE = Path(__file__).resolve().parent / "fixtures"
UPDATE = os.environ.get("LINLI_UPDATE_FIXTURES") == "1"
DATA_FILES = sorted(FIXTURES)
EXPECTED_SUFFIX = ".expected.json"


def expected_path(name: str) -> Path:
    return HERE / (Path(name).stem + EXPECTED_SUFFIX)


# --- the registry the files are checked against ----------------------------------------------

def _house(compound: str, room: str) -> Place:
    return Place.objects.get(level=Level.HOUSE, number=room, parent__name="1单元", parent__parent__name="1号楼",
                             parent__parent__parent__name=compound)


@pytest.fixture
def registered(street: Any) -> dict[int, str]:
    """The people the files are meant to match, registered now (person id → key)."""
    keys = {}
    for existing in EXISTING:
        data = PersonInput(name=existing.name, id_number=existing.id_number, phone=existing.phone,
                           population_type=existing.population_type, notes=existing.notes,
                           community_roles=list(existing.community_roles))
        person = people_actions.do_create_person(data, acting_user=street.admin,
                                                 house=_house(existing.compound, existing.room),
                                                 relation=existing.relation, moved_in=existing.moved_in)
        keys[person.pk] = existing.key
    return keys


# --- the report, as a stable projection ---------------------------------------------------------

def _sheet(layout: Any) -> dict[str, Any]:
    return {
        "name": layout.name,
        "header_row": None if layout.header_row is None else layout.header_row + 1,  # as Excel numbers rows
        "rows_below_header": layout.rows,
        "columns": {f"{xl_col_to_name(i)} {header}": layout.mapping.get(i) for i, header in enumerate(layout.headers)},
    }


def _accepted(batch: ImportBatch) -> list[dict[str, Any]]:
    """What would be written for each row the dry run accepted (new or matched); empty
    values are left out (a population type the file does not give is left out too: new
    people get 户籍, matched people keep theirs)."""
    out = []
    for row in prepared.load(batch.prepared):
        person, house = row.person, row.house
        assert person is not None and house is not None
        entry: dict[str, Any] = {
            "sheet": row.sheet, "row": row.number, "name": person.name, "id_number": person.id_number,
            "phone": person.phone, "house": house.address,
            "population_type": person.population_type if row.values.get("population_type") else "",
            "relation": row.relation if row.relation_given else "", "relation_to_head": row.relation_to_head,
            "moved_in": row.moved_in.isoformat() if row.moved_in else "", "hukou_address": person.hukou_address,
            "special_groups": person.special_groups, "community_roles": person.community_roles, "notes": person.notes,
        }
        out.append({k: v for k, v in entry.items() if v not in ("", [], None) or k in ("sheet", "row", "name")})
    return out


def _named(error: dict[str, Any], people: dict[int, str]) -> dict[str, Any]:
    """A row error naming a registered person, by her fixture name (ids differ between databases)."""
    if "person" not in error:
        return error
    return {**error, "person": people.get(error["person"], f"not a fixture person: {error['person']}")}


def dry_run_report(user: Any, area: Place, name: str, data: bytes, people: dict[int, str]) -> dict[str, Any]:
    report: dict[str, Any] = {"file": name}
    try:
        batch = actions.do_upload(acting_user=user, area=area, file_name=name, data=data)
    except ImportFileError as exc:
        return {**report, "error": bilingual(exc)}
    layouts = actions.layouts_of(batch)
    report["sheets"] = [_sheet(layout) for layout in layouts]
    try:
        actions.do_set_mapping(batch, {layout.name: layout.mapping for layout in layouts}, acting_user=user)
    except actions.ImportRefused as exc:
        return {**report, "error": bilingual(exc)}
    actions.start_dry_run(batch, acting_user=user)
    batch.refresh_from_db()
    if batch.status != BatchStatus.READY:
        return {**report, "error": batch.error}
    report["counts"] = batch.counts
    report["rejected"] = [
        {"sheet": row.sheet, "row": row.row_number, "name": row.detail["name"],
         "errors": [_named(error, people) for error in row.detail["errors"]]}
        for row in batch.rows.filter(status=RowStatus.REJECTED).order_by("pk")]
    report["matched"] = [
        {"sheet": row.sheet, "row": row.row_number, "name": row.detail["name"], "match": row.detail["match"],
         "person": people.get(row.person_id or 0, f"not a fixture person: {row.person_id}"),
         "differences": row.detail["differences"]}
        for row in batch.rows.filter(status=RowStatus.MATCHED).order_by("pk")]
    report["accepted"] = _accepted(batch)
    return report


def dumps(value: Any, indent: int = 0, start: int = 0, width: int = 120) -> str:
    """JSON for people to read: whatever fits on its line stays on one line."""
    flat = json.dumps(value, ensure_ascii=False)
    if start + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            head = f"{pad}{json.dumps(key, ensure_ascii=False)}: "
            items.append(head + dumps(item, indent + 2, len(head) + 1))
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + dumps(item, indent + 2, len(pad) + 1) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


# --- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATA_FILES)
def test_dry_run_report_is_exactly_the_expected_one(street, registered, name):
    data = (HERE / name).read_bytes()
    before = Person.objects.count()
    report = dry_run_report(street.secretary, street.community, name, data, registered)
    assert Person.objects.count() == before  # a dry run writes nothing
    path = expected_path(name)
    if UPDATE:
        path.write_text(dumps(report) + "\n", encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run with LINLI_UPDATE_FIXTURES=1 and review it"
    assert report == json.loads(path.read_text(encoding="utf-8"))


def test_every_file_has_an_expected_report_and_nothing_else_is_there():
    on_disk = {p.name for p in HERE.iterdir() if p.is_file()}
    expected = {expected_path(name).name for name in DATA_FILES}
    assert len(expected) == len(DATA_FILES), "two fixtures share a name before the suffix"
    assert on_disk == set(DATA_FILES) | expected | {"__init__.py", "make_fixtures.py", "README.md"}


@pytest.mark.parametrize("name", DATA_FILES)
def test_committed_file_is_what_the_generator_builds(name):
    """Someone who edits make_fixtures.py without rebuilding the files is told so. Workbooks
    are compared by their cells (another XlsxWriter may pack the same cells differently)."""
    built, committed = FIXTURES[name](), (HERE / name).read_bytes()
    if built.startswith((ZIP_MAGIC, OLE_MAGIC)):
        try:
            sheets = read_file(built, name)
        except ImportFileError:  # not a real workbook (a zip of other things): compare the bytes
            assert built == committed
            return
        assert [(s.name, s.rows) for s in sheets] == [(s.name, s.rows) for s in read_file(committed, name)]
    else:
        assert built == committed


# --- importer bugs the fixtures found -------------------------------------------------------------

def _report(street: Any, data: bytes, people: dict[int, str] | None = None) -> dict[str, Any]:
    return dry_run_report(street.secretary, street.community, "名单.xlsx", data, people or {})


def test_rows_filled_only_in_unmapped_columns_are_not_people(street):
    """A template numbered in advance (序号 1 … 50, mostly unfilled) and a footer (填表人：…)
    in an unmapped column used to be rejected as people without a name or a house."""
    where = address_of(street.house_in(street.grid_building))
    rows = [person_row(1, "甲", make_id(seq=41), "", where), [2] + [""] * 14, ["填表人：李红　审核人：张伟"] + [""] * 14]
    report = _report(street, xlsx_bytes(rows))
    assert report["counts"]["rows"] == 1 and report["rejected"] == []


def test_padding_inside_a_chinese_name_is_not_part_of_it(street, registered):
    """"孙　桂英" (padded to line up) used to become "孙 桂英", miss the registered 孙桂英 with
    the same phone, and be added as a second person."""
    sun = make_fixtures.SUN
    rows = [person_row(1, "孙\u3000桂英", "", sun.phone, address_of(_house(sun.compound, sun.room)))]
    report = _report(street, xlsx_bytes(rows), registered)
    assert [(m["person"], m["match"], m["name"]) for m in report["matched"]] == [("sun", "name_phone", "孙桂英")]
    assert clean_name("买买提 · 艾力") == "买买提·艾力" and clean_name("Li Ming") == "Li Ming"


def test_same_name_and_phone_with_and_without_an_id_number_is_one_person(street):
    """A row without an ID number matches a registered person by name and phone, so within
    the file it is the same person as a row with the same name and phone, ID number or not."""
    where = address_of(street.house_in(street.grid_building))
    rows = [person_row(1, "江涛", "", "13900006003", where),
            person_row(2, "江涛", make_id(seq=43), "13900006003", where),
            person_row(3, "江海", make_id(seq=45), "13900006004", where),
            person_row(4, "江海", make_id(seq=47), "13900006004", where)]  # two ID numbers: two people
    report = _report(street, xlsx_bytes(rows))
    assert [(r["row"], [e["code"] for e in r["errors"]]) for r in report["rejected"]] == [(6, ["duplicate_in_file"])]
    assert report["rejected"][0]["errors"][0]["en"] == "The same person is already in row 5 of sheet 居民."
    assert report["counts"]["new"] == 3


def test_an_address_written_with_dashes(street):
    """"玉兰苑1-1-101" in an address column used to be refused as "say which house"."""
    rows = [["甲", f"{make_fixtures.YULAN}1-1-101"], ["乙", "1-1-101"]]
    report = _report(street, xlsx_bytes(rows, headers=["姓名", "住址"], title=None, blank_rows_after_header=0))
    assert [a["house"] for a in report["accepted"]] == ["明月街道培花居民区玉兰苑1号楼1单元101室"]
    assert [e["code"] for e in report["rejected"][0]["errors"]] == ["compound_ambiguous"]  # two compounds have 1号楼


def test_words_meaning_nothing_leave_the_cell_empty(street):
    """无, /, - in a cell used to be refused as a phone, an ID number or a date."""
    where = address_of(street.house_in(street.grid_building))
    rows = [person_row(1, "甲", "无", "无", where, 入住日期="-", 居住关系="/", 户籍地址="暂无"),
            person_row(2, "无", make_id(seq=49), "", where)]
    report = _report(street, xlsx_bytes(rows))
    assert report["accepted"] == [{"sheet": "居民", "row": 5, "name": "甲", "house": report["accepted"][0]["house"]}]
    assert [e["code"] for e in report["rejected"][0]["errors"]] == ["required"]  # 无 is not a name
