"""Department reports from the one registry: select, mask per department, write xlsx.

A template (``ReportTemplate.spec``) names columns (canonical fields), a population filter,
grouping and sort. Generating one costs a few queries for any number of rows; the file is
masked for the receiving department, audited, and recorded in the shared ledger.
"""

from __future__ import annotations

import collections
import datetime
import functools
import hashlib
import io
import multiprocessing
import operator
import os
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone, translation
from django.utils.functional import Promise

from linli.core import audit
from linli.core.access import allows
from linli.core.bulk import no_cycle_collection
from linli.core.dates import age_on, years_before
from linli.core.purposes import StatedPurpose
from linli.people.models import Person, Residence
from linli.people.search import group_token
from linli.places.models import Level, Place, names_by_path
from linli.places.rules import ancestor_paths
from linli.reports.fields import FIELDS, Policy, Row
from linli.reports.models import Department, ReportRun, ReportTemplate
from linli.reports.sheet import ListSheet, write_list
from linli.reports.spec import (
    CONTACT_REASONS,
    HEALTH_FILTERS,
    JOINED_FILTERS,
    Column,
    Spec,
    parse_spec,
)

# What each receiving department may see in full (data, not ifs scattered in code).
POLICIES: dict[str, Policy] = {
    Department.HEALTH: Policy(full_id=True, full_phone=True),
    Department.CDC: Policy(full_id=True, full_phone=True),
    Department.POLICE: Policy(full_id=True, full_phone=True),
    Department.CIVIL_AFFAIRS: Policy(full_id=True, full_phone=True, special_groups=True),
    Department.WOMEN: Policy(special_groups=True),
    Department.EDUCATION: Policy(),
}


# --- selecting -------------------------------------------------------------------------

HEALTH_FIELDS = {"arrival_date", "origin_region", "health_status", "contact_type"}


def _filter_q(filters: dict[str, Any], today: datetime.date) -> Q | None:
    """A Q for the filter; None means "nobody"."""
    q = Q()
    if "contact_types" in filters:
        q &= Q(quarantine_orders__status="active",
               quarantine_orders__reason__in=[CONTACT_REASONS[c] for c in filters["contact_types"]])
    if "arrived_within_days" in filters:
        q &= Q(arrivals__arrived_on__gte=today - datetime.timedelta(days=filters["arrived_within_days"]))
    if "population_types" in filters:
        q &= Q(population_type__in=filters["population_types"])
    if "any_groups" in filters:
        groups = Q()
        for group in filters["any_groups"]:
            groups |= Q(special_groups_index__contains=group_token(group))
        q &= groups
    if "min_age" in filters:
        q &= Q(birth_date__lte=years_before(today, filters["min_age"]))
    if "max_age" in filters:
        q &= Q(birth_date__gt=years_before(today, filters["max_age"] + 1))
    if "sex" in filters:
        q &= Q(sex=filters["sex"])
    if "moved_in_within_days" in filters:
        since = today - datetime.timedelta(days=filters["moved_in_within_days"])
        q &= Q(residences__moved_in__gte=since, residences__moved_out__isnull=True)
    if "any_of" in filters:
        alternatives = [_filter_q(sub, today) for sub in filters["any_of"]]
        either = Q(pk__in=[])
        for alt in alternatives:
            if alt is not None:
                either |= alt
        q &= either
    return q


def uses_health_data(spec: Spec) -> bool:
    return selects_by_health(spec) or any(c.field in HEALTH_FIELDS for c in spec.columns)


def selects_by_health(spec: Spec) -> bool:
    """The report chooses its people by their epidemic records (arrivals, contacts): being on
    it is itself health data."""
    return bool(_filter_keys(spec.filter) & HEALTH_FILTERS)


