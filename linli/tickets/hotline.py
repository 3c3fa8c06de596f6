"""The 12345 hotline's exported work orders, understood: which column is which, the hotline's
times and deadlines, its category texts, and the place its free-text address names.

Reading the uploaded file is the imports app's (``linli.imports.reading``: the size, extent and
encoding checks that keep a hostile workbook from exhausting the server); finding the header row
and guessing the columns use its header table, and the address lookup its index of houses.
Nothing here writes: the steps that change anything are in ``hotline_actions``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.core.scope import Scope
from linli.imports.cells import cell_datetime, cell_text
from linli.imports.fields import EMPTY_WORDS, value_key
from linli.imports.headers import HeaderTable, auto_map, header_key
from linli.imports.houses import HouseIndex, building_key, room_key, unit_key
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import workcal

# The hotline works in China's time whatever the server's zone: its "09:15" is Shanghai's.
HOTLINE_TZ = ZoneInfo("Asia/Shanghai")
EARLIEST_CALL = datetime.datetime(2000, 1, 1, tzinfo=HOTLINE_TZ)


@dataclass(frozen=True)
class Column:
    code: str
    label: Promise
    headers: tuple[str, ...]
    required: bool = True


# What real exports call their columns (北京、上海、广州 and county hotlines differ in the words).
COLUMNS: tuple[Column, ...] = (
    Column("external_ref", _("Hotline order number"),
           ("工单编号", "工单号", "工单编码", "工单流水号", "热线工单号", "受理编号", "受理号", "流水号", "诉求编号")),
    Column("created_at", _("Time of the call"),
           ("来电时间", "受理时间", "登记时间", "工单创建时间", "创建时间", "诉求时间", "反映时间", "来电日期",
            "受理日期", "接听时间")),
    Column("description", _("What the caller said"),
           ("诉求内容", "反映内容", "来电内容", "工单内容", "问题描述", "诉求描述", "事项内容", "具体诉求", "诉求详情",
            "内容", "详细内容")),
    Column("category", _("Hotline category"),
           ("问题分类", "诉求类别", "问题类型", "诉求类型", "事项分类", "工单分类", "业务类别", "诉求分类", "问题类别",
            "分类", "类别", "类型")),
    Column("address", _("Address"),
           ("事发地址", "诉求地址", "问题地址", "发生地址", "事发地点", "详细地址", "地址", "反映地址")),
    Column("contact_name", _("Caller's name"),
           ("来电人", "联系人", "诉求人", "来电人姓名", "反映人", "市民姓名", "来电市民", "姓名"), required=False),
    Column("contact_phone", _("Caller's phone"),
           ("联系电话", "来电号码", "联系方式", "来电电话", "手机号码", "来电人电话", "诉求人电话", "电话"),
           required=False),
    Column("due_by", _("The hotline's deadline"),
           ("办结时限", "回复时限", "办理时限", "处理时限", "截止时间", "办结期限", "答复时限", "反馈时限", "办结时间要求"),
           required=False),
)
FIELDS: dict[str, Column] = {c.code: c for c in COLUMNS}
REQUIRED = tuple(c.code for c in COLUMNS if c.required)
TABLE = HeaderTable((c.code, c.headers) for c in COLUMNS)
MAX_CATEGORY_TEXTS = 300  # distinct category texts offered for mapping in one file


def headers_key(headers: Iterable[str]) -> str:
    """The key a remembered mapping is found by: the set of the file's header names (order,
    spaces, full-width forms and notes in brackets do not matter)."""
    keys = sorted({k for k in (header_key(h) for h in headers) if k})
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def guess_columns(headers: list[str]) -> dict[int, str]:
    return auto_map(headers, TABLE)


def columns_by_header(headers: list[str], mapping: dict[int, str]) -> dict[str, str]:
    """A mapping as it is remembered: by header name, not by position."""
    return {header_key(headers[i]): code for i, code in mapping.items() if 0 <= i < len(headers)}


def columns_from_names(headers: list[str], remembered: dict[str, str]) -> dict[int, str]:
    """A remembered mapping applied to a file's headers: each field at most once."""
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        code = remembered.get(header_key(header))
        if code in FIELDS and code not in mapping.values():
            mapping[index] = code
    return mapping


