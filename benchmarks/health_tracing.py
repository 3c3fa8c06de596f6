"""Contact-tracing benchmark: two hops from one index case over 10,000,000 access intervals.

    python benchmarks/health_tracing.py                   # 10,000,000 intervals
    python benchmarks/health_tracing.py --intervals 1000000 --small 100000

Generates a synthetic street deterministically (no database): 250,000 people over 14 days
(2024-03-04 to 03-17, Asia/Shanghai) in about 5,400 places: compound gates and building
lobbies (passages of seconds to minutes), shops, restaurants, markets (hot places), clinics,
gyms, workplaces of very unequal sizes (some are the shops, markets and restaurants, whose
staff stay all day), and classrooms. Workers and pupils go to work or school on most
weekdays; everyone passes gates and lobbies, shops, eats out and goes to the market now and
then. People and places scale with --intervals (40 intervals per person).

Then it indexes the intervals (``IntervalIndex.from_columns``, timed) and traces two hops,
15 minutes cumulative, from an ordinary resident: a worker with about the average number of
records whose symptoms began on day 9 at 08:00, window [onset - 2 days, isolation 2.5 days
after onset]. The trace time is the real ``trace`` call on the full data; five more people
drawn at random are traced the same way and reported alongside, so the chosen case is not a
lucky one.

Building the index is timed in wall and CPU seconds with its peak memory (resident memory
sampled every 5 ms while it runs, above what the process held before), beside a bare
baseline measured in the same run: one stable numpy sort of a column as long, the least any
index sorted by place and time costs. The whole run is made at two sizes (``--intervals``
and a tenth of it, ``--small``) and the growth factors are printed. Prints one JSON line.
Goals: the trace ≤ 2 s; the index of 10,000,000 intervals built in ≤ 10 s with ≤ 1 GB of
peak memory (generating the data is reported separately). The machine's load average is
recorded: on a shared machine, compare CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import threading
import time
from array import array
from bisect import bisect
from itertools import accumulate

GOAL_TRACE_SECONDS = 2.0
GOAL_INDEX_SECONDS = 10.0  # for 10,000,000 intervals
GOAL_INDEX_MB = 1024
T0 = 1709481600  # 2024-03-04 00:00 Asia/Shanghai, a Monday
DAYS = 14
DAY = 86400
HOUR = 3600
MIN = 60
WORKER, PUPIL, OTHER = 0, 1, 2

# Kinds of place: how many per person, and (weight, first hour, last hour) windows in which a
# visit starts, and the shortest and longest visit in seconds.
KINDS = {
    "gate": (1 / 1000, [(1, 6, 23)], 20, 3 * MIN),
    "lobby": (1 / 150, [(1, 6, 23)], 30, 5 * MIN),
    "shop": (1 / 180, [(1, 7, 22)], 3 * MIN, 25 * MIN),
    "restaurant": (1 / 700, [(1, 11, 13.5), (1, 17, 20)], 25 * MIN, 90 * MIN),
    "market": (1 / 10000, [(4, 6, 11), (1, 16, 19)], 15 * MIN, 60 * MIN),
    "clinic": (1 / 6000, [(1, 8, 17)], 15 * MIN, 2 * HOUR),
    "gym": (1 / 2500, [(1, 6, 21)], 30 * MIN, 2 * HOUR),
    "workplace": (1 / 310, [(1, 7.5, 9.5)], 7 * HOUR, 10 * HOUR),
    "classroom": (0.12 / 40, [(1, 7.5, 8.25)], 7 * HOUR, 8.5 * HOUR),
}
# Share of each person's other records by kind, per role (work and school days come first).
ERRANDS = {
    WORKER: {"gate": 40, "lobby": 28, "shop": 16, "restaurant": 8, "market": 4, "clinic": 1, "gym": 3},
    PUPIL: {"gate": 40, "lobby": 30, "shop": 15, "restaurant": 6, "market": 3, "clinic": 1, "gym": 5},
    OTHER: {"gate": 34, "lobby": 26, "shop": 18, "restaurant": 6, "market": 10, "clinic": 3, "gym": 3},
}


class Street:
    """The generated intervals as four columns, plus what the index case is chosen from."""

    def __init__(self) -> None:
        self.persons = array("q")
        self.places = array("q")
        self.t_in = array("q")
        self.t_out = array("q")
        self.roles: list[int] = []
        self.counts: list[int] = []
        self.n_places = 0


def generate(intervals: int, seed: int = 20240304) -> Street:
    rng = random.Random(seed)
    rand = rng.random
    n_persons = max(100, intervals // 40)
    street = Street()

    first: dict[str, int] = {}  # kind -> id of its first place; places of a kind are consecutive
    sizes: dict[str, int] = {}
    for kind, (per_person, *_) in KINDS.items():
        first[kind] = street.n_places
        sizes[kind] = max(1, round(n_persons * per_person))
        street.n_places += sizes[kind]
    compounds = max(1, sizes["gate"] // 2)

    def visit_maker(kind: str):
        _, windows, shortest, longest = KINDS[kind]
        cumulative = list(accumulate(w for w, _, _ in windows))
        starts = [(int(a * HOUR), int((b - a) * HOUR)) for _, a, b in windows]

        def make(day: int) -> tuple[int, int]:
            begin, width = starts[bisect(cumulative, rand() * cumulative[-1])]
            t = T0 + day * DAY + begin + int(rand() * width)
            return t, t + shortest + int(rand() * (longest - shortest))

        return make

    def nearby(kind: str, near: float, spread: float) -> int:
        """A place of this kind near a compound: places are laid out along the street."""
        size = sizes[kind]
        return first[kind] + int((near + (rand() - 0.5) * spread) * size) % size

    makers = {kind: visit_maker(kind) for kind in KINDS}
    weekdays = [d for d in range(DAYS) if d % 7 < 5]
    # Staff of a shop, restaurant or market stay there all day.
    staff_places = [first["shop"] + i for i in range(sizes["shop"])][: sizes["shop"] // 10] + [
        first["market"] + i for i in range(sizes["market"])] + [
        first["restaurant"] + i for i in range(sizes["restaurant"])]

    weights = [0.5 + rand() for _ in range(n_persons)]
    total = sum(weights)
    bounds = [round(intervals * w / total) for w in accumulate(weights)]
    bounds[-1] = intervals
    persons, places, t_in, t_out = street.persons, street.places, street.t_in, street.t_out
    previous = 0
    for person in range(n_persons):
        count, previous = bounds[person] - previous, bounds[person]
        compound = int(rand() * compounds)
        near = compound / compounds
        home = {
            "gate": [first["gate"] + (2 * compound + int(rand() * 2)) % sizes["gate"]],
            "lobby": [nearby("lobby", near, 0.004)],
            "shop": [nearby("shop", near, 0.02) for _ in range(4)],
            "restaurant": [nearby("restaurant", near, 0.05) for _ in range(2)],
            "market": [nearby("market", near, 0.1)],
            "clinic": [nearby("clinic", near, 0.05)],
            "gym": [nearby("gym", near, 0.05)],
        }
        r = rand()
        role = WORKER if r < 0.45 else PUPIL if r < 0.57 else OTHER
        daily: list[tuple[int, int, int]] = []  # (place, t_in, t_out) on work or school days
        if role == WORKER:
            if rand() < 0.03:
                place = staff_places[int(rand() ** 1.5 * len(staff_places))]
                for day in range(DAYS):
                    if rand() < 0.85:
                        start = T0 + day * DAY + int((7 + rand() * 2) * HOUR)
                        daily.append((place, start, start + int((8 + rand() * 3) * HOUR)))
            else:
                place = first["workplace"] + int(rand() ** 1.5 * sizes["workplace"])
                daily = [(place, *makers["workplace"](day)) for day in weekdays if rand() < 0.9]
        elif role == PUPIL:
            place = first["classroom"] + int(rand() * sizes["classroom"])
            daily = [(place, *makers["classroom"](day)) for day in weekdays if rand() < 0.95]
        daily = daily[:count]
        errands = ERRANDS[role]
        kinds = list(errands)
        cumulative = list(accumulate(errands.values()))
        for place, start, end in daily:
            persons.append(person)
            places.append(place)
            t_in.append(start)
            t_out.append(end)
        for _ in range(count - len(daily)):
            kind = kinds[bisect(cumulative, rand() * cumulative[-1])]
            options = home[kind]
            start, end = makers[kind](int(rand() * DAYS))
            persons.append(person)
            places.append(options[int(rand() * len(options))])
            t_in.append(start)
            t_out.append(end)
        street.roles.append(role)
        street.counts.append(count)
    return street


def _resident() -> int:
    """Resident memory of this process in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _PeakMemory:
    """Peak resident memory above the level at entry, sampled every 5 ms by a thread."""

    def __init__(self) -> None:
        self.base = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _resident())

    def __enter__(self) -> _PeakMemory:
        self.base = self.peak = _resident()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _resident())

    @property
    def extra_mb(self) -> int:
        return round((self.peak - self.base) / 2**20)