# How a report is made (``linli.reports.actions`` decides which, per user and template):
LIST = "list"  # the department's list, masked for the department, health columns left empty
LIST_WITH_HEALTH = "list_with_health"  # the same with its health columns filled: health roles, with a purpose
HEALTH_LIST = "health_list"  # a list of people chosen by their epidemic records: health roles, with a purpose
HEALTH_COUNTS = "health_counts"  # that selection counted per compound: street and community offices
MODES = {LIST, LIST_WITH_HEALTH, HEALTH_LIST, HEALTH_COUNTS}


# The rights making a report in each mode takes: a second person approving a long list with full
# values holds them over the area too (decision 0023).
RIGHTS = {LIST: ("people.export",), LIST_WITH_HEALTH: ("people.export", "health.view"),
          HEALTH_LIST: ("health.report", "health.view"), HEALTH_COUNTS: ("health.report",)}
# The fields a department may receive in full (its ``Policy``), with the flag that allows it.
FULL_VALUE_FIELDS = {"id_number": "full_id", "phone": "full_phone"}


def full_value_columns(template: ReportTemplate, mode: str) -> list[str]:
    """The columns of ``template`` that hold full ID numbers or phones when made in ``mode``:
    those its department receives in full (``POLICIES``), in a list of people (not counts)."""
    spec = parse_spec(template.spec)
    if spec.counts or mode == HEALTH_COUNTS:
        return []
    policy = POLICIES.get(template.department, Policy())
    return [c.field for c in spec.columns if getattr(policy, FULL_VALUE_FIELDS.get(c.field, ""), False)]


def full_values_of(modes: dict[ReportTemplate, str], *, scope: Place, acting_user: Any,
                   today: datetime.date | None = None) -> int:
    """How many people the reports, each made in its mode, name with full ID numbers or phones
    (people, not rows: someone on two of them counts once)."""
    today = today or timezone.localdate()
    selections = [select_people(acting_user, scope, parse_spec(t.spec), today,
                                "health.report" if mode == HEALTH_LIST else "people.export").values("pk")
                  for t, mode in modes.items() if full_value_columns(t, mode)]
    if not selections:
        return 0
    named = Q(pk__in=selections[0])
    for selection in selections[1:]:
        named |= Q(pk__in=selection)
    return Person.objects.filter(named).count()


def may_read_health(user: Any, scope: Place) -> bool:
    """Epidemic records are selected (and counted) only for those allowed to make the health
    departments' reports: health data is sensitive (PIPL 28)."""
    return allows(user, "health.report", scope.path)


def select_people(user: Any, scope: Place, spec: Spec, today: datetime.date,
                  action: str = "people.export") -> QuerySet[Person]:
    condition = _filter_q(spec.filter, today)
    people = Person.objects.restrict(user, action).filter(path__under=scope.path, is_active=True)
    if condition is None or (_filter_keys(spec.filter) & HEALTH_FILTERS and not may_read_health(user, scope)):
        return people.none()
    people = people.filter(condition)
    # Filters on other tables join them: one person with two matching rows would appear twice.
    return people.distinct() if _filter_keys(spec.filter) & JOINED_FILTERS else people


def _filter_keys(filters: dict[str, Any]) -> set[str]:
    return set(filters) | {key for sub in filters.get("any_of", []) for key in _filter_keys(sub)}


@dataclass(frozen=True)
class _Residence:
    moved_in: datetime.date | None
    relation_to_head: str


# Encrypted person fields, decrypted only for the reports that show them.
SEALED = {"id_number": "id_number", "phone": "phone", "special_groups": "special_groups"}
PLAIN = ["id", "name", "sex", "birth_date", "population_type", "hukou_address", "hukou_matches_residence",
         "community_roles", "path", "current_house_id", "school"]
