"""Validators for Chinese identity, contact and administrative identifiers.

Every validator normalises its input first (NFKC folding of full-width
characters, removal of invisible characters and of ordinary, full-width and
non-breaking spaces; see :mod:`linli.core.text`) and
either returns a small frozen dataclass describing the value or raises
:class:`django.core.exceptions.ValidationError` with a specific ``code``
and an English, lazily translated message.

Covered standards:

* GB 11643-1999 - citizen identity numbers (18 digits, MOD 11-2 check char;
  legacy 15-digit numbers are converted).
* GB 32100-2015 - unified social credit codes (USCC) of organisations.
* GB/T 2260 / GB/T 10114 - administrative division codes (6 digits) and the
  9-digit street / 12-digit community codes built on them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core import regions
from linli.core.text import fold

__all__ = [
    "EXTENSION_MARK",
    "ID_MIN_BIRTH_DATE",
    "PROVINCE_PREFIXES",
    "REGION_LEVELS",
    "IdInfo",
    "PhoneInfo",
    "RegionInfo",
    "UsccInfo",
    "id_check_digit",
    "mask_id_number",
    "format_phone",
    "mask_phone",
    "uscc_check_char",
    "validate_id_number",
    "validate_phone",
    "validate_region_code",
    "validate_uscc",
]

# --------------------------------------------------------------------------
# Shared constants and normalisation
# --------------------------------------------------------------------------

#: Two-digit province prefixes accepted in ID numbers and region codes.
#: 71 Taiwan, 81 Hong Kong, 82 Macao; 83 is used on residence permits issued
#: to Taiwan residents.  91 (foreigners' permits) is deliberately rejected.
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)

#: Earliest birth date accepted in an ID number.
ID_MIN_BIRTH_DATE = datetime.date(1880, 1, 1)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_MAP = "10X98765432"

_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_ASCII_DIGITS = re.compile(r"[0-9]+")
_EXCEL_FLOAT = re.compile(r"(?=.*[0-9])[0-9]*\.?[0-9]*(E[+-]?[0-9]+)?")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_PREFIXES = frozenset(f"1{d}" for d in "3456789")
_PHONE_SEPARATORS = str.maketrans("", "", "-()")


def _normalise(value: object) -> str:
    """Fold full-width forms to ASCII (NFKC), drop invisible characters and all whitespace."""
    return "".join(fold(str(value or "")).split())


def _is_digits(text: str) -> bool:
    """True when *text* is non-empty and made of ASCII digits only."""
    return _ASCII_DIGITS.fullmatch(text) is not None


def _local_today() -> datetime.date:
    """Today's date in the project's time zone, or the system one.

    Falls back to the system local date when Django settings are not
    configured or ``USE_TZ`` is off (``timezone.localdate`` needs aware
    datetimes).
    """
    from django.conf import settings
    from django.utils import timezone

    if settings.configured and settings.USE_TZ:
        return timezone.localdate()
    return datetime.datetime.now(tz=datetime.UTC).astimezone().date()


# --------------------------------------------------------------------------
# Citizen identity numbers (GB 11643-1999)
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdInfo:
    """A validated resident identity number.

    ``sex`` is derived from the 17th digit (the sequence code): odd numbers
    are assigned to men, even numbers to women.
    """

    number: str
    birth_date: datetime.date
    sex: Literal["M", "F"]
    region_code: str
    converted_from_15: bool


def id_check_digit(first17: str) -> str:
    """Return the GB 11643-1999 check character (``0``-``9`` or ``X``).

    The sum of the first 17 digits multiplied by the weights 2^(18-i) mod 11
    is reduced modulo 11 and mapped through ``"10X98765432"``.

    :raises ValueError: when *first17* is not exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not _is_digits(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_MAP[total % 11]


def _normalise_id(value: object) -> str:
    return _normalise(value).upper()


def _check_id_shape(number: str) -> None:
    """Reject empty input, spreadsheet floats, stray characters and bad lengths."""
    if not number:
        raise ValidationError(_("Enter an ID number."), code="id_empty")
    if any(c in number for c in ".E") and _EXCEL_FLOAT.fullmatch(number):
        raise ValidationError(
            _(
                "The ID number %(value)s was damaged by a spreadsheet, which "
                "stored it as a number and dropped digits; the original number "
                "cannot be recovered. Please re-enter it from the ID card."
            ),
            code="id_excel_float",
            params={"value": number},
        )
    for position, char in enumerate(number, start=1):
        if char.isdigit() and char.isascii():
            continue
        if char == "X" and position == len(number) == 18:
            continue
        raise ValidationError(
            _(
                'The ID number contains "%(char)s" at position %(position)d; only '
                "digits are allowed, and X only as the 18th character."
            ),
            code="id_format",
            params={"char": char, "position": position},
        )
    if len(number) not in (15, 18):
        raise ValidationError(
            _(
                "An ID number has 18 characters (old cards: 15 digits), but "
                "this one has %(length)d."
            ),
            code="id_length",
            params={"length": len(number)},
        )


def _convert_15_to_18(number: str) -> str:
    """Expand a legacy 15-digit number: insert the century "19", add a check."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + id_check_digit(first17)


def _check_id_region(number: str) -> None:
    prefix = number[:2]
    if prefix not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("The ID number starts with %(prefix)s, which is not a valid province code."),
            code="id_region",
            params={"prefix": prefix},
        )


def _check_id_birth_date(number: str, today: datetime.date) -> datetime.date:
    """Parse digits 7-14 (YYYYMMDD) and check the date is plausible."""
    digits = number[6:14]
    try:
        birth = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(
            _("The birth date %(digits)s in the ID number is not a real date."),
            code="id_birth_invalid",
            params={"digits": digits},
        ) from None
    if birth > today:
        raise ValidationError(
            _("The birth date %(date)s in the ID number is in the future."),
            code="id_birth_future",
            params={"date": birth.isoformat()},
        )
    if birth < ID_MIN_BIRTH_DATE:
        raise ValidationError(
            _("The birth date %(date)s in the ID number is before 1880."),
            code="id_birth_too_early",
            params={"date": birth.isoformat()},
        )
    return birth


def validate_id_number(value: object, *, today: datetime.date | None = None) -> IdInfo:
    """Validate a mainland resident ID number and describe it.

    Accepts 18-character numbers and legacy 15-digit numbers (born 19YY),
    which are converted to 18 characters.  ``today`` bounds the birth date
    (default: the local date of the Django project).
    """
    number = _normalise_id(value)
    _check_id_shape(number)
    converted = len(number) == 15
    if converted:
        number = _convert_15_to_18(number)
    _check_id_region(number)
    birth = _check_id_birth_date(number, today or _local_today())
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check digit should be %(expected)s, not %(actual)s."),
            code="id_checksum",
            params={"expected": expected, "actual": number[17]},
        )
    return IdInfo(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        region_code=number[:6],
        converted_from_15=converted,
    )


# --------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------


PhoneKind = Literal["mobile", "landline", "foreign"]


@dataclass(frozen=True, slots=True)
class PhoneInfo:
    """A validated phone number.

    ``national`` is the national significant number (no trunk prefix "0"),
    e.g. ``"13812345678"``, ``"2158881234"`` for the Shanghai landline
    021-58881234, or ``"7911123456"`` for a UK mobile. ``kind`` says whether it
    is a mainland mobile, a mainland landline (固定电话) or a number abroad; a
    landline may have an ``extension`` (分机).
    """

    e164: str
    national: str
    is_mainland: bool
    country_code: int
    kind: PhoneKind = "mobile"
    extension: str = ""

    @property
    def stored(self) -> str:
        """What a record keeps: the E.164 number, and ``;ext=801`` for an extension (RFC 3966)."""
        return f"{self.e164}{EXTENSION_MARK}{self.extension}" if self.extension else self.e164


EXTENSION_MARK = ";ext="
# 转 and 分机 as people write them, ext/x/# as switchboards print them.
_EXTENSION = re.compile(r"(?P<number>.+?)(?:转|分机|ext\.?|x|#)(?P<ext>[0-9]{1,6})", re.IGNORECASE)
_HYPHEN_EXTENSION = re.compile(r"(?P<number>[0-9()+-]+)-(?P<ext>[0-9]{1,6})")
_FIXED_TYPES = frozenset({phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def _normalise_phone(value: object) -> str:
    """Drop spaces, hyphens and brackets; turn a leading "00" into "+"."""
    text = _normalise(value).translate(_PHONE_SEPARATORS)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def _split_extension(value: object) -> tuple[str, str]:
    """The number and its extension: 021-58881234转801, 021-58881234 ext. 801, and
    021-58881234-801 when the number without the last group is a landline and the whole is not."""
    text = _normalise(value)
    marked = _EXTENSION.fullmatch(text)
    if marked:
        return marked["number"], marked["ext"]
    hyphen = _HYPHEN_EXTENSION.fullmatch(text)
    if hyphen and _landline(_normalise_phone(text)) is None and _landline(_normalise_phone(hyphen["number"])):
        return hyphen["number"], hyphen["ext"]
    return text, ""


def _landline(text: str) -> phonenumbers.PhoneNumber | None:
    """The mainland fixed-line number written as ``text`` (with its area code: 02158881234,
    +862158881234), or None."""
    if not text.startswith(("0", "+86")) or not _is_digits(text.lstrip("+")):
        return None
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return None
    return parsed if phonenumbers.number_type(parsed) in _FIXED_TYPES else None


def _mainland_phone(national: str, *, explicit_86: bool, extension: str = "") -> PhoneInfo:
    """Validate the part after the (implicit or explicit) +86."""
    if _MAINLAND_MOBILE.fullmatch(national) and not extension:
        return PhoneInfo(
            e164="+86" + national,
            national=national,
            is_mainland=True,
            country_code=86,
        )
    landline = _landline(("+86" if explicit_86 else "") + national)
    if landline is not None:
        significant = phonenumbers.national_significant_number(landline)
        return PhoneInfo(e164="+86" + significant, national=significant, is_mainland=True, country_code=86,
                         kind="landline", extension=extension)
    digits = _is_digits(national)
    # Area codes are 10 (Beijing), 2x or 3xx-9xx; written with a trunk "0"
    # nationally and without it after +86.
    area_code = national.startswith("0") or (explicit_86 and (national[:2] == "10" or national[:1] in "23456789"))
    if digits and area_code:
        message = _(
            "%(value)s is not a valid landline number: write the area code and the 7 or 8 "
            "digits of the number, e.g. 021-58881234 (an extension after 转 or a hyphen)."
        )
    elif digits and 7 <= len(national) <= 8 and national[0] in "23456789":
        message = _(
            "%(value)s looks like a landline number without its area code; write it with the "
            "area code, e.g. 021-58881234."
        )
    elif digits and national[:2] in _MOBILE_PREFIXES and len(national) != 11:
        message = _("A mainland mobile number has 11 digits, but %(value)s has %(length)d.")
    else:
        message = _(
            "%(value)s is not a mainland phone number (a mobile of 11 digits starting with "
            "13-19, or a landline with its area code such as 021-58881234). Numbers from "
            "other countries must start with + or 00 and the country code."
        )
    raise ValidationError(
        message,
        code="phone_format",
        params={"value": national, "length": len(national)},
    )


def _foreign_phone(text: str) -> PhoneInfo:
    """Validate a number written with an explicit "+" country code."""
    invalid = ValidationError(
        _("%(value)s is not a valid phone number for its country code."),
        code="phone_format",
        params={"value": text},
    )
    if not _is_digits(text[1:]):
        raise invalid
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise invalid from None
    if not phonenumbers.is_valid_number(parsed):
        raise invalid
    return PhoneInfo(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        national=phonenumbers.national_significant_number(parsed),
        is_mainland=False,
        country_code=int(parsed.country_code or 0),
        kind="foreign",
    )


def validate_phone(value: object) -> PhoneInfo:
    """Validate a phone number.

    Mainland mobiles (``1[3-9]`` + 9 digits) may be written bare or with
    ``+86`` / ``0086``.  Mainland landlines need their area code
    (``021-58881234``, ``(021)58881234``, ``02158881234``, ``+86 21 5888 1234``)
    and may carry an extension (``021-58881234转801``, ``021-58881234-801``).
    Other countries need an explicit ``+`` or ``00`` prefix and must pass
    :func:`phonenumbers.is_valid_number`.  Bare ``86...`` numbers are rejected.
    """
    number, extension = _split_extension(value)
    text = _normalise_phone(number)
    if not text:
        raise ValidationError(_("Enter a phone number."), code="phone_format")
    if text.startswith("+86"):
        return _mainland_phone(text[3:], explicit_86=True, extension=extension)
    if text.startswith("+"):
        if extension:
            raise ValidationError(_("Only mainland landlines can have an extension here."), code="phone_format")
        return _foreign_phone(text)
    if text.startswith("86") and len(text) == 13:
        raise ValidationError(
            _(
                "%(value)s seems to include the country code 86; write it as "
                "+86 or 0086, or enter just the 11-digit mobile number."
            ),
            code="phone_format",
            params={"value": text},
        )
    return _mainland_phone(text, explicit_86=False, extension=extension)


def format_phone(stored: str | None) -> str:
    """A stored phone as people write it: ``13812345678``, ``021-58881234``,
    ``021-58881234-801`` (an extension), ``+447911123456`` for a number abroad. Anything
    unexpected is returned as it is."""
    number, _mark, extension = (stored or "").partition(EXTENSION_MARK)
    if not number.startswith("+86"):
        return number
    national = number[3:]
    if _MAINLAND_MOBILE.fullmatch(national):
        return national
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return stored or ""
    area = phonenumbers.length_of_geographical_area_code(parsed)
    text = f"0{national[:area]}-{national[area:]}" if area else "0" + national
    return f"{text}-{extension}" if extension else text


# --------------------------------------------------------------------------
# Unified social credit codes (GB 32100-2015)
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsccInfo:
    """A unified social credit code split into its fields.

    ``registration_authority`` is the first character (e.g. ``9`` market
    regulation, ``5`` civil affairs), ``org_type`` the second (e.g. ``1``
    company), ``region_code`` the GB/T 2260 code in characters 3-8.
    ``checksum_ok`` is False only when the caller allowed a bad checksum.
    """

    code: str
    registration_authority: str
    org_type: str
    region_code: str
    checksum_ok: bool


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for 17 code characters.

    Each character's index in ``0-9A-Y`` (without I, O, Z, S, V) is weighted
    by 3^(i) mod 31; the check is ``31 - sum % 31`` with 31 mapped to ``0``.

    :raises ValueError: for a wrong length or a character outside the set.
    """
    if len(first17) != 17 or any(c not in _USCC_CHARSET for c in first17):
        raise ValueError(f"expected 17 USCC characters, got {first17!r}")
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def _check_uscc_format(code: str) -> None:
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters, but this one has %(length)d."),
            code="uscc_format",
            params={"length": len(code)},
        )
    for position, char in enumerate(code, start=1):
        if char not in _USCC_CHARSET:
            raise ValidationError(
                _(
                    'Character %(position)d, "%(char)s", is not allowed in a '
                    "unified social credit code (digits and capital letters "
                    "except I, O, Z, S and V)."
                ),
                code="uscc_format",
                params={"char": char, "position": position},
            )
    region = code[2:8]
    if not _is_digits(region):
        raise ValidationError(
            _(
                "Characters 3-8 of a unified social credit code are the digits of the "
                "registering authority's region code (GB/T 2260), but here they are %(region)s."
            ),
            code="uscc_region",
            params={"region": region},
        )


