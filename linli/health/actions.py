"""Epidemic-mode state changes: records, health status from the rules, quarantine orders.

Every ``do_*`` checks the caller's scope, writes the audit log and, for quarantine orders,
the shared ledger. Health status is recomputed for the people a change concerns; a change
of risk areas or of the rule set recomputes everyone (``recompute(None)``).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, regions
from linli.core.access import PermissionDenied, allows, area_of, may, require
from linli.core.errors import Bilingual
from linli.core.text import strip_invisible
from linli.core.validators import validate_region_code
from linli.health import facts as health_facts
from linli.health import quarantine, rules, tracing
from linli.health.access import CHANGE, ON_BEHALF, VIEW
from linli.health.models import (
    AccessRecord,
    Arrival,
    Case,
    Channel,
    CheckIn,
    Colour,
    EpidemicMode,
    FollowUp,
    FollowUpOutcome,
    HealthStatus,
    IssuedPass,
    LabResult,
    MonitoringDevice,
    OrderKind,
    OrderStatus,
    QuarantineOrder,
    RiskArea,
    RuleSet,
    StatusChange,
    Trace,
)
from linli.people.models import Person
from linli.places.models import Place
from linli.places.rules import ancestor_paths

# --- rule sets -----------------------------------------------------------------------------

def active_rule_set() -> RuleSet:
    """The rule set in use; the shipped default the first time."""
    current = RuleSet.objects.filter(active=True).order_by("-pk").first()
    if current is not None:
        return current
    document = rules.load_default()
    rule_set, _created = RuleSet.objects.get_or_create(
        code=document["id"], version=document["version"], defaults={"document": document, "active": True})
    return rule_set


@functools.lru_cache(maxsize=8)
def _compiled(pk: int, code: str, version: int) -> rules.CompiledRuleSet:
    return rules.compile_rule_set(RuleSet.objects.get(pk=pk).document)


def compiled_rules() -> rules.CompiledRuleSet:
    current = active_rule_set()
    return _compiled(current.pk, current.code, current.version)


@transaction.atomic
def do_publish_rule_set(document: dict[str, Any], *, acting_user: Any) -> RuleSet:
    """A new version of a rule set, in use from now on; everyone's status is recomputed."""
    require(acting_user, CHANGE, RuleSet())
    problems = rules.validate_rule_set(document)
    if problems:
        raise ValidationError(problems, code="rule_set")
    code = str(document["id"])
    latest = RuleSet.objects.filter(code=code).order_by("-version").first()
    version = (latest.version + 1) if latest else 1
    document = {**document, "version": version}
    RuleSet.objects.filter(active=True).update(active=False)
    rule_set = RuleSet.objects.create(code=code, version=version, document=document, active=True,
                                      created_by=acting_user)
    audit.record("health.rules_publish", actor=acting_user, obj=rule_set, detail={"code": code, "version": version},
                 path=area_of(acting_user, CHANGE))
    transaction.on_commit(lambda: recompute(None))
    return rule_set


# --- health status -------------------------------------------------------------------------

@dataclass(frozen=True)
class Recomputed:
    people: int
    changed: int


