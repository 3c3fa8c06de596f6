"""Periodic ledger work (Huey): `linli worker` runs these."""

from __future__ import annotations

import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from linli.ledger import anchoring


@db_periodic_task(crontab(minute="0"))
def anchor_audit_head() -> bool:
    """Every hour on the hour, the audit chain's head goes to the ledger for the witnesses to
    cosign; at midnight it closes the day that ended (written even if nothing happened)."""
    now = timezone.localtime()
    closed = (now - datetime.timedelta(hours=1)).date() if now.hour == 0 else None
    return anchoring.anchor_audit_head(day_closed=closed) is not None