def validate_uscc(value: object, *, allow_bad_checksum: bool = False) -> UsccInfo:
    """Validate a unified social credit code.

    Length and character-set errors always raise.  A wrong check character
    raises ``uscc_checksum`` unless ``allow_bad_checksum`` is True, in which
    case the result has ``checksum_ok=False`` (some early pilot codes are
    legally valid despite failing the checksum; callers should log why the
    override was used).
    """
    code = _normalise(value).upper()
    _check_uscc_format(code)
    expected = uscc_check_char(code[:17])
    checksum_ok = code[17] == expected
    if not checksum_ok and not allow_bad_checksum:
        raise ValidationError(
            _("The check character should be %(expected)s, not %(actual)s."),
            code="uscc_checksum",
            params={"expected": expected, "actual": code[17]},
        )
    return UsccInfo(
        code=code,
        registration_authority=code[0],
        org_type=code[1],
        region_code=code[2:8],
        checksum_ok=checksum_ok,
    )


# --------------------------------------------------------------------------
# Administrative division codes (GB/T 2260, GB/T 10114)
# --------------------------------------------------------------------------

RegionLevel = Literal["province", "city", "district", "street", "community"]

#: Region levels from the top down; a child is exactly one level below.
REGION_LEVELS: tuple[RegionLevel, ...] = (
    "province",
    "city",
    "district",
    "street",
    "community",
)