def recompute(person_ids: Iterable[int] | None, *, now: datetime.datetime | None = None) -> Recomputed:
    """Decide the colour of the people concerned (None: everyone with a record or a status)
    and store what changed. People without any record are green and need no row."""
    now = now or timezone.now()
    ids = None if person_ids is None else sorted(set(person_ids))
    compiled = compiled_rules()
    gathered = health_facts.gather(ids, now=now)
    if ids is not None:
        for pk in ids:
            gathered.setdefault(pk, dict(health_facts.EMPTY))
    current = {s.person_id: s for s in (HealthStatus.objects.all() if ids is None
                                        else HealthStatus.objects.filter(person_id__in=ids))}
    paths = dict(Person.objects.filter(pk__in=[pk for pk in gathered if pk not in current])
                 .values_list("pk", "path")) if len(gathered) > len(current) else {}
    changed_rows, new_rows, changes, colour_changed = [], [], [], []
    for person_id, facts in gathered.items():
        decision = compiled.evaluate(facts)
        row = current.get(person_id)
        if row is None:
            if decision.colour == Colour.GREEN and not decision.needs_review:
                continue  # no record that matters: green without a row
            path = paths.get(person_id)
            if path is None:
                continue
            row = HealthStatus(person_id=person_id, path=path, decided_at=now, colour_since=now, colour="")
            new_rows.append(row)
        elif not _differs(row, decision):
            continue
        else:
            changed_rows.append(row)
        if row.colour != decision.colour:
            changes.append(StatusChange(person_id=person_id, path=row.path, colour=decision.colour,
                                        previous=row.colour, rule_set=_rule_set_name(decision),
                                        reasons=[list(r) for r in decision.reasons], at=now))
            colour_changed.append(person_id)
            row.colour_since = now
        _apply(row, decision, now)
    with transaction.atomic():
        HealthStatus.objects.bulk_create(new_rows, batch_size=2000)
        HealthStatus.objects.bulk_update(changed_rows, ["colour", "rule_set", "fired", "reasons", "quarantine_days",
                                                        "held", "needs_review", "error", "decided_at",
                                                        "colour_since"], batch_size=2000)
        StatusChange.objects.bulk_create(changes, batch_size=2000)
        for chunk in _chunks(colour_changed, 900):  # a new colour, a new pass: old ones are revoked
            IssuedPass.objects.filter(person_id__in=chunk, revoked_at__isnull=True, expires_at__gt=now) \
                .update(revoked_at=now)
    return Recomputed(len(gathered), len(new_rows) + len(changed_rows))


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _rule_set_name(decision: rules.Decision) -> str:
    return f"{decision.rule_set_id}@{decision.rule_set_version}"


def _differs(row: HealthStatus, decision: rules.Decision) -> bool:
    return (row.colour != decision.colour or row.rule_set != _rule_set_name(decision)
            or list(row.fired) != list(decision.fired) or row.held != decision.held
            or row.needs_review != decision.needs_review)


def _apply(row: HealthStatus, decision: rules.Decision, now: datetime.datetime) -> None:
    row.colour = decision.colour
    row.rule_set = _rule_set_name(decision)
    row.fired = list(decision.fired)
    row.reasons = [list(r) for r in decision.reasons]
    row.quarantine_days = decision.quarantine_days
    row.held = decision.held
    row.needs_review = decision.needs_review
    row.error = str(decision.error or "")[:300]
    row.decided_at = now


@dataclass(frozen=True)
class Status:
    colour: str
    reasons: list[tuple[str, str]]
    rule_set: str
    held: bool
    needs_review: bool
    since: datetime.datetime | None
    quarantine: QuarantineOrder | None


def may_see(user: Any, person: Person) -> bool:
    """Health data is seen by health roles and the person's own grid worker (scope), and by
    the resident herself."""
    return allows(user, VIEW, person)


def require_see(user: Any, person: Person) -> None:
    if not may_see(user, person):
        raise PermissionDenied(VIEW)


def status_of(person: Person, *, acting_user: Any, purpose: str = "", purpose_code: str = "") -> Status:
    """A person's colour now, decided afresh; the read is audited (with the lawful purpose's
    code when staff chose one: decision 0023)."""
    require_see(acting_user, person)
    recompute([person.pk])
    row = HealthStatus.objects.filter(person=person).first()
    order = QuarantineOrder.objects.filter(person=person, status=OrderStatus.ACTIVE).order_by("-start_date").first()
    audit.record("health.status_view", actor=acting_user, obj=person, purpose=purpose,
                 detail={"purpose_code": purpose_code} if purpose_code else None)
    if row is None:
        decision = compiled_rules().evaluate(health_facts.EMPTY)
        return Status(decision.colour, list(decision.reasons), _rule_set_name(decision), False, False, None, order)
    return Status(row.colour, [tuple(r) for r in row.reasons], row.rule_set, row.held,  # type: ignore[misc]
                  row.needs_review, row.colour_since, order)


