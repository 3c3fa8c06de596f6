"""Background runs of the dry run and the commit (``linli worker`` executes them)."""

from __future__ import annotations

from collections.abc import Callable

from huey.contrib.djhuey import db_task

from linli.core import context
from linli.imports import actions
from linli.imports.progress import BatchProgress, clear_live


def run_now(batch_id: int, work: Callable[..., object], progress: BatchProgress | None = None,
            channel: str = "task") -> None:
    """Run a dry run or commit here; a failure is recorded on the batch, not raised."""
    token = context.set_current(context.RequestContext(channel=channel))
    progress = progress or BatchProgress(batch_id)
    try:
        work(batch_id, progress=progress)
    except Exception as exc:  # every failure is recorded on the batch, in both languages
        actions.mark_failed(batch_id, exc)
    finally:
        progress.finish()
        clear_live(batch_id)
        context.reset(token)


@db_task()
def dry_run_task(batch_id: int) -> None:
    run_now(batch_id, actions.run_dry_run)


@db_task()
def commit_task(batch_id: int) -> None:
    run_now(batch_id, actions.run_commit)