# (low, high, kind) segment ranges for streets (digits 7-9) and communities
# (digits 10-12).
_STREET_KINDS = ((1, 99, "subdistrict"), (100, 199, "town"), (200, 399, "township"))
_COMMUNITY_KINDS = ((1, 199, "residents_committee"), (200, 399, "villagers_committee"))


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """A validated administrative division code.

    ``significant`` is the prefix every child code starts with (``"31"`` for
    the province ``310000``, ``"3101"`` for the city ``310100``, the whole
    code below that).  ``kind`` is set for streets (``subdistrict`` 街道,
    ``town`` 镇, ``township`` 乡) and communities (``residents_committee``
    居委会, ``villagers_committee`` 村委会), otherwise None.
    """

    code: str
    level: RegionLevel
    significant: str
    kind: str | None = None


def _classify_six(code: str) -> RegionInfo:
    """Classify a six-digit GB/T 2260 code as province, city or district."""
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("Region code %(code)s starts with %(prefix)s, which is not a valid province code."),
            code="region_province",
            params={"code": code, "prefix": code[:2]},
        )
    if code[2:] == "0000":
        return RegionInfo(code=code, level="province", significant=code[:2])
    if code[4:] == "00":
        return RegionInfo(code=code, level="city", significant=code[:4])
    if code[2:4] == "00":
        raise ValidationError(
            _(
                "Region code %(code)s has a district segment but its city "
                "segment (digits 3-4) is 00."
            ),
            code="region_level",
            params={"code": code},
        )
    return RegionInfo(code=code, level="district", significant=code)


