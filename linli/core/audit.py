"""The append-only, keyed hash chain of audit events: record every access to personal data,
and check the chain against its sealed head and the copies of the head kept elsewhere."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from linli.core import bulk, context, crypto
from linli.core.models import (
    AUDIT_GENESIS,
    AuditEvent,
    AuditHead,
    audit_canonical,
    audit_hash,
    audit_head_message,
)

GENESIS = AUDIT_GENESIS


@dataclass(frozen=True)
class Entry:
    """One event for :func:`record_many`; the fields mean what :func:`record`'s arguments do."""
    action: str
    actor: Any = None
    obj: Any = None
    object_type: str = ""
    object_id: str | int = ""
    purpose: str = ""
    outcome: str = AuditEvent.Outcome.OK
    detail: dict[str, Any] | None = None
    path: str | None = None
    # Where the request came from when the event is written on another thread's behalf (a
    # batch of reservations written by one thread for several requests); by default this one's.
    request_context: context.RequestContext | None = None


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
    return record_many([Entry(action, actor=actor, obj=obj, object_type=object_type, object_id=object_id,
                              purpose=purpose, outcome=outcome, detail=detail, path=path)])[0]


def record_many(entries: Iterable[Entry]) -> list[AuditEvent]:
    """Append several events to the chain in order, taking the chain's head once and writing
    them in one insert: what a batch of alerts or texts costs is one lock, not one per event.
    The events are the same, link for link, as :func:`record` called for each in turn."""
    entries = list(entries)
    if not entries:
        return []
    ctx = context.current()
    key_id = crypto.integrity_key_id()
    # No savepoint: a failed append fails the caller's transaction, which is what should happen
    # (and two round trips fewer for every audited change).
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev_hash = head.seq, head.entry_hash
        events = []
        for entry in entries:
            obj, object_type, object_id, path = entry.obj, entry.object_type, entry.object_id, entry.path
            if obj is not None:
                object_type = object_type or obj._meta.label_lower
                object_id = object_id or obj.pk
            if path is None:
                own = getattr(obj, "path", "") if obj is not None else ""
                path = own if isinstance(own, str) else ""
            here = entry.request_context or ctx
            actor = entry.actor
            actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
            seq += 1
            event = AuditEvent(
                seq=seq,
                at=timezone.now(),
                actor=actor if actor_ok else None,
                actor_name=actor.get_username() if actor_ok else (here.channel if actor is None else ""),
                ip=here.ip,
                action=entry.action,
                object_type=object_type,
                object_id=str(object_id or ""),
                purpose=entry.purpose[:300],
                path=path[:64],
                outcome=entry.outcome,
                detail={"channel": here.channel, **(entry.detail or {})},
                prev_hash=prev_hash,
                key_id=key_id,
            )
            event.entry_hash = prev_hash = event.compute_hash()
            events.append(event)
        if len(events) == 1:
            events[0].save()
        else:
            # one prepared INSERT for the lot (bulk_create compiles its SQL anew per 30-odd rows)
            bulk.insert(AuditEvent, events)
        AuditHead.objects.filter(pk=1).update(seq=seq, entry_hash=prev_hash, seal=crypto.seal(
            audit_head_message(seq, prev_hash, head.keyed_from)))
    return events


def reason_of(error: Any) -> str:
    """What a refused request got wrong, for the audit log: "purpose" when the purpose was the
    problem, else the first field named."""
    fields = list(getattr(error, "error_dict", None) or {"input": None})
    return "purpose" if {"purpose", "purpose_code"} & set(fields) else str(fields[0])[:20]


def refused(action: str, *, actor: Any, reason: str, purpose_code: Any = "", purpose: Any = "",
            detail: dict[str, Any] | None = None, **where: Any) -> AuditEvent:
    """A refused reveal or export of full values (no right, outside the scope, a purpose that is
    none, bad input), with what was sent as the purpose, so that the log shows the attempt
    (decisions 0003 and 0023). ``where``: ``obj``, ``object_type``, ``object_id``, ``path`` as
    for :func:`record`. Call it outside any transaction the refusal rolls back."""
    from linli.core.text import clean_query_text

    return record(action, actor=actor, outcome=AuditEvent.Outcome.DENIED, purpose=clean_query_text(purpose, 300),
                  detail={"reason": reason, "purpose_code": clean_query_text(purpose_code, 32), **(detail or {})},
                  **where)


