"""The epidemic-mode API. Person-level reads are scoped (health roles and the person's own
grid worker; the resident herself) and audited; anything outside the scope is a 404."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from linli.core import audit, purposes
from linli.core.access import allows, get_or_404, route
from linli.core.api_auth import ERRORS, Date, Id, api_user
from linli.health import actions, keys, passes
from linli.health.models import Case, Channel, HealthStatus
from linli.people.models import Person

router = Router()
Temperature = Annotated[Decimal, Field(ge=30, le=45, max_digits=3, decimal_places=1)]
RegionCode = Annotated[str, Field(pattern=r"^\d{6}(\d{3})?$", description="GB/T 2260 code in use, 6 digits (9 for a "
                                                                       "township); GET /api/regions finds one by name")]


def _person(request: HttpRequest, person_id: int, *, change: str | None = None,
            herself: bool = False) -> Person:
    """The person if the caller may see her health data; with ``change``, if the caller may
    also do that to her (or, with ``herself``, is her)."""
    user = api_user(request)
    person = get_or_404(Person.objects.filter(is_active=True), user, actions.VIEW, pk=person_id)
    if change and not (herself and _is(user, person)) and not allows(user, change, person):
        raise Http404
    return person


def _is(user: Any, person: Person) -> bool:
    return getattr(user, "person_id", None) == person.pk


Purpose = Annotated[str, Query(max_length=300, description="why staff read this person's health data, in words "
                                                          '(required for "other"; not needed for one\'s own; audited)')]
PurposeCode = Annotated[str, Query(max_length=32, description="why staff read this person's health data: a lawful "
                                                             "purpose's code (GET /api/purposes); audited")]


def _purpose(request: HttpRequest, person: Person, purpose_code: str, purpose: str) -> dict[str, str]:
    """Staff state a lawful purpose for reading someone's health data (decision 0023); a resident
    reading her own does not. A purpose that is none is refused, and the refusal audited."""
    if _is(api_user(request), person) and not purpose.strip() and not purpose_code.strip():
        return {"purpose": "own"}
    try:
        stated = purposes.state(purpose_code, purpose)
    except ValidationError as exc:
        audit.refused("health.status_view", actor=api_user(request), reason=audit.reason_of(exc),
                      purpose_code=purpose_code, purpose=purpose, obj=person)
        raise
    return {"purpose": stated.recorded, "purpose_code": stated.code}


class ArrivalIn(Schema):
    person_id: Id
    origin_code: RegionCode
    origin_name: str = Field("", max_length=100, description="the place's name; the list's name when empty")
    arrived_on: Date
    transport: str = Field("", max_length=64)


class Created(Schema):
    id: int
    colour: str


@router.post("/arrivals", response={201: Created, **ERRORS}, summary="Register an arrival")
@route(actions.CHANGE, model=Person, kwarg="person_id")  # or the person herself
def register_arrival(request: HttpRequest, payload: ArrivalIn) -> Status:
    person = _person(request, payload.person_id, change=actions.CHANGE, herself=True)
    user = api_user(request)
    own = _is(user, person)
    arrival = actions.do_register_arrival(person, acting_user=user, origin_code=payload.origin_code,
                                          origin_name=payload.origin_name, arrived_on=payload.arrived_on,
                                          transport=payload.transport,
                                          channel=Channel.SELF if own else Channel.STAFF)
    return Status(201, {"id": arrival.pk, "colour": _colour_now(person)})


class CheckInIn(Schema):
    person_id: Id
    temperature: Temperature
    symptoms: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list, max_length=10)
    whereabouts: str = Field("", max_length=500)


@router.post("/checkins", response={201: Created, **ERRORS},
             summary="Today's check-in: by the resident, or on her behalf by her grid worker or family")
@route(actions.ON_BEHALF, model=Person, kwarg="person_id")
def check_in(request: HttpRequest, payload: CheckInIn) -> Status:
    person = _person(request, payload.person_id, change=actions.ON_BEHALF, herself=True)
    user = api_user(request)
    own = _is(user, person)
    checkin = actions.do_check_in(person, acting_user=user, temperature=payload.temperature,
                                  symptoms=payload.symptoms, whereabouts=payload.whereabouts,
                                  channel=Channel.SELF if own else Channel.ON_BEHALF)
    return Status(201, {"id": checkin.pk, "colour": _colour_now(person)})


class TestIn(Schema):
    person_id: Id
    kind: Literal["nucleic", "antigen"] = "nucleic"
    sampled_on: Date
    outcome: Literal["positive", "negative"] = "negative"
    lab: str = Field("", max_length=100)
    sample_ref: str = Field("", max_length=64)


@router.post("/test-results", response={201: Created, **ERRORS}, summary="Record a test result")
@route(actions.CHANGE, model=Person, kwarg="person_id")
def record_test(request: HttpRequest, payload: TestIn) -> Status:
    person = _person(request, payload.person_id, change=actions.CHANGE)  # not herself: labs record results
    result = actions.do_record_test(person, acting_user=api_user(request), kind=payload.kind,
                                    sampled_on=payload.sampled_on, outcome=payload.outcome, lab=payload.lab,
                                    sample_ref=payload.sample_ref)
    return Status(201, {"id": result.pk, "colour": _colour_now(person)})


class CaseIn(Schema):
    person_id: Id
    confirmed_on: Date
    onset_on: Date | None = None


@router.post("/cases", response={201: Created, **ERRORS}, summary="Record a confirmed case")
@route(actions.CHANGE, model=Person, kwarg="person_id")
def confirm_case(request: HttpRequest, payload: CaseIn) -> Status:
    user = api_user(request)
    person = _person(request, payload.person_id, change=actions.CHANGE)
    case = actions.do_confirm_case(person, acting_user=user, confirmed_on=payload.confirmed_on,
                                   onset_on=payload.onset_on)
    return Status(201, {"id": case.pk, "colour": _colour_now(person)})


def _colour_now(person: Person) -> str:
    """The colour the action's recomputation (run as its transaction committed) decided."""
    return HealthStatus.objects.filter(person=person).values_list("colour", flat=True).first() or "green"


