"""Summary tables for the screen's slow numbers: a source (registered by the module that owns
the rows) computes per-building numbers for the whole database in one grouped query; the
overview keeps them in ``Tally`` rows and sums them for a screen's place and a user's scope.

Never stale beyond a bound: the worker recomputes every source each minute
(``refresh_overview_tallies``), and a read that finds a source's tallies older than
``MAX_AGE`` seconds (no worker running) recomputes them first. A write therefore shows on the
screen within ``MAX_AGE`` seconds at the latest, as the per-minute cache it replaces did.

A tally answers only for a scope made of places no smaller than a building (a street, a
community, a grid of whole buildings …): a person is in scope exactly when her building is.
A finer scope (a single house) gets None, and the provider counts live as before.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core.access import scope_for
from linli.overview import grouping
from linli.overview.models import Tally, TallyRun

MAX_AGE = 90  # seconds: a read recomputes tallies older than this (the worker does every 60)

Counts = dict[str, int]
SourceFunction = Callable[[], dict[str, Counts]]  # building path (or shorter) -> key -> number


@dataclass(frozen=True)
class Source:
    name: str
    compute: SourceFunction
    action: str  # whose scope decides which buildings a user's numbers add up


_SOURCES: dict[str, Source] = {}


def register_source(name: str, compute: SourceFunction, *, action: str) -> None:
    """A summary kept for the screen: ``compute()`` returns, for every building path (rows above
    any building under their own path), the numbers by key, from grouped queries."""
    _SOURCES[name] = Source(name, compute, action)


def sources() -> dict[str, Source]:
    return dict(_SOURCES)


def refresh(name: str) -> int:
    """Recompute one source's tallies (one transaction: a reader sees the old or the new set)."""
    source = _SOURCES[name]
    started = time.perf_counter()
    numbers = source.compute()
    with transaction.atomic():
        Tally.objects.filter(source=name).delete()
        Tally.objects.bulk_create([Tally(source=name, path=path, counts=counts) for path, counts in numbers.items()],
                                  batch_size=2000)
        TallyRun.objects.update_or_create(source=name, defaults={
            "computed_at": timezone.now(), "rows": len(numbers), "seconds": round(time.perf_counter() - started, 3)})
    return len(numbers)


def refresh_all() -> dict[str, int]:
    return {name: refresh(name) for name in _SOURCES}


def _fresh(name: str, now: datetime.datetime) -> None:
    run = TallyRun.objects.filter(source=name).values_list("computed_at", flat=True).first()
    if run is None or (now - run).total_seconds() > MAX_AGE:
        refresh(name)


def read(name: str, user: Any, place: Any, action: str = "") -> dict[str, Counts] | None:
    """The source's numbers per building under ``place`` that ``user`` may count with the
    source's action (or ``action``, for a key that needs another right); None when her scope
    is finer than a building (count live instead)."""
    source = _SOURCES[name]
    scope = scope_for(user, action or source.action)
    width = grouping.prefix_length(grouping.BUILDING)
    if scope.empty or (not scope.everything and any(len(p) > width for p in scope.prefixes)):
        return None
    _fresh(name, timezone.now())
    rows = Tally.objects.filter(source=name, path__startswith=place.path).values_list("path", "counts")
    return {path: counts for path, counts in rows.iterator(chunk_size=2000) if scope.covers(path)}