# --- verification -------------------------------------------------------------------------
#
# An intruder with the database can drop the triggers and rewrite rows, drop the tail, or
# put back an older copy of the database. The keyed hashes catch a rewritten row (nobody
# without the key can compute the hashes after it again), the sealed head catches a dropped
# tail, and the copies of the head kept elsewhere (the shared ledger's anchors, cosigned by
# witnesses) catch a database rolled back as a whole.


class BreakKind(StrEnum):
    REWRITTEN = "rewritten"  # a row changed (its hash or link does not match, or a copy elsewhere differs)
    DELETED = "deleted"  # a row is missing in the middle
    TRUNCATED = "truncated"  # rows are missing at the end
    ROLLED_BACK = "rolled_back"  # the head, or the whole database, was put back to an earlier state
    UNKNOWN_KEY = "unknown_key"  # a row names an integrity key the data keys do not hold


BREAK_LABELS: dict[BreakKind, tuple[str, str]] = {
    BreakKind.REWRITTEN: ("REWRITTEN", "被改写"),
    BreakKind.DELETED: ("ROWS DELETED", "有记录被删除"),
    BreakKind.TRUNCATED: ("TRUNCATED", "尾部被截断"),
    BreakKind.ROLLED_BACK: ("ROLLED BACK", "被回滚"),
    BreakKind.UNKNOWN_KEY: ("UNKNOWN KEY", "密钥缺失"),
}


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    row_id: int | None
    reason: str
    kind: BreakKind = BreakKind.REWRITTEN


@dataclass(frozen=True)
class Anchor:
    """A copy of the chain's head kept outside the database (``where`` says where)."""

    seq: int
    entry_hash: str
    where: str


@dataclass(frozen=True)
class AnchorSet:
    anchors: list[Anchor]
    problem: str | None = None  # the copies themselves cannot be trusted
    problem_kind: BreakKind = BreakKind.ROLLED_BACK  # their store was cut back (or altered: REWRITTEN)


@dataclass(frozen=True)
class AnchorStore:
    """Somewhere outside the database that keeps copies of the head: ``read`` returns them
    (checked), ``write`` adds the current head (returns what it wrote, or None)."""

    name: str
    read: Callable[[], AnchorSet]
    write: Callable[[], Any]


_anchor_stores: dict[str, AnchorStore] = {}


def register_anchor_store(store: AnchorStore) -> None:
    """The shared ledger registers itself here (core imports no app above it)."""
    _anchor_stores[store.name] = store


def collect_anchors() -> AnchorSet:
    anchors: list[Anchor] = []
    for store in _anchor_stores.values():
        found = store.read()
        if found.problem is not None:
            return AnchorSet(anchors, found.problem, found.problem_kind)
        anchors.extend(found.anchors)
    return AnchorSet(sorted(anchors, key=lambda a: a.seq))


def write_anchors() -> list[Any]:
    """Copy the head to every store now; what each wrote (None where nothing was written)."""
    return [store.write() for store in _anchor_stores.values()]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken: ChainBreak | None
    last_seq: int = 0
    last_hash: str = GENESIS
    anchors: int = 0
    latest_anchor: Anchor | None = None


_ROW = ("id", "seq", "at", "actor_id", "actor_name", "ip", "action", "object_type", "object_id", "purpose",
        "outcome", "detail", "path", "key_id", "prev_hash", "entry_hash")
_PAGE = 5000


def _walk(rows: Iterable[tuple[Any, ...]], *, after_seq: int, after_hash: str, keyed_from: int,
          anchors: dict[int, Anchor]) -> tuple[int, ChainBreak | None, str, int]:
    """Check rows in order from ``after_seq + 1``: (rows that checked out, first break, last
    hash, last seq)."""
    expected_prev, expected_seq, checked = after_hash, after_seq + 1, 0
    for row in rows:
        pk, seq = row[0], row[1]
        if seq != expected_seq:
            return checked, ChainBreak(seq, pk, f"row #{expected_seq} is missing (next is #{seq}): rows were "
                                       "deleted", BreakKind.DELETED), expected_prev, expected_seq - 1
        problem = _row_problem(row, expected_prev, keyed_from, anchors.get(seq))
        if problem is not None:
            return checked, ChainBreak(seq, pk, *problem), expected_prev, seq - 1
        expected_prev, expected_seq, checked = row[-1], seq + 1, checked + 1
    return checked, None, expected_prev, expected_seq - 1


