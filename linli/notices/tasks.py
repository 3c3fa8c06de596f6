"""Background work for notices (Huey): `linli worker` runs it, `linli demo` starts it."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from linli.notices import channels


@db_task()
def send_notice(notice_id: int, channel: str, only_reread: bool = False, contact: str | None = None
                ) -> dict[str, int]:
    """Text or call the households of a published notice (a street-wide one is 90,000 messages)."""
    return channels.send(notice_id, channel, only_reread, contact)
