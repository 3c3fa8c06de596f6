"""The dry run: every row validated, duplicates found, matches with registered people and
their differences worked out — without writing anything to the registry.

The same plan is made again when the user commits, so what is written is what the registry
looks like at that moment; a fingerprint tells whether it still equals what she reviewed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core.access import allows
from linli.core.scope import Scope, scope_for
from linli.core.validators import mask_id_number, mask_phone
from linli.imports.cells import is_blank_row
from linli.imports.headers import SheetLayout
from linli.imports.houses import HouseIndex
from linli.imports.reading import Sheet
from linli.imports.rows import Row, RowParser
from linli.people.actions import id_probes_left, record_id_probes, require_probe_budget
from linli.people.models import Person, Residence
from linli.places.models import Place, full_names

ProgressFn = Callable[[str, int, int], None]
CHUNK = 1000
PROGRESS_STEP = 1000
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> list[Row]:
        return [r for r in self.rows if r.rejected]

    @property
    def matched(self) -> list[Row]:
        return [r for r in self.rows if not r.rejected and r.existing is not None]

    @property
    def new(self) -> list[Row]:
        return [r for r in self.rows if not r.rejected and r.existing is None]

    def counts(self) -> dict[str, int]:
        return {"rows": len(self.rows), "rejected": len(self.rejected), "matched": len(self.matched),
                "new": len(self.new)}

    def fingerprint(self) -> str:
        """What would be written: which rows, each new or merged into which person."""
        digest = hashlib.sha256()
        for row in self.rows:
            if not row.rejected:
                existing = row.existing.pk if row.existing is not None else ""
                digest.update(f"{row.sheet}\t{row.number}\t{existing}\n".encode())
        return digest.hexdigest()


class Planner:
    """Makes the plan for one file, for one user in one area."""

    def __init__(self, *, user: Any, area: Place, progress: ProgressFn | None = None) -> None:
        self.user, self.area = user, area
        self.change_scope: Scope = scope_for(user, "people.change")
        self.groups_scope: Scope = scope_for(user, "people.view_groups")
        self.progress = progress or no_progress

    def make(self, sheets: list[Sheet], layouts: list[SheetLayout]) -> Plan:
        require_probe_budget(self.user)
        plan = Plan()
        houses = HouseIndex(self.area, self.change_scope)
        total = sum(layout.rows for layout in layouts if layout.header_row is not None)
        done = 0
        self.progress("checking", 0, total)
        for sheet, layout in zip(sheets, layouts, strict=True):
            if layout.header_row is None or not layout.mapping:
                plan.skipped_sheets.append(sheet.name)
                continue
            parser = RowParser(layout, houses, self.groups_scope)
            mapped = sorted(layout.mapping)
            for index in range(layout.header_row + 1, len(sheet.rows)):
                raw = sheet.rows[index]
                # Only the mapped columns count: a template's pre-numbered 序号 column or a
                # footer (填表人：…) in an unmapped column is not a person to reject.
                if not is_blank_row([raw[i] for i in mapped if i < len(raw)]):
                    plan.rows.append(parser.parse(raw, index + 1))
                done += 1
                if done % PROGRESS_STEP == 0:
                    self.progress("checking", done, total)
        self.progress("matching", done, total)
        _reject_duplicates_in_file(plan.rows)
        self._match(plan.rows)
        self.progress("matching", total, total)
        return plan

    def rematch(self, rows: list[Row]) -> Plan:
        """Match rows prepared by the dry run against the registry as it is now, with the
        user's rights as they are now (no differences needed: they were shown already)."""
        self.progress("matching", 0, len(rows))
        for row in rows:
            if row.house is None or not self.change_scope.covers(row.house.path):
                row.reject("room", ValidationError(_("This house is outside your area now."),
                                                   code="house_outside_scope"))
        self._match_registry(rows, [r for r in rows if not r.rejected])
        self.progress("matching", len(rows), len(rows))
        return Plan(rows=rows)

    # --- matching with the registry ------------------------------------------------------
    def _match(self, rows: list[Row]) -> None:
        self._match_registry(rows, [r for r in rows if not r.rejected and r.person is not None])
        matched = [r for r in rows if not r.rejected and r.existing is not None]
        _work_out_differences(matched, self.groups_scope)

    def _match_registry(self, rows: list[Row], valid: list[Row]) -> None:
        """The valid rows matched by ID number, the others by name and phone; a registered
        person matched by two rows is matched by the first only."""
        self._match_by_id(valid)
        self._match_by_name_phone([r for r in valid if not r.rejected and r.existing is None])
        _reject_double_matches(rows)

    def _match_by_id(self, rows: list[Row]) -> None:
        wanted = [r.person.id_hash for r in rows if r.person is not None and r.person.id_hash]
        found: dict[str, Person] = {}
        for part in chunks(wanted):
            found.update((p.id_hash, p) for p in Person.objects.filter(id_hash__in=part).order_by())
        elsewhere = 0
        for row in rows:
            person = found.get(row.person.id_hash) if row.person is not None and row.person.id_hash else None
            if person is None:
                continue
            if not self.change_scope.covers(person.path) and allows(self.user, "people.view", person):
                # Someone she sees but may not change (another grid of her community …): named and
                # linked in the report, as the registration form does; no secret to keep.
                row.reject("id_number", ValidationError(
                    _("A person with this ID number is already registered, outside the houses you may change."),
                    code="duplicate"), person=person)
            elif not self.change_scope.covers(person.path):
                # Said without confirming that the number exists elsewhere; audited, and limited
                # per hour so that a file of numbers cannot map who lives where.
                elsewhere += 1
                row.reject("id_number", ValidationError(
                    _("This ID number cannot be registered here; the street office can check."),
                    code="id_not_here"))
            else:
                row.existing, row.match_kind = person, "id"
        if elsewhere:
            record_id_probes(self.user, elsewhere, path=self.area.path, source="import")
            if id_probes_left(self.user) < 0:
                raise ValidationError(
                    _("Too many ID numbers in this file cannot be registered here. Ask the street office to "
                      "check them; the report of this file is withheld."), code="rate_limited")

    def _match_by_name_phone(self, rows: list[Row]) -> None:
        wanted = sorted({r.person.phone_hash for r in rows if r.person is not None and r.person.phone_hash})
        by_phone: dict[str, list[Person]] = defaultdict(list)
        for part in chunks(wanted):
            people = Person.objects.filter(self.change_scope.q("path"), phone_hash__in=part).order_by("pk")
            for person in people:
                by_phone[person.phone_hash].append(person)
        for row in rows:
            if row.person is None or not row.person.phone_hash:
                continue
            same = [p for p in by_phone.get(row.person.phone_hash, []) if p.name == row.person.name]
            if same:
                row.existing, row.match_kind = same[0], "name_phone"


