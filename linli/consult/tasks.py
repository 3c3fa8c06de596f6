"""Background work for consultations (Huey): `linli worker` runs it, `linli demo` starts it."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from linli.consult import notify


@db_task()
def tell_participants(consultation_id: int, participant_ids: list[int], title: str, body: str) -> dict[str, int]:
    """Push an answer to the phones of the residents who took part (a few hundred at most)."""
    return notify.tell(consultation_id, participant_ids, title, body)
