"""Periodic work of the overview (Huey): `linli worker` runs it."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.overview import tallies


@db_periodic_task(crontab())
def refresh_overview_tallies() -> dict[str, int]:
    """Every minute: recompute the screen's summary tables (their rows by source), so that the
    street's numbers are never older than a minute and a half (``tallies.MAX_AGE``)."""
    return tallies.refresh_all()