class Reason(Schema):
    zh: str
    en: str


class QuarantineOut(Schema):
    kind: str
    start_date: datetime.date
    end_date: datetime.date
    status: str


class StatusOut(Schema):
    person_id: int
    colour: str
    reasons: list[Reason]
    rule_set: str
    held: bool
    needs_review: bool
    since: datetime.datetime | None
    quarantine: QuarantineOut | None


@router.get("/persons/{person_id}/status", response={200: StatusOut, **ERRORS},
            summary="A person's health colour, why, under which rule set, and her quarantine")
@route(actions.VIEW, model=Person, kwarg="person_id")
def person_status(request: HttpRequest, person_id: Id, purpose: Purpose = "",
                  purpose_code: PurposeCode = "") -> dict[str, Any]:
    person = _person(request, person_id)
    status = actions.status_of(person, acting_user=api_user(request),
                               **_purpose(request, person, purpose_code, purpose))
    order = status.quarantine
    return {"person_id": person.pk, "colour": status.colour,
            "reasons": [{"zh": zh, "en": en} for zh, en in status.reasons], "rule_set": status.rule_set,
            "held": status.held, "needs_review": status.needs_review, "since": status.since,
            "quarantine": None if order is None else {"kind": order.kind, "start_date": order.start_date,
                                                      "end_date": order.end_date, "status": order.status}}


class PassOut(Schema):
    code: str
    colour: str
    expires_at: datetime.datetime
    qr_svg: str


@router.get("/persons/{person_id}/pass", response={200: PassOut, **ERRORS},
            summary="A signed pass (CWT, COSE_Sign1) for the person's current colour, valid ≤ 24 h")
@route(actions.VIEW, model=Person, kwarg="person_id")
def person_pass(request: HttpRequest, person_id: Id, purpose: Purpose = "",
                purpose_code: PurposeCode = "") -> dict[str, Any]:
    person = _person(request, person_id)
    status = actions.status_of(person, acting_user=api_user(request),
                               **_purpose(request, person, purpose_code, purpose))
    code, issued = keys.issue_for(person, status.colour, status.rule_set)
    return {"code": code, "colour": status.colour, "expires_at": issued.expires_at, "qr_svg": passes.qr_svg(code)}


class TraceIn(Schema):
    person_id: Id = Field(description="the confirmed case")
    min_overlap_minutes: int = Field(15, ge=1, le=24 * 60)
    hops: int = Field(2, ge=1, le=3)


class ContactOut(Schema):
    person: int
    degree: int
    via: int
    place: str
    first_exposure: datetime.datetime
    last_exposure: datetime.datetime | None = None
    overlap_minutes: int


class TraceOut(Schema):
    id: int
    window_start: datetime.datetime
    window_end: datetime.datetime
    contacts: list[ContactOut]


@router.post("/traces", response={201: TraceOut, **ERRORS}, summary="Trace the contacts of a confirmed case")
@route(actions.CHANGE, model=Case, kwarg="person_id", field="person_id")
def start_trace(request: HttpRequest, payload: TraceIn) -> Status:
    user = api_user(request)
    case = Case.objects.filter(person=_person(request, payload.person_id, change=actions.CHANGE)).first()
    if case is None:
        raise Http404
    trace = actions.do_trace(case, acting_user=user, min_overlap_minutes=payload.min_overlap_minutes,
                             hops=payload.hops)
    return Status(201, {"id": trace.pk, "window_start": trace.window_start, "window_end": trace.window_end,
                        "contacts": trace.contacts})


@router.get("/trust-list", auth=None, summary="The signed trust list of pass keys and revocations (public)")
@route(public=True)
def trust_list(request: HttpRequest) -> dict[str, object]:
    return keys.trust_list(timezone.now())
