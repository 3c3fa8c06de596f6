"""Gates, the duty roster and the events a gate sends: checked, stored once, audited.

Who may use a gate: whoever is on duty there now (``DutyShift``) and the staff whose scope
covers the compound with ``people.change``. Setting up gates and the roster needs
``grids.change`` on the compound (the community secretary, the street office).

The gate decides (offline, in the browser); the server does not re-judge a verdict. It
checks that each event is well formed and consistent with the gate's rule table
(``linli.gates.verdicts``): a batch with a malformed event is refused whole (422). Then it
checks what it knows better than the gate (decision 0025): a scanned pass must be one it
issued, to that subject, before the scan, and not expired then; the time must lie within
the sync window (staff: the correction window, audited) and the sender's shift. An event
that fails is stored as refused with its reason, answered per event, counted, and never
turned into tracing material. Each event is stored once (``client_id``); a scan of a pass
that passes the checks becomes an access record for contact tracing.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import allows, require
from linli.core.models import User
from linli.core.text import has_control_characters
from linli.core.validators import validate_phone
from linli.gates import verdicts
from linli.gates.access import MANAGE, OPERATE
from linli.gates.models import DutyShift, EventKind, EventStatus, Gate, GateEvent, Visitor
from linli.health import keys
from linli.health.models import AccessRecord, AccessSource, IssuedPass
from linli.people import search
from linli.people.models import Person
from linli.places.models import Place
from linli.places.rules import ancestor_paths

MAX_SHIFT = datetime.timedelta(hours=24)
CLOCK_LEEWAY = datetime.timedelta(minutes=10)
MAX_BATCH = 200
# Assumption for contact tracing (the gate sees people come in, not leave): someone let in
# stays an hour; someone turned away stays a few minutes at the gate.
ADMITTED_STAY = datetime.timedelta(hours=1)
TURNED_AWAY_STAY = datetime.timedelta(minutes=5)


def sync_window() -> datetime.timedelta:
    """How late a gate's events may arrive (a gate offline for a while syncs afterwards: its
    events keep their own time). ``LINLI_GATE_SYNC_HOURS``."""
    return datetime.timedelta(hours=settings.LINLI_GATE_SYNC_HOURS)


def correction_window() -> datetime.timedelta:
    """How far back the compound's staff may record an event. ``LINLI_GATE_CORRECTION_HOURS``."""
    return datetime.timedelta(hours=settings.LINLI_GATE_CORRECTION_HOURS)


# --- who may use which gate -----------------------------------------------------------------

def _shifts_of(user: Any) -> QuerySet[DutyShift]:
    """The user's own shifts; none for someone not signed in."""
    if not getattr(user, "is_authenticated", False):
        return DutyShift.objects.none()
    return DutyShift.objects.filter(user=user)


def shifts_now(user: Any, at: datetime.datetime | None = None) -> QuerySet[DutyShift]:
    at = at or timezone.now()
    return _shifts_of(user).filter(starts_at__lte=at, ends_at__gt=at)


def upcoming_shifts(user: Any, until: datetime.datetime) -> QuerySet[DutyShift]:
    """The user's own shifts not over yet that start before ``until`` (her home page)."""
    return (_shifts_of(user).filter(ends_at__gt=timezone.now(), starts_at__lt=until)
            .select_related("gate", "gate__place").order_by("starts_at"))


# How far ahead back-to-back shifts are followed: far beyond any offline session.
DUTY_LOOKAHEAD = datetime.timedelta(days=14)


def on_duty_until(user: Any, at: datetime.datetime | None = None) -> dict[int, datetime.datetime]:
    """gate id → when the user's duty there ends: the end of her current shift, carried on
    through every shift at that gate that starts before the one before it ends. A volunteer
    rostered today and tomorrow is on duty through midnight, and her gate screen does not stop
    at the hand-over to her own next shift. Followed at most ``DUTY_LOOKAHEAD`` ahead."""
    at = at or timezone.now()
    shifts = (_shifts_of(user).filter(ends_at__gt=at, starts_at__lte=at + DUTY_LOOKAHEAD)
              .order_by("gate_id", "starts_at").values_list("gate_id", "starts_at", "ends_at"))
    until: dict[int, datetime.datetime] = {}
    for gate_id, starts_at, ends_at in shifts:
        end = until.get(gate_id)
        if end is None:
            if starts_at <= at:  # on duty now
                until[gate_id] = ends_at
        elif starts_at <= end:
            until[gate_id] = max(end, ends_at)
    return until


