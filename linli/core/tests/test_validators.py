"""Tests for linli.core.validators (plain pytest; no database needed)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from linli.core.validators import (
    PROVINCE_PREFIXES,
    IdInfo,
    PhoneInfo,
    RegionInfo,
    UsccInfo,
    format_phone,
    id_check_digit,
    mask_id_number,
    mask_phone,
    uscc_check_char,
    validate_id_number,
    validate_phone,
    validate_region_code,
    validate_uscc,
)

if not settings.configured:
    settings.configure(USE_I18N=False)

TODAY = datetime.date(2025, 6, 1)
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def raises(code: str, func, *args, **kwargs) -> str:
    """Call *func*, assert a ValidationError with *code*, return its English text."""
    with pytest.raises(ValidationError) as excinfo:
        func(*args, **kwargs)
    assert excinfo.value.code == code, excinfo.value
    with translation.override("en"):
        return " ".join(excinfo.value.messages)


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


# --------------------------------------------------------------------------
# ID numbers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("00000000000000000", "1"),  # sum 0 -> "1"
    ],
)
def test_id_check_digit_known_values(first17: str, expected: str) -> None:
    assert id_check_digit(first17) == expected


@pytest.mark.parametrize(
    "bad", ["1101051949123100", "1101051949123100X", "１１０１０５１９４９１２３１００２"]
)
def test_id_check_digit_rejects_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        id_check_digit(bad)


def test_published_example_female_1949() -> None:
    info = validate_id_number("11010519491231002X", today=TODAY)
    assert info == IdInfo(
        number="11010519491231002X",
        birth_date=datetime.date(1949, 12, 31),
        sex="F",
        region_code="110105",
        converted_from_15=False,
    )


def test_published_example_male_born_1880() -> None:
    info = validate_id_number("440524188001010014", today=TODAY)
    assert info.birth_date == datetime.date(1880, 1, 1)
    assert info.sex == "M"
    assert info.region_code == "440524"
    assert info.number == "440524188001010014"


@pytest.mark.parametrize(
    ("first17", "sex"),
    [
        ("31010119900307123", "M"),
        ("31010119900307124", "F"),
        ("65010220001231987", "M"),
        ("83000019800101001", "M"),  # Taiwan residence permit prefix
        ("81000019991231002", "F"),  # Hong Kong residence permit prefix
    ],
)
def test_computed_ids_validate(first17: str, sex: str) -> None:
    number = make_id(first17)
    info = validate_id_number(number, today=TODAY)
    assert info.number == number
    assert info.region_code == first17[:6]
    assert info.birth_date.strftime("%Y%m%d") == first17[6:14]
    assert info.sex == sex
    assert info.converted_from_15 is False


def test_sex_comes_from_17th_digit() -> None:
    male = validate_id_number(make_id("31010119900307121"), today=TODAY)
    female = validate_id_number(make_id("31010119900307120"), today=TODAY)
    assert (male.sex, female.sex) == ("M", "F")


def test_wrong_check_digit_names_expected_digit() -> None:
    text = raises("id_checksum", validate_id_number, "110105194912310021", today=TODAY)
    assert text == "The check digit should be X, not 1."


def test_wrong_check_digit_x_instead_of_digit() -> None:
    text = raises("id_checksum", validate_id_number, "44052418800101001x", today=TODAY)
    assert text == "The check digit should be 4, not X."


def test_future_birth_date() -> None:
    number = make_id("31010120250602001")
    text = raises("id_birth_future", validate_id_number, number, today=TODAY)
    assert "2025-06-02" in text and "future" in text
    # The same number is fine one day later.
    assert validate_id_number(number, today=datetime.date(2025, 6, 2)).birth_date == (
        datetime.date(2025, 6, 2)
    )


def test_birth_date_defaults_to_current_date() -> None:
    raises("id_birth_future", validate_id_number, make_id("31010121000101001"))
    assert validate_id_number("11010519491231002X").sex == "F"


def test_february_30_is_not_a_date() -> None:
    text = raises("id_birth_invalid", validate_id_number, make_id("31010119900230001"), today=TODAY)
    assert "19900230" in text and "not a real date" in text


@pytest.mark.parametrize("first17", ["31010119901301001", "31010119900100001", "31010119010229001"])
def test_other_impossible_dates(first17: str) -> None:
    raises("id_birth_invalid", validate_id_number, make_id(first17), today=TODAY)


def test_birth_before_1880() -> None:
    text = raises(
        "id_birth_too_early", validate_id_number, make_id("44052418791231001"), today=TODAY
    )
    assert "1879-12-31" in text


@pytest.mark.parametrize(
    "prefix", ["00", "10", "16", "24", "38", "47", "55", "66", "72", "84", "91"]
)
def test_invalid_province_prefix(prefix: str) -> None:
    number = make_id(prefix + "010119900101001")
    text = raises("id_region", validate_id_number, number, today=TODAY)
    assert f"starts with {prefix}" in text


def test_fifteen_digit_conversion() -> None:
    info = validate_id_number("110105491231002", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.converted_from_15 is True
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.sex == "F"


def test_fifteen_digit_with_bad_date_fails() -> None:
    raises("id_birth_invalid", validate_id_number, "110105490230002", today=TODAY)


def test_fifteen_digit_must_be_all_digits() -> None:
    text = raises("id_format", validate_id_number, "11010549123100X", today=TODAY)
    assert '"X" at position 15' in text


def test_full_width_and_spaces_are_normalised() -> None:
    value = "\u3000１１０１０５ １９４９１２３１\u00a0００２ｘ "
    info = validate_id_number(value, today=TODAY)
    assert info.number == "11010519491231002X"


def test_lowercase_x_is_upper_cased() -> None:
    assert validate_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    "value", ["1.10101E+17", "1.10105E17", "4.40524E+17", "110105194912310020.0", "1.1e+17"]
)
def test_excel_float_is_reported(value: str) -> None:
    text = raises("id_excel_float", validate_id_number, value, today=TODAY)
    assert "spreadsheet" in text and "cannot be recovered" in text


@pytest.mark.parametrize(
    ("value", "length"), [("1101051949123100", 16), ("1101051949123100201", 19)]
)
def test_wrong_length(value: str, length: int) -> None:
    text = raises("id_length", validate_id_number, value, today=TODAY)
    assert f"has {length}" in text


@pytest.mark.parametrize(
    ("value", "char", "position"),
    [
        ("11010519491231X02X", "X", 15),
        ("A1010519491231002X", "A", 1),
        ("110105-19491231002X", "-", 7),
    ],
)
def test_bad_characters(value: str, char: str, position: int) -> None:
    text = raises("id_format", validate_id_number, value, today=TODAY)
    assert f'"{char}" at position {position}' in text


@pytest.mark.parametrize("value", ["", None, "   "])
def test_empty_id(value: str | None) -> None:
    raises("id_empty", validate_id_number, value, today=TODAY)


def test_id_info_is_frozen() -> None:
    info = validate_id_number("11010519491231002X", today=TODAY)
    with pytest.raises(AttributeError):
        info.sex = "M"  # type: ignore[misc]


id_first17 = st.builds(
    lambda prefix, rest, birth, seq: f"{prefix}{rest}{birth:%Y%m%d}{seq}",
    st.sampled_from(sorted(PROVINCE_PREFIXES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
    st.dates(min_value=datetime.date(1880, 1, 1), max_value=TODAY),
    st.from_regex(r"\A[0-9]{3}\Z"),
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(first17=id_first17, data=st.data())
def test_property_computed_check_digit_validates_and_others_fail(first17: str, data) -> None:
    check = id_check_digit(first17)
    info = validate_id_number(first17 + check, today=TODAY)
    assert info.number == first17 + check
    assert info.birth_date.strftime("%Y%m%d") == first17[6:14]
    assert info.sex == ("M" if int(first17[16]) % 2 else "F")
    wrong = data.draw(st.sampled_from([c for c in "0123456789X" if c != check]))
    text = raises("id_checksum", validate_id_number, first17 + wrong, today=TODAY)
    assert text == f"The check digit should be {check}, not {wrong}."


@hypothesis_settings(max_examples=100, deadline=None)
@given(
    prefix=st.sampled_from(sorted(PROVINCE_PREFIXES)),
    birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)),
    seq=st.from_regex(r"\A[0-9]{3}\Z"),
)
def test_property_fifteen_digit_matches_eighteen(
    prefix: str, birth: datetime.date, seq: str
) -> None:
    old = f"{prefix}0101{birth:%y%m%d}{seq}"
    new = make_id(f"{prefix}0101{birth:%Y%m%d}{seq}")
    converted = validate_id_number(old, today=TODAY)
    assert converted.number == new
    assert converted.converted_from_15
    assert converted.birth_date == birth


# --------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------

MAINLAND = PhoneInfo(
    e164="+8613812345678", national="13812345678", is_mainland=True, country_code=86
)


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "0086 138 1234 5678",
        "008613812345678",
        "138-1234-5678",
        " 138 1234 5678\u3000",
        "１３８１２３４５６７８",
        "＋８６\u00a0１３８１２３４５６７８",
        "+86 (138) 1234-5678",
    ],
)
def test_mainland_mobile_variants(value: str) -> None:
    assert validate_phone(value) == MAINLAND


@pytest.mark.parametrize("second", "3456789")
def test_all_mobile_prefixes_accepted(second: str) -> None:
    number = f"1{second}912345678"
    assert validate_phone(number).e164 == f"+86{number}"


@pytest.mark.parametrize("value", ["12812345678", "10012345678", "11812345678"])
def test_invalid_mobile_prefix(value: str) -> None:
    text = raises("phone_format", validate_phone, value)
    assert "not a mainland phone number" in text


@pytest.mark.parametrize(
    ("value", "length"), [("138123456789", 12), ("1381234567", 10), ("+86 1381234567", 10)]
)
def test_wrong_length_mobile(value: str, length: int) -> None:
    text = raises("phone_format", validate_phone, value)
    assert f"has {length}" in text


@pytest.mark.parametrize(
    ("value", "stored", "shown"),
    [
        ("021-58881234", "+862158881234", "021-58881234"),
        ("(021)58881234", "+862158881234", "021-58881234"),
        ("02158881234", "+862158881234", "021-58881234"),
        ("+86 21 5888 1234", "+862158881234", "021-58881234"),
        ("0086-10-88888888", "+861088888888", "010-88888888"),
        ("010 8888 8888", "+861088888888", "010-88888888"),
        ("0931-8123456", "+869318123456", "0931-8123456"),
        ("０２１－５８８８１２３４", "+862158881234", "021-58881234"),
        ("021-58881234-801", "+862158881234;ext=801", "021-58881234-801"),
        ("021-58881234转801", "+862158881234;ext=801", "021-58881234-801"),
        ("(021)5888 1234 ext. 801", "+862158881234;ext=801", "021-58881234-801"),
        ("021-5888-1234", "+862158881234", "021-58881234"),  # a hyphen inside the number
    ],
)
def test_landlines_with_their_area_code_are_kept_as_landlines(value: str, stored: str, shown: str) -> None:
    """They made a person whose only phone is a landline rejected on import."""
    info = validate_phone(value)
    assert (info.kind, info.is_mainland, info.stored) == ("landline", True, stored)
    assert info.e164 == stored.partition(";")[0]
    assert format_phone(info.stored) == shown
    assert validate_phone(shown).stored == stored  # what Linli writes reads back


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("58881234", "without its area code"),
        ("021-5888", "not a valid landline"),
        ("0571-8765432", "not a valid landline"),  # Hangzhou numbers have 8 digits
        ("13812345678转801", "not a mainland phone number"),  # mobiles have no extension
        ("+44 7911 123456 ext 1", "Only mainland landlines"),
    ],
)
def test_landlines_without_area_code_or_of_wrong_length_are_refused(value: str, words: str) -> None:
    assert words in raises("phone_format", validate_phone, value)


def test_mobiles_and_foreign_numbers_say_what_they_are() -> None:
    assert validate_phone("13812345678").kind == "mobile"
    assert validate_phone("+447911123456").kind == "foreign"
    assert format_phone("+8613812345678") == "13812345678"
    assert format_phone("+447911123456") == "+447911123456"


def test_bare_86_prefix_needs_plus() -> None:
    text = raises("phone_format", validate_phone, "8613812345678")
    assert "+86 or 0086" in text


@pytest.mark.parametrize(
    ("value", "e164", "national", "country_code"),
    [
        ("+44 7911 123456", "+447911123456", "7911123456", 44),
        ("0044 20 7946 0958", "+442079460958", "2079460958", 44),
        ("+1 (650) 253-0000", "+16502530000", "6502530000", 1),
        ("+852 6123 4567", "+85261234567", "61234567", 852),
    ],
)
def test_foreign_numbers(value: str, e164: str, national: str, country_code: int) -> None:
    assert validate_phone(value) == PhoneInfo(
        e164=e164, national=national, is_mainland=False, country_code=country_code, kind="foreign"
    )


@pytest.mark.parametrize("value", ["447911123456", "12025550123", "2025550123", "6502530000"])
def test_foreign_number_without_plus_fails(value: str) -> None:
    text = raises("phone_format", validate_phone, value)
    assert "must start with + or 00" in text


@pytest.mark.parametrize("value", ["+44 12", "+1 000 000 0000", "+999 123456", "+44 79 11 ab"])
def test_invalid_foreign_numbers(value: str) -> None:
    text = raises("phone_format", validate_phone, value)
    assert "not a valid phone number" in text


@pytest.mark.parametrize("value", ["", None, " \u3000 "])
def test_empty_phone(value: str | None) -> None:
    assert raises("phone_format", validate_phone, value) == "Enter a phone number."


# --------------------------------------------------------------------------
# Unified social credit codes
# --------------------------------------------------------------------------

VALID_USCC = ["91310000MA1FL1Y42J", "91350100M000100Y43", "91110000600001760P"]


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_uscc(code: str) -> None:
    info = validate_uscc(code)
    assert info == UsccInfo(
        code=code,
        registration_authority="9",
        org_type="1",
        region_code=code[2:8],
        checksum_ok=True,
    )


def test_published_looking_code_has_other_check_char() -> None:
    # 91310000MA1FL1Y42A circulates online, but its check character is J.
    text = raises("uscc_checksum", validate_uscc, "91310000MA1FL1Y42A")
    assert text == "The check character should be J, not A."


def test_uscc_normalisation() -> None:
    info = validate_uscc(" ９１３５０１００ｍ０００１００ｙ４３\u3000")
    assert info.code == "91350100M000100Y43"
    assert info.region_code == "350100"


@pytest.mark.parametrize("position", range(18))
def test_one_char_change_fails_checksum(position: int) -> None:
    code = VALID_USCC[1]
    replacement = "1" if code[position] != "1" else "2"
    changed = code[:position] + replacement + code[position + 1 :]
    raises("uscc_checksum", validate_uscc, changed)


def test_allow_bad_checksum_returns_info() -> None:
    info = validate_uscc("91350100M000100Y44", allow_bad_checksum=True)
    assert info.checksum_ok is False
    assert info.code == "91350100M000100Y44"
    assert (info.registration_authority, info.org_type) == ("9", "1")
    assert validate_uscc(VALID_USCC[0], allow_bad_checksum=True).checksum_ok is True


@pytest.mark.parametrize(
    ("char", "position"), [("I", 9), ("O", 10), ("Z", 11), ("S", 12), ("V", 18), ("-", 5)]
)
def test_uscc_charset_errors(char: str, position: int) -> None:
    code = VALID_USCC[1]
    bad = code[: position - 1] + char + code[position:]
    text = raises("uscc_format", validate_uscc, bad)
    assert f'Character {position}, "{char}"' in text
    # Format errors cannot be overridden.
    raises("uscc_format", validate_uscc, bad, allow_bad_checksum=True)


@pytest.mark.parametrize("code", ["523WEJHURCHDNQMA8M", "91A10000MA1FL1Y42J", "913101X0MA1FL1Y42J"])
def test_uscc_region_positions_are_digits(code: str) -> None:
    """523WEJHURCHDNQMA8M has a right check character, and letters where the region code goes."""
    body = code[:17]
    code = body + uscc_check_char(body)
    text = raises("uscc_region", validate_uscc, code, allow_bad_checksum=True)
    assert f"here they are {body[2:8]}" in text


@pytest.mark.parametrize(
    ("value", "length"), [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("", 0)]
)
def test_uscc_length_errors(value: str, length: int) -> None:
    text = raises("uscc_format", validate_uscc, value, allow_bad_checksum=True)
    assert f"has {length}" in text


def test_uscc_check_char_pilot_31_maps_to_zero() -> None:
    # Search for a body whose weighted sum is a multiple of 31.
    body = next(
        f"9131000000000{n:04d}"
        for n in range(10000)
        if uscc_check_char(f"9131000000000{n:04d}") == "0"
    )
    assert validate_uscc(body + "0").checksum_ok


def test_uscc_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="17 USCC characters"):
        uscc_check_char("91350100M000100YI")


@hypothesis_settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17), region=st.from_regex(r"[0-9]{6}", fullmatch=True),
       data=st.data())
def test_property_uscc_check_char(body: str, region: str, data) -> None:
    body = body[:2] + region + body[8:]
    check = uscc_check_char(body)
    assert validate_uscc(body + check).checksum_ok
    if body[:8].isdigit():  # stdnum only accepts digits in the first 8 places
        assert stdnum_uscc.calc_check_digit(body) == check
    wrong = data.draw(st.sampled_from([c for c in USCC_CHARSET if c != check]))
    assert validate_uscc(body + wrong, allow_bad_checksum=True).checksum_ok is False
    raises("uscc_checksum", validate_uscc, body + wrong)


# --------------------------------------------------------------------------
# Region codes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "significant", "kind"),
    [
        ("310000", "province", "31", None),
        ("310100", "city", "3101", None),
        ("310115", "district", "310115", None),
        ("419001", "district", "419001", None),
        ("810000", "province", "81", None),
        ("310115001", "street", "310115001", "subdistrict"),
        ("310115099", "street", "310115099", "subdistrict"),
        ("310115100", "street", "310115100", "town"),
        ("310115199", "street", "310115199", "town"),
        ("310115200", "street", "310115200", "township"),
        ("310115399", "street", "310115399", "township"),
        ("310115001001", "community", "310115001001", "residents_committee"),
        ("310115001199", "community", "310115001199", "residents_committee"),
        ("310115101200", "community", "310115101200", "villagers_committee"),
        ("310115101399", "community", "310115101399", "villagers_committee"),
    ],
)
def test_region_levels_and_kinds(code: str, level: str, significant: str, kind: str | None) -> None:
    assert validate_region_code(code) == RegionInfo(
        code=code, level=level, significant=significant, kind=kind
    )


def test_region_normalisation() -> None:
    assert validate_region_code(" ３１０１１５\u3000００１ ").code == "310115001"


@pytest.mark.parametrize("segment", ["000", "400", "999"])
def test_street_segment_out_of_range(segment: str) -> None:
    text = raises("region_segment", validate_region_code, f"310115{segment}")
    assert f"is {segment}" in text
    assert "001-099 (subdistrict), 100-199 (town) or 200-399 (township)" in text


@pytest.mark.parametrize("segment", ["000", "400", "450"])
def test_community_segment_out_of_range(segment: str) -> None:
    text = raises("region_segment", validate_region_code, f"310115001{segment}")
    assert f"is {segment}" in text
    assert "001-199" in text and "200-399" in text


def test_community_inherits_street_checks() -> None:
    raises("region_segment", validate_region_code, "310115450001")
    raises("region_level", validate_region_code, "310100001001")


@pytest.mark.parametrize(("code", "level"), [("310000001", "province"), ("310100001", "city")])
def test_street_must_start_with_district(code: str, level: str) -> None:
    text = raises("region_level", validate_region_code, code)
    assert f"is a {level} code" in text


def test_district_without_city_segment() -> None:
    raises("region_level", validate_region_code, "310015")


@pytest.mark.parametrize("code", ["910000", "000000", "990100", "160101001"])
def test_region_bad_province(code: str) -> None:
    text = raises("region_province", validate_region_code, code)
    assert f"starts with {code[:2]}" in text


@pytest.mark.parametrize(
    "code", ["", "31", "3101151", "31011500100", "3101150010011", "31011A", "310115-001"]
)
def test_region_format(code: str) -> None:
    raises("region_format", validate_region_code, code)


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        ("310100", "310000"),
        ("310115", "310100"),
        ("310115001", "310115"),
        ("310115001001", "310115001"),
        ("419001", "419000"),
    ],
)
def test_region_parent_ok(child: str, parent: str) -> None:
    info = validate_region_code(child, parent=parent)
    assert info.code.startswith(validate_region_code(parent).significant)


@pytest.mark.parametrize(
    ("child", "parent", "fragment"),
    [
        ("320100", "310000", "must start with 31"),
        ("320115", "310100", "must start with 3101"),
        ("310116001", "310115", "must start with 310115"),
        ("310115002001", "310115001", "must start with 310115001"),
        ("310115", "310000", "must be a city"),
        ("310115001", "310100", "must be a district"),
        ("310100", "310115", "must be a township-level"),
        ("310115001001", "310115001001", "cannot contain other regions"),
    ],
)
def test_region_parent_mismatch(child: str, parent: str, fragment: str) -> None:
    text = raises("region_parent", validate_region_code, child, parent=parent)
    assert fragment in text


def test_invalid_parent_propagates_its_own_error() -> None:
    raises("region_format", validate_region_code, "310100", parent="31")


# --------------------------------------------------------------------------
# Masks
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("310101199001011234", "310101********1234"),
        ("11010519491231002x", "110105********002X"),
        ("110105491231002", "110**********02"),
        ("1234567", "123**67"),
        ("12345", "*****"),
        (None, ""),
        ("", ""),
    ],
)
def test_mask_id_number(value: str | None, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0086-138-1234-5678", "138****5678"),
        ("+44 7911 123456", "+44******3456"),
        ("+1 650 253 0000", "+1******0000"),
        ("+852 6123 4567", "+852****4567"),
        ("021-12345678", "021-****5678"),
        ("+862158881234;ext=801", "021-****1234"),
        ("0931-8123456", "0931-***3456"),
        (None, ""),
        ("", ""),
    ],
)
def test_mask_phone(value: str | None, masked: str) -> None:
    assert mask_phone(value) == masked
