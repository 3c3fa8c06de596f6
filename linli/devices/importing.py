"""Devices from the installer's spreadsheet (xlsx or csv): one row a device.

Columns (Chinese or English headers; order free): serial number, kind (门磁 or ``door`` …),
address or house code, the person's name and/or the last four digits of her ID number
(optional), where in the house, legal basis, consent given by, consent date. The file is read
by the imports app's hardened readers (size, extent, formulas, encodings); every row is
checked before anything is written, full-width digits and letters read as half-width. The
commit registers and activates every row or none.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import require
from linli.core.scope import scope_for
from linli.devices import actions
from linli.devices.access import MANAGE
from linli.devices.models import DeviceKind
from linli.imports.cells import cell_datetime, cell_text, is_blank_row
from linli.imports.fields import value_key
from linli.imports.houses import HouseIndex, Where
from linli.imports.reading import read_file
from linli.people import search
from linli.people.models import Person
from linli.places.models import Level, Place

MAX_ROWS = 5000
MAX_FILE = 1024 * 1024  # an installer's list of a few thousand devices is well under this
HEADERS: dict[str, tuple[str, ...]] = {
    "uid": ("序列号", "设备序列号", "设备编号", "设备号", "serialnumber", "serial", "uid"),
    "kind": ("设备类型", "类型", "设备种类", "kind", "type"),
    "house": ("地址", "房屋", "房屋编码", "门牌", "安装地址", "address", "house", "housecode"),
    "person": ("姓名", "被照护人", "使用人", "person", "name"),
    "id_last4": ("身份证后四位", "证件后四位", "身份证后4位", "idlast4"),
    "label": ("安装位置", "位置", "location", "label"),
    "legal_basis": ("法律依据", "依据", "legalbasis"),
    "consent_by": ("同意人", "知情同意人", "consentby"),
    "consent_at": ("同意日期", "同意时间", "consentdate", "consentat"),
}
REQUIRED = ("uid", "kind", "house")
KIND_WORDS = {
    "门磁": "door", "门磁报警器": "door", "门窗磁": "door", "一键呼叫": "sos", "紧急呼叫": "sos", "sos": "sos",
    "呼叫器": "sos", "紧急按钮": "sos", "跌倒报警器": "fall", "跌倒检测": "fall", "烟感": "smoke",
    "烟雾报警器": "smoke", "燃气报警器": "gas", "燃气": "gas", "手环": "wearable", "智能手环": "wearable",
    "水表": "water", "智能水表": "water", "门铃": "doorbell", "可视门铃": "doorbell",
}
RELATION_WORDS = {"本人": "self", "监护人": "guardian", "子女": "family", "家属": "family", "配偶": "family",
                  "self": "self", "guardian": "guardian", "family": "family"}


@dataclass
class Row:
    line: int  # the spreadsheet's row number
    uid: str = ""
    kind: DeviceKind | None = None
    house: Place | None = None
    address: str = ""
    person: Person | None = None
    label: str = ""
    legal_basis: str = ""
    consent_by: str = ""
    relation: str = ""
    consent_at: datetime.datetime | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[Row]
    problems: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(r.errors for r in self.rows)

    @property
    def bad_rows(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _kinds() -> dict[str, DeviceKind]:
    kinds = {k.code: k for k in DeviceKind.objects.all()}
    words = {value_key(code): kind for code, kind in kinds.items()}
    with translation.override("zh-hans"):
        words.update({value_key(gettext(k.name)): k for k in kinds.values()})
    words.update({value_key(k.name): k for k in kinds.values()})
    words.update({value_key(w): kinds[c] for w, c in KIND_WORDS.items() if c in kinds})
    return words


def _columns(header: list[Any]) -> dict[str, int]:
    keys = {value_key(half_width(cell_text(cell))): n for n, cell in enumerate(header)}
    found = {}
    for name, words in HEADERS.items():
        for word in words:
            if value_key(word) in keys:
                found[name] = keys[value_key(word)]
                break
    return found


def area_for(user: Any) -> Place | None:
    """The place holding the user's whole scope for managing devices (for the address lookup)."""
    scope = scope_for(user, MANAGE)
    if scope.everything:
        return Place.objects.filter(level=Level.STREET).order_by("path").first()
    if len(scope.prefixes) != 1:
        return None
    return Place.objects.filter(path=scope.prefixes[0]).first()


