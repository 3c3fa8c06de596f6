"""A small progress bar for long CLI work (seeding, imports, exports)."""

from __future__ import annotations

import sys
import time
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