# --- records -------------------------------------------------------------------------------

def _house_of(person: Person) -> Place | None:
    residence = person.residences.filter(moved_out__isnull=True).select_related("house").first()
    return residence.house if residence else None


@transaction.atomic
def do_register_arrival(person: Person, *, acting_user: Any, origin_code: str, origin_name: str,
                        arrived_on: datetime.date, transport: str = "", channel: str = Channel.STAFF) -> Arrival:
    if channel == Channel.SELF:
        require_see(acting_user, person)
    else:
        require(acting_user, CHANGE, person.path)
    if arrived_on > timezone.localdate():
        raise ValidationError({"arrived_on": _("The arrival date cannot be in the future.")}, code="future")
    origin_code = _listed_region("origin_code", origin_code)
    origin_name = " ".join(strip_invisible(origin_name).split())[:100] or regions.name_of(origin_code)
    arrival = Arrival.objects.create(person=person, path=person.path, house=_house_of(person),
                                     origin_code=origin_code, origin_name=origin_name, arrived_on=arrived_on,
                                     transport=transport, channel=channel, recorded_by=acting_user)
    audit.record("health.arrival", actor=acting_user, obj=person, detail={"origin": origin_code, "channel": channel})
    recompute([person.pk])  # in the same transaction: the change and its colour land together
    return arrival


@transaction.atomic
def do_check_in(person: Person, *, acting_user: Any, temperature: Decimal, symptoms: list[str] | None = None,
                whereabouts: str = "", channel: str = Channel.SELF, day: datetime.date | None = None) -> CheckIn:
    """Today's check-in; a second one the same day replaces the first. A grid worker or a
    family member may check in on behalf of an elder (``channel`` on_behalf)."""
    if channel == Channel.SELF:
        require_see(acting_user, person)
    else:
        require(acting_user, ON_BEHALF, person.path)
    if not Decimal("30") <= temperature <= Decimal("45"):
        raise ValidationError({"temperature": _("The temperature must be between 30 and 45 °C.")},
                              code="temperature")
    day = day or timezone.localdate()
    checkin, _created = CheckIn.objects.update_or_create(
        person=person, day=day, defaults={"path": person.path, "temperature": temperature,
                                          "symptoms": list(symptoms or []), "whereabouts": whereabouts[:500],
                                          "channel": channel, "recorded_by": acting_user})
    audit.record("health.checkin", actor=acting_user, obj=person, detail={"channel": channel})
    recompute([person.pk])  # in the same transaction: the change and its colour land together
    return checkin


@transaction.atomic
def do_record_test(person: Person, *, acting_user: Any, kind: str, sampled_on: datetime.date, outcome: str,
                   lab: str = "", sample_ref: str = "") -> LabResult:
    require(acting_user, CHANGE, person.path)
    if sampled_on > timezone.localdate():
        raise ValidationError({"sampled_on": _("The sampling date cannot be in the future.")}, code="future")
    result = LabResult.objects.create(person=person, path=person.path, kind=kind, sampled_on=sampled_on,
                                      outcome=outcome, lab=lab[:100], sample_ref=sample_ref[:64],
                                      recorded_by=acting_user)
    audit.record("health.test_result", actor=acting_user, obj=person, detail={"kind": kind, "outcome": outcome})
    recompute([person.pk])  # in the same transaction: the change and its colour land together
    return result


@transaction.atomic
def do_confirm_case(person: Person, *, acting_user: Any, confirmed_on: datetime.date,
                    onset_on: datetime.date | None = None) -> Case:
    require(acting_user, CHANGE, person.path)
    if onset_on and onset_on > confirmed_on:
        raise ValidationError({"onset_on": _("The onset cannot be after the confirmation.")}, code="onset")
    case, created = Case.objects.get_or_create(person=person, defaults={
        "path": person.path, "confirmed_on": confirmed_on, "onset_on": onset_on, "recorded_by": acting_user})
    if not created:
        raise ValidationError(_("This person is already recorded as a confirmed case."), code="duplicate")
    audit.record("health.case", actor=acting_user, obj=person, detail={"confirmed_on": str(confirmed_on)})
    recompute([person.pk])  # in the same transaction: the change and its colour land together
    return case