def _row_problem(row: tuple[Any, ...], expected_prev: str, keyed_from: int,
                 anchor: Anchor | None) -> tuple[str, BreakKind] | None:
    (_pk, seq, at, actor_id, actor_name, ip, action, object_type, object_id, purpose, outcome, detail, path,
     key_id, prev_hash, entry_hash) = row
    if prev_hash != expected_prev:
        return "its previous-hash link does not match the row before it", BreakKind.REWRITTEN
    if not key_id and seq >= keyed_from:
        return (f"it carries no key although the chain is keyed from #{keyed_from} on: it was rewritten by "
                "someone without the audit key"), BreakKind.REWRITTEN
    canonical = audit_canonical(seq, at, actor_id, actor_name, ip, action, object_type, object_id, purpose, outcome,
                                detail, path, key_id)
    try:
        computed = audit_hash(prev_hash, canonical, key_id)
    except crypto.UnknownIntegrityKey:
        return (f"it is sealed with integrity key {key_id!r}, which the data keys do not hold (restore that key, "
                "or the row was forged)"), BreakKind.UNKNOWN_KEY
    if computed != entry_hash:
        return "its content does not match its hash: the row was rewritten", BreakKind.REWRITTEN
    if anchor is not None and anchor.entry_hash != entry_hash:
        return (f"it differs from the copy of the head kept in {anchor.where}: the rows up to it were rewritten "
                "and their hashes computed again"), BreakKind.REWRITTEN
    return None


def _rows(after_seq: int = 0) -> Iterator[tuple[Any, ...]]:
    """The rows after ``after_seq`` in order, as tuples of ``_ROW`` with the time as text and
    the detail decoded. Read with plain SQL in pages (keyset on seq): the ORM's conversions
    cost more per row than the hashing, and a big log would otherwise sit in one cursor."""
    table, quote = AuditEvent._meta.db_table, connection.ops.quote_name
    column = {f.attname: quote(str(f.column)) for f in AuditEvent._meta.concrete_fields}
    if connection.vendor == "sqlite":  # the text as stored: SQLite's own datetime converter is slow
        column["at"] = f"CAST({column['at']} AS TEXT)"
    columns = ", ".join(column[name] for name in _ROW)
    query = f"SELECT {columns} FROM {quote(table)} WHERE seq > %s ORDER BY seq LIMIT {_PAGE}"  # noqa: S608
    while True:
        with connection.cursor() as cursor:
            cursor.execute(query, [after_seq])
            page = cursor.fetchall()
        for row in page:
            detail = row[11]
            yield (*row[:2], _at_text(row[2]), *row[3:11], json.loads(detail) if isinstance(detail, str) else detail,
                   *row[12:])
        if len(page) < _PAGE:
            return
        after_seq = page[-1][1]


_SQLITE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?")


def _at_text(value: Any) -> str:
    """A stored time as ``AuditEvent.canonical`` writes it (UTC, microseconds, offset)."""
    if isinstance(value, datetime.datetime):  # aware on PostgreSQL, naive UTC on SQLite
        aware = value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)
        return aware.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    match = _SQLITE_TIME.fullmatch(value)  # text, as Django writes it: naive UTC
    if match is None:
        parsed = parse_datetime(value)
        if parsed is None:
            return str(value)
        aware = parsed if parsed.tzinfo else timezone.make_aware(parsed, datetime.UTC)
        return aware.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return value.replace(" ", "T") + ("" if match.group(1) else ".000000") + "+00:00"