def check_columns(mapping: dict[int, str]) -> None:
    """Every required field mapped, each field once."""
    codes = list(mapping.values())
    unknown = sorted(set(codes) - set(FIELDS))
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s."), code="mapping_unknown",
                              params={"fields": ", ".join(unknown)})
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise ValidationError(_("Each field can be chosen for one column only: %(fields)s."), code="mapping_twice",
                              params={"fields": "、".join(str(FIELDS[c].label) for c in twice)})
    missing = [c for c in REQUIRED if c not in codes]
    if missing:
        raise ValidationError(_("Choose the columns that hold: %(fields)s."), code="mapping_missing",
                              params={"fields": "、".join(str(FIELDS[c].label) for c in missing)})


# --- the hotline's category texts -------------------------------------------------------------------

def category_key(text: str) -> str:
    """A category text as it is remembered: folded, without spaces, at most 100 characters."""
    return value_key(text)[:100]


# Words in a hotline category ("城乡建设-物业管理-电梯故障") and the built-in category they mean,
# tried in this order (the street confirms every guess once; it is remembered afterwards).
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("staff-complaint", ("工作人员", "工作作风", "服务态度")),
    ("quarantine-medicine", ("隔离代配药", "代配药")),
    ("quarantine-groceries", ("隔离代购", "代购物资")),
    ("illegal-building", ("违建", "违法搭建", "违章搭建", "违法建设", "私搭乱建")),
    ("property", ("物业",)),
    ("utilities", ("供水", "停水", "供电", "停电", "燃气", "煤气", "水压")),
    ("municipal", ("路灯", "市政", "道路", "井盖", "人行道")),
    ("repair-water", ("漏水", "渗水", "水管", "下水道", "管道堵塞")),
    ("repair-public", ("电梯", "楼道灯", "门禁", "公共设施", "单元门")),
    ("noise", ("噪声", "噪音", "扰民")),
    ("safety", ("消防", "安全隐患", "电瓶车", "电动车充电", "飞线")),
    ("environment", ("垃圾", "环境卫生", "卫生", "绿化", "堆物", "乱堆", "清运")),
    ("parking", ("停车", "车位", "占道")),
    ("neighbour", ("邻里", "纠纷", "邻居")),
    ("elderly", ("养老", "老人", "助餐", "为老")),
    ("policy", ("社保", "低保", "户籍", "医保", "政策咨询", "补贴", "救助")),
)


def guess_category(text: str, names: dict[str, int], codes: dict[str, int]) -> int | None:
    """The catalogue category a hotline text probably means: one named exactly so, else the
    first whose words it contains. ``names``: category key of each name → id; ``codes``: code → id."""
    key = category_key(text)
    if not key:
        return None
    if key in names:
        return names[key]
    for code, words in CATEGORY_WORDS:
        if code in codes and any(word in key for word in words):
            return codes[code]
    return None


# --- times ----------------------------------------------------------------------------------------

def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=HOTLINE_TZ)


def call_time(value: Any, now: datetime.datetime) -> datetime.datetime:
    """The time the hotline took the call, in China's time; refused when missing, in the future
    or before 2000 (a typing error or a 0 read as a date)."""
    moment = cell_datetime(value)
    if moment is None:
        raise ValidationError(_("The time of the call is missing."), code="created_at_missing")
    moment = _aware(moment)
    if moment > now + datetime.timedelta(minutes=5):
        raise ValidationError(_("The time of the call, %(value)s, lies in the future."), code="created_at_future",
                              params={"value": moment.astimezone(HOTLINE_TZ).strftime("%Y-%m-%d %H:%M")})
    if moment < EARLIEST_CALL:
        raise ValidationError(_("The time of the call, %(value)s, is not a real time."), code="created_at_invalid",
                              params={"value": moment.astimezone(HOTLINE_TZ).strftime("%Y-%m-%d %H:%M")})
    return moment