def _listed_region(field: str, code: str) -> str:
    """``code`` if it is a region code in use of the GB/T 2260 list, else a ValidationError
    naming ``field``."""
    try:
        return validate_region_code(code).code
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from None


@transaction.atomic
def do_add_risk_area(*, acting_user: Any, region_code: str, name: str, level: str, valid_from: datetime.date,
                     valid_to: datetime.date | None = None, source: str = "") -> RiskArea:
    """A risk area changes everyone's arrivals: the whole registry is recomputed afterwards."""
    area = RiskArea(region_code=region_code.strip(), name=name.strip(), level=level, valid_from=valid_from,
                    valid_to=valid_to, source=source, created_by=acting_user)
    require(acting_user, CHANGE, area)
    area.region_code = _listed_region("region_code", area.region_code)
    area.full_clean()
    area.save()
    audit.record("health.risk_area", actor=acting_user, obj=area, path=area_of(acting_user, CHANGE),
                 detail={"region": area.region_code, "level": level})
    transaction.on_commit(lambda: recompute(None))
    return area


# --- quarantine ------------------------------------------------------------------------------

@transaction.atomic
def do_order_quarantine(person: Person, *, acting_user: Any, reason: str, colour: str,
                        last_exposure: datetime.date | None = None, kind: str = OrderKind.HOME,
                        trace: Any = None) -> QuarantineOrder:
    """A quarantine order with its dates from the rules of ``linli.health.quarantine``;
    appended to the shared ledger by the district health commission (no personal data)."""
    require(acting_user, CHANGE, person.path)
    positives = LabResult.objects.filter(person=person, outcome="positive").values_list("sampled_on", flat=True)
    start = quarantine.start_of(last_exposure=last_exposure, positive_tests=positives,
                                reported_on=timezone.localdate())
    days = quarantine.standard_days(colour)
    order = QuarantineOrder.objects.create(
        person=person, path=person.path, kind=kind, reason=reason, colour=colour, start_date=start.date,
        start_basis=start.basis, standard_days=days, end_date=quarantine.standard_end(start.date, colour),
        trace=trace, created_by=acting_user)
    _record_order(order, person)
    audit.record("health.quarantine_order", actor=acting_user, obj=order,
                 detail={"reason": reason, "kind": kind, "start": str(order.start_date), "end": str(order.end_date)})
    recompute([person.pk])  # in the same transaction: the change and its colour land together
    return order


def _record_order(order: QuarantineOrder, person: Person) -> None:
    from linli.ledger.log import append, pseudonym
    from linli.ledger.parties import health_party

    # the house, or the nearest place above it that exists (the district's office signs)
    anchor = Place.objects.filter(path__in=[*ancestor_paths(person.path), person.path]).order_by("-path").first()
    if anchor is None:
        return
    append("quarantine_order", party=health_party(anchor), subject_ref=pseudonym("person", person.pk),
           payload={"order": order.pk, "kind": order.kind, "reason": order.reason, "start": str(order.start_date),
                    "end": str(order.end_date), "basis": order.start_basis}, path=person.path)


@transaction.atomic
def do_extend_order(order: QuarantineOrder, *, acting_user: Any, new_end: datetime.date) -> QuarantineOrder:
    require(acting_user, CHANGE, order.path)
    try:
        order.end_date = quarantine.extend(order.start_date, order.colour, order.end_date, new_end)
    except quarantine.QuarantineDateError as exc:
        raise ValidationError({"end_date": Bilingual(exc.english, exc.chinese).error(exc.code)}) from exc
    order.save(update_fields=["end_date", "updated_at"])
    audit.record("health.quarantine_extend", actor=acting_user, obj=order, detail={"end": str(new_end)})
    return order