def verify_report(*, use_anchors: bool = True) -> ChainReport:
    """Walk the whole chain in order and check it against its sealed head and the copies of
    the head kept elsewhere; the first break says what happened (rewritten, deleted,
    truncated, rolled back)."""
    head = AuditHead.objects.filter(pk=1).first()
    keyed_from = head.keyed_from if head is not None else 1
    found = collect_anchors() if use_anchors else AnchorSet([])
    by_seq: dict[int, Anchor] = {}
    for anchor in found.anchors:
        earlier = by_seq.setdefault(anchor.seq, anchor)
        if earlier.entry_hash != anchor.entry_hash:
            return ChainReport(0, ChainBreak(anchor.seq, None, f"{earlier.where} and {anchor.where} hold different "
                                             "hashes for the same row: the log was shown with two histories"))
    latest = found.anchors[-1] if found.anchors else None
    checked, broken, last_hash, last_seq = _walk(_rows(), after_seq=0, after_hash=GENESIS, keyed_from=keyed_from,
                                                 anchors=by_seq)

    def report(broken: ChainBreak | None) -> ChainReport:
        return ChainReport(checked, broken, last_seq, last_hash, len(found.anchors), latest)

    if broken is not None:
        return report(broken)
    if found.problem is not None:
        return report(ChainBreak(last_seq, None, found.problem, found.problem_kind))
    return report(_check_head(head, last_seq, last_hash, latest))


def _check_head(head: AuditHead | None, last_seq: int, last_hash: str, latest: Anchor | None) -> ChainBreak | None:
    if head is None:
        if last_seq == 0:
            return None
        return ChainBreak(last_seq, None, "the chain's head row is gone", BreakKind.TRUNCATED)
    sealed = crypto.seal_matches(head.seal, audit_head_message(head.seq, head.entry_hash, head.keyed_from))
    if head.seq > last_seq:
        return ChainBreak(last_seq + 1, None, f"rows #{last_seq + 1}–#{head.seq} are missing: the head says "
                          f"#{head.seq}, the log ends at #{last_seq} (its tail was dropped)", BreakKind.TRUNCATED)
    if head.seq < last_seq:
        return ChainBreak(head.seq, None, f"the head was moved back to #{head.seq} while the log runs to "
                          f"#{last_seq}", BreakKind.ROLLED_BACK)
    if head.entry_hash != last_hash:
        return ChainBreak(last_seq, None, "the head's hash is not the last row's: the last row was rewritten")
    if latest is not None and latest.seq > last_seq:
        return ChainBreak(last_seq, None, f"{latest.where} holds the head #{latest.seq}, but the log ends at "
                          f"#{last_seq}: the database was put back to an earlier state, or its tail was "
                          "dropped", BreakKind.ROLLED_BACK if sealed else BreakKind.TRUNCATED)
    if not sealed and head.keyed_from > head.seq >= 1:
        return ChainBreak(last_seq, None, f"the head says no row is keyed before #{head.keyed_from}, but its seal "
                          "does not verify: keyed rows were rewritten as rows from before the chain was keyed")
    if not sealed:
        return ChainBreak(last_seq, None, f"the head row (#{head.seq}) was changed by someone without the audit "
                          "key (its seal does not verify): it was moved back over rows that were dropped",
                          BreakKind.TRUNCATED)
    return None


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return how many rows checked out and the first break."""
    report = verify_report()
    return report.checked, report.broken


def verify_tail(after: Anchor | None) -> ChainReport:
    """Check only the rows after an anchor (the anchoring task does this before it anchors a
    new head, so that it never vouches for a tail that does not follow from the last one)."""
    head = AuditHead.objects.filter(pk=1).first()
    keyed_from = head.keyed_from if head is not None else 1
    after_seq, after_hash = (after.seq, after.entry_hash) if after is not None else (0, GENESIS)
    if after is not None:
        row = AuditEvent.objects.filter(seq=after.seq).values_list("entry_hash", flat=True).first()
        if row != after.entry_hash:
            return ChainReport(0, ChainBreak(after.seq, None, f"row #{after.seq} is not the one kept in {after.where}"
                                             if row else f"row #{after.seq}, kept in {after.where}, is missing",
                                             BreakKind.REWRITTEN if row else BreakKind.ROLLED_BACK))
    checked, broken, last_hash, last_seq = _walk(_rows(after_seq), after_seq=after_seq, after_hash=after_hash,
                                                 keyed_from=keyed_from, anchors={})
    if broken is None:
        broken = _check_head(head, last_seq, last_hash, None)
    return ChainReport(checked, broken, last_seq, last_hash)
