"""Periodic epidemic-mode work (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.health import actions, retention


@db_periodic_task(crontab(minute="5", hour="0"))
def extend_unseen_quarantine_orders() -> int:
    """Just after midnight: orders whose last day passed without a follow-up run on."""
    return actions.extend_unseen_orders()


@db_periodic_task(crontab(minute="20", hour="3"))
def purge_expired_health_data() -> bool:
    """Every night, once no place is in epidemic mode: records past the retention period go."""
    return retention.purge_expired() is not None


@db_periodic_task(crontab(minute="1", hour="*"))
def recompute_health_status() -> int:
    """Every hour: check-in deadlines pass and 14-day windows end without anyone saving anything."""
    return actions.recompute(None).changed