def usable_gates(user: Any) -> QuerySet[Gate]:
    """Active gates the user may work now: on duty there, or staff of the compound."""
    return Gate.objects.restrict(user, OPERATE).filter(active=True).select_related("place")


def is_gate_staff(user: Any, gate: Gate) -> bool:
    return allows(user, OPERATE, gate.path)  # staff by place, not by shift


def gate_for_screen(user: Any, pk: int) -> Gate:
    """The gate if the user may open its screen now; 404 otherwise (whether or not it exists)."""
    gate = usable_gates(user).filter(pk=pk).first()
    if gate is None:
        raise Http404
    return gate


@dataclass(frozen=True)
class SyncAccess:
    gate: Gate
    staff: bool
    shifts: tuple[tuple[datetime.datetime, datetime.datetime], ...]

    def covers(self, at: datetime.datetime) -> bool:
        return self.staff or any(start - CLOCK_LEEWAY <= at <= end + CLOCK_LEEWAY for start, end in self.shifts)


def gate_for_sync(user: Any, pk: int) -> SyncAccess:
    """The gate if the user may send it events: staff, or on duty there now or until the sync
    window ago (a gate offline for a shift syncs afterwards). 404 otherwise."""
    gate = Gate.objects.select_related("place").filter(pk=pk).first()
    if gate is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if is_gate_staff(user, gate):
        return SyncAccess(gate, True, ())
    now = timezone.now()
    shifts = tuple(DutyShift.objects.filter(gate=gate, user=user, starts_at__lte=now + CLOCK_LEEWAY,
                                            ends_at__gt=now - sync_window())
                   .values_list("starts_at", "ends_at"))
    if not shifts:
        raise Http404
    return SyncAccess(gate, False, shifts)


# --- gates and the roster -------------------------------------------------------------------

def _clean(value: str) -> str:
    """Spaces and line breaks folded to single spaces, trimmed."""
    return " ".join((value or "").split())


@transaction.atomic
def do_create_gate(place: Place, name: str, *, acting_user: Any) -> Gate:
    require(acting_user, MANAGE, place.path)
    name = _clean(name)
    gate = Gate(place=place, name=name, created_by=acting_user)
    gate.clean()  # a gate belongs to a compound
    if not name or len(name) > 32 or has_control_characters(name):
        raise ValidationError({"name": [_("Give the gate a name of 1 to 32 characters.")]}, code="name")
    if Gate.objects.filter(place=place, name=name).exists():
        raise ValidationError({"name": [_("This compound already has a gate with this name.")]}, code="unique")
    gate.save()
    audit.record("gate.create", actor=acting_user, obj=gate, detail={"place": place.pk, "name": name})
    return gate


def roster_candidates(gate: Gate) -> QuerySet[User]:
    """People who may be put on duty: active accounts holding a role in the gate's
    community (at it, below it, or in one of its grids)."""
    community_path = ancestor_paths(gate.path)[-1]
    where = Q(assignments__place__path__under=community_path) | Q(assignments__grid__community__path=community_path)
    current = Q(assignments__valid_until__isnull=True) | Q(assignments__valid_until__gt=timezone.now())
    return User.objects.filter(where & current, is_active=True).distinct().order_by("display_name", "username")