#: Level names for messages, translated when the message is shown.
_LEVEL_LABELS = {
    "province": _("province"),
    "city": _("city"),
    "district": _("district"),
    "street": _("township-level (street, town or township)"),
    "community": _("community or village"),
}


def _segment_kind(code: str, start: int, ranges: tuple[tuple[int, int, str], ...]) -> str | None:
    """Return the kind whose range holds the 3-digit segment at *start*."""
    segment = int(code[start : start + 3])
    return next((kind for low, high, kind in ranges if low <= segment <= high), None)


def _classify_street(code: str) -> RegionInfo:
    """Classify a nine-digit street (township-level) code."""
    district = _classify_six(code[:6])
    if district.level != "district":
        raise ValidationError(
            _("A township-level code must start with a district code, but %(prefix)s is a %(level)s code."),
            code="region_level",
            params={"prefix": code[:6], "level": _LEVEL_LABELS[district.level]},
        )
    kind = _segment_kind(code, 6, _STREET_KINDS)
    if kind is None:
        raise ValidationError(
            _(
                "The street segment (digits 7-9) of %(code)s is %(segment)s; it "
                "must be 001-099 (subdistrict), 100-199 (town) or 200-399 "
                "(township)."
            ),
            code="region_segment",
            params={"code": code, "segment": code[6:9]},
        )
    return RegionInfo(code=code, level="street", significant=code, kind=kind)


