"""Background work of the opinion analysis (Huey): `linli worker` runs it."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from linli.opinion import actions


@db_task()
def analyse_upload(upload_id: int) -> None:
    """Read, pseudonymise, mask and analyse an upload's exports (a month of a thousand groups is
    about a million messages)."""
    actions.run_upload(upload_id)


@db_periodic_task(crontab(minute="41", hour="3"))
def purge_expired_chat_messages() -> int:
    """Every night: messages older than the retention period are deleted; the figures stay."""
    return actions.purge_expired()