def preview(user: Any, data: bytes, file_name: str) -> Preview:
    """Read and check every row; nothing is written."""
    try:
        sheets = read_file(data, file_name)
    except ValidationError as exc:
        return Preview([], [str(m) for m in exc.messages])
    rows = next((s.rows for s in sheets if any(not is_blank_row(r) for r in s.rows)), [])
    if not rows:
        return Preview([], [str(_("The file is empty."))])
    columns = _columns(rows[0])
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return Preview([], [str(_("The first row must name the columns: serial number (序列号), kind (设备类型) and "
                                  "address or house code (地址/房屋编码)."))])
    if len(rows) - 1 > MAX_ROWS:
        return Preview([], [str(_("At most %(n)d devices in one file.") % {"n": MAX_ROWS})])
    area = area_for(user)
    scope = scope_for(user, MANAGE)
    index = HouseIndex(area, scope) if area is not None else None
    kinds = _kinds()
    seen: set[str] = set()
    result = []
    for number, raw in enumerate(rows[1:], start=2):
        if is_blank_row(raw):
            continue
        cells: dict[str, Any] = {name: half_width(cell_text(raw[n])) if n < len(raw) else ""
                                 for name, n in columns.items()}
        cells["consent_at_raw"] = raw[columns["consent_at"]] if "consent_at" in columns and \
            columns["consent_at"] < len(raw) else None
        row = _row(number, cells, kinds, index, scope, seen)
        seen.add(row.uid)
        result.append(row)
    return Preview(result)


def _row(number: int, cells: dict[str, Any], kinds: dict[str, DeviceKind], index: HouseIndex | None, scope: Any,
         seen: set[str]) -> Row:
    row = Row(number, uid=cells["uid"], label=cells.get("label", "")[:64],
              legal_basis=cells.get("legal_basis", ""), address=cells["house"])
    row.kind = kinds.get(value_key(cells["kind"]))
    if row.kind is None:
        row.errors.append(str(_("Unknown device kind %(kind)s.") % {"kind": cells["kind"] or "—"}))
    row.house = _house(cells["house"], index, scope, row.errors)
    if row.kind is not None and row.house is not None:
        problems = actions.check_new_device(actions.NewDevice(row.uid, row.kind, row.house), taken=seen)
        row.errors += [str(m) for m in problems.values()]
    if row.house is not None and (cells.get("person") or cells.get("id_last4")):
        row.person = _person(row.house, cells.get("person", ""), cells.get("id_last4", ""), row.errors)
    who = cells.get("consent_by", "")
    for word, relation in RELATION_WORDS.items():
        if who.startswith(word):
            row.relation, who = relation, who[len(word):].strip(" :：()（）")
            break
    row.consent_by = who[:48]
    if who and not row.relation:
        row.relation = "self" if row.person is not None and who == row.person.name else "family"
    try:
        moment = cell_datetime(cells["consent_at_raw"])
    except ValidationError:
        row.errors.append(str(_("The consent date cannot be read; write it like 2026-12-03.")))
    else:
        row.consent_at = timezone.make_aware(moment) if moment is not None else None
    if row.legal_basis and row.kind is not None and (row.kind.watches_person or row.person is not None) and \
            not (row.consent_by and row.consent_at):
        row.errors.append(str(_("This device watches a person: fill in who consented and when.")))
    return row


def _house(text: str, index: HouseIndex | None, scope: Any, errors: list[str]) -> Place | None:
    if not text:
        errors.append(str(_("Say which house: fill in the building and the room (or the whole address).")))
        return None
    if text.isdigit():
        house = Place.objects.filter(code=text, level=Level.HOUSE).first()
        if house is None or not scope.covers(house.path):
            errors.append(str(_("No house with this code in your area.")))
            return None
        return house
    if index is None:
        errors.append(str(_("Your area spans several places: use the house code (房屋编码) instead of the address.")))
        return None
    try:
        ref = index.find(Where(address=text))
    except ValidationError as exc:
        errors.append(str(exc.messages[0]))
        return None
    return Place.objects.get(pk=ref.id)


def _person(house: Place, name: str, last4: str, errors: list[str]) -> Person | None:
    people = Person.objects.filter(current_house=house, is_active=True)
    if name:
        people = people.filter(name=name)
    if last4:
        people = people.filter(id_last4_hash=search.id_hashes("0" * 14 + last4.upper())[1])
    found = list(people[:2])
    if len(found) != 1:
        errors.append(str(_("No one (or more than one) living in this house matches this name and ID number.")))
        return None
    return found[0]


@transaction.atomic
def do_import_devices(user: Any, data: bytes, file_name: str) -> list[Any]:
    """Register (and, where the row has its legal basis, activate) every device of the file,
    or none: the file is checked again here."""
    checked = preview(user, data, file_name)
    if not checked.ok:
        raise ValidationError(_("The file has problems; correct them and upload it again."), code="import_invalid")
    devices = []
    for row in checked.rows:
        assert row.kind is not None and row.house is not None  # noqa: S101 - checked by preview
        require(user, MANAGE, row.house.path)
        device, _secret = actions.do_register_device(
            actions.NewDevice(row.uid, row.kind, row.house, row.person, row.label), acting_user=user)
        if row.legal_basis:
            actions.do_record_consent_and_activate(device, acting_user=user, legal_basis=row.legal_basis,
                                                   consent_by=row.consent_by, relation=row.relation,
                                                   consent_at=row.consent_at)
        devices.append(device)
    audit.record("devices.import", actor=user, object_type="devices.device",
                 detail={"file": file_name[:100], "devices": len(devices)})
    return devices