def _reject_duplicates_in_file(rows: list[Row]) -> None:
    """A person twice in one file: the later rows are rejected, naming the first. Two rows
    are the same person when they have the same ID number, or the same name and phone while
    one of them has no ID number (as such a row would match a registered person)."""
    by_id: dict[str, Row] = {}
    by_name_phone: dict[tuple[str, str], Row] = {}
    without_id: dict[tuple[str, str], Row] = {}
    for row in rows:
        person = row.person
        if row.rejected or person is None:
            continue
        key = (person.name, person.phone_hash) if person.phone_hash else None
        first, field_code = (by_id.get(person.id_hash), "id_number") if person.id_hash else (None, "phone")
        if first is None and key is not None:
            first, field_code = (without_id if person.id_hash else by_name_phone).get(key), "phone"
        if first is not None:
            row.reject(field_code, ValidationError(
                _("The same person is already in row %(row)d of sheet %(sheet)s."), code="duplicate_in_file",
                params={"row": first.number, "sheet": first.sheet}))
            continue
        if person.id_hash:
            by_id[person.id_hash] = row
        if key is not None:
            by_name_phone.setdefault(key, row)
            if not person.id_hash:
                without_id.setdefault(key, row)


def _reject_double_matches(rows: list[Row]) -> None:
    first_for: dict[int, Row] = {}
    for row in rows:
        if row.rejected or row.existing is None:
            continue
        first = first_for.setdefault(row.existing.pk, row)
        if first is not row:
            existing, row.existing = row.existing, None
            row.reject("name", ValidationError(
                _("This row matches the same registered person as row %(row)d of sheet %(sheet)s."),
                code="duplicate_match", params={"row": first.number, "sheet": first.sheet}), person=existing)


