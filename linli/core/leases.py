"""Background runs hold a lease; workers report in.

A run taken by a worker (an import's dry run or commit) holds a lease that a heartbeat thread
in the worker renews every few seconds. When the worker dies (killed, out of memory, the
machine gone) the heartbeat stops, the lease runs out, and whoever looks next (the page, the
API, the periodic check) marks the run failed instead of leaving it "running" for ever.

The heartbeats go to the task queue's key-value store (the SQLite file or Redis the web
server and the workers share), not to the database: a commit holds SQLite's write lock for
its whole transaction, and a heartbeat must never wait for it.

Every worker also reports in: at start, once a minute (a periodic task) and with every
heartbeat, so a page that waits for a worker can say when none has been seen lately.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time
from types import TracebackType
from typing import Any

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)
WORKER_KEY = "linli-worker-heartbeat"


def lease_seconds() -> int:
    return int(getattr(settings, "LINLI_RUN_LEASE_SECONDS", 120))


def worker_silent_seconds() -> int:
    return int(getattr(settings, "LINLI_WORKER_SILENT_SECONDS", 180))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _huey() -> Any:
    from huey.contrib.djhuey import HUEY

    return HUEY


def _key(name: str) -> str:
    return f"linli-lease-{name}"


def renew(name: str) -> None:
    """Extend the lease ``name`` by the lease time from now."""
    _huey().put(_key(name), time.time() + lease_seconds())


def release(name: str) -> None:
    try:
        _huey().get(_key(name), peek=False)
    except Exception:  # an expired lease does no harm: nothing will read it again
        log.warning("cannot release lease %s", name, exc_info=True)


class Unknown(Exception):
    """The key-value store did not answer: a lease cannot be judged expired."""


def renewed_until(name: str) -> datetime.datetime | None:
    """When the lease last renewed by a heartbeat runs out (None when there is none)."""
    try:
        value = _huey().get(_key(name), peek=True)
    except Exception as exc:
        raise Unknown(name) from exc
    return datetime.datetime.fromtimestamp(value, tz=datetime.UTC) if isinstance(value, float | int) else None


def expired(name: str, claimed_until: datetime.datetime | None, now: datetime.datetime | None = None) -> bool:
    """Whether a run claimed with a lease until ``claimed_until`` (written when the worker took
    it) has lost it: neither that nor any heartbeat since reaches ``now``. A run not yet
    claimed (still queued) has no lease to lose; a store that does not answer loses nobody's."""
    if claimed_until is None:
        return False
    try:
        renewed = renewed_until(name)
    except Unknown:
        log.warning("cannot read lease %s", name, exc_info=True)
        return False
    until = max(claimed_until, renewed) if renewed is not None else claimed_until
    return (now or timezone.now()) > until


# --- workers reporting in ---------------------------------------------------------------------------

def worker_reports_in() -> None:
    try:
        _huey().put(WORKER_KEY, {"at": time.time(), "worker": worker_name()})
    except Exception:
        log.warning("cannot record the worker's heartbeat", exc_info=True)


def worker_last_seen() -> datetime.datetime | None:
    try:
        value = _huey().get(WORKER_KEY, peek=True)
    except Exception:
        log.warning("cannot read the worker's heartbeat", exc_info=True)
        return None
    if isinstance(value, dict) and isinstance(value.get("at"), float | int):
        return datetime.datetime.fromtimestamp(value["at"], tz=datetime.UTC)
    return None


def worker_status(now: datetime.datetime | None = None) -> dict[str, Any]:
    """``silent``: no worker has reported in for LINLI_WORKER_SILENT_SECONDS (never, or not
    lately), so work handed to the queue waits. Tasks run in the web process itself
    (LINLI_TASKS_IMMEDIATE) need no worker."""
    if _huey().immediate:
        return {"silent": False, "last_seen": None, "minutes": 0}
    seen = worker_last_seen()
    age = ((now or timezone.now()) - seen).total_seconds() if seen else None
    silent = age is None or age > worker_silent_seconds()
    return {"silent": silent, "last_seen": seen, "minutes": int(age // 60) if age is not None else None}


class Heartbeat:
    """``with Heartbeat(name):`` renews the lease ``name`` (and reports the worker in) from a
    thread until the block ends. The thread dies with the process, and so does the lease."""

    def __init__(self, name: str, interval: float | None = None) -> None:
        self.name = name
        self.interval = interval if interval is not None else max(1.0, lease_seconds() / 6)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{name}", daemon=True)

    def _beat(self) -> None:
        try:
            renew(self.name)
        except Exception:  # keep beating: the store may answer next time
            log.warning("cannot renew lease %s", self.name, exc_info=True)
        worker_reports_in()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._beat()

    def __enter__(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        release(self.name)
