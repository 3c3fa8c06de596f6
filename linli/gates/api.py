"""Gates over the API: which gates the caller may work now, and the gate's event sync.

The gate screen queues every scan and visitor registration in the browser and posts them
here in batches when it is online. A batch is idempotent (each event carries the UUID the
browser gave it). A malformed event (one no working gate screen sends) makes the batch a
422 naming it (``["body", "events", 3, "visitor", "phone"]``) and nothing is stored, so the
browser can set that event aside and send the rest again. An event the server cannot accept
(a pass it did not issue then, a time outside the sync window or the shift) is stored as
refused: the answer says so for each event, with the reason in both languages.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
import uuid
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from linli.core.access import route
from linli.core.api_auth import ERRORS, Id, Text, api_user
from linli.core.errors import Bilingual, api_errors
from linli.gates import actions, verdicts
from linli.gates.actions import EventErrors, EventInput, VisitorInput
from linli.gates.models import Gate
from linli.health import passes

router = Router()


class VisitorIn(Schema):
    name: Text = Field(max_length=200)
    phone: Text = Field(max_length=64)
    purpose: Text = Field(max_length=400)
    visiting: Text = Field("", max_length=400, description="whom or which house")


class EventIn(Schema):
    client_id: uuid.UUID = Field(description="made by the gate when the event happens: sending it again is harmless")
    kind: Literal["scan", "visitor", "manual"]
    verdict: Literal["pass", "deny", "refer"]
    reason: str = Field(max_length=32, description="a reason code of the gate's rule table")
    occurred_at: AwareDatetime = Field(description="the gate device's time of the event")
    colour: Literal["", "green", "yellow", "red"] = Field("", description="the valid pass's colour")
    temperature: Decimal | None = Field(None, ge=verdicts.TEMPERATURE_MIN, le=verdicts.TEMPERATURE_MAX, max_digits=3,
                                        decimal_places=1)
    subject: str = Field("", max_length=passes.MAX_SUBJECT_LEN, pattern=r"^[\x20-\x7e]*$",
                         description="the pass's pseudonymous subject, when its signature verified")
    pass_ref: str = Field("", pattern=r"^([0-9a-f]{32})?$", description="hex of SHA-256(pass id)[:16]")
    note: Text = Field("", max_length=200, description="for a manual decision")
    visitor: VisitorIn | None = None


class EventsIn(Schema):
    events: list[EventIn] = Field(min_length=1, max_length=actions.MAX_BATCH)


class EventResultOut(Schema):
    client_id: uuid.UUID
    status: Literal["accepted", "correction", "rejected"] = Field(
        description="what the server made of the event: accepted; a correction (staff, after the sync window, "
                    "audited); refused (stored for the office, never used for contact tracing)")
    duplicate: bool = Field(description="stored before (same client_id): nothing changed")
    code: str = Field(description="why it was refused (empty otherwise)")
    msg: str = Field(description="the reason in English")
    msg_zh: str = Field(description="the reason in Chinese")


class SyncOut(Schema):
    accepted: int = Field(description="events stored now and accepted")
    rejected: int = Field(description="events stored now as refused")
    duplicate: int = Field(description="events stored before (same client_id): nothing changed")
    received_at: datetime.datetime
    results: list[EventResultOut] = Field(description="one per event sent, in the same order")
    today: dict[str, int] = Field(description="today's accepted events at the gate by verdict, visitors, and the "
                                              "refused ones: the screen's counts after the upload")


class GateOut(Schema):
    id: int
    name: str
    compound_id: int
    compound_name: str
    on_duty_until: datetime.datetime | None = Field(description="when the caller's duty here ends: her current shift, and the shifts that follow on from it without a gap")
    staff: bool = Field(description="the caller works this gate as compound staff")
    offline_until: datetime.datetime = Field(description="until when the gate screen may keep working offline "
                                                         "for the caller (renewed by asking again)")


def _event_errors(exc: EventErrors) -> dict[str, Any]:
    return {"detail": [item for index, name, error in exc.problems
                       for item in api_errors(error, ["body", "events", index, *name.split(".")])]}


def _result(outcome: actions.Outcome) -> dict[str, Any]:
    words = Bilingual.of(actions.REJECTIONS[outcome.rejection]) if outcome.rejection else Bilingual("", "")
    return {"client_id": outcome.client_id, "status": outcome.status, "duplicate": outcome.duplicate,
            "code": outcome.rejection, "msg": words.en, "msg_zh": words.zh}


def _event_input(item: EventIn) -> EventInput:
    visitor = None if item.visitor is None else VisitorInput(
        name=item.visitor.name, phone=item.visitor.phone, purpose=item.visitor.purpose,
        visiting=item.visitor.visiting)
    return EventInput(client_id=item.client_id, kind=item.kind, verdict=item.verdict, reason=item.reason,
                      occurred_at=item.occurred_at, colour=item.colour, temperature=item.temperature,
                      subject=item.subject, pass_ref=item.pass_ref, note=item.note.strip(), visitor=visitor)


@router.get("", response={200: list[GateOut], **ERRORS}, summary="The gates the caller may work now")
@route(signed_in=True)
def list_gates(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    until = actions.on_duty_until(user)
    gates = []
    for gate in actions.usable_gates(user):  # in Gate's order: path, name
        staff = actions.is_gate_staff(user, gate)
        gates.append({"id": gate.pk, "name": gate.name, "compound_id": gate.place_id,
                      "compound_name": gate.place.name, "on_duty_until": until.get(gate.pk), "staff": staff,
                      "offline_until": actions.offline_until(staff, until.get(gate.pk))})
    return gates


@router.post("/{gate_id}/events", response={200: SyncOut, **ERRORS},
             summary="Store a batch of the gate's events (idempotent by client_id)")
@route(actions.OPERATE, model=Gate, kwarg="gate_id")
def post_events(request: HttpRequest, gate_id: Id, payload: EventsIn) -> Status | dict[str, Any]:
    user = api_user(request)
    try:
        result = actions.do_record_events(gate_id, [_event_input(e) for e in payload.events], acting_user=user)
    except EventErrors as exc:
        return Status(422, _event_errors(exc))
    return {"accepted": result.accepted, "rejected": result.rejected, "duplicate": result.duplicate,
            "received_at": result.received_at, "results": [_result(o) for o in result.outcomes],
            "today": result.today}