# --- differences ----------------------------------------------------------------------------

def open_residences(people: list[Person]) -> dict[int, list[Residence]]:
    """Each person's open residences, oldest first."""
    found: dict[int, list[Residence]] = {}
    for part in chunks([p.pk for p in people]):
        for residence in Residence.objects.filter(person_id__in=part, moved_out__isnull=True).order_by("pk"):
            found.setdefault(residence.person_id, []).append(residence)
    return found


def _addresses(people: list[Person]) -> dict[int, str]:
    houses: list[Place] = []
    for part in chunks(sorted({p.current_house_id for p in people if p.current_house_id})):
        houses.extend(Place.objects.filter(pk__in=part))
    names: dict[int, str] = {}
    for some in chunks(houses):
        names.update(full_names(list(some)))
    return names


def _work_out_differences(rows: list[Row], groups_scope: Scope) -> None:
    existing = [r.existing for r in rows if r.existing is not None]
    residences = open_residences(existing)
    addresses = _addresses(existing)
    for row in rows:
        old = row.existing
        assert old is not None  # noqa: S101 - filtered above
        oldest = next(iter(residences.get(old.pk, [])), None)  # the one the person page shows
        row.differences = differences(row, old, oldest, addresses.get(old.current_house_id or 0, ""),
                                      groups_scope.covers(old.path))


def differences(row: Row, old: Person, residence: Residence | None, old_address: str,
                can_see_groups: bool) -> list[dict[str, Any]]:
    """What merging this row would change. Empty cells change nothing, and tags are only
    added: an import never erases what is registered."""
    new, given = row.person, row.values
    assert new is not None  # noqa: S101 - matched rows are valid
    out: list[dict[str, Any]] = []

    def add(code: str, before: Any, after: Any) -> None:
        if before != after:
            out.append({"field": code, "old": before, "new": after})

    add("name", old.name, new.name)
    if new.id_number and new.id_number != old.id_number:
        add("id_number", mask_id_number(old.id_number), mask_id_number(new.id_number))
    if new.phone and new.phone != old.phone:
        add("phone", mask_phone(old.phone), mask_phone(new.phone))
    if given.get("population_type"):
        add("population_type", old.population_type, new.population_type)
    if given.get("hukou_address"):
        add("hukou_address", old.hukou_address, new.hukou_address)
    if new.special_groups and can_see_groups:
        add("special_groups", sorted(old.special_groups), sorted(set(old.special_groups) | set(new.special_groups)))
    if new.community_roles:
        add("community_roles", sorted(old.community_roles),
            sorted(set(old.community_roles) | set(new.community_roles)))
    if new.notes:
        add("notes", old.notes, new.notes)
    if row.house is not None and row.house.id != old.current_house_id:
        add("address", old_address or old.current_address, row.house.address)
    elif residence is not None:
        _residence_differences(row, residence, add)
    return out


def _residence_differences(row: Row, residence: Residence, add: Callable[[str, Any, Any], None]) -> None:
    if row.relation_given:
        add("relation", residence.relation, row.relation)
    if row.relation_to_head:
        add("relation_to_head", residence.relation_to_head, row.relation_to_head)
    if row.moved_in is not None:
        add("moved_in", residence.moved_in.isoformat() if residence.moved_in else "", row.moved_in.isoformat())
