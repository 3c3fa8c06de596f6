"""Contact tracing for epidemic mode: who was with a confirmed case, and who was with them.

Python and numpy with no Django imports, so that tests and benchmarks can use it alone. The
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
:class:`IntervalIndex` is built once with numpy sorts over whole columns (10 million
intervals: about 5 CPU seconds and 0.7 GB of peak memory beyond the input columns, 28 bytes
per interval afterwards; the pure-Python build before it took 26 CPU seconds and 1.05 GB)
and then traced many times. Intervals are held in column arrays sorted by (place, length class, t_in); each
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
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import compress
from typing import TypeAlias

import numpy as np

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

        The work runs in numpy over whole columns: one stable sort of packed integer keys
        (place, length class, t_in) and one of the person column, no Python object per
        interval. Integer ids given as ``array``/numpy columns (or lists of ints) are
        mapped to dense ids in numpy too; any other hashable ids go through a dict.
        """
        n = len(persons)
        if not len(places) == len(t_in) == len(t_out) == n:
            raise ValueError("the four columns must have the same length")
        self = cls()
        starts, ends = _int_column(t_in), _int_column(t_out)
        self.skipped = int(np.count_nonzero(starts > ends))
        # Zero-length intervals are valid but never overlap anything: leave them out too.
        keep = starts < ends
        kept = int(np.count_nonzero(keep))
        everything = kept == n
        if not everything:
            starts, ends = starts[keep], ends[keep]
        person_of, self._persons = _dense_ids(persons, None if everything else keep)
        place_of, self._places = _dense_ids(places, None if everything else keep)
        del keep
        self._person_ids = {p: i for i, p in enumerate(self._persons)}
        n = kept
        if n == 0:
            return self

        # Sort by (place, length class, t_in), ties in input order: one sort of integer keys
        # packing all four (row number in the low bits) when they fit in 63 bits, else a
        # lexsort.
        n_classes = len(LENGTH_CLASSES) + 1
        lengths = ends - starts
        group = place_of.astype(np.int64)
        group *= n_classes
        group += np.searchsorted(np.asarray(LENGTH_CLASSES, dtype=np.int64), lengths, side="left")
        t_min = int(starts.min())
        span = int(starts.max()) - t_min + 1
        row_bits = max(1, (n - 1).bit_length())
        rows = np.arange(n, dtype=np.int64)
        if (len(self._places) * n_classes * span) << row_bits < 1 << 63:
            key = group * span
            key += starts
            key -= t_min
            key <<= row_bits
            key |= rows
            key.sort()
            key &= (1 << row_bits) - 1
            order = key
        else:
            order = np.lexsort((starts, group))
        group = group[order]
        lengths = lengths[order]
        self._person = _array("i", person_of[order])
        self._place = _array("i", place_of[order])
        self._t_in = _array("q", starts[order])
        self._t_out = _array("q", ends[order])
        del starts, ends, place_of

        # Runs of each (place, length class) and their longest interval.
        firsts = np.flatnonzero(np.diff(group)) + 1
        firsts = np.concatenate(([0], firsts))
        lasts = np.append(firsts[1:], n)
        longest = np.maximum.reduceat(lengths, firsts)
        run_places = group[firsts] // n_classes
        del lengths, group
        by_place: list[list[tuple[int, int, int]]] = [[] for _ in self._places]
        for place, lo, hi, max_len in zip(run_places.tolist(), firsts.tolist(), lasts.tolist(),
                                          longest.tolist(), strict=True):
            by_place[place].append((lo, hi, max_len))
        self._groups = [tuple(runs) for runs in by_place]

        # Rows by person: a stable sort, so each person's rows keep the place order.
        person_sorted = person_of[order]
        del order, person_of
        self._offsets = _array("q", np.concatenate((
            [0], np.cumsum(np.bincount(person_sorted, minlength=len(self._persons)), dtype=np.int64))))
        # (person, row) packed in one integer and sorted: the rows of each person in order.
        key = person_sorted.astype(np.int64)
        del person_sorted
        key <<= row_bits
        key |= rows
        del rows
        key.sort()
        key &= (1 << row_bits) - 1
        self._rows = _array("i", key)
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


def _array(typecode: str, column: np.ndarray) -> array:
    """An ``array`` of ``typecode`` with the values of a numpy column."""
    out = array(typecode)
    values = np.ascontiguousarray(column, dtype=np.dtype(f"i{out.itemsize}"))
    out.frombytes(values.data.cast("B"))  # one copy, straight from numpy's buffer
    return out


def _int_column(column: Sequence[int]) -> np.ndarray:
    """A column of integers as int64 (TypeError for anything that is not an integer)."""
    if isinstance(column, np.ndarray | array):
        values = np.asarray(column)
        if values.dtype.kind in "iu":
            return values.astype(np.int64, copy=False)
    return np.fromiter(map(operator.index, column), dtype=np.int64, count=len(column))


def _dense_ids(column: Sequence[Hashable], keep: np.ndarray | None) -> tuple[np.ndarray, list[Hashable]]:
    """Dense int32 ids of the kept values of ``column``, numbered in order of first
    appearance, and the values by id (as Python objects)."""
    values = None
    if isinstance(column, np.ndarray | array):
        values = np.asarray(column)
    elif isinstance(column, list) and column and all(type(v) is int for v in column[:64]):
        try:
            values = np.asarray(column)
        except (OverflowError, ValueError):
            values = None
    if values is None or values.ndim != 1 or values.dtype.kind not in "iu":
        kept = column if keep is None else list(compress(column, keep.tolist()))
        names = list(dict.fromkeys(kept))
        ids = {v: i for i, v in enumerate(names)}
        return np.fromiter(map(ids.__getitem__, kept), dtype=np.int32, count=len(kept)), names
    if keep is not None:
        values = values[keep]
    if values.size == 0:
        return np.zeros(0, dtype=np.int32), []
    low, high = int(values.min()), int(values.max())
    if high - low < 4 * values.size + 1024:
        # Small range (the usual case: ids from a database): a table indexed by value.
        shifted = values - low
        first = np.full(high - low + 1, values.size, dtype=np.int64)
        np.minimum.at(first, shifted, np.arange(values.size, dtype=np.int64))
        present = np.flatnonzero(first < values.size)
        by_appearance = present[np.argsort(first[present], kind="stable")]
        dense = np.empty(high - low + 1, dtype=np.int32)
        dense[by_appearance] = np.arange(by_appearance.size, dtype=np.int32)
        return dense[shifted], (by_appearance + low).tolist()
    unique, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    by_appearance = np.argsort(first, kind="stable")
    dense = np.empty(unique.size, dtype=np.int32)
    dense[by_appearance] = np.arange(unique.size, dtype=np.int32)
    return dense[inverse.ravel()], unique[by_appearance].tolist()


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