@transaction.atomic
def do_end_order(order: QuarantineOrder, *, acting_user: Any, status: str, reason: str) -> QuarantineOrder:
    require(acting_user, CHANGE, order.path)
    if order.status != OrderStatus.ACTIVE:
        raise ValidationError(_("This order has already ended."), code="state")
    followed = set(order.follow_ups.values_list("day", flat=True))
    if status == OrderStatus.COMPLETED and not quarantine.may_complete(order.end_date, followed,
                                                                       timezone.localdate()):
        raise ValidationError(_("An order completes only after its last day, once that day's follow-up is "
                                "recorded."), code="too_early")
    order.status, order.end_reason = status, reason[:200]
    order.save(update_fields=["status", "end_reason", "updated_at"])
    audit.record("health.quarantine_end", actor=acting_user, obj=order, detail={"status": status})
    recompute([order.person_id])
    return order


def extend_unseen_orders(today: datetime.date | None = None) -> int:
    """The periodic task: orders whose last day passed without a follow-up run on."""
    today = today or timezone.localdate()
    extended = 0
    for order in QuarantineOrder.objects.filter(status=OrderStatus.ACTIVE, end_date__lt=today):
        followed = set(order.follow_ups.values_list("day", flat=True))
        end = quarantine.auto_extended_end(order.end_date, followed, today)
        if end != order.end_date:
            QuarantineOrder.objects.filter(pk=order.pk).update(end_date=end, updated_at=timezone.now())
            audit.record("health.quarantine_auto_extend", obj=order, detail={"end": str(end)})
            extended += 1
    return extended


# --- contact tracing ----------------------------------------------------------------------------

TRACE_BEFORE_ONSET = datetime.timedelta(days=2)


@transaction.atomic
def do_trace(case: Case, *, acting_user: Any, min_overlap_minutes: int = 15, hops: int = 2) -> Trace:
    """Trace a confirmed case from the access records in [onset − 2 days, isolation]."""
    require(acting_user, CHANGE, case.path)
    onset = case.onset_on or case.confirmed_on
    start = timezone.make_aware(datetime.datetime.combine(onset, datetime.time())) - TRACE_BEFORE_ONSET
    end = case.isolated_at or timezone.now()
    records = AccessRecord.objects.filter(entered_at__lt=end, left_at__gt=start) \
        .values_list("person_id", "place_id", "entered_at", "left_at")
    persons, places, t_in, t_out = [], [], [], []
    for person_id, place_id, entered, left in records.iterator(chunk_size=50000):
        persons.append(person_id)
        places.append(place_id)
        t_in.append(int(entered.timestamp()))
        t_out.append(int(left.timestamp()))
    index = tracing.IntervalIndex.from_columns(persons, places, t_in, t_out)
    found = tracing.trace(index, case.person_id, int(start.timestamp()), int(end.timestamp()),
                          min_overlap=min_overlap_minutes * 60, hops=hops)
    names: dict[Any, str] = dict(Place.objects.filter(pk__in={c.place for c in found.values()})
                                 .values_list("pk", "name"))
    last = _last_exposures(found, case.person_id, (persons, places, t_in, t_out), int(end.timestamp()))

    def moment(seconds: int) -> str:
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).isoformat()

    contacts = [{"person": c.person, "degree": c.degree, "via": c.via, "place": names.get(c.place, ""),
                 "first_exposure": moment(c.first_exposure),
                 "last_exposure": moment(last.get(c.person, c.first_exposure)),
                 "overlap_minutes": round(c.total_overlap / 60)} for c in found.values()]
    trace = Trace.objects.create(case=case, path=case.path, window_start=start, window_end=end,
                                 min_overlap_minutes=min_overlap_minutes, hops=hops, contacts=contacts,
                                 started_by=acting_user)
    audit.record("health.trace", actor=acting_user, obj=trace,
                 detail={"records": len(persons), "contacts": len(contacts)})
    return trace


