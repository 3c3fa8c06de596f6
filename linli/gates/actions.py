"""Gates, the duty roster and the events a gate sends: checked, stored once, audited.

Who may use a gate: whoever is on duty there now (``DutyShift``) and the staff whose scope
covers the compound with ``people.change``. Setting up gates and the roster needs
``grids.change`` on the compound (the community secretary, the street office).

The gate decides (offline, in the browser); the server does not re-judge a verdict. It
checks that each event is well formed and consistent with the gate's rule table
(``linli.gates.verdicts``), stores it once (``client_id``), and turns a scan of a pass it
issued into an access record for contact tracing.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
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
from linli.gates.models import DutyShift, EventKind, Gate, GateEvent, Visitor
from linli.health import keys
from linli.health.models import AccessRecord, AccessSource, IssuedPass
from linli.people import search
from linli.people.models import Person
from linli.places.models import Place
from linli.places.rules import ancestor_paths

MAX_SHIFT = datetime.timedelta(hours=24)
# A gate offline for a while still syncs after the shift: its events keep their own time.
SYNC_GRACE = datetime.timedelta(days=3)
CLOCK_LEEWAY = datetime.timedelta(minutes=10)
MAX_EVENT_AGE = datetime.timedelta(days=30)
MAX_BATCH = 200
# Assumption for contact tracing (the gate sees people come in, not leave): someone let in
# stays an hour; someone turned away stays a few minutes at the gate.
ADMITTED_STAY = datetime.timedelta(hours=1)
TURNED_AWAY_STAY = datetime.timedelta(minutes=5)
SUBJECT_CACHE_SECONDS = 600


# --- who may use which gate -----------------------------------------------------------------

def shifts_now(user: Any, at: datetime.datetime | None = None) -> QuerySet[DutyShift]:
    at = at or timezone.now()
    if not getattr(user, "is_authenticated", False):
        return DutyShift.objects.none()
    return DutyShift.objects.filter(user=user, starts_at__lte=at, ends_at__gt=at)


def upcoming_shifts(user: Any, until: datetime.datetime) -> QuerySet[DutyShift]:
    """The user's own shifts not over yet that start before ``until`` (her home page)."""
    if not getattr(user, "is_authenticated", False):
        return DutyShift.objects.none()
    return (DutyShift.objects.filter(user=user, ends_at__gt=timezone.now(), starts_at__lt=until)
            .select_related("gate", "gate__place").order_by("starts_at"))


