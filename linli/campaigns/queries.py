"""Reading campaigns: progress by grid (counted live from the households' states), answers by
question, the review queue, a grid worker's list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from linli.campaigns import answers
from linli.campaigns.access import VIEW, WORK
from linli.campaigns.models import Answer, ApplyState, Campaign, Status, Target, TargetStatus
from linli.grids.models import Grid


@dataclass
class GridRow:
    grid_id: int | None
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return self.counts.get(TargetStatus.DONE, 0) + self.counts.get(TargetStatus.REVIEW, 0)

    @property
    def share(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @property
    def width(self) -> int:
        """The share rounded to the bar widths the style sheet has (ll-w-0 … ll-w-100)."""
        return 5 * round(self.share / 5)


@dataclass
class Progress:
    grids: list[GridRow]
    total: GridRow
    calls: int


def visible_targets(user: Any, campaign: Campaign) -> QuerySet[Target]:
    return Target.objects.restrict(user, VIEW).filter(campaign=campaign)


def progress(user: Any, campaign: Campaign) -> Progress:
    """Households by grid and state (one grouped count), as far as the reader sees them."""
    rows = visible_targets(user, campaign).values("grid_id", "status").annotate(n=Count("pk"))
    grids: dict[int | None, GridRow] = {}
    total = GridRow(None, "")
    for row in rows:
        line = grids.setdefault(row["grid_id"], GridRow(row["grid_id"], ""))
        line.counts[row["status"]] = line.counts.get(row["status"], 0) + row["n"]
        line.total += row["n"]
        total.counts[row["status"]] = total.counts.get(row["status"], 0) + row["n"]
        total.total += row["n"]
    names = dict(Grid.objects.filter(pk__in=[g for g in grids if g]).values_list("pk", "name"))
    for grid_id, line in grids.items():
        line.name = names.get(grid_id, "") if grid_id else ""
    calls = visible_targets(user, campaign).aggregate(n=Count("attempts", filter=Q(attempts__channel="call")))["n"]
    return Progress(sorted(grids.values(), key=lambda g: (g.grid_id is None, g.name)), total, calls or 0)


@dataclass
class QuestionSummary:
    number: int
    text: str
    counts: list[tuple[str, int]]
    review: int
    applied: int = 0
    failed: int = 0


def summary(user: Any, campaign: Campaign) -> list[QuestionSummary]:
    """Each question's answers, counted (the ten commonest for numbers and text)."""
    rows = Answer.objects.filter(target__in=visible_targets(user, campaign))
    out = []
    for question in campaign.questions.order_by("number"):
        values = Counter(answers.shown(question, v) for v in rows.filter(question=question, needs_review=False)
                         .values_list("value", flat=True)[:20000])
        states = dict(rows.filter(question=question).values("apply_state").annotate(n=Count("pk"))
                      .values_list("apply_state", "n"))
        out.append(QuestionSummary(question.number, question.text, values.most_common(10),
                                   rows.filter(question=question, needs_review=True).count(),
                                   states.get(ApplyState.APPLIED, 0), states.get(ApplyState.FAILED, 0)))
    return out


def worklist(user: Any) -> QuerySet[Target]:
    """A grid worker's households to knock or phone: handed over to her first, special groups first."""
    knocking = [pk for pk, channels in Campaign.objects.filter(status=Status.RUNNING).values_list("pk", "channels")
                if "knock" in channels]
    return (Target.objects.restrict(user, WORK).filter(campaign_id__in=knocking)
            .filter(status__in=[TargetStatus.KNOCK, TargetStatus.WAITING])
            .select_related("campaign").order_by("status", "-priority", "path"))
