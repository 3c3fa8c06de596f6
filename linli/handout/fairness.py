"""The fair hand-out rule of a reservation round, as plain functions (no Django).

A round hands out ``shares`` (its quantity divided by the quota per household). While the
reservation window is open, a household that asks is either given a share at once or put on
the waiting list:

- a priority household (an elder living alone, someone aged 80 or over, someone with a
  disability, a young child, someone in home quarantine) is given a share while any is left;
- any other household is given a share only while fewer than ``shares - held_back`` have gone
  to ordinary households: ``held_back`` shares wait for priority households until the window
  closes, however fast the others are.

Whoever is not given a share waits. When the window closes, and again whenever a pickup slot
ends with shares not collected (those reservations are released), the free shares are offered
to the waiting list in order: priority households first, then everyone else, each group in the
order they asked. A household never holds more than one reservation of a round, and the shares
given out never exceed ``shares``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

PRIORITY, ORDINARY = "priority", "ordinary"


@dataclass(frozen=True)
class Rule:
    shares: int  # households the round serves (quantity // quota)
    held_back: int  # shares kept for priority households while the window is open

    def __post_init__(self) -> None:
        if self.shares < 0 or not 0 <= self.held_back <= self.shares:
            raise ValueError("0 <= held_back <= shares")


@dataclass(frozen=True)
class Taken:
    total: int = 0  # shares held or collected
    ordinary: int = 0  # of which by ordinary households

    def plus(self, tier: str) -> Taken:
        return replace(self, total=self.total + 1, ordinary=self.ordinary + (tier == ORDINARY))

    def minus(self, tier: str) -> Taken:
        return replace(self, total=self.total - 1, ordinary=self.ordinary - (tier == ORDINARY))


def admits(rule: Rule, taken: Taken, tier: str, *, window_open: bool) -> bool:
    """Whether a household of ``tier`` is given a share now (else it waits)."""
    if taken.total >= rule.shares:
        return False
    if tier == PRIORITY or not window_open:
        return True
    return taken.ordinary < rule.shares - rule.held_back


@dataclass(frozen=True)
class Waiting:
    key: int  # the reservation
    tier: str
    seq: int  # the order it asked in (smaller first)


def waiting_order(waiting: Iterable[Waiting]) -> list[Waiting]:
    """Priority households first, then the others, each in the order they asked."""
    return sorted(waiting, key=lambda w: (w.tier != PRIORITY, w.seq))


def offer(rule: Rule, taken: Taken, waiting: Iterable[Waiting], *, window_open: bool) -> tuple[list[int], Taken]:
    """The waiting reservations given the free shares, in waiting-list order, and the counts after."""
    given = []
    for w in waiting_order(waiting):
        if taken.total >= rule.shares:
            break
        if admits(rule, taken, w.tier, window_open=window_open):
            taken = taken.plus(w.tier)
            given.append(w.key)
    return given, taken


def run_window(rule: Rule, arrivals: Sequence[tuple[int, str]]) -> tuple[list[int], list[int]]:
    """A whole window at once, for checking the rule by hand: ``arrivals`` are (key, tier) in the
    order they asked; returns (given a share, still waiting) after the window closes."""
    taken, given, waiting = Taken(), [], []
    for seq, (key, tier) in enumerate(arrivals):
        if admits(rule, taken, tier, window_open=True):
            taken = taken.plus(tier)
            given.append(key)
        else:
            waiting.append(Waiting(key, tier, seq))
    later, taken = offer(rule, taken, waiting, window_open=False)
    return given + later, [w.key for w in waiting_order(waiting) if w.key not in set(later)]