@transaction.atomic
def do_add_shift(gate: Gate, user: User, starts_at: datetime.datetime, ends_at: datetime.datetime, *,
                 acting_user: Any) -> DutyShift:
    require(acting_user, MANAGE, gate.path)
    if not user.is_active:
        raise ValidationError({"user": [_("This account is disabled.")]}, code="inactive")
    if not roster_candidates(gate).filter(pk=user.pk).exists():
        raise ValidationError({"user": [_("Only people with a role in this community can be put on duty here.")]},
                              code="not_candidate")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("A shift must end after it starts.")]}, code="order")
    if ends_at - starts_at > MAX_SHIFT:
        raise ValidationError({"ends_at": [_("A shift lasts at most 24 hours.")]}, code="too_long")
    if DutyShift.objects.filter(gate=gate, user=user, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError({"starts_at": [_("This person already has a shift at this gate then.")]},
                              code="overlap")
    shift = DutyShift.objects.create(gate=gate, user=user, starts_at=starts_at, ends_at=ends_at,
                                     created_by=acting_user)
    audit.record("gate.shift_add", actor=acting_user, obj=shift,
                 detail={"gate": gate.pk, "user": user.pk, "from": starts_at.isoformat(), "until": ends_at.isoformat()})
    return shift


@transaction.atomic
def do_remove_shift(shift: DutyShift, *, acting_user: Any) -> None:
    require(acting_user, MANAGE, shift.path)
    audit.record("gate.shift_remove", actor=acting_user, obj=shift,
                 detail={"gate": shift.gate_id, "user": shift.user_id})
    shift.delete()


# --- events from the gate -------------------------------------------------------------------

@dataclass
class VisitorInput:
    name: str
    phone: str
    purpose: str
    visiting: str = ""


@dataclass
class EventInput:
    """One event as the gate's browser sends it (already shape-checked by the API schema)."""

    client_id: uuid.UUID
    kind: str
    verdict: str
    reason: str
    occurred_at: datetime.datetime
    colour: str = ""
    temperature: Decimal | None = None
    subject: str = ""
    pass_ref: str = ""
    note: str = ""
    visitor: VisitorInput | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one event of a batch, in the batch's order: its stored status, the
    reason it was refused, and whether it had been stored before (same ``client_id``)."""

    client_id: uuid.UUID
    status: str
    rejection: str = ""
    duplicate: bool = False


@dataclass
class SyncResult:
    received_at: datetime.datetime
    accepted: int = 0  # stored now and accepted (corrections included)
    rejected: int = 0  # stored now as refused
    duplicate: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    today: dict[str, int] = field(default_factory=dict)  # the gate's counts after this batch


class EventErrors(ValidationError):
    """Problems with some events of a batch: ``problems`` is ``[(index, field, error)]``."""

    def __init__(self, problems: list[tuple[int, str, ValidationError]]) -> None:
        super().__init__([error for _i, _f, error in problems])
        self.problems = problems


# Why the server refused an event it stored (GateEvent.rejection), in words for the gate and
# the office. The codes are stored: add new ones, never rename one.
REJECTIONS: dict[str, Any] = {
    "future": _("This time is in the future: check the gate device's clock."),
    "late": _("This record reached the server too long after it happened to count as a gate record."),
    "off_duty": _("You were not on duty at this gate at this time."),
    "pass_missing": _("A scan of a valid pass must name the pass it read."),
    "unknown_pass": _("No pass with this reference was ever issued."),
    "pass_subject": _("This pass belongs to someone else."),
    "pass_not_issued": _("The pass was issued after this time: a backdated record, or the gate device's clock "
                         "is wrong."),
    "pass_expired": _("The pass had expired at this time, yet it was taken as valid."),
    "pass_colour": _("The pass is not of the colour recorded."),
}

# The gate's reasons for a scan whose pass verified (signature, key, dates, trust list).
VALID_PASS_REASONS = frozenset({"ok", "yellow", "red", "fever"})

# The colour a scan's reason implies for the pass it read.
_REASON_COLOURS: dict[str, frozenset[str]] = {
    "ok": frozenset({"green"}), "yellow": frozenset({"yellow"}), "red": frozenset({"red"}),
    "fever": frozenset({"green", "yellow"}),
}
_NO_COLOUR = frozenset({""})


def _check_event(event: EventInput) -> list[tuple[str, ValidationError]]:
    """What no working gate screen sends: the batch is refused whole (422), nothing stored."""
    problems: list[tuple[str, ValidationError]] = []

    def add(name: str, message: Any, code: str, params: dict[str, Any] | None = None) -> None:
        problems.append((name, ValidationError(message, code=code, params=params)))

    if event.reason not in verdicts.KIND_REASONS.get(event.kind, frozenset()):
        add("reason", _("This reason does not fit this kind of event."), "invalid_choice")
    elif event.kind != EventKind.MANUAL and event.verdict != verdicts.expected_verdict(event.reason):
        add("verdict", _("The verdict does not follow the gate's rules for this reason."), "verdict_mismatch")
    colours = _REASON_COLOURS.get(event.reason, _NO_COLOUR) if event.kind == EventKind.SCAN else _NO_COLOUR
    if event.colour not in colours:
        add("colour", _("The colour does not fit the reason."), "colour_mismatch")
    fever = verdicts.is_fever(event.temperature)
    if (event.reason == "fever") != fever and event.reason in {"fever", "ok", "yellow", "visitor"}:
        add("temperature", _("The temperature does not fit the reason."), "temperature_mismatch")
    if event.kind != EventKind.SCAN and (event.subject or event.pass_ref):
        add("subject", _("Only a scanned pass has a subject."), "unexpected")
    if event.note and event.kind != EventKind.MANUAL:
        add("note", _("Only a manual decision has a note."), "unexpected")
    if (event.kind == EventKind.VISITOR) != (event.visitor is not None):
        add("visitor", _("A visitor registration needs the visitor's details, and only it."), "visitor")
    elif event.visitor is not None:
        problems.extend(_check_visitor(event.visitor))
    return problems


def _check_visitor(visitor: VisitorInput) -> list[tuple[str, ValidationError]]:
    problems: list[tuple[str, ValidationError]] = []
    for name, limit in (("name", 64), ("purpose", 100), ("visiting", 100)):
        text = _clean(getattr(visitor, name))
        setattr(visitor, name, text)
        if not text:
            problems.append((f"visitor.{name}", ValidationError(_("This field is required."), code="required")))
        elif len(text) > limit or has_control_characters(text):
            problems.append((f"visitor.{name}", ValidationError(
                _("At most %(limit)d characters, without control characters."), code="invalid",
                params={"limit": limit})))
    try:
        visitor.phone = validate_phone(visitor.phone).stored
    except ValidationError as exc:
        problems.extend(("visitor.phone", error) for error in exc.error_list)
    return problems


@dataclass(frozen=True)
class _Judgement:
    status: str
    rejection: str = ""
    person_id: int | None = None


def _judge_time(event: EventInput, access: SyncAccess, now: datetime.datetime) -> _Judgement:
    """Within the sync window and the sender's shift; staff may go back as far as the
    correction window, and what they record beyond the sync window is a correction."""
    if event.occurred_at > now + CLOCK_LEEWAY:
        return _Judgement(EventStatus.REJECTED, "future")
    age = now - event.occurred_at
    status = EventStatus.ACCEPTED
    if age > sync_window():
        if not access.staff or age > correction_window():
            return _Judgement(EventStatus.REJECTED, "late")
        status = EventStatus.CORRECTION
    if not access.covers(event.occurred_at):
        return _Judgement(EventStatus.REJECTED, "off_duty")
    return _Judgement(status)


def _judge_pass(event: EventInput, issued: IssuedPass | None) -> tuple[str, int | None]:
    """(rejection, person) for a scan: the pass it names was issued here, to this subject,
    before the scan, and, if the gate took it as valid, had not expired and has the colour
    recorded. A revoked pass is not refused: a gate learns of a revocation with its next
    trust list, within a day, a pass's whole life (decision 0025)."""
    claims_valid = event.reason in VALID_PASS_REASONS
    if event.kind != EventKind.SCAN or not (claims_valid or event.subject or event.pass_ref):
        return "", None  # no pass, or one the gate could not read: nobody to trace
    if not event.pass_ref:
        return "pass_missing", None
    if issued is None:
        return "unknown_pass", None
    if keys.subject_id(issued.person_id) != event.subject:
        return "pass_subject", None
    if issued.issued_at > event.occurred_at + CLOCK_LEEWAY:
        return "pass_not_issued", None
    if claims_valid and event.occurred_at >= issued.expires_at + CLOCK_LEEWAY:
        return "pass_expired", None
    if claims_valid and event.colour != issued.colour:
        return "pass_colour", None
    return "", issued.person_id


def _judge(events: list[EventInput], access: SyncAccess, now: datetime.datetime) -> dict[uuid.UUID, _Judgement]:
    refs = {e.pass_ref for e in events if e.kind == EventKind.SCAN and e.pass_ref}
    issued = {p.revocation_id: p for p in IssuedPass.objects.filter(revocation_id__in=refs)}
    judged: dict[uuid.UUID, _Judgement] = {}
    for event in events:
        judgement = _judge_time(event, access, now)
        if judgement.status != EventStatus.REJECTED:
            rejection, person_id = _judge_pass(event, issued.get(event.pass_ref))
            judgement = _Judgement(EventStatus.REJECTED, rejection) if rejection \
                else _Judgement(judgement.status, person_id=person_id)
        judged[event.client_id] = judgement
    return judged


def do_record_events(gate_id: int, events: Iterable[EventInput], *, acting_user: Any) -> SyncResult:
    """Store a batch of gate events, each with what the server made of it (accepted, a
    correction by staff, refused with a reason); events already stored (same ``client_id``)
    are counted as duplicates and left alone. Raises :class:`EventErrors` (nothing stored)
    when any new event is malformed, Http404 when the user may not send events for this gate."""
    gate_access = gate_for_sync(acting_user, gate_id)
    events = list(events)
    if len(events) > MAX_BATCH:
        raise ValidationError({"events": [_("At most %(limit)d events at a time.")]}, code="too_many",
                              params={"limit": MAX_BATCH})
    try:
        return _record(gate_access, events, acting_user)
    except IntegrityError:
        # The same batch arrived twice at once (a retry racing the first try) on a
        # database that does not queue writers: the second pass sees them as duplicates.
        return _record(gate_access, events, acting_user)


@transaction.atomic
def _record(access: SyncAccess, events: list[EventInput], acting_user: Any) -> SyncResult:
    gate, now = access.gate, timezone.now()
    result = SyncResult(received_at=now)
    stored = {client_id: (status, rejection) for client_id, status, rejection in GateEvent.objects.filter(
        client_id__in=[e.client_id for e in events]).values_list("client_id", "status", "rejection")}
    new: list[tuple[int, EventInput]] = []
    seen: set[uuid.UUID] = set()
    for index, event in enumerate(events):
        if event.client_id in stored or event.client_id in seen:
            result.duplicate += 1
        else:
            seen.add(event.client_id)
            new.append((index, event))
    problems = [(index, name, error) for index, event in new for name, error in _check_event(event)]
    if problems:
        raise EventErrors(problems)
    fresh = [event for _index, event in new]
    judged = _judge(fresh, access, now)
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    rows = GateEvent.objects.bulk_create([
        GateEvent(client_id=e.client_id, gate=gate, path=gate.path, kind=e.kind, verdict=e.verdict, reason=e.reason,
                  colour=e.colour, temperature=e.temperature, subject=e.subject, pass_ref=e.pass_ref,
                  person_id=judged[e.client_id].person_id, note=e.note, occurred_at=e.occurred_at, received_at=now,
                  recorded_by=user, status=judged[e.client_id].status, rejection=judged[e.client_id].rejection)
        for e in fresh])
    visitors = Visitor.objects.bulk_create([
        Visitor(event=row, gate=gate, path=gate.path, name=e.visitor.name, phone=e.visitor.phone,
                phone_hash=search.phone_hash(e.visitor.phone) if row.status != EventStatus.REJECTED else "",
                purpose=e.visitor.purpose, visiting=e.visitor.visiting, temperature=e.temperature,
                occurred_at=e.occurred_at, recorded_by=user)
        for row, e in zip(rows, fresh, strict=True) if e.visitor is not None])
    _record_access(gate, rows)  # refused events have no person
    refused = [r for r in rows if r.status == EventStatus.REJECTED]
    result.accepted, result.rejected = len(rows) - len(refused), len(refused)
    answered: set[uuid.UUID] = set()
    for event in events:
        if event.client_id in stored:
            status, rejection = stored[event.client_id]
        else:
            status, rejection = judged[event.client_id].status, judged[event.client_id].rejection
        duplicate = event.client_id in stored or event.client_id in answered
        answered.add(event.client_id)
        result.outcomes.append(Outcome(event.client_id, status, rejection, duplicate))
    _audit_sync(gate, rows, refused, visitors, result, acting_user)
    result.today = today_counts(gate)
    return result


def _audit_sync(gate: Gate, rows: list[GateEvent], refused: list[GateEvent], visitors: list[Visitor],
                result: SyncResult, acting_user: Any) -> None:
    corrections = [r for r in rows if r.status == EventStatus.CORRECTION]
    if corrections:  # staff recording what happened beyond the sync window: each one named
        audit.record("gate.correction", actor=acting_user, obj=gate, detail={
            "events": [r.pk for r in corrections], "at": [r.occurred_at.isoformat() for r in corrections]})
    if rows or result.duplicate:
        audit.record("gate.sync", actor=acting_user, obj=gate, detail={
            "accepted": result.accepted, "duplicate": result.duplicate,
            "rejected": dict(Counter(r.rejection for r in refused)),
            "kinds": {kind: sum(r.kind == kind for r in rows) for kind in EventKind.values},
            "people": sorted({r.person_id for r in rows if r.person_id}),
            "visitors": [v.pk for v in visitors]})


def _record_access(gate: Gate, rows: list[GateEvent]) -> None:
    scanned = [r for r in rows if r.person_id is not None and r.status != EventStatus.REJECTED]
    paths = dict(Person.objects.filter(pk__in={r.person_id for r in scanned}).values_list("pk", "path"))
    AccessRecord.objects.bulk_create([
        AccessRecord(person_id=r.person_id, place=gate.place, path=paths[r.person_id], source=AccessSource.GATE,
                     entered_at=r.occurred_at,
                     left_at=r.occurred_at + (TURNED_AWAY_STAY if r.verdict == verdicts.DENY else ADMITTED_STAY))
        for r in scanned if r.person_id in paths])


# --- what the gate screen shows ---------------------------------------------------------------

def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day``."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def counts(events: QuerySet[GateEvent]) -> dict[str, int]:
    """Events by verdict and the visitors registered (one event each), of those the server
    accepted; and the events it refused."""
    kept = ~Q(status=EventStatus.REJECTED)
    counted = {verdict: Count("pk", filter=Q(verdict=verdict) & kept) for verdict in verdicts.VERDICTS}
    return events.aggregate(**counted, visitors=Count("pk", filter=Q(kind=EventKind.VISITOR) & kept),
                            rejected=Count("pk", filter=Q(status=EventStatus.REJECTED)))


def today_counts(gate: Gate) -> dict[str, int]:
    """Today's events at the gate (see :func:`counts`)."""
    start = day_start(timezone.localdate())
    return counts(GateEvent.objects.filter(gate=gate, occurred_at__gte=start,
                                           occurred_at__lt=start + datetime.timedelta(days=1)))


def offline_until(staff: bool, shift_end: datetime.datetime | None,
                  now: datetime.datetime | None = None) -> datetime.datetime:
    """Until when the gate screen, loaded now, may work offline: ``LINLI_GATE_OFFLINE_HOURS``,
    and never past the end of the shift for someone who works the gate by her shift."""
    until = (now or timezone.now()) + datetime.timedelta(hours=settings.LINLI_GATE_OFFLINE_HOURS)
    return until if staff or shift_end is None else min(until, shift_end)
