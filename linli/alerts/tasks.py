"""Periodic work for alerts (Huey): a safety net under ``linli alerts clock``, which ticks
every ten seconds. Both are safe to run together: each alert is paged under a row lock."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.alerts import actions, intake


@db_periodic_task(crontab(minute="*"))
def tick_escalation_clock() -> int:
    """Every minute: page the next step of every unacknowledged alert whose wait is over."""
    return actions.tick()


@db_periodic_task(crontab(minute="*/10"))
def sweep_idle_homes() -> int:
    """Every ten minutes: doors not opened and water not used for 24 hours in elders' flats."""
    return intake.sweep_absence()
