"""Contact tracing for epidemic mode: who was with a confirmed case, and who was with them.

Plain Python with no Django imports, so that tests and benchmarks can use it alone. The
Django side turns access records (gate in/out, place check-ins, later device locations)
into intervals, calls :func:`trace` and shows the contacts for review.

Data
----
An *interval* is ``(person, place, t_in, t_out)``: ``person`` and ``place`` are any hashable
ids, times are integer epoch seconds (``IntervalIndex.from_intervals`` and :func:`trace` also
accept timezone-aware datetimes and convert them with :func:`to_epoch`; naive ones are
refused). A person is present at the place for ``t_in <= t < t_out``. An interval with
``t_out < t_in`` is invalid: it is skipped and counted in ``IntervalIndex.skipped`` rather than
raising, because one bad record must not stop a trace. An interval with ``t_out == t_in`` is
valid but can never overlap anything, so the index does not store it either (``len(index)``
counts stored intervals). Open intervals (still inside) must be closed by the caller, for
example at the end of the trace window.

Semantics
---------
*Overlap* of persons X and Y within a window ``[w0, w1)`` is the number of seconds ``t`` with
``w0 <= t < w1`` at which X and Y are both present at the same place. It is cumulative over
visits and places (WHO guidance counts a cumulative 15 minutes), and each second counts once,
even where records are duplicated or places nest (a compound gate and a shop behind it).
The *first exposure* is the first such second: the earliest start of an overlapping segment.

* Degree 1, close contact: a person other than the index case whose overlap with the index
  case within ``[start, end)`` is positive and at least ``min_overlap`` seconds.
* Degree k > 1: a person not already found (nor the index case) whose overlap with some
  degree k-1 contact ``p`` within ``[first_exposure(p), end)`` is positive and at least
  ``min_overlap``: only time spent together at or after ``p``'s own exposure counts. Degrees
  are breadth-first: a person gets the smallest degree at which they qualify, and a degree-k
  contact is traced only from degree k-1 contacts.
* Each contact reports ``via``, the parent (the index case for degree 1) through whom they were
  exposed earliest, breaking ties by the larger overlap, then by the parent's own order;
  ``first_exposure`` and ``total_overlap`` are those with ``via``; ``place`` is where the
  first exposure began (the longest segment starting then, if several places tie).

``trace`` returns a dict person -> :class:`Contact` in the order (degree, first exposure, larger
overlap first, first appearance of the person in the data).

Index and cost
--------------
:class:`IntervalIndex` is built once (10 million intervals: about 40 seconds and 1.4 GB of
peak memory on a busy two-core machine, 28 bytes per interval afterwards) and then traced
many times. Intervals are held in column arrays sorted by (place, length class, t_in); each
(place, length class) group is a contiguous run that knows its longest interval ``max_len``. The intervals of a
group overlapping ``[a, b)`` all have ``t_in < b`` and ``t_out > a``, hence
``t_in > a - max_len``: two bisections bound the run to scan, and only the few rows between
``a - max_len`` and ``a`` that ended before ``a`` are wasted. Length classes (up to 15 minutes,
1 hour, 4 hours, 16 hours, 64 hours, longer) keep one long interval, a night shift or a device
location held for days, from widening the scan over every short visit at the same place.
A per-person table of row numbers finds each person's own intervals.

Tracing from one person costs a bisection per (interval of theirs, length class of its place)
plus the rows that overlap: two hops from an ordinary resident among 10 million intervals
(428 close and 31,451 secondary contacts) took 0.43 s against a 2-second goal, and at most
0.63 s for five other people (see ``benchmarks/health_tracing.py``).
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import accumulate, compress, repeat
from typing import TypeAlias

__all__ = [
    "DEFAULT_MIN_OVERLAP",
    "Contact",
    "Interval",
    "IntervalIndex",
    "to_epoch",
    "trace",
]

Time: TypeAlias = int | datetime
Interval: TypeAlias = tuple[Hashable, Hashable, Time, Time]
Segment: TypeAlias = tuple[int, int, int]  # (lo, hi, dense place): time spent together

DEFAULT_MIN_OVERLAP = 15 * 60
# Upper bounds (seconds, inclusive) of the interval length classes; longer ones form the last.
LENGTH_CLASSES = (15 * 60, 3600, 4 * 3600, 16 * 3600, 64 * 3600)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def to_epoch(value: Time) -> int:
    """Integer epoch seconds (rounded down) of an int or a timezone-aware datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: tracing needs timezone-aware times")
        return (value - _EPOCH) // _SECOND
    return operator.index(value)


