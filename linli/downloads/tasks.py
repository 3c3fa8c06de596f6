"""Files made by the task worker (``linli worker``; ``linli demo`` starts one)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from linli.downloads import actions


@db_task()
def make_download(download_id: int, run_id: str) -> None:
    actions.run(download_id, run_id)


@db_periodic_task(crontab())
def tidy_downloads() -> int:
    """Every minute: runs whose worker died are marked failed; files older than an hour deleted;
    requests nobody approved in time expired."""
    return actions.fail_abandoned() + actions.purge_old() + actions.expire_overdue()
