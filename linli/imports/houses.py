"""Finding the house a row means, among the houses of the import's area, with no query per row.

Staff write the same house many ways: building "3", "3号楼", "3幢", "三号楼"; unit "1" or
"1单元"; room "502", "502室", "0502"; or everything in one cell ("3-1-502",
"玉兰苑3号楼1单元502室"). Every spelling is reduced to a key before looking it up.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core.scope import Scope
from linli.imports.fields import KEYS_CACHED, value_key
from linli.places.models import Level, Place
from linli.places.rules import ancestor_paths

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_BUILDING = re.compile(r"第?(?P<n>\d+|[零〇一二两三四五六七八九十]+)(?:号楼|号|幢|栋|楼|座|号院)?")
_UNIT = re.compile(r"第?(?P<n>\d+|[零〇一二两三四五六七八九十]+)(?:单元|单元号)?")
_ROOM = re.compile(r"(?P<n>\d+)(?:室|号|房|户)?")
_DASHED = re.compile(r"(?P<b>[0-9A-Za-z]+)[-－—](?P<u>\d+)[-－—](?P<r>\d+)室?")
_ADDRESS_DASHED = re.compile(r"(?P<prefix>.*?)(?P<b>[0-9A-Za-z]+)[-－—](?P<u>\d+)[-－—](?P<r>\d+)室?")
_ADDRESS = re.compile(
    r"(?P<prefix>.*?)(?P<b>\d+|[一二三四五六七八九十]+)(?:号楼|幢|栋|号|座)"
    r"(?:(?P<u>\d+|[一二三四五六七八九十]+)单元)?(?:(?P<r>\d+)室?)$")


def _cn_number(text: str) -> int | None:
    """一 … 九十九 as an integer (building and unit numbers only go that high)."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return _CN_DIGITS.get(tens, 1 if not tens else -100) * 10 + (_CN_DIGITS.get(ones, -100) if ones else 0)
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def _numbered(pattern: re.Pattern[str], text: str) -> str:
    key = value_key(text)
    match = pattern.fullmatch(key)
    if match:
        number = _cn_number(match["n"])
        if number is not None and number >= 0:
            return str(number)
    return key


@functools.lru_cache(maxsize=KEYS_CACHED)
def building_key(text: str) -> str:
    return _numbered(_BUILDING, text)


@functools.lru_cache(maxsize=KEYS_CACHED)
def unit_key(text: str) -> str:
    return _numbered(_UNIT, text)


@functools.lru_cache(maxsize=KEYS_CACHED)
def room_key(text: str) -> str:
    key = value_key(text)
    match = _ROOM.fullmatch(key)
    return str(int(match["n"])) if match else key


@functools.lru_cache(maxsize=KEYS_CACHED)
def compound_key(text: str) -> str:
    key = value_key(text)
    return key.removesuffix("小区") or key


@dataclass
class HouseRef:
    id: int
    path: str
    code: str
    address: str


@dataclass
class Where:
    """What a row says about its house, before it is looked up."""

    compound: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    address: str = ""


@dataclass
class _Building:
    id: int
    label: str
    units: dict[str, int] = field(default_factory=dict)  # unit key → unit id


def _error(message: Any, code: str, **params: object) -> ValidationError:
    return ValidationError(message, code=code, params=params)


