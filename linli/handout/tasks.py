"""Periodic work of the hand-out (Huey): `linli worker` runs it."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.handout import actions


@db_periodic_task(crontab())
def settle_rounds() -> dict[str, int]:
    """Every minute: release the shares not collected in slots that have ended and offer the free
    shares to the waiting list in order (and the held-back shares when reservations close)."""
    return actions.settle_due()
