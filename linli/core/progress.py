"""A small progress bar for long CLI work (seeding, imports, exports)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = time.monotonic()
        self._last_draw = 0.0

    def advance(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.2 or self.done == self.total):
            self._last_draw = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = self.done / self.total
        bar = "█" * int(share * 30) + "·" * (30 - int(share * 30))
        rate = self.done / max(now - self.started, 1e-6)
        end = "\n" if self.done == self.total else ""
        self.stream.write(f"\r{self.label:<18} {bar} {share:6.1%}  {self.done}/{self.total}  {rate:,.0f}/s{end}")
        self.stream.flush()

    def finish(self) -> None:
        if self.done < self.total:
            self.done = self.total - 0
            self.advance(0)


class Stages:
    """Times the named stages of a long job (wall clock and this process's CPU), for a summary
    at its end: where a seed or an import spent its time, without a profiler."""

    def __init__(self) -> None:
        self.timings: list[tuple[str, float, float, int]] = []  # name, seconds, CPU seconds, rows

    @contextmanager
    def stage(self, name: str, rows: int = 0) -> Iterator[None]:
        started, cpu = time.monotonic(), time.process_time()
        try:
            yield
        finally:
            self.timings.append((name, time.monotonic() - started, time.process_time() - cpu, rows))

    def count(self, rows: int) -> None:
        """The rows the stage that ended last wrote, when only its end knows them."""
        name, seconds, cpu, _ = self.timings[-1]
        self.timings[-1] = (name, seconds, cpu, rows)

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds, _, _ in self.timings)

    def summary(self) -> list[str]:
        """One line a stage, slowest first, with its share of the whole and its rows a second."""
        total = max(self.seconds, 1e-6)
        lines = [f"{'stage':<28} {'seconds':>9} {'cpu':>8} {'share':>6} {'rows':>10} {'rows/s':>9}"]
        for name, seconds, cpu, rows in sorted(self.timings, key=lambda t: -t[1]):
            rate = f"{rows / max(seconds, 1e-6):>9,.0f}" if rows else f"{'':>9}"
            shown = f"{rows:>10,}" if rows else f"{'':>10}"
            lines.append(f"{name:<28} {seconds:>9.1f} {cpu:>8.1f} {seconds / total:>6.1%} {shown} {rate}")
        lines.append(f"{'total':<28} {self.seconds:>9.1f} {sum(t[2] for t in self.timings):>8.1f}")
        return lines