def _seconds(value: int | timedelta) -> int:
    """Whole seconds of a duration, rounded up so that "at least" stays at least."""
    if isinstance(value, timedelta):
        return -(-value // _SECOND)
    return operator.index(value)


@dataclass(frozen=True, slots=True)
class Contact:
    person: Hashable
    degree: int
    first_exposure: int
    total_overlap: int
    via: Hashable
    place: Hashable


class IntervalIndex:
    """Intervals indexed by place (sorted by time) and by person; build once, trace often."""

    __slots__ = (
        "skipped", "_persons", "_person_ids", "_places",
        "_person", "_place", "_t_in", "_t_out", "_groups", "_rows", "_offsets",
    )

    def __init__(self) -> None:
        self.skipped = 0  # invalid intervals (t_out < t_in) left out
        self._persons: list[Hashable] = []  # dense id -> person
        self._person_ids: dict[Hashable, int] = {}
        self._places: list[Hashable] = []
        # Columns sorted by (place, length class, t_in); persons and places as dense ids.
        self._person = array("i")
        self._place = array("i")
        self._t_in = array("q")
        self._t_out = array("q")
        self._groups: list[tuple[tuple[int, int, int], ...]] = []  # place -> (lo, hi, max_len)
        self._rows = array("i")  # row numbers grouped by person ...
        self._offsets = array("q", [0])  # ... person p's rows are _rows[_offsets[p]:_offsets[p+1]]

    def __len__(self) -> int:
        return len(self._t_in)

    @classmethod
    def from_intervals(cls, intervals: Iterable[Interval]) -> IntervalIndex:
        """Index ``(person, place, t_in, t_out)`` tuples; times are ints or aware datetimes."""
        persons: list[Hashable] = []
        places: list[Hashable] = []
        t_in: list[int] = []
        t_out: list[int] = []
        for person, place, start, end in intervals:
            persons.append(person)
            places.append(place)
            t_in.append(start if type(start) is int else to_epoch(start))
            t_out.append(end if type(end) is int else to_epoch(end))
        return cls.from_columns(persons, places, t_in, t_out)

    @classmethod
    def from_columns(
        cls,
        persons: Sequence[Hashable],
        places: Sequence[Hashable],
        t_in: Sequence[int],
        t_out: Sequence[int],
    ) -> IntervalIndex:
        """Index intervals given as four equally long columns; times are int epoch seconds.

        The work runs in C-level maps and one sort of packed integer keys, which is several
        times faster than sorting tuples and needs no numpy.
        """
        n = len(persons)
        if not len(places) == len(t_in) == len(t_out) == n:
            raise ValueError("the four columns must have the same length")
        self = cls()
        self.skipped = n - sum(map(operator.le, t_in, t_out))
        # Zero-length intervals are valid but never overlap anything: leave them out too.
        keep = list(map(operator.lt, t_in, t_out))
        kept = sum(keep)
        if kept < n:
            persons = list(compress(persons, keep))
            places = list(compress(places, keep))
            t_in = list(compress(t_in, keep))
            t_out = list(compress(t_out, keep))
        del keep
        n = kept
        self._persons = list(dict.fromkeys(persons))
        self._person_ids = {p: i for i, p in enumerate(self._persons)}
        self._places = list(dict.fromkeys(places))
        place_ids = {p: i for i, p in enumerate(self._places)}
        if n == 0:
            return self
        dense_place = array("i", map(place_ids.__getitem__, places))

        # One key per row packing (place, length class, t_in - t_min, row), sorted as plain ints.
        t_min = min(t_in)
        span = max(t_in) - t_min + 1
        n_classes = len(LENGTH_CLASSES) + 1
        row_bits = max(1, (n - 1).bit_length())
        length_class = partial(bisect_left, LENGTH_CLASSES)
        groups = map(operator.add, map(operator.mul, dense_place, repeat(n_classes)),
                     map(length_class, map(operator.sub, t_out, t_in)))
        times = map(operator.add, map(operator.mul, groups, repeat(span)),
                    map(operator.sub, t_in, repeat(t_min)))
        keys = list(map(operator.or_, map(operator.lshift, times, repeat(row_bits)), range(n)))
        keys.sort()
        order = list(map(operator.and_, keys, repeat((1 << row_bits) - 1)))

        dense_person = array("i", map(self._person_ids.__getitem__, persons))
        self._person = array("i", map(dense_person.__getitem__, order))
        del dense_person
        self._place = array("i", map(dense_place.__getitem__, order))
        del dense_place
        self._t_in = array("q", map(t_in.__getitem__, order))
        self._t_out = array("q", map(t_out.__getitem__, order))
        del order

        # Runs of each (place, length class): bisect the sorted keys at each group's first key.
        shift = row_bits
        by_place: list[list[tuple[int, int, int]]] = [[] for _ in self._places]
        for place, runs in enumerate(by_place):
            for length in range(n_classes):
                group = place * n_classes + length
                lo = bisect_left(keys, (group * span) << shift)
                hi = bisect_left(keys, ((group + 1) * span) << shift, lo)
                if lo < hi:
                    max_len = max(map(operator.sub, self._t_out[lo:hi], self._t_in[lo:hi]))
                    runs.append((lo, hi, max_len))
        del keys
        self._groups = [tuple(runs) for runs in by_place]

        # Rows by person: a counting sort (stable, so each person's rows keep the place order).
        counts = Counter(self._person)
        self._offsets = array("q", accumulate(
            (counts[p] for p in range(len(self._persons))), initial=0))
        fill = self._offsets.tolist()
        rows = array("i", bytes(4 * n))
        for row, person in enumerate(self._person):
            rows[fill[person]] = row
            fill[person] += 1
        self._rows = rows
        return self

    def intervals_of(self, person: Hashable) -> list[tuple[Hashable, int, int]]:
        """The valid ``(place, t_in, t_out)`` of a person, by place then time."""
        p = self._person_ids.get(person)
        if p is None:
            return []
        return [
            (self._places[self._place[r]], self._t_in[r], self._t_out[r])
            for r in self._rows[self._offsets[p]:self._offsets[p + 1]]
        ]

    def _segments(self, parent: int, w0: int, w1: int, done: bytearray) -> dict[int, list[Segment]]:
        """Segments ``(lo, hi, place)`` spent with ``parent`` within ``[w0, w1)``, by person.

        People flagged in ``done`` (the index case and earlier degrees, ``parent`` among them)
        are left out. This is the inner loop of a trace: it slices the columns once per run.
        """
        t_in, t_out, person, groups = self._t_in, self._t_out, self._person, self._groups
        found: dict[int, list[Segment]] = {}
        get = found.get
        for r in self._rows[self._offsets[parent]:self._offsets[parent + 1]]:
            a = max(t_in[r], w0)
            b = min(t_out[r], w1)
            if a >= b:
                continue
            place = self._place[r]
            for lo, hi, max_len in groups[place]:
                i = bisect_right(t_in, a - max_len, lo, hi)
                j = bisect_left(t_in, b, i, hi)
                if i == j:
                    continue
                for start, end, q in zip(t_in[i:j], t_out[i:j], person[i:j], strict=True):
                    if end > a and not done[q]:
                        segment = (start if start > a else a, end if end < b else b, place)
                        segments = get(q)
                        if segments is None:
                            found[q] = [segment]
                        else:
                            segments.append(segment)
        return found


def _exposure(segments: list[Segment]) -> tuple[int, int, int]:
    """(total seconds of the union, its first second, place of the longest segment then)."""
    if len(segments) == 1:
        lo, hi, place = segments[0]
        return hi - lo, lo, place
    segments.sort()
    first, end, place = segments[0]
    total = 0
    cur_lo, cur_hi = first, end
    for lo, hi, at in segments:
        if lo == first and hi > end:
            end, place = hi, at
        if lo > cur_hi:
            total += cur_hi - cur_lo
            cur_lo, cur_hi = lo, hi
        elif hi > cur_hi:
            cur_hi = hi
    return total + cur_hi - cur_lo, first, place


def trace(
    intervals: IntervalIndex | Iterable[Interval],
    index_person: Hashable,
    start: Time,
    end: Time,
    min_overlap: int | timedelta = DEFAULT_MIN_OVERLAP,
    hops: int = 2,
) -> dict[Hashable, Contact]:
    """Contacts of ``index_person`` up to ``hops`` degrees within the window ``[start, end)``.

    ``intervals`` is a prebuilt :class:`IntervalIndex` (build it once to trace many cases)
    or any iterable of ``(person, place, t_in, t_out)``. ``start`` is normally the symptom
    onset (or first positive test) minus two days and ``end`` the isolation time. See the
    module docstring for the exact rules; the index case is never returned.
    """
    index = intervals if isinstance(intervals, IntervalIndex) else IntervalIndex.from_intervals(intervals)
    w0, w1, threshold = to_epoch(start), to_epoch(end), _seconds(min_overlap)
    if w1 < w0:
        raise ValueError("the trace window ends before it starts")
    if threshold < 0 or hops < 1:
        raise ValueError("min_overlap must be >= 0 and hops >= 1")
    source = index._person_ids.get(index_person)
    if source is None:
        return {}
    done = bytearray(len(index._persons))
    done[source] = 1
    layer = [(source, w0)]  # (person, start of the window in which their contacts count)
    result: dict[Hashable, Contact] = {}
    persons, places = index._persons, index._places
    for degree in range(1, hops + 1):
        best: dict[int, tuple[int, int, int, int]] = {}  # person -> (first, total, via, place)
        for parent, since in layer:
            if since >= w1:
                continue
            for q, segments in index._segments(parent, since, w1, done).items():
                total, first, place = _exposure(segments)
                if total < threshold:
                    continue
                known = best.get(q)
                if known is None or first < known[0] or (first == known[0] and total > known[1]):
                    best[q] = (first, total, parent, place)
        if not best:
            break
        ordered = sorted(best.items(), key=lambda item: (item[1][0], -item[1][1], item[0]))
        for q, (first, total, via, place) in ordered:
            done[q] = 1
            result[persons[q]] = Contact(persons[q], degree, first, total, persons[via], places[place])
        layer = [(q, first) for q, (first, _, _, _) in ordered]
    return result