_PERIOD = re.compile(r"(?P<n>\d{1,3})\s*(?P<unit>个?工作日|天|日|个?小时|h)")


def deadline(value: Any, start: datetime.datetime, calendar: workcal.Calendar | None = None) -> datetime.datetime | None:
    """The hotline's own deadline: a date and time (a date alone: the end of that day), or a
    period from the call ("3个工作日", "5天", "24小时"). None when the cell is empty."""
    text = cell_text(value)
    if not text or text.lower() in EMPTY_WORDS:
        return None
    period = _PERIOD.fullmatch(value_key(text)) if isinstance(value, str) else None
    if period is not None:
        n, unit = int(period["n"]), period["unit"]
        if "工作日" in unit:
            per_day = sum(p.hours for p in workcal.office_hours())
            return workcal.add_hours(start, n * per_day, working=True, calendar=calendar)
        hours = n if unit.endswith(("时", "h")) else n * 24
        return start + datetime.timedelta(hours=hours)
    bare_number = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1000
    if bare_number or period is None and isinstance(value, str) and value_key(text).isdigit() and len(text) < 4:
        # "3": days, working days or hours? The hotline's export says which; so must the file.
        raise ValidationError(_("%(value)s is not a deadline; write a date and time (2026-12-08 18:00) or a "
                                "period (3个工作日)."), code="due_by_format", params={"value": text})
    try:
        moment = cell_datetime(value)
    except ValidationError:
        raise ValidationError(_("%(value)s is not a deadline; write a date and time (2026-12-08 18:00) or a "
                                "period (3个工作日)."), code="due_by_format", params={"value": text}) from None
    if moment is None:
        return None
    if moment.time() == datetime.time() and not re.search(r"[:：时点]", text):
        moment = moment.replace(hour=23, minute=59)  # "by 12 December": the end of that day
    moment = _aware(moment)
    if moment < start:
        raise ValidationError(_("The hotline's deadline, %(value)s, lies before the call."), code="due_by_before",
                              params={"value": moment.astimezone(HOTLINE_TZ).strftime("%Y-%m-%d %H:%M")})
    return moment


# --- addresses --------------------------------------------------------------------------------------

_CN = "零〇一二两三四五六七八九十"
_NOISE = re.compile(r"[,，;；、:：()（）\[\]【】\"“”'‘’。.#＃]")
_DASHED = re.compile(r"(?P<b>\d{1,4})[-－—_~](?:(?P<u>\d{1,2})[-－—_~])?(?P<r>\d{2,5})(?:室|号|户)?")
_BUILDING = re.compile(
    rf"第?(?P<b>\d{{1,4}}|[{_CN}]{{1,3}})(?:号楼|号|幢|栋|座|楼)"
    rf"(?:第?(?P<u>\d{{1,2}}|[{_CN}]{{1,3}})单元)?(?:(?P<r>\d{{2,5}})(?:室|号|户|房)?)?")


@dataclass
class Match:
    """What an address names: the place (a house, a unit, a building or a compound) and whether
    it is the place the address means (``exact``), or only the nearest one found when the house
    it names is not in the registry (``problem`` says what was not found)."""

    place_id: int | None = None
    path: str = ""
    level: str = ""
    exact: bool = False
    problem: Any = None  # a lazy message
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.place_id is not None


@dataclass
class _Parts:
    building: str = ""
    unit: str = ""
    room: str = ""

    @property
    def empty(self) -> bool:
        return not (self.building or self.unit or self.room)


def _parts(rest: str) -> _Parts:
    if m := _DASHED.search(rest):
        return _Parts(m["b"], m["u"] or "", m["r"])
    if m := _BUILDING.search(rest):
        return _Parts(m["b"], m["u"] or "", m["r"] or "")
    return _Parts()