ALWAYS = ["id", "name", "path", "current_house_id"]  # who and where: every report reads these
# The person's plain attributes each canonical field (or sort key) reads; a report reads only
# those of its columns. A field not named here (a new one) reads them all.
READS: dict[str, list[str]] = {
    "_seq": [], "name": [], "address": [], "compound": [], "building": [], "unit": [], "room": [],
    "sex": ["sex"], "birth_date": ["birth_date"], "age": ["birth_date"], "is_60_plus": ["birth_date"],
    "population_type": ["population_type"], "hukou_address": ["hukou_address"],
    "hukou_matches": ["hukou_matches_residence"], "community_roles": ["community_roles"], "school": ["school"],
    "id_number": [], "phone": [], "special_groups": [],
    "relation_to_head": [], "moved_in": [], "days_since_moved_in": [],
    "arrival_date": [], "origin_region": [], "health_status": [], "contact_type": [],
}
RESIDENCE_FIELDS = {"relation_to_head", "moved_in", "days_since_moved_in"}


@functools.cache
def _person_row(names: tuple[str, ...]) -> Any:
    """A plain row class for the attributes a report reads (a named tuple, ``pk`` its id);
    attributes not read are absent."""
    base = collections.namedtuple("PersonRow", names)  # type: ignore[misc]
    return type("PersonRow", (base,), {"__slots__": (), "pk": property(operator.itemgetter(names.index("id")))})


class PlaceNames:
    """The names of the places on the way to each person's house, read once for all the
    reports made together: a few places by their paths, or, for many, every place of the
    area in one query; each house's compound, building, unit, room and address worked out
    once."""

    MANY = 2000  # more houses than this: read the whole area instead

    def __init__(self, scope: Place | None = None) -> None:
        self.scope = scope
        self.names: dict[str, str] = {}
        self.whole = False
        self.houses: dict[str, tuple[str, str, str, str, str]] = {}

    def read(self, paths: set[str]) -> None:
        if self.whole:
            return
        missing = {p for p in paths if p not in self.houses}
        if self.scope is not None and len(missing) > self.MANY \
                and all(p.startswith(self.scope.path) for p in missing):
            self.names.update(Place.objects.filter(path__startswith=self.scope.path).values_list("path", "name"))
            self.names.update(names_by_path({self.scope.path}))  # the area and the places above it
            self.whole = True
        elif missing:
            self.names.update(names_by_path(missing))

    def of(self, path: str) -> tuple[str, str, str, str, str]:
        where = self.houses.get(path)
        if where is None:
            names = self.names
            parts = [names.get(p, "") for p in ancestor_paths(path)] + [names.get(path, "")]
            where = self.houses[path] = (
                parts[5] if len(parts) > 5 else "", parts[6] if len(parts) > 6 else "",
                parts[7] if len(parts) > 7 else "", parts[8] if len(parts) > 8 else "", "".join(parts[3:]))
        return where


def build_rows(people: QuerySet[Person], today: datetime.date, fields: set[str] | None = None,
               places: PlaceNames | None = None) -> list[Row]:
    """Rows with their residence and place names, with a fixed number of queries. ``fields``
    (canonical field codes, and the sort keys) limits what is read and decrypted to what the
    report shows; ``places`` keeps the place names for the next report."""
    if fields is None or fields - READS.keys():
        plain, sealed = list(PLAIN), list(SEALED.values()) if fields is None else [
            SEALED[f] for f in fields if f in SEALED]
    else:
        wanted = {a for f in fields for a in READS[f]}
        plain = ALWAYS + [a for a in PLAIN if a in wanted and a not in ALWAYS]
        sealed = [SEALED[f] for f in fields if f in SEALED]
    names_in_order = (*plain, *sealed)
    # Plain rows rather than model instances: a report reads a few attributes of tens of
    # thousands of people, and building Person objects cost more than everything else.
    make = _person_row(names_in_order)._make
    persons = [make(values) for values in people.values_list(*names_in_order).iterator(chunk_size=20000)]
    residences: dict[int, _Residence] = {}
    if fields is None or fields & RESIDENCE_FIELDS:
        current = Residence.objects.filter(person__in=people.values("pk"), moved_out__isnull=True) \
            .order_by("moved_in").values_list("person_id", "moved_in", "relation_to_head")
        for person_id, moved_in, relation_to_head in current.iterator(chunk_size=20000):
            residences[person_id] = _Residence(moved_in, relation_to_head)
    places = places or PlaceNames()
    places.read({p.path for p in persons})
    health = _health_of(people, today) if fields is None or fields & HEALTH_FIELDS else None
    where_of, residence_of = places.of, residences.get
    rows = []
    for person in persons:
        where = where_of(person.path)
        rows.append(Row(person, residence_of(person.pk), where[0], where[1], where[2], where[3], where[4], today,
                        # Nobody's record says otherwise: green, as the health code shows it (no row kept).
                        health.get(person.pk, {}) if health is not None else None))
    return rows


