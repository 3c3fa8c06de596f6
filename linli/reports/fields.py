"""Canonical fields of the registry that department reports are made of (the data dictionary
of what one collection can serve), each computed once per person from the registry."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from linli.core.dates import age_on
from linli.core.validators import format_phone, mask_id_number, mask_phone
from linli.people.fields import PERSON_FIELDS
from linli.people.models import CommunityRole, PopulationType, Sex, SpecialGroup


@dataclass(frozen=True)
class Row:
    """What a report row can draw on: the person, her current residence and its place names."""

    person: Any
    residence: Any | None
    compound: str
    building: str
    unit: str
    room: str
    address: str
    today: datetime.date
    # epidemic facts, only for those allowed to report them: arrival_date, origin_region,
    # colour, order (the reason of an active quarantine order)
    health: dict[str, Any] | None = None


@dataclass(frozen=True)
class CanonicalField:
    code: str
    label_zh: str
    label: Any
    kind: str  # text, date, int, bool, code
    value: Callable[[Row, Policy], Any]
    sensitive: bool = False


@dataclass(frozen=True)
class Policy:
    """What the receiving department may see in full."""

    full_id: bool = False
    full_phone: bool = False
    special_groups: bool = False


# Label lookups built once (``Enum.values`` rebuilds a list on every call); the labels stay
# lazy and are rendered in the report's language when written.
_SEX = dict(Sex.choices)
_POPULATION = dict(PopulationType.choices)
_GROUPS = dict(SpecialGroup.choices)
_ROLES = dict(CommunityRole.choices)


COLOURS = {"green": "绿码", "yellow": "黄码", "red": "红码"}
CONTACTS = {"close_contact": "密接", "secondary_contact": "次密接"}
# A running order is named as the order itself is (居家隔离 / 集中隔离), whatever the contact
# type, so that the report says what the health page and the printed notice say.
ORDER_WORDS = {"home": "居家隔离中", "centralised": "集中隔离中"}


def _health_status(row: Row, policy: Policy) -> str:
    """绿码 / 黄码（居家隔离中） …: the colour, and a running quarantine."""
    if row.health is None:
        return ""
    colour = COLOURS.get(row.health.get("colour", "green"), "")
    order = row.health.get("order")
    return f"{colour}（{ORDER_WORDS.get(row.health.get('order_kind', ''), '隔离中')}）" if order else colour


def age(row: Row) -> int | None:
    return age_on(row.person.birth_date, row.today)


# Lists of labels as written, per language and list: a report renders the same few
# combinations for tens of thousands of people.
_JOINED: dict[tuple[str | None, int, tuple[str, ...]], str] = {}


def _joined(codes: list[str], labels: dict[str, Any]) -> str:
    if not codes:
        return ""
    key = (get_language(), id(labels), tuple(codes))  # labels: one of the module's dicts
    text = _JOINED.get(key)
    if text is None:
        if len(_JOINED) > 10_000:
            _JOINED.clear()
        text = _JOINED[key] = "、".join(str(labels[c]) for c in codes if c in labels)
    return text


def _groups(row: Row, policy: Policy) -> str:
    if not policy.special_groups:
        return ""
    return _joined(row.person.special_groups, _GROUPS)


def _roles(row: Row, policy: Policy) -> str:
    return _joined(row.person.community_roles, _ROLES)


def _id(row: Row, policy: Policy) -> str:
    return row.person.id_number if policy.full_id else mask_id_number(row.person.id_number)


def _phone(row: Row, policy: Policy) -> str:
    return format_phone(row.person.phone) if policy.full_phone else mask_phone(row.person.phone)


def _days_since_moved_in(row: Row, policy: Policy) -> int | None:
    moved_in = row.residence.moved_in if row.residence else None
    return (row.today - moved_in).days if moved_in else None


def _person(code: str, kind: str, value: Callable[[Row, Policy], Any], *, sensitive: bool = False) -> CanonicalField:
    """A field of the person catalogue: headed as Linli's exports head it and its imports read it."""
    field = PERSON_FIELDS[code]
    return CanonicalField(code, field.label_zh, field.label, kind, value, sensitive)


FIELDS: dict[str, CanonicalField] = {f.code: f for f in [
    _person("name", "text", lambda r, p: r.person.name),
    _person("sex", "code", lambda r, p: _SEX.get(r.person.sex, "")),
    _person("birth_date", "date", lambda r, p: r.person.birth_date),
    CanonicalField("age", "年龄", _("age"), "int", lambda r, p: age(r)),
    CanonicalField("is_60_plus", "是否60周岁以上", _("aged 60 or over"), "bool",
                   lambda r, p: None if age(r) is None else ("是" if (age(r) or 0) >= 60 else "否")),
    _person("id_number", "text", _id, sensitive=True),
    _person("phone", "text", _phone, sensitive=True),
    _person("population_type", "code", lambda r, p: _POPULATION.get(r.person.population_type, "")),
    _person("hukou_address", "text", lambda r, p: r.person.hukou_address),
    CanonicalField("hukou_matches", "人户一致", _("registered where living"), "bool",
                   lambda r, p: "是" if r.person.hukou_matches_residence else "否"),
    _person("address", "text", lambda r, p: r.address),
    _person("compound", "text", lambda r, p: r.compound),
    _person("building", "text", lambda r, p: r.building),
    _person("unit", "text", lambda r, p: r.unit),
    _person("room", "text", lambda r, p: r.room),
    _person("relation_to_head", "text", lambda r, p: r.residence.relation_to_head if r.residence else ""),
    _person("moved_in", "date", lambda r, p: r.residence.moved_in if r.residence else None),
    CanonicalField("days_since_moved_in", "入住天数", _("days since moving in"), "int", _days_since_moved_in),
    _person("special_groups", "text", _groups, sensitive=True),
    _person("community_roles", "text", _roles),
    # Filled in by the epidemic module when it exists; empty columns until then.
    CanonicalField("arrival_date", "返回日期", _("arrival date"), "date",
                   lambda r, p: (r.health or {}).get("arrival_date")),
    CanonicalField("origin_region", "来源地", _("coming from"), "text",
                   lambda r, p: (r.health or {}).get("origin_region", "")),
    CanonicalField("health_status", "健康状况", _("health status"), "text", _health_status, sensitive=True),
    CanonicalField("contact_type", "接触类型", _("contact type"), "text",
                   lambda r, p: CONTACTS.get((r.health or {}).get("order", ""), "")),
    _person("school", "text", lambda r, p: r.person.school or ""),
]}
