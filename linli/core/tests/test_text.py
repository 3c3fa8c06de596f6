"""One way of cleaning text for every caller (plain pytest; no database needed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from linli.core.text import (
    clean_query_text,
    decode_csv,
    fold,
    has_control_characters,
    strip_invisible,
)
from linli.core.validators import validate_id_number, validate_phone
from linli.imports.cells import cell_text
from linli.people.actions import PersonInput, apply_person_input
from linli.people.models import Person

SOFT_HYPHEN = "\u00ad"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
POP_DIRECTIONAL = "\u202c"


def person_name(typed: str) -> str:
    person = Person()
    apply_person_input(person, PersonInput(name=typed))
    return person.name


# Every place that cleans text a person typed or pasted: they must agree on what is removed
# (a name typed in the form and the same name imported from a spreadsheet are one name).
CLEANERS = [strip_invisible, fold, clean_query_text, cell_text, person_name]


@pytest.mark.parametrize("clean", CLEANERS)
@pytest.mark.parametrize("hidden", [SOFT_HYPHEN, RIGHT_TO_LEFT_OVERRIDE, "\u200b", "\ufeff", "\u2066", "\u200f"])
def test_invisible_and_direction_characters_are_removed_everywhere(clean, hidden):
    assert clean(f"张{hidden}三") == "张三"


def test_a_bidi_override_cannot_reorder_a_name():
    assert fold(f"{RIGHT_TO_LEFT_OVERRIDE}三张{POP_DIRECTIONAL}") == "三张"


def test_validators_see_through_soft_hyphens_and_overrides():
    assert validate_id_number(f"11010519491231{SOFT_HYPHEN}002X").number == "11010519491231002X"
    assert validate_phone(f"{RIGHT_TO_LEFT_OVERRIDE}138 1234 5678{POP_DIRECTIONAL}").e164 == "+8613812345678"


@pytest.mark.parametrize("clean", [fold, clean_query_text, cell_text])
def test_full_width_digits_and_letters_are_folded(clean):
    assert clean("１３８１２３４５６７８") == "13812345678"
    assert clean("ＡＢＣ") == "ABC"


def test_strip_invisible_does_not_fold():
    assert strip_invisible("１２３") == "１２３"


@pytest.mark.parametrize("text", ["a\x00b", "\x07", "line\x1bgone", "del\x7f", "c1\x85"])
def test_control_characters_are_found(text):
    assert has_control_characters(text)


@pytest.mark.parametrize("text", ["张三", "Li Ming", "", "\u3000", RIGHT_TO_LEFT_OVERRIDE])
def test_plain_text_has_no_control_characters(text):
    assert not has_control_characters(text)


def test_newlines_and_tabs_only_where_allowed():
    note = "first line\r\nsecond\tline"
    assert has_control_characters(note)
    assert not has_control_characters(note, allowed="\r\n\t")
    assert has_control_characters(note + "\x00", allowed="\r\n\t")


def test_clean_query_text_drops_controls_and_trims():
    assert clean_query_text(" 张\x00三 ") == "张三"
    assert clean_query_text("x" * 200, 10) == "x" * 10
    assert clean_query_text(None) == ""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_file_is_read_as_excel_and_wps_save_it(encoding):
    assert decode_csv("姓名,身份证号\n张三,1\n".encode(encoding)) == "姓名,身份证号\n张三,1\n"


def test_a_csv_file_in_no_known_encoding_is_refused_with_the_callers_error():
    class FileError(ValidationError):
        pass

    with pytest.raises(FileError) as info:
        decode_csv(b"\xff\xfe\xfa\x80\x81" * 3, FileError)
    assert info.value.code == "file_encoding"