def _last_exposures(found: dict[Any, tracing.Contact], index_person: int,
                    columns: tuple[list[Any], list[Any], list[int], list[int]], end: int) -> dict[Any, int]:
    """When each contact was last together with the person she was traced through: the
    quarantine counts from the last exposure, not the first."""
    wanted = {index_person, *found}
    visits: dict[Any, list[tuple[Any, int, int]]] = {}
    for person, place, t_in, t_out in zip(*columns, strict=True):
        if person in wanted:
            visits.setdefault(person, []).append((place, t_in, t_out))
    last: dict[Any, int] = {}
    for contact in found.values():
        since = found[contact.via].first_exposure if contact.via in found else 0
        for place, a_in, a_out in visits.get(contact.person, []):
            for other_place, b_in, b_out in visits.get(contact.via, []):
                begin, finish = max(a_in, b_in, since), min(a_out, b_out, end)
                if other_place == place and finish > begin:
                    last[contact.person] = max(last.get(contact.person, 0), finish)
    return last


@transaction.atomic
def do_order_contacts(trace: Trace, person_ids: Iterable[int], *, acting_user: Any,
                      kind: str = OrderKind.HOME) -> list[QuarantineOrder]:
    """Quarantine orders for the selected contacts of a trace, in one step: close contacts red
    (14 days), secondary contacts yellow (7 days), each from their own exposure."""
    require(acting_user, CHANGE, trace.path)
    chosen = set(person_ids)
    by_person = {c["person"]: c for c in trace.contacts if c["person"] in chosen}
    missing = chosen - set(by_person)
    if missing:
        raise ValidationError(_("Some of the people chosen are not in this trace."), code="not_in_trace")
    orders = []
    for person in Person.objects.filter(pk__in=by_person):
        contact = by_person[person.pk]
        exposure = datetime.datetime.fromisoformat(contact.get("last_exposure") or contact["first_exposure"])
        close = contact["degree"] == 1
        orders.append(do_order_quarantine(
            person, acting_user=acting_user, reason="close_contact" if close else "secondary_contact",
            colour=Colour.RED if close else Colour.YELLOW, kind=kind, trace=trace,
            last_exposure=timezone.localtime(exposure).date()))
    return orders


# --- epidemic mode, risk-area imports, follow-ups and monitoring devices --------------------
# (models imported here rather than at the top: these were added after the rest of the module)

EPIDEMIC_LEVELS = ("street", "community")


@transaction.atomic
def do_set_epidemic_mode(place: Place, *, acting_user: Any, active: bool) -> Any:
    """Switch a street or community into epidemic mode (or back to normal): its subtree then
    shows the epidemic menus. The records stay either way; ``retention`` purges them later."""
    require(acting_user, CHANGE, place.path)
    if place.level not in EPIDEMIC_LEVELS:
        raise ValidationError(_("Only a street or a community can be switched into epidemic mode."), code="level")
    mode, _created = EpidemicMode.objects.update_or_create(
        place=place, defaults={"active": active, "changed_by": acting_user})
    audit.record("health.epidemic_mode", actor=acting_user, obj=place, detail={"active": active})
    return mode


@transaction.atomic
def do_import_risk_areas(areas: list[dict[str, Any]], *, acting_user: Any, source: str = "") -> list[RiskArea]:
    """Add many risk areas at once, all or nothing; one recomputation afterwards. ``areas``
    holds the keyword arguments of :func:`do_add_risk_area` (region_code, name, level,
    valid_from, valid_to)."""
    if not may(acting_user, CHANGE):
        raise PermissionDenied(CHANGE)
    created: list[RiskArea] = []
    errors: dict[str, list[Any]] = {}
    for number, data in enumerate(areas, start=1):
        area = RiskArea(region_code=str(data["region_code"]).strip(), name=str(data["name"]).strip(),
                        level=data["level"], valid_from=data["valid_from"], valid_to=data.get("valid_to"),
                        source=source[:100], created_by=acting_user)
        try:
            area.region_code = _listed_region("region_code", area.region_code)
            area.full_clean()
        except ValidationError as exc:
            errors[f"row {number}"] = exc.messages
            continue
        created.append(area)
    if errors:
        raise ValidationError(errors, code="rows")
    RiskArea.objects.bulk_create(created)
    audit.record("health.risk_area_import", actor=acting_user, object_type="health.riskarea",
                 path=area_of(acting_user, CHANGE),
                 detail={"rows": len(created), "source": source[:100]})
    transaction.on_commit(lambda: recompute(None))
    return created


