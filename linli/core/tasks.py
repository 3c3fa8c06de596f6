"""Periodic work (Huey): `linli worker` runs these."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from linli.core import audit, leases

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17", hour="2"))
def verify_audit_chain() -> bool:
    """Every night, check the whole audit chain (against its sealed head and the copies of the
    head in the shared ledger) and record the result in the chain itself."""
    checked, broken = audit.verify_chain()
    detail: dict[str, object] = {"checked": checked}
    if broken is not None:
        detail.update({"broken_seq": broken.seq, "kind": str(broken.kind), "reason": broken.reason})
        log.error("audit chain %s at #%s: %s", broken.kind, broken.seq, broken.reason)
    audit.record("audit.verify", outcome="ok" if broken is None else "failed", detail=detail)
    return broken is None


@on_startup()
def worker_started() -> None:
    """A worker reports in as it starts (pages waiting for one stop warning at once)."""
    leases.worker_reports_in()


@db_periodic_task(crontab())
def worker_reports_in() -> None:
    """Every minute: this worker is alive (a long run also reports in with its heartbeat,
    while this task waits for a free worker thread)."""
    leases.worker_reports_in()


@db_periodic_task(crontab(minute="*/10"))
def purge_live_events() -> int:
    """Live events older than an hour are of no use to a page that reconnects: delete them (the
    push server does too, every minute, while it runs; decision 0026)."""
    from linli.core.push import backend

    return backend().purge()