def _classify_community(code: str) -> RegionInfo:
    """Classify a twelve-digit community (village-level) code."""
    _classify_street(code[:9])
    kind = _segment_kind(code, 9, _COMMUNITY_KINDS)
    if kind is None:
        raise ValidationError(
            _(
                "The community segment (digits 10-12) of %(code)s is "
                "%(segment)s; it must be 001-199 (residents' committee) or "
                "200-399 (villagers' committee)."
            ),
            code="region_segment",
            params={"code": code, "segment": code[9:]},
        )
    return RegionInfo(code=code, level="community", significant=code, kind=kind)


def _check_region_parent(child: RegionInfo, parent: RegionInfo) -> None:
    """Require *child* to sit exactly one level below *parent*."""
    params = {
        "child": child.code,
        "child_level": _LEVEL_LABELS[child.level],
        "parent": parent.code,
        "parent_level": _LEVEL_LABELS[parent.level],
        "prefix": parent.significant,
    }
    if parent.level == REGION_LEVELS[-1]:
        raise ValidationError(
            _("%(parent)s is a community; it cannot contain other regions."),
            code="region_parent",
            params=params,
        )
    expected = REGION_LEVELS[REGION_LEVELS.index(parent.level) + 1]
    params["expected"] = _LEVEL_LABELS[expected]
    if child.level != expected:
        raise ValidationError(
            _(
                "%(child)s is a %(child_level)s, but a region directly under "
                "the %(parent_level)s %(parent)s must be a %(expected)s."
            ),
            code="region_parent",
            params=params,
        )
    if not child.code.startswith(parent.significant):
        raise ValidationError(
            _("%(child)s does not belong to %(parent)s: its code must start with %(prefix)s."),
            code="region_parent",
            params=params,
        )