def _health_of(people: QuerySet[Person], today: datetime.date) -> dict[int, dict[str, Any]]:
    """Per person: the latest arrival, the colour, and the contact type of an active order."""
    from linli.health.models import Arrival, HealthStatus, QuarantineOrder

    health: defaultdict[int, dict[str, Any]] = defaultdict(dict)
    ids = people.values("pk")
    for person_id, arrived, origin in Arrival.objects.filter(person__in=ids).order_by("arrived_on", "pk") \
            .values_list("person_id", "arrived_on", "origin_name"):
        health[person_id].update(arrival_date=arrived, origin_region=origin)
    for person_id, colour in HealthStatus.objects.filter(person__in=ids).values_list("person_id", "colour"):
        health[person_id]["colour"] = colour
    for person_id, reason, kind in QuarantineOrder.objects.filter(person__in=ids, status="active") \
            .order_by("start_date").values_list("person_id", "reason", "kind"):
        health[person_id].update(order=reason, order_kind=kind)
    return health


def _by_length(get: Callable[[Row], str]) -> Callable[[Row], tuple[int, str]]:
    return lambda row: (len(get(row)), get(row))  # "2号楼" before "10号楼"


def _sort_key(keys: list[str]) -> Any:
    getters: list[Callable[[Row], Any]] = []
    for name in keys:
        if name == "age":
            getters.append(lambda row: FIELDS["age"].value(row, Policy()) or 0)
        elif name == "name":
            getters.append(lambda row: row.person.name)
        else:
            getters.append(_by_length(operator.attrgetter(name)))

    def key(row: Row) -> tuple[Any, ...]:
        return tuple([value(row) for value in getters])
    return key


# --- statistics tables -----------------------------------------------------------------

Counted = tuple[str, int | None, str, str]  # sex, age, population type, special-group tokens


def _compile_count(filters: dict[str, Any]) -> Any:
    """The Python twin of ``_filter_q`` for the fields a count column may use, built once per
    report (group tokens are keyed hashes: computing them per person would dominate)."""
    tokens = [group_token(g) for g in filters.get("any_groups", [])]
    alternatives = [_compile_count(sub) for sub in filters.get("any_of", [])]
    sex, low, high = filters.get("sex"), filters.get("min_age"), filters.get("max_age")
    populations = filters.get("population_types")

    def matches(person: Counted) -> bool:
        person_sex, age, population, groups = person
        if sex is not None and person_sex != sex:
            return False
        if low is not None and (age is None or age < low):
            return False
        if high is not None and (age is None or age > high):
            return False
        if populations is not None and population not in populations:
            return False
        if tokens and not any(token in groups for token in tokens):
            return False
        return not alternatives or any(alt(person) for alt in alternatives)
    return matches


