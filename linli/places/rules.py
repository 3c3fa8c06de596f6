"""Rules of the place tree: codes, paths and what may hang under what."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core.validators import validate_region_code
from linli.places.models import LEVELS, REGION_LEVELS, SEGMENT_WIDTH, Level, validate_level_below

if TYPE_CHECKING:
    from linli.places.models import Place

# Cumulative number of significant digits at each level (province 2 … house 24).
SIGNIFICANT: dict[str, int] = {}
_total = 0
for _level in LEVELS:
    _total += SEGMENT_WIDTH[_level]
    SIGNIFICANT[_level] = _total


def significant(code: str, level: str) -> str:
    return code[: SIGNIFICANT[level]]


def path_for(code: str, level: str) -> str:
    """``310115099001…`` at community level → ``31/01/15/099/001/``."""
    digits = significant(code, level)
    parts, start = [], 0
    for lvl in LEVELS:
        width = SEGMENT_WIDTH[lvl]
        parts.append(digits[start : start + width])
        start += width
        if lvl == level:
            break
    return "/".join(parts) + "/"


def ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def expected_code_length(level: str) -> int:
    return 6 if level in (Level.PROVINCE, Level.CITY, Level.DISTRICT) else SIGNIFICANT[level]


def check_place(place: Place) -> None:
    """Validate a place against the tree: level order, code format, prefix of the parent."""
    validate_level_below(place.parent, place.level)
    code = place.code or ""
    if place.level in REGION_LEVELS:
        parent_code = place.parent.code if place.parent and place.parent.level in REGION_LEVELS else None
        info = validate_region_code(code, parent=parent_code)
        if info.level != place.level:
            raise ValidationError(
                {"code": _("Code %(code)s is a %(found)s code, not a %(level)s code.") % {
                    "code": code, "found": Level(info.level).label, "level": Level(place.level).label}}
            )
        return
    width = expected_code_length(place.level)
    if not (code.isdigit() and len(code) == width):
        raise ValidationError({"code": _("A %(level)s code has %(n)d digits.") % {
            "level": Level(place.level).label, "n": width}})
    parent = place.parent
    assert parent is not None  # noqa: S101 - validate_level_below guarantees a parent
    if not code.startswith(significant(parent.code, parent.level)):
        raise ValidationError({"code": _("The code must start with the parent's code %(prefix)s.") % {
            "prefix": significant(parent.code, parent.level)}})
    if int(code[-SEGMENT_WIDTH[Level(place.level)]:]) == 0:
        raise ValidationError({"code": _("The last segment of the code cannot be all zeros.")})
    _check_house_fields(place)


def _check_house_fields(place: Place) -> None:
    errors: dict[str, Any] = {}
    if place.level == Level.BUILDING:
        if place.floors is not None and not 1 <= place.floors <= 200:
            errors["floors"] = _("A building has between 1 and 200 floors.")
        if place.units_count is not None and not 1 <= place.units_count <= 50:
            errors["units_count"] = _("A building has between 1 and 50 units.")
    if place.level == Level.HOUSE:
        if place.area is not None and not 0 < place.area < 10000:
            errors["area"] = _("The area must be more than 0 and less than 10000 m².")
        if place.floor is not None and not -5 <= place.floor <= 200:
            errors["floor"] = _("The floor must be between -5 and 200.")
        if not place.usage:
            errors["usage"] = _("Choose whether the house is owner-occupied, rented, vacant or commercial.")
    if errors:
        raise ValidationError(errors)