def _check_listed(code: str) -> None:
    """Require a six-digit code of the shipped GB/T 2260 list that is in use."""
    found = regions.lookup(code)
    if found is None:
        raise ValidationError(
            _("Region code %(code)s is not in the GB/T 2260 list of provinces, cities and counties."),
            code="region_unknown",
            params={"code": code},
        )
    if not found.in_use:
        raise ValidationError(
            _("Region code %(code)s (%(name)s) was abolished in %(year)s; use the code in use now."),
            code="region_retired",
            params={"code": code, "name": found.name, "year": found.until},
        )


def validate_region_code(value: object, *, parent: str | None = None) -> RegionInfo:
    """Validate a 6-, 9- or 12-digit administrative division code.

    Its first six digits must be a code in use of the shipped GB/T 2260 list
    (:mod:`linli.core.regions`); the street and community segments follow
    GB/T 10114's ranges.
    With *parent* (itself validated; its errors propagate), the code must be
    exactly one level below the parent and start with its significant prefix.
    """
    code = _normalise(value)
    if not _is_digits(code) or len(code) not in (6, 9, 12):
        raise ValidationError(
            _('A region code has 6, 9 or 12 digits; "%(value)s" is not valid.'),
            code="region_format",
            params={"value": code},
        )
    classify = {6: _classify_six, 9: _classify_street, 12: _classify_community}
    info = classify[len(code)](code)
    _check_listed(code[:6])
    if parent is not None:
        _check_region_parent(info, validate_region_code(parent))
    return info


# --------------------------------------------------------------------------
# Masking for display and logs
# --------------------------------------------------------------------------


def _mask_middle(text: str, keep_start: int, keep_end: int) -> str:
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    hidden = len(text) - keep_start - keep_end
    return text[:keep_start] + "*" * hidden + text[len(text) - keep_end :]


def mask_id_number(value: str | None) -> str:
    """Mask an ID number for display: ``310101********1234``.

    Strings that are not 18 characters long keep only their first 3 and last
    2 characters.  ``None`` and ``""`` give ``""``.
    """
    number = _normalise_id(value)
    if len(number) == 18:
        return _mask_middle(number, 6, 4)
    return _mask_middle(number, 3, 2)


def mask_phone(value: str | None) -> str:
    """Mask a phone number for display.

    Mainland mobiles (with or without +86) become ``138****5678``; mainland
    landlines keep their area code (``021-****1234``, the extension left out);
    numbers with another country code keep ``+`` and the country code plus the
    last four digits (``+44******3456``).  Anything else keeps only the last
    four characters.  ``None`` and ``""`` give ``""``.
    """
    number = _split_extension((value or "").partition(EXTENSION_MARK)[0])[0]
    text = _normalise_phone(number)
    if not text:
        return ""
    national = text[3:] if text.startswith("+86") else text
    if _MAINLAND_MOBILE.fullmatch(national):
        return _mask_middle(national, 3, 4)
    landline = _landline(text)
    if landline is not None:
        area, local = format_phone(phonenumbers.format_number(
            landline, phonenumbers.PhoneNumberFormat.E164)).split("-", 1)
        return f"{area}-{_mask_middle(local, 0, 4)}"
    if text.startswith("+"):
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None and parsed.country_code:
            prefix = f"+{parsed.country_code}"
            return prefix + _mask_middle(text[len(prefix) :], 0, 4)
    return _mask_middle(text, 0, 4)

