"""What the hand-out pages and the API show: the published results by group (counts only), the
rounds a user sees, and the checklist totals of an area."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from linli.core.access import may
from linli.handout import checklist
from linli.handout.access import MANAGE, RESERVE, VIEW
from linli.handout.models import Group, Reservation, ReserveCheck, Round, Status


def is_staff(user: Any) -> bool:
    return may(user, VIEW)


def shown(user: Any) -> bool:
    """The menu entry: the offices, and anyone who may reserve (residents, grid workers)."""
    return may(user, VIEW) or may(user, RESERVE) or may(user, MANAGE)


def visible_rounds(user: Any) -> QuerySet[Round]:
    return Round.objects.restrict(user, VIEW).select_related("item", "community").order_by("-opens_at", "-pk")


@dataclass
class GroupRow:
    group: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def asked(self) -> int:
        return sum(self.counts.values())

    @property
    def served(self) -> int:
        return self.counts.get(Status.COLLECTED, 0)


@dataclass
class Results:
    """A round's published results: households by group and by outcome, no names, no addresses."""

    rows: list[GroupRow]
    totals: dict[str, int]

    @property
    def asked(self) -> int:
        return sum(self.totals.values())

    def as_dict(self) -> dict[str, Any]:
        return {"by_group": [{"group": r.group, "label": str(r.label), **{s: r.counts.get(s, 0) for s in Status.values}}
                             for r in self.rows],
                "totals": {s: self.totals.get(s, 0) for s in Status.values}}


def results(round_: Round) -> Results:
    counts: dict[str, Counter[str]] = {group: Counter() for group in Group.values}
    for group, status, n in (Reservation.objects.filter(round=round_).values_list("group", "status")
                             .annotate(n=Count("id")).order_by()):
        counts.setdefault(group, Counter())[status] += n
    rows = [GroupRow(group, str(label), dict(counts[group])) for group, label in Group.choices]
    totals: Counter[str] = Counter()
    for row in rows:
        totals.update(row.counts)
    return Results(rows, dict(totals))


@dataclass
class ChecklistTotals:
    households: int  # households that filled in the checklist
    ticked: list[tuple[str, str, int]]  # (code, label, households ticking it)


def checklist_totals(checks: QuerySet[ReserveCheck]) -> ChecklistTotals:
    """How many households of the area keep each thing (counts only)."""
    per_code: Counter[str] = Counter()
    households = 0
    for ticked in checks.values_list("ticked", flat=True).iterator(chunk_size=2000):
        households += 1
        per_code.update(code for code in ticked if code in checklist.CODES)
    return ChecklistTotals(households, [(code, str(label), per_code[code]) for code, label in checklist.ITEMS])