class AddressIndex:
    """The compounds, buildings, units and houses of a street, read once (``HouseIndex``), and
    what a hotline address names among them."""

    def __init__(self, street: Place) -> None:
        self.street = street
        self.houses = HouseIndex(street, Scope(everything=True))
        self.by_id: dict[int, tuple[str, str]] = {}  # house id → (path, level)
        for rooms in self.houses.rooms.values():
            for ref in rooms.values():
                self.by_id[ref.id] = (ref.path, PlaceLevel.HOUSE)
        self.communities = dict(Place.objects.filter(path__startswith=street.path, level=PlaceLevel.COMMUNITY)
                                .values_list("path", "name"))

    def community_name(self, path: str) -> str:
        return self.communities.get("/".join(path.split("/")[:5]) + "/", "")

    def _place(self, pk: int, level: str, *, exact: bool, problem: Any = None, **params: Any) -> Match:
        return Match(pk, self.houses.paths.get(pk) or self.by_id.get(pk, ("", ""))[0], level, exact, problem, params)

    def find(self, address: str) -> Match:
        """The place a free-text address names, in the street."""
        key = _NOISE.sub("", value_key(address))
        if not key:
            return Match(problem=_("The address is empty."))
        compound = self.houses.compound_in_text(key)
        rest = key[key.find(compound) + len(compound):] if compound else key
        parts = _parts(rest.removeprefix("小区"))
        if not compound:
            # No compound named: only a house found in exactly one compound of the street.
            found = [m for c in self.houses.buildings if (m := self._in_compound(c, parts)).exact] \
                if parts.building and parts.room else []
            if len(found) == 1:
                return found[0]
            return Match(problem=_("No compound of %(street)s is named in this address."),
                         params={"street": self.street.name})
        candidates = self.houses.compounds[compound]
        if parts.empty:
            if len(candidates) > 1:
                return Match(problem=_("Several compounds are named %(compound)s."),
                             params={"compound": compound})
            return self._place(candidates[0], PlaceLevel.COMPOUND, exact=True)
        return self._in_compounds(candidates, parts)

    def _in_compounds(self, candidates: list[int], parts: _Parts) -> Match:
        found = [m for c in candidates if (m := self._in_compound(c, parts)).found]
        exact = [m for m in found if m.exact]
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            return Match(problem=_("Several places match this address."))
        if len(found) == 1:
            return found[0]
        if len(candidates) == 1:
            return self._place(candidates[0], PlaceLevel.COMPOUND, exact=False,
                               problem=_("%(compound)s has no building %(building)s."),
                               compound=self.houses.compound_names.get(candidates[0], ""), building=parts.building)
        return Match(problem=_("Several compounds have this name."))

    def _in_compound(self, compound_id: int, parts: _Parts) -> Match:
        compound_name = self.houses.compound_names.get(compound_id, "")
        building = self.houses.buildings.get(compound_id, {}).get(building_key(parts.building)) \
            if parts.building else None
        if building is None:
            return Match()
        if parts.unit:
            unit = building.units.get(unit_key(parts.unit))
            if unit is None:
                return self._place(building.id, PlaceLevel.BUILDING, exact=False,
                                   problem=_("%(building)s has no unit %(unit)s."),
                                   building=f"{compound_name}{building.label}", unit=parts.unit)
            if not parts.room:
                return self._place(unit, PlaceLevel.UNIT, exact=True)
            house = self.houses.rooms.get(unit, {}).get(room_key(parts.room))
            if house is None:
                return self._place(unit, PlaceLevel.UNIT, exact=False, problem=_("%(building)s has no room %(room)s."),
                                   building=f"{compound_name}{building.label}", room=parts.room)
            return self._place(house.id, PlaceLevel.HOUSE, exact=True)
        if not parts.room:
            return self._place(building.id, PlaceLevel.BUILDING, exact=True)
        houses = [h for u in building.units.values() if (h := self.houses.rooms.get(u, {}).get(room_key(parts.room)))]
        if len(houses) == 1:
            return self._place(houses[0].id, PlaceLevel.HOUSE, exact=True)
        problem = (_("%(building)s has a room %(room)s in several units, and the address names none.") if houses
                   else _("%(building)s has no room %(room)s."))
        return self._place(building.id, PlaceLevel.BUILDING, exact=False, problem=problem,
                           building=f"{compound_name}{building.label}", room=parts.room)
