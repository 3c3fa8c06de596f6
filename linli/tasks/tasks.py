"""Periodic work for tasks and visits (Huey): `linli worker` runs these, `linli demo` starts it."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.tasks import actions, plans


@db_periodic_task(crontab(minute="10", hour="*"))
def start_next_task_occurrences() -> int:
    """Every hour (safe to repeat): repeating tasks whose next period has begun get their next
    occurrence, pushed down to the households the registry holds now."""
    return actions.create_due_occurrences()


@db_periodic_task(crontab(minute="40", hour="1"))
def refresh_visit_plans() -> dict[str, int]:
    """Every night: visit plans follow the people who joined or left a special group, or moved."""
    return plans.refresh_all_plans()
