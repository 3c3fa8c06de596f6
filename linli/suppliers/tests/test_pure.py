"""The credit code check (GB 32100-2015) and the grade from the delivery record."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from linli.suppliers.actions import clean_credit_code
from linli.suppliers.grading import Record, grade
from linli.suppliers.tests.helpers import credit_code


def test_credit_code_check_character_and_full_width():
    code = credit_code()
    assert code == "91310115MA1K3YJ80H"
    assert clean_credit_code(code) == code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # ９１３１… in full-width lower case
    assert clean_credit_code(f" {full_width[:9]} {full_width[9:]}") == code


@pytest.mark.parametrize(("value", "code"), [
    ("91310115MA1K3YJ80A", "uscc_checksum"),
    ("91310115MA1K3YJ80", "uscc_format"),
    ("91310115MA1K3YJ8OH", "uscc_format"),  # the letter O is not used
    ("91ABCDEFMA1K3YJ80H", "uscc_region"),
])
def test_bad_credit_codes_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as caught:
        clean_credit_code(value)
    assert caught.value.error_dict["credit_code"][0].code == code


def _records(on_time: int, late: int, quality: list[str] | None = None) -> list[Record]:
    flags = [True] * on_time + [False] * late
    quality = quality or ["passed"] * len(flags)
    return [Record(f, q) for f, q in zip(flags, quality, strict=True)]


def test_grades_from_the_delivery_record():
    assert grade([]).grade == "B" and grade([]).reason == "few"
    assert grade(_records(10, 0)).grade == "A"
    assert grade(_records(9, 1)).grade == "A"  # 90 % on time
    assert grade(_records(8, 2)).grade == "B"
    assert grade(_records(6, 4)).reason == "late"
    assert grade(_records(1, 1)).reason == "few"  # half late, but too short a record to judge
    assert grade(_records(1, 2)).reason == "late"
    assert grade(_records(1, 0, ["failed"])).reason == "failed"  # a refused delivery counts at once
    assert grade(_records(10, 0, ["passed"] * 8 + ["failed"] * 2)).reason == "failed"
    assert grade(_records(10, 0, ["passed"] * 9 + ["failed"])).grade == "B"  # one failure: no A
    assert grade(_records(10, 0, ["passed"] * 8 + ["minor"] * 2)).grade == "B"
    figures = grade(_records(3, 1))
    assert figures.on_time_rate == 0.75 and figures.deliveries == 4
