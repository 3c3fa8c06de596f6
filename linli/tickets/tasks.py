"""Periodic work for requests (Huey; `linli worker` and `linli demo` run it)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.tickets import actions

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def sweep_request_limits() -> dict[str, int]:
    """Every five minutes: warn handlers of limits near, escalate overdue requests with a red
    mark, close resolved requests nobody rated within the window."""
    result = actions.sweep()
    if result.escalated:
        log.info("requests: %s escalated, %s warned, %s closed", result.escalated, result.warned, result.closed)
    return {"warned": result.warned, "escalated": result.escalated, "closed": result.closed}
