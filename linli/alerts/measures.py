"""The 15 minutes, measured: time to acknowledge and time to on site, per community and month.

Pure standard-library Python (no Django); the pages and the API hand it one :class:`Row` per
alert. An alert counts for a month if it was raised in it (local time). Drills are counted
apart. An alert cleared on its own before anybody acknowledged it (the condition ended) is
not a response and is left out; an alert nobody reached on site counts against the share
within 15 minutes.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GOAL = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class Row:
    community: str  # the community's path (or code): how the figures are grouped
    opened_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    on_site_at: datetime.datetime | None
    is_drill: bool = False
    cleared_unanswered: bool = False  # cleared automatically before anybody acknowledged


@dataclass(frozen=True)
class Figures:
    community: str
    month: str  # YYYY-MM
    is_drill: bool
    alerts: int
    acknowledged: int
    on_site: int
    ack_p50: float | None  # minutes
    ack_p90: float | None
    site_p50: float | None
    site_p90: float | None
    within_goal: int  # on site within 15 minutes
    share_within_goal: float | None  # within_goal / alerts


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile (no interpolation: a figure someone actually took)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _minutes(start: datetime.datetime, end: datetime.datetime | None) -> float | None:
    if end is None:
        return None
    return max((end - start).total_seconds(), 0.0) / 60


def summarise(rows: Iterable[Row], tz: datetime.tzinfo) -> list[Figures]:
    """Figures per (community, month, drill or not), in that order."""
    groups: dict[tuple[str, str, bool], list[Row]] = {}
    for row in rows:
        if row.cleared_unanswered:
            continue
        month = row.opened_at.astimezone(tz).strftime("%Y-%m")
        groups.setdefault((row.community, month, row.is_drill), []).append(row)
    found = []
    for (community, month, drill), members in sorted(groups.items()):
        acks = [m for m in (_minutes(r.opened_at, r.acknowledged_at) for r in members) if m is not None]
        sites = [m for m in (_minutes(r.opened_at, r.on_site_at) for r in members) if m is not None]
        within = sum(1 for m in sites if m <= GOAL.total_seconds() / 60)
        found.append(Figures(
            community=community, month=month, is_drill=drill, alerts=len(members), acknowledged=len(acks),
            on_site=len(sites), ack_p50=percentile(acks, 50), ack_p90=percentile(acks, 90),
            site_p50=percentile(sites, 50), site_p90=percentile(sites, 90), within_goal=within,
            share_within_goal=within / len(members) if members else None))
    return found