def on_duty_until(user: Any) -> dict[int, datetime.datetime]:
    """gate id → the end of the user's current shift there (the latest, if shifts overlap)."""
    return dict(shifts_now(user).order_by("ends_at").values_list("gate_id", "ends_at"))


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
    """The gate if the user may send it events: staff, or on duty there now or until
    ``SYNC_GRACE`` ago (a gate offline for a shift syncs afterwards). 404 otherwise."""
    gate = Gate.objects.select_related("place").filter(pk=pk).first()
    if gate is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if is_gate_staff(user, gate):
        return SyncAccess(gate, True, ())
    now = timezone.now()
    shifts = tuple(DutyShift.objects.filter(gate=gate, user=user, starts_at__lte=now + CLOCK_LEEWAY,
                                            ends_at__gt=now - SYNC_GRACE)
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


@dataclass
class SyncResult:
    received_at: datetime.datetime
    accepted: int = 0
    duplicate: int = 0
    today: dict[str, int] = field(default_factory=dict)  # the gate's counts after this batch


class EventErrors(ValidationError):
    """Problems with some events of a batch: ``problems`` is ``[(index, field, error)]``."""

    def __init__(self, problems: list[tuple[int, str, ValidationError]]) -> None:
        super().__init__([error for _i, _f, error in problems])
        self.problems = problems


# The colour a scan's reason implies for the pass it read.
_REASON_COLOURS: dict[str, frozenset[str]] = {
    "ok": frozenset({"green"}), "yellow": frozenset({"yellow"}), "red": frozenset({"red"}),
    "fever": frozenset({"green", "yellow"}),
}
_NO_COLOUR = frozenset({""})


def _check_event(event: EventInput, access: SyncAccess, now: datetime.datetime) -> list[tuple[str, ValidationError]]:
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
    if event.occurred_at > now + CLOCK_LEEWAY:
        add("occurred_at", _("This time is in the future: check the gate device's clock."), "future")
    elif event.occurred_at < now - MAX_EVENT_AGE:
        add("occurred_at", _("This event is too old to be recorded."), "too_old")
    elif not access.covers(event.occurred_at):
        add("occurred_at", _("You were not on duty at this gate at this time."), "off_duty")
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


def _subject_map(compound: Place, subjects: set[str]) -> dict[str, int]:
    """subject → person pk for everyone registered in the compound (a keyed hash each, so
    it is cached for a few minutes rather than computed per batch), with ``subjects`` in it
    if they live there: an unknown subject reads the compound again (someone may have
    moved in)."""
    key = f"linli.gates.subjects.{compound.pk}"
    mapping: dict[str, int] | None = cache.get(key)
    if mapping is None or not subjects <= mapping.keys():
        people = Person.objects.filter(path__under=compound.path, is_active=True).values_list("pk", flat=True)
        mapping = {keys.subject_id(pk): pk for pk in people.iterator(chunk_size=2000)}
        cache.set(key, mapping, SUBJECT_CACHE_SECONDS)
    return mapping


def _resolve_people(gate: Gate, events: list[EventInput]) -> dict[uuid.UUID, int]:
    """The person behind each scan of a pass with a verified subject: first through the
    pass this server issued (``pass_ref``, checked against the subject), then among the
    compound's residents."""
    scans = [e for e in events if e.kind == EventKind.SCAN and e.subject]
    refs = {e.pass_ref for e in scans if e.pass_ref}
    issued = dict(IssuedPass.objects.filter(revocation_id__in=refs).values_list("revocation_id", "person_id"))
    found: dict[uuid.UUID, int] = {}
    for event in scans:
        person_id = issued.get(event.pass_ref)
        if person_id is not None and keys.subject_id(person_id) == event.subject:
            found[event.client_id] = person_id
    missing = [e for e in scans if e.client_id not in found]
    if missing:
        mapping = _subject_map(gate.place, {e.subject for e in missing})
        found.update({e.client_id: mapping[e.subject] for e in missing if e.subject in mapping})
    return found


def do_record_events(gate_id: int, events: Iterable[EventInput], *, acting_user: Any) -> SyncResult:
    """Store a batch of gate events; events already stored (same ``client_id``) are counted
    as duplicates and left alone. Raises :class:`EventErrors` (nothing stored) when any new
    event is wrong, Http404 when the user may not send events for this gate."""
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
    known = set(GateEvent.objects.filter(client_id__in=[e.client_id for e in events])
                .values_list("client_id", flat=True))
    new: list[tuple[int, EventInput]] = []
    for index, event in enumerate(events):
        if event.client_id in known:
            result.duplicate += 1
        else:
            known.add(event.client_id)
            new.append((index, event))
    problems = [(index, name, error) for index, event in new for name, error in _check_event(event, access, now)]
    if problems:
        raise EventErrors(problems)
    fresh = [event for _index, event in new]
    people = _resolve_people(gate, fresh)
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    rows = GateEvent.objects.bulk_create([
        GateEvent(client_id=e.client_id, gate=gate, path=gate.path, kind=e.kind, verdict=e.verdict, reason=e.reason,
                  colour=e.colour, temperature=e.temperature, subject=e.subject, pass_ref=e.pass_ref,
                  person_id=people.get(e.client_id), note=e.note, occurred_at=e.occurred_at, received_at=now,
                  recorded_by=user)
        for e in fresh])
    visitors = Visitor.objects.bulk_create([
        Visitor(event=row, gate=gate, path=gate.path, name=e.visitor.name, phone=e.visitor.phone,
                phone_hash=search.phone_hash(e.visitor.phone), purpose=e.visitor.purpose,
                visiting=e.visitor.visiting, temperature=e.temperature, occurred_at=e.occurred_at,
                recorded_by=user)
        for row, e in zip(rows, fresh, strict=True) if e.visitor is not None])
    _record_access(gate, rows)
    result.accepted = len(rows)
    if rows or result.duplicate:
        audit.record("gate.sync", actor=acting_user, obj=gate, detail={
            "accepted": result.accepted, "duplicate": result.duplicate,
            "kinds": {kind: sum(r.kind == kind for r in rows) for kind in EventKind.values},
            "people": sorted({r.person_id for r in rows if r.person_id}),
            "visitors": [v.pk for v in visitors]})
    result.today = today_counts(gate)
    return result


def _record_access(gate: Gate, rows: list[GateEvent]) -> None:
    scanned = [r for r in rows if r.person_id is not None]
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


def today_counts(gate: Gate) -> dict[str, int]:
    """Today's events at the gate by verdict, and the visitors registered (one event each)."""
    counted = {verdict: Count("pk", filter=Q(verdict=verdict)) for verdict in verdicts.VERDICTS}
    return GateEvent.objects.filter(gate=gate, occurred_at__gte=day_start(timezone.localdate())).aggregate(
        **counted, visitors=Count("pk", filter=Q(kind=EventKind.VISITOR)))