def count_rows(people: QuerySet[Person], spec: Spec, today: datetime.date) -> list[list[Any]]:
    """[[place name, count, count, …], …, [合计, …]]: one grouped query where the places of
    that level have paths of one length (codes of fixed width), else counted here."""
    level = Level.COMPOUND if spec.group_by == "compound" else Level.BUILDING
    # order_by(): with the model's ordering the DISTINCT would be over (length, path), sorting
    # every place of the level to return the lengths of its first two
    lengths = set(Place.objects.filter(level=level).annotate(n=Length("path")).values_list("n", flat=True)
                  .order_by().distinct()[:2])
    if len(lengths) == 1:
        width = lengths.pop()
        columns = {f"c{i}": Count("pk", filter=_filter_q(f, today)) if f else Count("pk")
                   for i, f in enumerate(spec.counts)}
        grouped = people.annotate(group=Substr("path", 1, width)).values("group").annotate(**columns).order_by()
        tallies = {row[0]: list(row[1:]) for row in grouped.values_list("group", *columns)}
    else:
        tallies = _count_here(people, spec, today)
    names = names_by_path(set(tallies))
    named = sorted(((names.get(path, "") or "—", tally) for path, tally in tallies.items()),
                   key=lambda item: (len(item[0]), item[0]))  # "2号楼" before "10号楼"
    totals = [sum(tally[i] for _name, tally in named) for i in range(len(spec.counts))]
    return [[name, *tally] for name, tally in named] + [["合计", *totals]]


def _count_here(people: QuerySet[Person], spec: Spec, today: datetime.date) -> dict[str, list[int]]:
    depth = 6 if spec.group_by == "compound" else 7  # path segments down to that level
    columns = list(enumerate(_compile_count(f) for f in spec.counts))
    tallies: defaultdict[str, list[int]] = defaultdict(lambda: [0] * len(spec.counts))
    rows = people.values_list("path", "sex", "birth_date", "population_type", "special_groups_index")
    for path, sex, birth, population, groups in rows.iterator(chunk_size=20000):
        key = "/".join(path.split("/")[:depth]) + "/"
        tally = tallies[key]
        person = (sex, age_on(birth, today), population, groups or "")
        for i, matches in columns:
            if matches(person):
                tally[i] += 1
    return tallies


