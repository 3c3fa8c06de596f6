"""The gates' records for the office (``/gates/records/``): a day's events and visitor
registrations, filtered by gate, verdict, kind and the server's check, with the day's counts
and what the server refused, and why (decision 0025).

Who reads what is ``gates.review`` (``linli.gates.access``): the compound's staff read their
gates' records; whoever is on duty reads her gate's since her shift began. A visitor's phone is
always masked, and so are names for a reader by shift; a resident behind a scan is shown by a
masked name only. Every page read is audited, like every list of personal data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import translation

from linli.core import audit
from linli.core.access import allows, area_of
from linli.core.errors import reads_english
from linli.core.validators import mask_phone
from linli.gates import actions, verdicts
from linli.gates.access import REVIEW
from linli.gates.models import EventKind, EventStatus, Gate, GateEvent, Verdict
from linli.health.models import IssuedPass
from linli.health.queries import masked_name

REFUSED_ONLY, KEPT_ONLY = "rejected", "accepted"


@dataclass(frozen=True)
class Filters:
    day: datetime.date
    gate: Gate | None = None
    verdict: str = ""
    kind: str = ""
    status: str = ""  # "", KEPT_ONLY (accepted and corrections) or REFUSED_ONLY


def gates_for(user: Any) -> list[Gate]:
    """The gates whose records the user reads: her compounds', or the one she is on duty at."""
    return list(Gate.objects.restrict(user, REVIEW).select_related("place"))


def _of_day(user: Any, gates: list[Gate], filters: Filters) -> QuerySet[GateEvent]:
    start = actions.day_start(filters.day)
    chosen = [filters.gate] if filters.gate else gates
    return GateEvent.objects.restrict(user, REVIEW).filter(
        gate__in=chosen, occurred_at__gte=start, occurred_at__lt=start + datetime.timedelta(days=1))


def events(user: Any, gates: list[Gate], filters: Filters) -> QuerySet[GateEvent]:
    """The day's events the user may read, filtered, the latest first."""
    rows = _of_day(user, gates, filters)
    if filters.verdict:
        rows = rows.filter(verdict=filters.verdict)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status == REFUSED_ONLY:
        rows = rows.filter(status=EventStatus.REJECTED)
    elif filters.status == KEPT_ONLY:
        rows = rows.exclude(status=EventStatus.REJECTED)
    return rows.select_related("gate__place", "recorded_by", "person", "visitor").order_by("-occurred_at", "-pk")


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]  # accepted by verdict, visitors, refused (actions.counts)
    corrections: int
    refusals: list[tuple[str, int]]  # (reason in words, how many), the most frequent first
    refused_by_gate: list[tuple[Gate, int]]  # gates with refused records that day


def summary(user: Any, gates: list[Gate], filters: Filters) -> Summary:
    """The day's counts at the chosen gates, whatever the other filters."""
    day = _of_day(user, gates, filters)
    refused = day.filter(status=EventStatus.REJECTED)
    by_reason = refused.values("rejection").annotate(n=Count("pk")).order_by("-n", "rejection")
    by_gate = dict(refused.order_by().values("gate").annotate(n=Count("pk")).values_list("gate", "n"))
    return Summary(
        counts=actions.counts(day),
        corrections=day.filter(status=EventStatus.CORRECTION).count(),
        refusals=[(str(actions.REJECTIONS.get(r["rejection"], r["rejection"])), r["n"]) for r in by_reason],
        refused_by_gate=[(gate, by_gate[gate.pk]) for gate in gates if by_gate.get(gate.pk)],
    )


@dataclass(frozen=True)
class VisitorShown:
    name: str
    phone: str  # masked, always
    purpose: str
    visiting: str


@dataclass(frozen=True)
class Row:
    """One event as the page shows it."""

    event: GateEvent
    kind: str
    verdict: str
    reason: str
    refused: str  # why the server refused it, in words ("" when it did not)
    resident: str  # the resident behind a scan, masked ("" when none or not for this reader)
    visitor: VisitorShown | None
    uploaded_late: bool  # reached the server well after it happened
    withdrawn: bool  # a pass revoked before this scan (the gate could not know yet): to follow up


def _reason_words(reason: str) -> str:
    pair = verdicts.MESSAGES.get(reason)
    if pair is None:
        return reason
    return pair[1] if reads_english(translation.get_language()) else pair[0]


def _withdrawn(page: list[GateEvent]) -> set[int]:
    """Scans let in or referred on a pass revoked before the scan."""
    taken = [e for e in page if e.pass_ref and e.verdict != verdicts.DENY and e.status != EventStatus.REJECTED]
    revoked = dict(IssuedPass.objects.filter(revocation_id__in={e.pass_ref for e in taken}, revoked_at__isnull=False)
                   .values_list("revocation_id", "revoked_at"))
    return {e.pk for e in taken if (at := revoked.get(e.pass_ref)) is not None and at <= e.occurred_at}


def rows(user: Any, page: list[GateEvent]) -> list[Row]:
    """The page's events with personal data as this reader may see it: full visitor names for
    the compound's staff, masked for a reader by shift; phones masked for everyone."""
    staff = {path: allows(user, REVIEW, path) for path in {e.path for e in page}}  # by place, not by shift
    withdrawn = _withdrawn(page)
    shown = []
    for e in page:
        visitor = getattr(e, "visitor", None) if e.kind == EventKind.VISITOR else None
        shown.append(Row(
            event=e, kind=str(EventKind(e.kind).label), verdict=str(Verdict(e.verdict).label),
            reason=_reason_words(e.reason),
            refused=str(actions.REJECTIONS.get(e.rejection, e.rejection)) if e.status == EventStatus.REJECTED else "",
            resident=masked_name(e.person.name) if e.person is not None and staff[e.path] else "",
            visitor=None if visitor is None else VisitorShown(
                name=visitor.name if staff[e.path] else masked_name(visitor.name), phone=mask_phone(visitor.phone),
                purpose=visitor.purpose, visiting=visitor.visiting),
            uploaded_late=e.received_at - e.occurred_at > actions.CLOCK_LEEWAY,
            withdrawn=e.pk in withdrawn))
    return shown


def _common_path(paths: list[str]) -> str:
    """The deepest place holding all ``paths`` ("a/b/" for "a/b/c/" and "a/b/d/")."""
    if not paths:
        return ""
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return "/".join(common) + "/" if common else ""


def audit_read(user: Any, gates: list[Gate], filters: Filters, shown: list[Row]) -> None:
    """One audit event per page read, filed under the gate (or the area) it concerns."""
    path = filters.gate.path if filters.gate else area_of(user, REVIEW) or _common_path([g.path for g in gates])
    audit.record("gate.records", actor=user, object_type="gates.gateevent", path=path, detail={
        "day": filters.day.isoformat(), "gate": filters.gate.pk if filters.gate else None,
        "verdict": filters.verdict, "kind": filters.kind, "status": filters.status, "shown": len(shown),
        "visitors": sum(1 for r in shown if r.visitor is not None),
        "residents": sum(1 for r in shown if r.resident)})