def _timed(work):  # type: ignore[no-untyped-def]
    """``work()``, its wall and CPU seconds (this process, all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run(intervals: int = 10_000_000) -> dict:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import numpy as np

    from linli.health.tracing import IntervalIndex, trace

    started = time.perf_counter()
    street = generate(intervals)
    generate_seconds = time.perf_counter() - started

    # The bare baseline: one stable sort of a column as long (numpy, like the index).
    _, bare_seconds, bare_cpu = _timed(lambda: np.argsort(np.asarray(street.t_in), kind="stable"))

    load = os.getloadavg()[0]
    with _PeakMemory() as memory:
        index, index_seconds, index_cpu = _timed(lambda: IntervalIndex.from_columns(
            street.persons, street.places, street.t_in, street.t_out))

    # An ordinary resident: a worker with about the average number of records.
    rng = random.Random(7)
    mean = intervals / len(street.counts)
    ordinary = [p for p, (role, count) in enumerate(zip(street.roles, street.counts, strict=True))
                if role == WORKER and abs(count - mean) <= 0.05 * mean]
    index_person = rng.choice(ordinary)
    onset = T0 + 9 * DAY + 8 * HOUR
    start, end = onset - 2 * DAY, onset + 2 * DAY + 12 * HOUR

    started = time.perf_counter()
    contacts = trace(index, index_person, start, end, 15 * MIN, hops=2)
    trace_seconds = time.perf_counter() - started
    degrees = [c.degree for c in contacts.values()]

    others = []
    for person in rng.sample(range(len(street.counts)), 5):
        began = time.perf_counter()
        found = trace(index, person, start, end, 15 * MIN, hops=2)
        others.append({
            "seconds": round(time.perf_counter() - began, 3),
            "close": sum(c.degree == 1 for c in found.values()),
            "secondary": sum(c.degree == 2 for c in found.values()),
        })

    return {
        "benchmark": "health_tracing",
        "intervals": len(index) + index.skipped,
        "persons": len(street.counts),
        "places": street.n_places,
        "generate_seconds": round(generate_seconds, 1),
        "load_average_before_index": round(load, 2),
        "index_seconds": round(index_seconds, 3),
        "index_cpu_seconds": round(index_cpu, 3),
        "index_peak_extra_mb": memory.extra_mb,
        "bare_sort_seconds": round(bare_seconds, 3),
        "bare_sort_cpu_seconds": round(bare_cpu, 3),
        "index_ratio_to_bare_sort_cpu": round(index_cpu / bare_cpu, 1) if bare_cpu else None,
        "index_person_records": street.counts[index_person],
        "trace_seconds": round(trace_seconds, 3),
        "close_contacts": degrees.count(1),
        "secondary_contacts": degrees.count(2),
        "other_cases": others,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "goal_trace_seconds": GOAL_TRACE_SECONDS,
        "met": trace_seconds <= GOAL_TRACE_SECONDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=None, help="the smaller size (default: a tenth)")
    args = parser.parse_args()
    small_size = args.small or max(1000, args.intervals // 10)
    small = run(small_size)
    large = run(args.intervals)
    factor = args.intervals / small_size

    def growth(name: str) -> float | None:
        return round(large[name] / small[name], 1) if small[name] else None

    met_index = large["index_seconds"] <= GOAL_INDEX_SECONDS and large["index_peak_extra_mb"] <= GOAL_INDEX_MB
    print(json.dumps({
        "benchmark": "health_tracing",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "sizes": [small_size, args.intervals],
        "size_factor": round(factor, 1),
        "growth": {name: growth(name) for name in (
            "index_seconds", "index_cpu_seconds", "index_peak_extra_mb", "bare_sort_cpu_seconds",
            "trace_seconds")},
        "goal_index_seconds": GOAL_INDEX_SECONDS,
        "goal_index_mb": GOAL_INDEX_MB,
        "met_index": met_index if args.intervals >= 10_000_000 else None,
        "met": small["met"] and large["met"],
        "small": small,
        "large": large,
    }))


if __name__ == "__main__":
    main()
