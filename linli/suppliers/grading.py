"""A supplier's grade (A/B/C) from its delivery record: how often it delivered on time and how
its deliveries fared at the quality inspection. Plain Python, no Django.

- **A**: at least ``MIN_RECORD`` deliveries, on time at least 90 % of them, none failed, and
  at most one in ten accepted with minor defects.
- **C**: more than one in ten failed (with any record: a refused delivery is serious), or
  on time in fewer than 70 % of at least ``MIN_RECORD`` deliveries.
- **B**: everything else, including a supplier with fewer than ``MIN_RECORD`` deliveries
  (not enough record to call it reliable, nor to call it unreliable for lateness alone).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIN_RECORD = 3
ON_TIME_A, ON_TIME_C = 0.9, 0.7
FAILED_C, MINOR_A = 0.1, 0.1


@dataclass(frozen=True)
class Record:
    on_time: bool
    quality: str  # "passed", "minor" or "failed"


@dataclass(frozen=True)
class GradeFigures:
    grade: str
    deliveries: int
    on_time: int
    passed: int
    minor: int
    failed: int
    reason: str  # "few", "a", "late", "failed", "b"

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.deliveries if self.deliveries else 0.0

    @property
    def failed_rate(self) -> float:
        return self.failed / self.deliveries if self.deliveries else 0.0


def grade(records: Iterable[Record]) -> GradeFigures:
    rows = list(records)
    n = len(rows)
    on_time = sum(1 for r in rows if r.on_time)
    passed = sum(1 for r in rows if r.quality == "passed")
    minor = sum(1 for r in rows if r.quality == "minor")
    failed = sum(1 for r in rows if r.quality == "failed")
    figures = {"deliveries": n, "on_time": on_time, "passed": passed, "minor": minor, "failed": failed}
    if n and failed / n > FAILED_C:
        return GradeFigures("C", reason="failed", **figures)
    if n < MIN_RECORD:
        return GradeFigures("B", reason="few", **figures)
    if on_time / n < ON_TIME_C:
        return GradeFigures("C", reason="late", **figures)
    if on_time / n >= ON_TIME_A and not failed and minor / n <= MINOR_A:
        return GradeFigures("A", reason="a", **figures)
    return GradeFigures("B", reason="b", **figures)
