"""One catalogue of a person's fields: what Linli writes, Linli reads back (no database needed)."""

from __future__ import annotations

from collections import Counter

from linli.imports.fields import PEOPLE_FIELDS
from linli.imports.headers import auto_map
from linli.people.exports import HEADERS
from linli.people.fields import PERSON_FIELDS
from linli.reports.fields import FIELDS as REPORT_FIELDS


def test_no_header_names_two_fields():
    headers = Counter(header for field in PERSON_FIELDS.values() for header in field.headers)
    assert [header for header, count in headers.items() if count > 1] == []


def test_reports_and_imports_name_a_field_alike():
    for code, field in PERSON_FIELDS.items():
        if code in REPORT_FIELDS:
            assert (REPORT_FIELDS[code].label_zh, REPORT_FIELDS[code].label) == (field.label_zh, field.label), code
    assert all(f is PERSON_FIELDS[f.code] for f in PEOPLE_FIELDS)


def test_an_exported_people_list_imports_back_column_by_column():
    headers = [*HEADERS["people"], PERSON_FIELDS["special_groups"].label_zh]
    mapped = auto_map(headers)
    importable = {f.code for f in PEOPLE_FIELDS}
    expected = {i: code for i, code in enumerate(
        ["name", "sex", "birth_date", "id_number", "phone", "population_type", "address", "hukou_address",
         "special_groups"]) if code in importable}
    assert mapped == expected
