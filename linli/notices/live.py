"""The reach of a notice, live: each change of a household's reach announces itself to the
open notice pages (``linli.core.push``, decision 0026), which fetch their reach table again.

A street-wide notice may take a thousand confirmations a second: one event per confirmation
would flood the streams for nothing, as the page only needs to know that its figures moved.
So a process announces a grid's change at most once every ``EVERY_SECONDS`` per notice; the
event is filed under a building of that grid, which reaches the notice's office (its area
covers the building) and the grid's workers (their grid covers it) alike.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from linli.core.push import publish

TOPIC = "notices.reach"
EVERY_SECONDS = 2.0
_last: dict[tuple[int, int | None], float] = {}


def reach_changed(notice_id: int, where: Iterable[tuple[int | None, str]]) -> None:
    """``where``: (grid, building path) of the households whose reach changed."""
    from linli.notices.access import VIEW

    now = time.monotonic()
    for grid, building in dict(where).items():
        key = (notice_id, grid)
        if not building or now - _last.get(key, -EVERY_SECONDS) < EVERY_SECONDS:
            continue
        _last[key] = now
        publish(TOPIC, {"notice": notice_id}, path=building, action=VIEW)


def forget() -> None:
    """Announce the next change at once (tests)."""
    _last.clear()