@transaction.atomic
def do_record_follow_up(order: QuarantineOrder, *, acting_user: Any, outcome: str,
                        temperature: Decimal | None = None, note: str = "",
                        day: datetime.date | None = None) -> Any:
    """The day's follow-up of a quarantined person by her grid worker or health staff. One
    per order and day: a later visit the same day replaces the earlier outcome (audited)."""
    require(acting_user, ON_BEHALF, order.path)
    if outcome not in FollowUpOutcome.values:
        raise ValidationError({"outcome": _("Choose how the follow-up went.")}, code="outcome")
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"day": _("A follow-up cannot be recorded for a future day.")}, code="future")
    if day < order.start_date:
        raise ValidationError({"day": _("This day is before the quarantine began.")}, code="before")
    if temperature is not None and not Decimal("30") <= temperature <= Decimal("45"):
        raise ValidationError({"temperature": _("The temperature must be between 30 and 45 °C.")},
                              code="temperature")
    if temperature is not None and outcome not in (FollowUpOutcome.SEEN_OK, FollowUpOutcome.SEEN_NOT_OK):
        raise ValidationError({"temperature": _("A temperature is recorded only when the person was seen.")},
                              code="temperature_unseen")
    previous = FollowUp.objects.filter(order=order, day=day).values_list("outcome", flat=True).first()
    follow_up, _created = FollowUp.objects.update_or_create(
        order=order, day=day, defaults={"path": order.path, "outcome": outcome, "temperature": temperature,
                                        "note": note[:500], "recorded_by": acting_user})
    audit.record("health.follow_up", actor=acting_user, obj=order,
                 detail={"day": str(day), "outcome": outcome, "replaced": previous or ""})
    return follow_up


@transaction.atomic
def do_attach_device(order: QuarantineOrder, *, acting_user: Any, kind: str, legal_basis: str,
                     consent_at: datetime.datetime | None, consent_by: str) -> Any:
    """A door sensor or camera for a quarantined household, only once its legal basis and the
    resident's informed consent are recorded (the doorbell-camera debate in seed 001)."""
    require(acting_user, CHANGE, order.path)
    errors: dict[str, Any] = {}
    if order.status != OrderStatus.ACTIVE:
        errors["__all__"] = _("A device can only be attached while the quarantine is running.")
    if not kind.strip():
        errors["kind"] = _("Say which device it is.")
    if len(legal_basis.strip()) < 4:
        errors["legal_basis"] = _("Record the legal basis for monitoring (the law and article, or the order).")
    if consent_at is None:
        errors["consent_at"] = _("Record when the resident gave her informed consent.")
    elif consent_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["consent_at"] = _("The consent cannot be in the future.")
    if not consent_by.strip():
        errors["consent_by"] = _("Record who gave the consent (the resident or her guardian).")
    if errors or consent_at is None:
        raise ValidationError(errors, code="consent")
    device = MonitoringDevice.objects.create(order=order, path=order.path, kind=kind.strip()[:32],
                                             legal_basis=legal_basis.strip()[:300], consent_at=consent_at,
                                             consent_by=consent_by.strip()[:64], recorded_by=acting_user)
    audit.record("health.monitoring_device", actor=acting_user, obj=order,
                 detail={"kind": device.kind, "device": device.pk})
    return device