class HouseIndex:
    """Every compound, building, unit and house under the import's area, read once."""

    def __init__(self, area: Place, allowed: Scope) -> None:
        self.area, self.allowed = area, allowed
        self.area_name = area.name
        self.compounds: dict[str, list[int]] = {}
        self.compound_names: dict[int, str] = {}
        self.buildings: dict[int, dict[str, _Building]] = {}  # compound id → building key → building
        self.rooms: dict[int, dict[str, HouseRef]] = {}  # unit id → room key → house
        self.paths: dict[int, str] = {}  # compound, building and unit id → place path
        self._outside: dict[str, bool] = {}
        self._load()

    def _load(self) -> None:
        names = dict(Place.objects.filter(path__in=ancestor_paths(self.area.path)).values_list("path", "name"))
        names[self.area.path] = self.area.name
        rows = (Place.objects.filter(path__startswith=self.area.path,
                                     level__in=[Level.COMPOUND, Level.BUILDING, Level.UNIT, Level.HOUSE])
                .order_by("path").values_list("id", "parent_id", "level", "name", "number", "path", "code"))
        buildings: dict[int, _Building] = {}
        unit_parent: dict[int, int] = {}
        for pk, parent, level, name, number, path, code in rows.iterator(chunk_size=5000):
            names[path] = name
            if level != Level.HOUSE:
                self.paths[pk] = path
            if level == Level.COMPOUND:
                self.compounds.setdefault(compound_key(name), []).append(pk)
                self.compound_names[pk] = name
            elif level == Level.BUILDING:
                buildings[pk] = _Building(pk, name)
                self.buildings.setdefault(parent, {})[building_key(name)] = buildings[pk]
            elif level == Level.UNIT and parent in buildings:
                buildings[parent].units[unit_key(name)] = pk
                unit_parent[pk] = parent
            elif level == Level.HOUSE:
                address = "".join(names.get(p, "") for p in ancestor_paths(path)[3:]) + name
                ref = HouseRef(pk, path, code, address)
                room_keys = {room_key(number), room_key(name)} if number else {room_key(name)}
                for key in room_keys:
                    self.rooms.setdefault(parent, {})[key] = ref

    # --- lookup -------------------------------------------------------------------------
    def find(self, where: Where) -> HouseRef:
        """The house, or a ValidationError saying which part was not found and why."""
        where = _split_combined(where, self)
        if not where.building or not where.room:
            raise _error(_("Say which house: fill in the building and the room (or the whole address)."),
                         "house_missing")
        building = self._building(where)
        house = self._room(building, where)
        if not self.allowed.covers(house.path):
            raise _error(_("%(address)s is outside your area; you may not register people there."),
                         "house_outside_scope", address=house.address)
        return house

    def _compounds_for(self, where: Where) -> list[int]:
        if not where.compound:
            return list(self.buildings)
        found = self.compounds.get(compound_key(where.compound))
        if found:
            return found
        if self._exists_elsewhere(where.compound):
            raise _error(_("The compound %(compound)s is not in %(area)s, the area of this import."),
                         "compound_outside_area", compound=where.compound, area=self.area_name)
        raise _error(_("There is no compound named %(compound)s in %(area)s."), "compound_unknown",
                     compound=where.compound, area=self.area_name)

    def _exists_elsewhere(self, compound: str) -> bool:
        key = compound_key(compound)
        if key not in self._outside:
            self._outside[key] = Place.objects.filter(level=Level.COMPOUND, name__in={compound, key}).exists()
        return self._outside[key]

    def _building(self, where: Where) -> _Building:
        key = building_key(where.building)
        candidates = [b for c in self._compounds_for(where) if (b := self.buildings.get(c, {}).get(key))]
        if len(candidates) > 1:
            raise _error(_("Several compounds in %(area)s have a building %(building)s; fill in the compound."),
                         "compound_ambiguous", area=self.area_name, building=where.building)
        if not candidates:
            place = where.compound or self.area_name
            raise _error(_("%(place)s has no building %(building)s."), "building_unknown",
                         place=place, building=where.building)
        return candidates[0]

    def _room(self, building: _Building, where: Where) -> HouseRef:
        key = room_key(where.room)
        if where.unit:
            unit = building.units.get(unit_key(where.unit))
            if unit is None:
                raise _error(_("Building %(building)s has no unit %(unit)s."), "unit_unknown",
                             building=building.label, unit=where.unit)
            candidates = [h] if (h := self.rooms.get(unit, {}).get(key)) else []
        else:
            candidates = [h for u in building.units.values() if (h := self.rooms.get(u, {}).get(key))]
        if len(candidates) > 1:
            raise _error(_("Building %(building)s has a room %(room)s in several units; fill in the unit."),
                         "unit_ambiguous", building=building.label, room=where.room)
        if not candidates:
            raise _error(_("Building %(building)s has no room %(room)s%(unit)s."), "room_unknown",
                         building=building.label, room=where.room,
                         unit=f" ({where.unit})" if where.unit else "")
        return candidates[0]

    def compound_in_text(self, text: str) -> str:
        """The longest known compound name inside an address prefix (``明月街道玉兰苑``)."""
        key = value_key(text)
        best = max((k for k in self.compounds if k and k in key), key=len, default="")
        return best


def _split_combined(where: Where, index: HouseIndex) -> Where:
    """Fill building / unit / room from a combined cell when the separate ones are empty."""
    if where.building:
        return where
    if where.room and (m := _DASHED.fullmatch(value_key(where.room))):
        return Where(where.compound, m["b"], m["u"], m["r"])
    address = value_key(where.address)
    if address and (m := _ADDRESS.fullmatch(address) or _ADDRESS_DASHED.fullmatch(address)):
        compound = where.compound or index.compound_in_text(m["prefix"]) or m["prefix"]
        return Where(compound, m["b"], m["u"] or "", m["r"] or "")
    return where
