"""Export a scoped list (people, households, houses, special groups) as xlsx or CSV.

Masked by default; full ID numbers and phones only for a user who may reveal them in the
scope and states a lawful purpose, as for a single reveal (decision 0023); a list with the full
values of more people than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` is made only once a second person
approved it (linli.downloads). Every export, and every refused one, is written to the audit log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, purposes
from linli.core.access import PermissionDenied, allows, area_of, require
from linli.core.purposes import StatedPurpose
from linli.core.text import csv_cell
from linli.core.validators import format_phone, mask_id_number, mask_phone
from linli.people.fields import PERSON_FIELDS
from linli.people.models import Household, Person, PopulationType, Residence, SpecialGroup
from linli.people.search import group_token
from linli.places.models import Level, Place, Usage, full_names

KINDS = {"people": _("people"), "households": _("households"), "houses": _("houses"),
         "groups": _("special groups")}
MAX_ROWS = 300_000


def export_places(user: Any, actions: tuple[str, ...] = ("people.export",)) -> list[Place]:
    """The areas a user may export from (or, with other ``actions``, make reports for): the
    places of her own role assignments holding one of them (an administrator: the streets and
    communities)."""
    if user.is_superuser:
        return list(Place.objects.filter(level__in=[Level.STREET, Level.COMMUNITY]).order_by("code")[:50])
    places: dict[int, Place] = {}
    for assignment in user.assignments.select_related("place"):
        if assignment.place and any(allows(user, action, assignment.place) for action in actions):
            places.setdefault(assignment.place.pk, assignment.place)
    return list(places.values())


@dataclass
class Export:
    filename: str
    content: bytes
    content_type: str
    rows: int


ProgressFn = Callable[[str, int, int], None]
PROGRESS_STEP = 2000


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def _counted(rows: Sequence[Any], stage: str, progress: ProgressFn) -> Iterator[tuple[int, Any]]:
    """The rows with their number, telling ``progress`` every few thousand."""
    total = len(rows)
    for n, row in enumerate(rows):
        if n % PROGRESS_STEP == 0:
            progress(stage, n, total)
        yield n, row
    progress(stage, total, total)


def _people(user: Any, scope: Place, only_groups: bool) -> QuerySet[Person]:
    people = Person.objects.restrict(user, "people.export").filter(path__under=scope.path, is_active=True)
    if only_groups:
        any_group = Q()
        for group in SpecialGroup.values:
            any_group |= Q(special_groups_index__contains=group_token(group))
        people = people.filter(any_group)
    return people


def _people_rows(user: Any, scope: Place, full: bool, groups: bool, only_groups: bool,
                 progress: ProgressFn = no_progress) -> Iterator[list[Any]]:
    people = list(_people(user, scope, only_groups).select_related("current_house").order_by("path", "name")[:MAX_ROWS])
    houses = full_names([p.current_house for p in people if p.current_house])
    for _n, p in _counted(people, "reading", progress):
        row = [p.name, p.get_sex_display(), p.birth_date or "",
               p.id_number if full else mask_id_number(p.id_number),
               format_phone(p.phone) if full else mask_phone(p.phone),
               str(PopulationType(p.population_type).label), houses.get(p.current_house_id or 0, ""), p.hukou_address]
        if groups:
            row.append("、".join(str(SpecialGroup(g).label) for g in p.special_groups if g in SpecialGroup.values))
        yield row


def _household_rows(user: Any, scope: Place, progress: ProgressFn = no_progress) -> Iterator[list[Any]]:
    households = (Household.objects.restrict(user, "people.export").filter(path__under=scope.path)
                  .select_related("house", "head").annotate(
                      members=Count("residences", filter=Q(residences__moved_out__isnull=True)))
                  .order_by("path")[:MAX_ROWS])
    names = full_names([h.house for h in households])
    for _n, h in _counted(households, "reading", progress):
        yield [names.get(h.house_id, ""), h.number, h.head.name if h.head else "", h.members]


def _house_rows(user: Any, scope: Place, progress: ProgressFn = no_progress) -> Iterator[list[Any]]:
    houses = list(Place.objects.restrict(user, "places.view").filter(path__under=scope.path, level=Level.HOUSE)
                  .order_by("path")[:MAX_ROWS])
    names = full_names(houses)
    counts = dict(Residence.objects.filter(house__in=houses, moved_out__isnull=True).values_list("house")
                  .annotate(n=Count("id")).order_by())
    for _n, house in _counted(houses, "reading", progress):
        usage = str(Usage(house.usage).label) if house.usage in Usage.values else ""
        yield [names.get(house.pk, ""), house.floor or "", float(house.area) if house.area else "", usage,
               counts.get(house.pk, 0)]


HEADERS = {
    "people": [PERSON_FIELDS[code].label_zh for code in ("name", "sex", "birth_date", "id_number", "phone",
                                                         "population_type", "address", "hukou_address")],
    "households": ["房屋", "户号", "户主", "现住人数"],
    "houses": ["房屋", "楼层", "面积(㎡)", "使用情况", "现住人数"],
}


@dataclass(frozen=True)
class Checked:
    purpose: StatedPurpose | None  # stated: full values for a user who may reveal them here
    full: bool  # full ID numbers and phones are written


def check_export(kind: str, fmt: str, *, scope: Place, acting_user: Any, purpose_code: str = "",
                 purpose: str = "") -> Checked:
    """Refuse an export the user may not make (ValidationError, PermissionDenied: both audited);
    else the purpose as recorded and whether full ID numbers and phones are written. A purpose is
    optional (without one, the list is masked) but, when given, must be a lawful one (0023)."""
    try:
        if kind not in KINDS or fmt not in ("xlsx", "csv"):
            raise ValidationError({"kind": [ValidationError(_("Choose what to export and the format."),
                                                            code="invalid")]})
        require(acting_user, "people.export", scope.path)
        if kind == "groups" and not allows(acting_user, "people.view_groups", scope.path):
            raise ValidationError({"kind": [ValidationError(_("Your role may not see special groups."),
                                                            code="groups")]})
        stated = purposes.state_if_any(purpose_code, purpose)
    except PermissionDenied:
        refuse_export(acting_user, "permission", scope=scope, kind=kind, fmt=fmt, purpose_code=purpose_code,
                      purpose=purpose)
        raise
    except ValidationError as exc:
        refuse_export(acting_user, audit.reason_of(exc), scope=scope, kind=kind, fmt=fmt, purpose_code=purpose_code,
                      purpose=purpose)
        raise
    full = stated is not None and kind in ("people", "groups") and allows(acting_user, "people.reveal", scope.path)
    return Checked(stated, full)


def refuse_export(user: Any, reason: str, *, scope: Place | None = None, code: str = "", kind: Any = "",
                  fmt: Any = "", purpose_code: Any = "", purpose: Any = "") -> None:
    """Record a refused export. An area the user may not export from is named only by the code
    asked for, and the event filed where she works, so that her office sees the attempt."""
    where: dict[str, Any] = {"obj": scope} if scope is not None else {
        "object_type": "places.place", "object_id": str(code)[:64], "path": area_of(user, "people.export")}
    audit.refused("people.export", actor=user, reason=reason, purpose_code=purpose_code, purpose=purpose,
                  detail={"kind": str(kind)[:16], "format": str(fmt)[:8]}, **where)


def count_full(kind: str, *, scope: Place, acting_user: Any) -> int:
    """How many people a list with full values would name: more than the threshold, and a second
    person approves it first."""
    return _people(acting_user, scope, kind == "groups").count()


def export_list(kind: str, fmt: str, *, scope: Place, acting_user: Any, purpose_code: str = "", purpose: str = "",
                progress: ProgressFn = no_progress) -> Export:
    checked = check_export(kind, fmt, scope=scope, acting_user=acting_user, purpose_code=purpose_code,
                           purpose=purpose)
    full = checked.full
    progress("reading", 0, 0)
    groups = allows(acting_user, "people.view_groups", scope.path)
    headers = list(HEADERS["people" if kind in ("people", "groups") else kind])
    if kind in ("people", "groups"):
        if groups:
            headers.append(PERSON_FIELDS["special_groups"].label_zh)
        rows = list(_people_rows(acting_user, scope, full, groups, kind == "groups", progress))
    elif kind == "households":
        rows = list(_household_rows(acting_user, scope, progress))
    else:
        rows = list(_house_rows(acting_user, scope, progress))
    progress("writing", 0, len(rows))
    stamp = timezone.localtime()
    footer = f"范围：{scope.name}（{scope.code}） 导出时间：{stamp:%Y-%m-%d %H:%M} 导出人：{acting_user}"
    content = _xlsx(headers, rows, footer, progress) if fmt == "xlsx" else _csv(headers, rows)
    stated = checked.purpose
    audit.record("people.export", actor=acting_user, obj=scope, purpose=stated.recorded if stated else "",
                 detail={"kind": kind, "format": fmt, "rows": len(rows), "full_values": full,
                         **({"purpose_code": stated.code} if stated else {})})
    filename = f"{scope.name}_{KINDS[kind]}_{stamp:%Y%m%d}.{fmt}"
    ctype = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Export(filename, content, ctype, len(rows))


def _csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        # A leading tab keeps Excel from turning an 18-digit ID into 1.10101E+17 (digits after it
        # cannot run); any other cell that a spreadsheet would run as a formula is neutralised.
        writer.writerow([f"\t{v}" if isinstance(v, str) and v[:17].isdigit() and len(v) > 11 else csv_cell(v)
                         for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def _xlsx(headers: list[str], rows: list[list[Any]], footer: str, progress: ProgressFn = no_progress) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet = book.add_worksheet("导出")
    sheet.write_row(0, 0, headers, head)
    sheet.freeze_panes(1, 0)
    for i in range(len(headers)):
        sheet.set_column(i, i, 14 if i else 10)
    for n, row in _counted(rows, "writing", progress):
        line = n + 1
        for col, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(line, col, value)
            else:
                sheet.write_string(line, col, str(value))
    sheet.write_string(len(rows) + 2, 0, footer)
    sheet.set_footer(f"&L{footer.replace('&', '&&')[:200]}")
    progress("saving", 0, 0)
    book.close()
    return buffer.getvalue()


# --- made in the background (a street's list takes seconds: linli.downloads) ----------------------

def _asked(user: Any, scope: Place, params: dict[str, Any]) -> Any:
    from linli.downloads.registry import Asked

    kind, fmt = str(params.get("kind", "")), str(params.get("format", ""))
    checked = check_export(kind, fmt, scope=scope, acting_user=user, purpose_code=str(params.get("purpose_code", "")),
                           purpose=str(params.get("purpose", "")))
    # A list with full values of many people waits for a second person's approval (0023).
    full_values_of = count_full(kind, scope=scope, acting_user=user) if checked.full else 0
    return Asked(f"{scope.name} · {KINDS[kind]} · {'Excel' if fmt == 'xlsx' else 'CSV'}", "people.export",
                 full_values_of=full_values_of, approver_needs=("people.export", "people.reveal"))


def _made(user: Any, scope: Place, params: dict[str, Any], progress: ProgressFn) -> Any:
    from linli.downloads.registry import Made

    export = export_list(str(params.get("kind", "")), str(params.get("format", "")), scope=scope, acting_user=user,
                         purpose_code=str(params.get("purpose_code", "")), purpose=str(params.get("purpose", "")),
                         progress=progress)
    return Made(export.filename, export.content_type, export.content)


def register_maker() -> None:
    from linli.downloads.registry import Maker, register

    register("people_list", Maker(check=_asked, make=_made))