def write_counts_xlsx(template: ReportTemplate, spec: Spec, rows: list[list[Any]], footer: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    total_fmt = book.add_format({"bold": True, "top": 1})
    sheet = book.add_worksheet(_safe_name(template.title)[:31])
    for i, column in enumerate(spec.columns):
        sheet.set_column(i, i, column.width)
        sheet.write_string(0, i, column.header, head)
    sheet.freeze_panes(1, 1)
    sheet.set_footer(f"&L{_footer_escape(footer)}&R&P / &N")
    for line, row in enumerate(rows, start=1):
        fmt = total_fmt if line == len(rows) else None
        sheet.write_string(line, 0, str(row[0]), fmt)
        for i, value in enumerate(row[1:], start=1):
            sheet.write_number(line, i, value, fmt)
    sheet.write_string(len(rows) + 2, 0, footer)
    book.close()
    return buffer.getvalue()


# --- writing ---------------------------------------------------------------------------

@dataclass
class Generated:
    filename: str
    content: bytes
    rows: int
    cells: int
    run: ReportRun | None = None
    notes: list[str] = field(default_factory=list)


def list_sheet(template: ReportTemplate, spec: Spec, rows: list[Row], policy: Policy, footer: str) -> ListSheet:
    """The report's cells as plain values (labels rendered in the active language)."""
    sheet = ListSheet(_safe_name(template.title), [(c.header, c.width) for c in spec.columns], footer=footer,
                      summary_label=("小区" if spec.group_by == "compound" else "楼栋")
                      if spec.summary and spec.group_by else None)
    labels: dict[int, tuple[Any, str]] = {}
    fields = [None if c.field == "_seq" else FIELDS[c.field].value for c in spec.columns]
    current_group: Any = object()
    for seq, row in enumerate(rows, start=1):
        if spec.group_by:
            group = getattr(row, spec.group_by)
            if group != current_group:
                sheet.lines.append(("group", f"{group or '—'}"))
                current_group = group
        values = []
        for value_of in fields:
            value = seq if value_of is None else value_of(row, policy)
            if isinstance(value, Promise):  # a choice label: rendered once per report, not once per cell
                # keyed by id, holding the object itself so that the id cannot be reused meanwhile
                label = labels.get(id(value))
                if label is None:
                    label = labels[id(value)] = (value, str(value))
                value = label[1]
            values.append(value)
        sheet.lines.append(("row", values))
    return sheet


def _safe_name(text: str) -> str:
    """Usable as a sheet name and a file name: 密切接触者/次密接名单 → 密切接触者、次密接名单."""
    return re.sub(r'[\[\]:*?/\\<>|"]', "、", text).strip() or "report"


def _footer_escape(text: str) -> str:
    return text.replace("&", "&&")[:200]


@dataclass
class _Prepared:
    """A report read from the registry and ready to write: as a list sheet, or already written."""

    template: ReportTemplate
    spec: Spec
    rows: int
    filename: str
    sheet: ListSheet | None = None
    content: bytes | None = None


def _prepare(template: ReportTemplate, scope: Place, acting_user: Any, today: datetime.date,
             mode: str = LIST, places: PlaceNames | None = None) -> _Prepared:
    """Read one report. The caller (the action) has decided that the user may make it this way.
    ``places`` keeps the place names read for the reports made with it."""
    with no_cycle_collection():
        return _read(template, scope, acting_user, today, mode, places)


def _read(template: ReportTemplate, scope: Place, acting_user: Any, today: datetime.date, mode: str,
          places: PlaceNames | None) -> _Prepared:
    spec = parse_spec(template.spec)
    order = spec.group_by and [spec.group_by, *spec.sort] or spec.sort
    places = places or PlaceNames(scope)
    moment = timezone.localtime()
    footer = (f"范围：{scope.full_name() if scope.level not in (Level.PROVINCE, Level.CITY) else scope.name}"
              f"（{scope.code}）  生成时间：{moment:%Y-%m-%d %H:%M}  生成人：{acting_user}  "
              f"模板：{template.code} 第{template.version}版  由邻里平台自“一表采集”数据生成")
    filename = _safe_name(f"{template.title}_{scope.name}_{moment:%Y%m%d}") + ".xlsx"
    if mode == HEALTH_COUNTS:
        table = _health_counts(select_people(acting_user, scope, spec, today, "health.report"))
        counted = Spec([Column("小区", "_group", 18), Column("人数", "_count", 10)], {}, [], "compound",
                       counts=[{}])
        return _Prepared(template, counted, len(table), filename.replace(".xlsx", "_统计.xlsx"),
                         content=write_counts_xlsx(template, counted, table, footer))
    if mode == HEALTH_LIST:
        rows = build_rows(select_people(acting_user, scope, spec, today, "health.report"), today,
                          {c.field for c in spec.columns} | set(order), places)
        rows.sort(key=_sort_key(order))
        with translation.override("zh-hans"):
            sheet = list_sheet(template, spec, rows, POLICIES.get(template.department, Policy()), footer)
        return _Prepared(template, spec, len(rows), filename, sheet=sheet)
    if spec.counts:
        table = count_rows(select_people(acting_user, scope, spec, today), spec, today)
        return _Prepared(template, spec, len(table), filename, content=write_counts_xlsx(template, spec, table, footer))
    fields = {c.field for c in spec.columns}
    if mode != LIST_WITH_HEALTH:
        fields -= HEALTH_FIELDS  # the columns stay, empty
    rows = build_rows(select_people(acting_user, scope, spec, today), today, fields | set(order), places)
    rows.sort(key=_sort_key(order))
    with translation.override("zh-hans"):  # a department's form is in Chinese whatever the UI
        sheet = list_sheet(template, spec, rows, POLICIES.get(template.department, Policy()), footer)
    return _Prepared(template, spec, len(rows), filename, sheet=sheet)


def _health_counts(people: QuerySet[Person]) -> list[list[Any]]:
    """How many people of the selection live in each compound: the health reports as the street
    and community offices see them (counts, not people)."""
    depth = 6  # path segments down to the compound
    tallies: defaultdict[str, int] = defaultdict(int)
    for path in people.values_list("path", flat=True).iterator(chunk_size=20000):
        tallies["/".join(path.split("/")[:depth]) + "/"] += 1
    names = names_by_path(set(tallies))
    named = sorted(((names.get(path, "") or "—", n) for path, n in tallies.items()),
                   key=lambda item: (len(item[0]), item[0]))
    return [[name, n] for name, n in named] + [["合计", sum(n for _name, n in named)]]


def _finish(prepared: _Prepared, content: bytes, scope: Place, acting_user: Any, mode: str = LIST,
            purpose: StatedPurpose | None = None) -> Generated:
    """Audited and recorded in the ledger once the file exists."""
    template, spec, rows = prepared.template, prepared.spec, prepared.rows
    with transaction.atomic():
        run = ReportRun.objects.create(template=template, template_version=template.version, scope_code=scope.code,
                                       generated_by=acting_user, rows=rows, cells=rows * len(spec.columns),
                                       sha256=hashlib.sha256(content).hexdigest())
        audit.record("report.generate", actor=acting_user, obj=run, path=scope.path,
                     purpose=purpose.recorded if purpose else "", detail={
                         "template": template.code, "department": template.department, "scope": scope.code,
                         "rows": rows, "mode": mode, **({"purpose_code": purpose.code} if purpose else {})})
        _record_in_ledger(run, template, scope)
    notes = ["health_counts"] if mode == HEALTH_COUNTS else []
    return Generated(prepared.filename, content, rows, rows * len(spec.columns), run, notes)


def generate(template: ReportTemplate, *, scope: Place, acting_user: Any, mode: str = LIST,
             purpose: StatedPurpose | None = None, today: datetime.date | None = None) -> Generated:
    """One department's report for ``scope``, made the way the action decided: masked for that
    department, audited, recorded. Call it through ``linli.reports.actions``."""
    prepared = _prepare(template, scope, acting_user, today or timezone.localdate(), mode)
    content = prepared.content if prepared.sheet is None else write_list(prepared.sheet)
    assert content is not None  # noqa: S101 - one of the two is always set
    return _finish(prepared, content, scope, acting_user, mode, purpose)


# Below this many rows in all, writing in worker processes costs more than it saves.
PARALLEL_ROWS = 20_000


def _holds_at_least(rows: QuerySet[Any], count: int) -> bool:
    """Whether there are ``count`` rows or more, reading no more than that many."""
    return count <= 0 or rows.order_by()[count - 1 : count].exists()


def _writer_count() -> int:
    return min(int(getattr(settings, "LINLI_REPORT_WRITERS", os.cpu_count() or 1)), 4)


def _written(prepared: _Prepared, job: Future[bytes] | None) -> bytes:
    """The file a worker wrote; written here when the worker could not be started or died
    (processes start lazily, so that is where a failure shows)."""
    if prepared.content is not None:
        return prepared.content
    assert prepared.sheet is not None  # noqa: S101 - a list report always has its sheet
    if job is not None:
        try:
            return job.result()
        except (BrokenExecutor, OSError):
            pass
    return write_list(prepared.sheet)


ProgressFn = Callable[[str, int, int], None]


def generate_all(modes: dict[ReportTemplate, str], *, scope: Place, acting_user: Any,
                 purpose: StatedPurpose | None = None, today: datetime.date | None = None,
                 progress: ProgressFn | None = None) -> list[Generated]:
    """The given templates for ``scope``, each made in its mode (decided by the action). On a
    big area the files are written in worker processes (spawned: they import only
    ``linli.reports.sheet``) while the next report is read from the database; audit and
    ledger records are made here, in order, once each file exists."""
    today = today or timezone.localdate()
    templates = sorted(modes, key=lambda t: (t.department, t.code))
    workers = _writer_count()
    told = progress or (lambda stage, done, total: None)
    # A size estimate for the choice of writers, no row read: the reports select their own rows.
    # Whether the area holds PARALLEL_ROWS people, not how many: counting a street's 250,000
    # took a quarter of a second before the first report was read.
    if len(templates) < 2 or workers < 2 or not _holds_at_least(
            Person.objects.filter(path__under=scope.path, is_active=True), PARALLEL_ROWS):
        made = []
        for n, template in enumerate(templates):
            told(template.title, n, len(templates))
            made.append(generate(template, scope=scope, acting_user=acting_user, mode=modes[template],
                                 purpose=purpose, today=today))
        told("", len(templates), len(templates))
        return made
    # The longest lists first (as long as they were last time), so that writing them overlaps
    # reading the others.
    last_rows = dict(ReportRun.objects.filter(scope_code=scope.code).order_by("pk")
                     .values_list("template_id", "cells"))
    order = sorted(templates, key=lambda t: -last_rows.get(t.pk, 0))
    places = PlaceNames(scope)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: dict[int, tuple[_Prepared, Future[bytes] | None]] = {}
        steps = 2 * len(order)  # each report read, then written
        for n, template in enumerate(order):
            told(template.title, n, steps)
            prepared = _prepare(template, scope, acting_user, today, modes[template], places)
            job = None
            if prepared.sheet is not None:
                try:
                    job = pool.submit(write_list, prepared.sheet)
                except (BrokenExecutor, OSError, RuntimeError):
                    job = None  # written here instead
            pending[template.pk] = (prepared, job)
        made = []
        for n, (prepared, job) in enumerate(pending[t.pk] for t in templates):
            told(prepared.template.title, len(order) + n, steps)
            made.append(_finish(prepared, _written(prepared, job), scope, acting_user, modes[prepared.template],
                                purpose))
        told("", steps, steps)
        return made


def _record_in_ledger(run: ReportRun, template: ReportTemplate, scope: Place) -> None:
    from linli.ledger.log import append, pseudonym
    from linli.ledger.parties import office_party

    append("report_submitted", party=office_party(scope), subject_ref=pseudonym("report", run.pk),
           payload={"template": template.code, "version": template.version, "department": template.department,
                    "scope": scope.code, "rows": run.rows, "sha256": run.sha256},
           path=scope.path)


def zip_reports(reports: list[Generated]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for report in reports:
            archive.writestr(report.filename, report.content)
    return buffer.getvalue()


@dataclass
class Saving:
    templates: list[tuple[ReportTemplate, int, int]]  # template, rows, cells typed by hand
    typed: int
    entered_once: int


def _selecting_action(spec: Spec) -> str:
    """Which right selects a report's people: the health reports', or an export's."""
    return "health.report" if selects_by_health(spec) else "people.export"


def cells_saved(user: Any, scope: Place, today: datetime.date) -> Saving:
    """Cells a worker would type filling every department's form by hand, against the facts
    entered once in Linli (each person's distinct fields across all the reports)."""
    templates: list[tuple[ReportTemplate, int, int]] = []
    typed = 0
    fields_of: dict[int, set[str]] = {}
    for template in ReportTemplate.objects.filter(active=True).order_by("department", "code"):
        spec = parse_spec(template.spec)
        if spec.counts:
            # By hand: the table's cells (after counting every person). From the registry: nothing
            # new, since the facts counted (sex, birth date, groups) are part of registering anyone.
            table = count_rows(select_people(user, scope, spec, today, _selecting_action(spec)), spec, today)
            cells = len(table) * len(spec.columns)
            typed += cells
            templates.append((template, len(table), cells))
            continue
        columns = {c.field for c in spec.columns if c.field != "_seq"}
        ids = list(select_people(user, scope, spec, today, _selecting_action(spec)).values_list("pk", flat=True))
        typed += len(ids) * len(columns)
        for pk in ids:
            fields_of.setdefault(pk, set()).update(columns)
        templates.append((template, len(ids), len(ids) * len(columns)))
    return Saving(templates, typed, sum(len(f) for f in fields_of.values()))
