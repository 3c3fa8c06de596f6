"""Background runs of the dry run and the commit (``linli worker`` executes them)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from linli.core import bulk, context, leases
from linli.imports import actions
from linli.imports.models import ImportBatch
from linli.imports.progress import BatchProgress, clear_live

log = logging.getLogger(__name__)


def run_now(batch_id: int, work: Callable[..., object], progress: BatchProgress | None = None,
            channel: str = "task", run_id: str | None = None) -> None:
    """Take the run and do it here, holding its lease with a heartbeat; a failure is recorded
    on the batch, not raised. A run that is no longer waiting (stopped, given up for lost,
    started again) is left alone."""
    taken = actions.claim(batch_id, run_id)
    if taken is None:
        log.info("import %s: run %s is no longer waiting; nothing to do", batch_id, run_id)
        return
    run_id = taken
    token = context.set_current(context.RequestContext(channel=channel))
    progress = progress or BatchProgress(batch_id)
    try:
        with leases.Heartbeat(ImportBatch(pk=batch_id, run_id=run_id).lease_name), bulk.no_cycle_collection():
            work(batch_id, progress=progress, run_id=run_id)
    except actions.RunSuperseded:
        log.warning("import %s: run %s was given up or replaced before it ended; it wrote nothing", batch_id, run_id)
    except Exception as exc:  # every failure is recorded on the batch, in both languages
        actions.mark_failed(batch_id, exc, run_id)
    finally:
        progress.finish()
        clear_live(batch_id)
        context.reset(token)


@db_task()
def dry_run_task(batch_id: int, run_id: str | None = None) -> None:
    run_now(batch_id, actions.run_dry_run, run_id=run_id)


@db_task()
def commit_task(batch_id: int, run_id: str | None = None) -> None:
    run_now(batch_id, actions.run_commit, run_id=run_id)


@db_periodic_task(crontab())
def fail_abandoned_imports() -> int:
    """Every minute: imports whose worker died (its lease ran out) are marked failed."""
    return actions.fail_abandoned_runs()
