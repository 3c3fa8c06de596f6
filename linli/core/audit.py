"""The append-only, hash-chained audit log: record every access to personal data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import context
from linli.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def clean_purpose(purpose: str) -> str:
    """A stated purpose for reading full personal data, tidied; refused when it is too short to
    say anything or carries control characters. The same rule for reveals, exports and reports."""
    from linli.core.text import has_control_characters, strip_invisible

    text = " ".join(strip_invisible(purpose or "").split())
    if has_control_characters(text):
        raise ValidationError({"purpose": [ValidationError(
            _("This text contains control characters; please retype it."), code="control_chars")]})
    if len(text) < settings.LINLI_REVEAL_PURPOSE_MIN_LENGTH:
        raise ValidationError({"purpose": [ValidationError(
            _("State why you need the full value (at least %(n)d characters)."), code="required",
            params={"n": settings.LINLI_REVEAL_PURPOSE_MIN_LENGTH})]})
    return text[:300]


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    outcome: str = AuditEvent.Outcome.OK,
    detail: dict[str, Any] | None = None,
    path: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs in its own atomic block, joined to the caller's
    transaction when there is one, so a rolled-back change leaves no audit row for it.

    ``path`` files the event under a place (who may read it follows from that); by default
    the object's own place path. An event with neither is seen only by superusers."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if path is None:
        own = getattr(obj, "path", "") if obj is not None else ""
        path = own if isinstance(own, str) else ""
    ctx = context.current()
    actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor if actor_ok else None,
            actor_name=actor.get_username() if actor_ok else (ctx.channel if actor is None else ""),
            ip=ctx.ip,
            action=action,
            object_type=object_type,
            object_id=str(object_id or ""),
            purpose=purpose[:300],
            path=path[:64],
            outcome=outcome,
            detail={"channel": ctx.channel, **(detail or {})},
            prev_hash=head.entry_hash,
        )
        event.entry_hash = event.compute_hash()
        event.save()
        AuditHead.objects.filter(pk=1).update(seq=event.seq, entry_hash=event.entry_hash)
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    row_id: int | None
    reason: str


def _walk(events: Iterator[AuditEvent]) -> tuple[int, ChainBreak | None, str, int]:
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in events:
        if event.seq != expected_seq:
            return checked, ChainBreak(event.seq, event.pk, f"sequence gap: expected #{expected_seq}"), expected_prev, expected_seq - 1
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.seq, event.pk, "previous-hash link does not match"), expected_prev, expected_seq - 1
        if event.compute_hash() != event.entry_hash:
            return checked, ChainBreak(event.seq, event.pk, "row content does not match its hash"), expected_prev, expected_seq - 1
        expected_prev, expected_seq, checked = event.entry_hash, expected_seq + 1, checked + 1
    return checked, None, expected_prev, expected_seq - 1


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return how many rows checked out and the first break."""
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    checked, broken, last_hash, last_seq = _walk(events)
    if broken is None:
        head = AuditHead.objects.filter(pk=1).first()
        if head is not None and (head.seq != last_seq or head.entry_hash != last_hash):
            broken = ChainBreak(last_seq + 1, None, f"rows after #{last_seq} are missing (head says #{head.seq})")
    return checked, broken
