"""Writing a checked plan to the registry, in bulk, inside the caller's transaction.

New people are written as ``do_create_person`` writes one person — the same derived fields,
hashes and path, a Residence in the house and the house's first Household (created with the
person as head when the house has none) — but with one INSERT per few hundred rows instead
of several queries per person. Matched people are merged as ``do_update_person`` would,
re-validated with ``apply_person_input``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import router
from django.db.models.base import ModelState
from django.utils import timezone

from linli.core import bulk
from linli.core.scope import Scope
from linli.imports.plan import Plan, ProgressFn, chunks, open_residences
from linli.imports.rows import Row
from linli.people.actions import PersonInput, apply_person_input
from linli.people.models import Household, Person, Residence
from linli.people.moves import Move

BATCH = 500
PROGRESS_CHUNK = 10_000
HEAD_WORDS = frozenset({"户主", "本人", "户主本人"})
PERSON_UPDATE_FIELDS = [
    "name", "name_pinyin", "name_initials", "id_number", "id_hash", "id_last4_hash", "birth_date", "sex",
    "phone", "phone_hash", "population_type", "hukou_region", "hukou_address", "school", "current_house",
    "current_address",
    "hukou_matches_residence", "special_groups", "special_groups_index", "community_roles", "notes", "path",
    "updated_at",
]


_RESIDENCE: dict[str, Any] = {}


def new_residence(person: Person, household: Household, **values: Any) -> Residence:
    """``Residence(person=person, household=household, **values)`` (plain values, by their
    column names) without the cost of ``Model.__init__``, which an import of 100,000 people
    would pay 100,000 times: the defaults set as the constructor sets them, and the person
    and the household remembered as assigning them would."""
    if not _RESIDENCE:
        _RESIDENCE.update({k: v for k, v in Residence().__dict__.items() if k != "_state"})
    residence = Residence.__new__(Residence)
    residence.__dict__.update(_RESIDENCE)
    residence._state = ModelState()
    residence.__dict__.update(values, person_id=person.pk, household_id=household.pk)
    residence._state.fields_cache.update(person=person, household=household)
    # as assigning the person sets it (the router's answer, which is the person's database)
    residence._state.db = person._state.db or router.db_for_write(Residence, instance=person)
    return residence


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    moved: int = 0
    households: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped, "moved": self.moved,
                "households_created": self.households}


class Writer:
    def __init__(self, plan: Plan, *, groups_scope: Scope, progress: ProgressFn) -> None:
        self.plan, self.groups_scope, self.progress = plan, groups_scope, progress
        self.written = Written()
        self.today = timezone.localdate()
        self.households: dict[int, Household] = {}  # house id → the household new residents join
        self.moves: list[Move] = []  # matched people registered in another house now (told by the caller)

    def write(self, *, merge: bool) -> Written:
        new, matched = self.plan.new, self.plan.matched
        total = len(new) + (len(matched) if merge else 0)
        self.progress("writing", 0, total)
        self._create(new)
        if merge:
            self._merge(matched)
        else:
            self.written.skipped = len(matched)
        self.progress("writing", total, total)
        return self.written

    # --- new people ----------------------------------------------------------------------
    def _create(self, rows: list[Row]) -> None:
        people = [r.person for r in rows if r.person is not None]
        total = len(people) * 2
        for start in range(0, len(people), PROGRESS_CHUNK):
            bulk.insert(Person, people[start : start + PROGRESS_CHUNK])
            self.progress("writing", min(start + PROGRESS_CHUNK, total), total)
        self._prepare_households(rows)
        residences = [self._residence(r, r.person) for r in rows if r.person is not None]
        for start in range(0, len(residences), PROGRESS_CHUNK):
            bulk.insert(Residence, residences[start : start + PROGRESS_CHUNK])
            self.progress("writing", min(len(people) + start + PROGRESS_CHUNK, total), total)
        self.written.created = len(people)

    def _prepare_households(self, rows: list[Row]) -> None:
        """The house's first household, as ``do_create_person`` picks it; a house without one
        gets one headed by the row that says 户主 (else its first row)."""
        house_ids = sorted({r.house.id for r in rows if r.house is not None} - set(self.households))
        for part in chunks(house_ids):
            for household in Household.objects.filter(house_id__in=part).order_by("-pk"):
                self.households[household.house_id] = household  # lowest pk last: the first one wins
        heads: dict[int, Row] = {}
        for row in rows:
            if row.house is None or row.house.id in self.households:
                continue
            current = heads.get(row.house.id)
            if current is None or (row.relation_to_head in HEAD_WORDS and current.relation_to_head not in HEAD_WORDS):
                heads[row.house.id] = row
        created = [Household(house_id=house_id, head=row.existing or row.person, path=row.house.path)
                   for house_id, row in heads.items() if row.house is not None]
        Household.objects.bulk_create(created, batch_size=BATCH)
        self.households.update((h.house_id, h) for h in created)
        self.written.households += len(created)

    def _residence(self, row: Row, person: Person | None) -> Residence:
        assert row.house is not None and person is not None  # noqa: S101 - valid rows have both
        return new_residence(person, self.households[row.house.id], house_id=row.house.id, relation=row.relation,
                             relation_to_head=row.relation_to_head, moved_in=row.moved_in, path=row.house.path)

    # --- matched people ------------------------------------------------------------------
    def _merge(self, rows: list[Row]) -> None:
        residences_of = open_residences([r.existing for r in rows if r.existing is not None])
        movers = [r for r in rows if r.house is not None and r.existing is not None
                  and r.house.id != r.existing.current_house_id]
        self._prepare_households(movers)
        people, closed, changed, created = [], [], [], []
        for row in rows:
            person = row.existing
            assert person is not None and row.house is not None  # noqa: S101 - matched rows are valid
            apply_person_input(person, self._merged_input(row, person), today=self.today)
            residences = residences_of.get(person.pk, [])
            if row.house.id != person.current_house_id:
                if person.current_house_id is not None:
                    self.moves.append(Move(person.pk, person.current_house_id, row.house.id))
                closed.extend(self._close(residences))
                created.append(self._residence(row, person))
                person.current_house_id, person.path = row.house.id, row.house.path
                person.current_address = row.house.address
                self.written.moved += 1
            else:
                here = next((r for r in residences if r.house_id == row.house.id), None)
                if here is not None and self._refresh(row, here):
                    changed.append(here)
            if person.hukou_region and person.current_house_id == row.house.id:
                person.hukou_matches_residence = row.house.code.startswith(person.hukou_region)
            person.updated_at = timezone.now()
            people.append(person)
        bulk.update(Person, people, PERSON_UPDATE_FIELDS)
        bulk.update(Residence, closed, ["moved_out", "updated_at"])
        bulk.update(Residence, changed, ["relation", "relation_to_head", "moved_in", "updated_at"])
        bulk.insert(Residence, created)
        self.written.updated = len(people)

    def _merged_input(self, row: Row, old: Person) -> PersonInput:
        """The file's values where it has them; tags added to the registered ones."""
        new = row.person
        assert new is not None  # noqa: S101 - matched rows are valid
        groups = list(old.special_groups)
        if self.groups_scope.covers(old.path):
            groups = sorted(set(groups) | set(new.special_groups))
        return PersonInput(
            name=new.name, id_number=new.id_number or old.id_number, phone=new.phone or old.phone,
            population_type=new.population_type if row.values.get("population_type") else old.population_type,
            hukou_address=new.hukou_address or old.hukou_address, school=new.school or old.school,
            special_groups=groups,
            community_roles=sorted(set(old.community_roles) | set(new.community_roles)),
            notes=new.notes or old.notes)

    def _close(self, residences: list[Residence]) -> list[Residence]:
        now = timezone.now()
        for residence in residences:
            moved_in = residence.moved_in
            residence.moved_out = max(self.today, moved_in) if moved_in else self.today
            residence.updated_at = now
        return residences

    def _refresh(self, row: Row, residence: Residence) -> bool:
        before = (residence.relation, residence.relation_to_head, residence.moved_in)
        if row.relation_given:
            residence.relation = row.relation
        residence.relation_to_head = row.relation_to_head or residence.relation_to_head
        residence.moved_in = row.moved_in or residence.moved_in
        residence.updated_at = timezone.now()
        return before != (residence.relation, residence.relation_to_head, residence.moved_in)
