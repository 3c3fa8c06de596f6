"""Periodic work for devices (Huey; `linli worker` and `linli demo` run it)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.devices import actions

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/3"))
def sweep_silent_devices() -> int:
    """Every three minutes: active devices silent for longer than their kind's heartbeat are
    handed to the alerts (a minor alert per device, kept open while it stays silent)."""
    silent = actions.sweep_silent()
    if silent:
        log.info("devices: %s silent", silent)
    return silent


@db_periodic_task(crontab(minute="25", hour="3"))
def purge_old_device_events() -> dict[str, int]:
    """Every night: raw events older than their kind's retention are deleted (counted, audited)."""
    return actions.purge_events()
