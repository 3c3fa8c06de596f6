"""Rumours over the API: the fact base (list, add, sign off), the queue of suspected rumours
(list, report by hand, review), and the clarification (write, edit, sign for a party, release as
a notice).

Scoped like the pages: anything outside the caller's scope is a 404.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, Text, api_user
from linli.places.models import Place
from linli.rumours import actions
from linli.rumours.access import DRAFT, FACTS, RELEASE, REPORT, REVIEW, SIGN, VERIFY, VIEW
from linli.rumours.models import Clarification, Fact, Suspect

router = Router()
LIMIT = 200


class FactOut(Schema):
    id: int
    area_id: int
    claim: str
    wordings: list[str]
    verdict: str = Field(description="true, false or misleading")
    explanation: str
    source: str
    version: int
    signed: bool = Field(description="the current version is signed off: it counts in matching")
    signed_at: datetime.datetime | None


def _fact_out(fact: Fact) -> dict[str, Any]:
    return {"id": fact.pk, "area_id": fact.area_id, "claim": fact.claim, "wordings": fact.texts()[1:],
            "verdict": fact.verdict, "explanation": fact.explanation, "source": fact.source, "version": fact.version,
            "signed": fact.signed, "signed_at": fact.signed_at}


class FactIn(Schema):
    area_id: Id = Field(description="the office keeping the fact: a district, street or community")
    claim: Text = Field(max_length=200)
    verdict: Literal["true", "false", "misleading"]
    explanation: Text = Field(max_length=2000)
    source: Text = Field(max_length=200)
    wordings: Text = Field("", max_length=2000, description="other wordings of the claim, one a line")


@router.get("/facts", response={200: list[FactOut], **ERRORS}, summary="The verified facts that count in my area")
@route(VIEW)
def list_facts(request: HttpRequest, q: Annotated[str, Query(max_length=100, description="words of the claim")] = ""
               ) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    facts = Fact.objects.restrict(user, VIEW).order_by("-updated_at", "-pk")
    if q.strip():
        facts = facts.filter(claim__icontains=q.strip())
    return [_fact_out(f) for f in facts[:LIMIT]]


@router.post("/facts", response={201: FactOut, **ERRORS}, summary="Add a verified fact (it counts once signed off)")
@route(FACTS, model=Place, kwarg="area_id")
def add_fact(request: HttpRequest, payload: FactIn) -> Status:
    user = api_user(request)
    area = get_or_404(Place.objects.all(), user, FACTS, pk=payload.area_id)
    fact = actions.do_add_fact(area, actions.FactInput(payload.claim, payload.verdict, payload.explanation,
                                                       payload.source, payload.wordings), acting_user=user)
    return Status(201, _fact_out(fact))


class FactEditIn(Schema):
    claim: Text = Field(max_length=200)
    verdict: Literal["true", "false", "misleading"]
    explanation: Text = Field(max_length=2000)
    source: Text = Field(max_length=200)
    wordings: Text = Field("", max_length=2000, description="other wordings of the claim, one a line")
    note: Text = Field("", max_length=200, description="why it changed")


@router.post("/facts/{fact_id}/edit", response={200: FactOut, **ERRORS},
             summary="A new version of the fact (it counts again once signed off)")
@route(FACTS, model=Fact, kwarg="fact_id")
def edit_fact(request: HttpRequest, fact_id: Id, payload: FactEditIn) -> dict[str, Any]:
    user = api_user(request)
    fact = get_or_404(Fact.objects.all(), user, FACTS, pk=fact_id)
    fact = actions.do_edit_fact(fact, actions.FactInput(payload.claim, payload.verdict, payload.explanation,
                                                        payload.source, payload.wordings),
                                note=payload.note, acting_user=user)
    return _fact_out(fact)


@router.post("/facts/{fact_id}/sign-off", response={200: FactOut, **ERRORS},
             summary="Sign off the fact's current version (someone other than its writer)")
@route(VERIFY, model=Fact, kwarg="fact_id")
def sign_off_fact(request: HttpRequest, fact_id: Id) -> dict[str, Any]:
    user = api_user(request)
    fact = get_or_404(Fact.objects.all(), user, VERIFY, pk=fact_id)
    return _fact_out(actions.do_sign_off_fact(fact, acting_user=user))


@router.get("/facts/{fact_id}", response={200: FactOut, **ERRORS}, summary="One verified fact")
@route(VIEW, model=Fact, kwarg="fact_id")
def get_fact(request: HttpRequest, fact_id: Id) -> dict[str, Any]:
    return _fact_out(get_or_404(Fact.objects.all(), api_user(request), VIEW, pk=fact_id))


class SignatureOut(Schema):
    party: str
    version: int
    by: str
    at: datetime.datetime


class ClarificationOut(Schema):
    id: int
    title: str
    body: str
    version: int
    signatures: list[SignatureOut] = Field(description="the signatures on the current version")
    missing: list[str] = Field(description="the parties still to sign the current version")
    notice_id: int | None = Field(description="the notice it was released as")


def _clarification_out(clarification: Clarification) -> dict[str, Any]:
    current = clarification.signatures.filter(version=clarification.version).select_related("by")
    signed = [{"party": s.party, "version": s.version, "by": str(s.by), "at": s.created_at} for s in current]
    return {"id": clarification.pk, "title": clarification.title, "body": clarification.body,
            "version": clarification.version, "signatures": signed,
            "missing": [p for p in SIGN if p not in {s["party"] for s in signed}],
            "notice_id": clarification.notice_id}


class SuspectOut(Schema):
    id: int
    community_id: int
    fact_id: int | None
    claim: str = Field(description="the fact's claim, or the message as reported when it matches no fact")
    verdict: str
    status: str = Field(description="open, dismissed, confirmed or released")
    count: int = Field(description="times seen")
    first_seen: datetime.datetime
    last_seen: datetime.datetime
    examples: list[dict[str, str]] = Field(description="a few messages as they came (masked)")
    clarification: ClarificationOut | None


def _suspect_out(suspect: Suspect) -> dict[str, Any]:
    clarification = Clarification.objects.filter(suspect=suspect).first()
    return {"id": suspect.pk, "community_id": suspect.community_id, "fact_id": suspect.fact_id,
            "claim": suspect.fact.claim if suspect.fact else suspect.text,
            "verdict": suspect.fact.verdict if suspect.fact else "", "status": suspect.status, "count": suspect.count,
            "first_seen": suspect.first_seen, "last_seen": suspect.last_seen, "examples": suspect.examples,
            "clarification": _clarification_out(clarification) if clarification else None}


@router.get("/queue", response={200: list[SuspectOut], **ERRORS},
            summary="Suspected rumours of my area, the most recently seen first")
@route(VIEW)
def list_queue(request: HttpRequest, status: Literal["", "open", "dismissed", "confirmed", "released"] = ""
               ) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    suspects = Suspect.objects.restrict(user, VIEW).select_related("fact").order_by("-last_seen", "-pk")
    if status:
        suspects = suspects.filter(status=status)
    return [_suspect_out(s) for s in suspects[:LIMIT]]


class ReportIn(Schema):
    community_id: Id
    text: Text = Field(min_length=1, max_length=500, description="the message as seen (phone and ID numbers are masked)")
    group: Text = Field("", max_length=100, description="the chat group it was seen in")


@router.post("/queue", response={201: SuspectOut, **ERRORS},
             summary="Report a message seen in a group chat: counted on the fact it repeats, or queued on its own")
@route(REPORT, model=Place, kwarg="community_id")
def report(request: HttpRequest, payload: ReportIn) -> Status:
    user = api_user(request)
    community = get_or_404(Place.objects.all(), user, REPORT, pk=payload.community_id)
    suspect = actions.do_report(community, payload.text, group=payload.group, acting_user=user)
    return Status(201, _suspect_out(suspect))


class ReviewIn(Schema):
    confirm: bool = Field(description="true: a rumour to clarify; false: dismiss (say why in the note)")
    note: Text = Field("", max_length=200)


@router.post("/queue/{suspect_id}/review", response={200: SuspectOut, **ERRORS},
             summary="Confirm a suspected rumour, or dismiss it")
@route(REVIEW, model=Suspect, kwarg="suspect_id")
def review(request: HttpRequest, suspect_id: Id, payload: ReviewIn) -> dict[str, Any]:
    user = api_user(request)
    suspect = get_or_404(Suspect.objects.select_related("fact"), user, REVIEW, pk=suspect_id)
    return _suspect_out(actions.do_review(suspect, confirm=payload.confirm, note=payload.note, acting_user=user))


class TextIn(Schema):
    title: Text = Field(min_length=1, max_length=100)
    body: Text = Field(min_length=1, max_length=actions.MAX_BODY)


@router.post("/queue/{suspect_id}/clarification", response={201: ClarificationOut, **ERRORS},
             summary="Write the clarification of a confirmed rumour")
@route(DRAFT, model=Suspect, kwarg="suspect_id")
def draft_clarification(request: HttpRequest, suspect_id: Id, payload: TextIn) -> Status:
    user = api_user(request)
    suspect = get_or_404(Suspect.objects.all(), user, DRAFT, pk=suspect_id)
    clarification = actions.do_draft_clarification(suspect, title=payload.title, body=payload.body, acting_user=user)
    return Status(201, _clarification_out(clarification))


@router.get("/queue/{suspect_id}", response={200: SuspectOut, **ERRORS}, summary="One suspected rumour")
@route(VIEW, model=Suspect, kwarg="suspect_id")
def get_suspect(request: HttpRequest, suspect_id: Id) -> dict[str, Any]:
    return _suspect_out(get_or_404(Suspect.objects.select_related("fact"), api_user(request), VIEW, pk=suspect_id))


@router.post("/clarifications/{clarification_id}/edit", response={200: ClarificationOut, **ERRORS},
             summary="Change the clarification's text: a new version, to be signed again by all three parties")
@route(DRAFT, model=Clarification, kwarg="clarification_id")
def edit_clarification(request: HttpRequest, clarification_id: Id, payload: TextIn) -> dict[str, Any]:
    user = api_user(request)
    clarification = get_or_404(Clarification.objects.all(), user, DRAFT, pk=clarification_id)
    clarification = actions.do_edit_clarification(clarification, title=payload.title, body=payload.body,
                                                  acting_user=user)
    return _clarification_out(clarification)


class SignIn(Schema):
    party: Literal["office", "expert", "media"]
    version: int = Field(ge=1, le=2**31 - 1, description="the version read: refused if the text changed since")
    comment: Text = Field("", max_length=200)


@router.post("/clarifications/{clarification_id}/sign", response={200: ClarificationOut, **ERRORS},
             summary="Sign the clarification for one party (government office, expert, media)")
@route(*SIGN.values(), model=Clarification, kwarg="clarification_id")
def sign(request: HttpRequest, clarification_id: Id, payload: SignIn) -> dict[str, Any]:
    user = api_user(request)
    clarification = get_or_404(Clarification.objects.all(), user, SIGN[payload.party], pk=clarification_id)
    actions.do_sign(clarification, payload.party, version=payload.version, comment=payload.comment, acting_user=user)
    return _clarification_out(clarification)


class ReleaseIn(Schema):
    category: Literal["policy", "epidemic", "safety", "activity", "other"] = "epidemic"


@router.post("/clarifications/{clarification_id}/release", response={200: ClarificationOut, **ERRORS},
             summary="Release the text the three parties signed as an urgent notice to the community "
                     "(it then passes the notices' fact-check and publish steps)")
@route(RELEASE, model=Clarification, kwarg="clarification_id")
def release(request: HttpRequest, clarification_id: Id, payload: ReleaseIn) -> dict[str, Any]:
    user = api_user(request)
    clarification = get_or_404(Clarification.objects.all(), user, RELEASE, pk=clarification_id)
    return _clarification_out(actions.do_release(clarification, category=payload.category, acting_user=user))
