"""Campaigns and surveys over the API: list them, create one with its script, start and finish
it, read its progress by grid and its answers, a grid worker's households to ask, record a
knock's answers, settle an uncertain answer, and answer through a household's token (public:
the link carries its own proof).

Scoped like the pages: anything outside the caller's scope is a 404.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.campaigns import actions, links, queries
from linli.campaigns.access import MANAGE, REVIEW, VIEW, WORK
from linli.campaigns.models import Answer, Campaign, Channel, Target
from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, Pages, Text, api_user
from linli.grids.models import Grid
from linli.places.models import Place

router = Router()


Raw = bool | float | Text | None


class CampaignOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    channels: list[str]
    area_id: int
    audience_group: str
    households: int
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None


def _out(c: Campaign) -> dict[str, Any]:
    return {"id": c.pk, "kind": c.kind, "title": c.title, "status": c.status, "channels": c.channels,
            "area_id": c.area_id, "audience_group": c.audience_group, "households": c.households,
            "started_at": c.started_at, "finished_at": c.finished_at}


@router.get("", response={200: list[CampaignOut], **ERRORS}, summary="Campaigns and surveys of my area")
@route(VIEW)
def list_campaigns(request: HttpRequest, status: Literal["", "draft", "running", "finished"] = "",
                   kind: Literal["", "screening", "survey"] = "") -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    rows = Campaign.objects.restrict(user, VIEW)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return [_out(c) for c in rows[:200]]


class QuestionIn(Schema):
    text: Text = Field(max_length=200)
    kind: Literal["yes_no", "number", "choice", "text", "temperature"]
    choices: list[Annotated[Text, Field(max_length=60)]] = Field(default_factory=list, max_length=8)
    keywords: list[Annotated[Text, Field(max_length=20)]] = Field(default_factory=list, max_length=10)
    effect: Literal["", "checkin", "fever", "request", "visit", "house_usage"] = ""
    category: Text = Field(default="", max_length=40)


class CampaignIn(Schema):
    title: Text = Field(max_length=100)
    kind: Literal["screening", "survey"] = "screening"
    intro: Text = Field(default="", max_length=300)
    channels: list[Literal["call", "link", "knock", "page"]] = Field(min_length=1, max_length=4)
    places: list[Id] = Field(default_factory=list, max_length=50, description="areas (place ids)")
    grids: list[Id] = Field(default_factory=list, max_length=50)
    group: Literal["", "arrived", "alone_elder", "infant", "floating", "quarantined"] = ""
    questions: list[QuestionIn] = Field(min_length=1, max_length=12)
    max_calls: int = Field(default=2, ge=1, le=5)
    retry_minutes: int = Field(default=120, ge=10, le=1440)


@router.post("", response={201: CampaignOut, **ERRORS}, summary="Draft a campaign or a survey with its script")
@route(MANAGE)
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    user = api_user(request)
    if not may(user, MANAGE):
        raise PermissionDenied(MANAGE)
    places = list(Place.objects.restrict(user, MANAGE).filter(pk__in=payload.places))
    grids = list(Grid.objects.restrict(user, MANAGE).filter(pk__in=payload.grids))
    if len(places) != len(set(payload.places)) or len(grids) != len(set(payload.grids)):
        raise ValidationError({"places": [ValidationError(_("Unknown area or grid."), code="not_found")]})
    campaign = actions.do_create_campaign(actions.CampaignInput(
        title=payload.title, kind=payload.kind, intro=payload.intro, channels=list(payload.channels), places=places,
        grids=grids, group=payload.group, max_calls=payload.max_calls, retry_minutes=payload.retry_minutes,
        questions=[actions.QuestionInput(**q.dict()) for q in payload.questions]), acting_user=user)
    return Status(201, _out(campaign))


class TargetOut(Schema):
    id: int
    campaign_id: int
    address: str
    grid_id: int | None
    status: str
    priority: bool
    calls: int
    knocks: int
    last_outcome: str


def _target_out(t: Target) -> dict[str, Any]:
    return {"id": t.pk, "campaign_id": t.campaign_id, "address": t.address, "grid_id": t.grid_id, "status": t.status,
            "priority": t.priority, "calls": t.calls, "knocks": t.knocks, "last_outcome": t.last_outcome}


@router.get("/work", response={200: list[TargetOut], **ERRORS}, summary="My households to knock or phone")
@route(WORK)
@paginate(Pages)
def my_work(request: HttpRequest) -> Any:
    user = api_user(request)
    if not may(user, WORK):
        raise PermissionDenied(WORK)
    return [_target_out(t) for t in queries.worklist(user)[:2000]]


class AnswersIn(Schema):
    outcome: Literal["answered", "not_home", "refused"] = "answered"
    answers: dict[Annotated[str, Field(max_length=3)], Raw] = Field(
        default_factory=dict, description="question number → answer (true/false, a number, a choice, text)")
    note: Text = Field(default="", max_length=200)


class AttemptOut(Schema):
    id: int
    target_id: int
    channel: str
    outcome: str


@router.post("/households/{target_id}/knock", response={201: AttemptOut, **ERRORS},
             summary="Record a knock or a phone call by the grid worker, with the answers")
@route(WORK, model=Target, kwarg="target_id")
def record_knock(request: HttpRequest, target_id: Id, payload: AnswersIn) -> Status:
    user = api_user(request)
    target = get_or_404(Target.objects.all(), user, WORK, pk=target_id)
    attempt = actions.do_record_answers(target, channel=Channel.KNOCK, outcome=payload.outcome,
                                        values=payload.answers, acting_user=user, note=payload.note)
    return Status(201, {"id": attempt.pk, "target_id": target.pk, "channel": attempt.channel,
                        "outcome": attempt.outcome})


class AnswerReviewIn(Schema):
    value: Raw


class AnswerOut(Schema):
    id: int
    question: int
    value: Any
    confidence: float
    needs_review: bool
    apply_state: str


@router.post("/answers/{answer_id}/review", response={200: AnswerOut, **ERRORS},
             summary="Settle an answer a call's transcript left uncertain")
@route(REVIEW, model=Answer, kwarg="answer_id")
def review_answer(request: HttpRequest, answer_id: Id, payload: AnswerReviewIn) -> dict[str, Any]:
    user = api_user(request)
    answer = get_or_404(Answer.objects.all(), user, REVIEW, pk=answer_id)
    answer = actions.do_review(answer, acting_user=user, value=payload.value)
    return {"id": answer.pk, "question": answer.question.number, "value": answer.value,
            "confidence": answer.confidence, "needs_review": answer.needs_review, "apply_state": answer.apply_state}


class LinkAnswersIn(AnswersIn):
    token: Text = Field(max_length=80)


@router.post("/answer", auth=None, response={201: AttemptOut, **ERRORS},
             summary="A household answers through its link's token (no sign-in)")
@route(public=True)
def answer_by_link(request: HttpRequest, payload: LinkAnswersIn) -> Status:
    pk = links.read(payload.token)
    target = Target.objects.filter(pk=pk).first() if pk else None
    if target is None:
        raise ValidationError({"token": [ValidationError(_("This link is not valid."), code="bad_token")]})
    attempt = actions.do_record_answers(target, channel=Channel.LINK, outcome="answered", values=payload.answers)
    return Status(201, {"id": attempt.pk, "target_id": target.pk, "channel": attempt.channel,
                        "outcome": attempt.outcome})


class CampaignGridOut(Schema):
    grid_id: int | None
    name: str
    households: int
    answered: int
    counts: dict[str, int]


class QuestionOut(Schema):
    number: int
    text: str
    counts: list[tuple[str, int]]
    to_check: int


class DetailOut(CampaignOut):
    calls: int
    grids: list[CampaignGridOut]
    questions: list[QuestionOut]


@router.get("/{campaign_id}", response={200: DetailOut, **ERRORS}, summary="One campaign: progress by grid, answers")
@route(VIEW, model=Campaign, kwarg="campaign_id")
def get_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    user = api_user(request)
    campaign = get_or_404(Campaign.objects.all(), user, VIEW, pk=campaign_id)
    progress = queries.progress(user, campaign)
    return {**_out(campaign), "calls": progress.calls,
            "grids": [{"grid_id": g.grid_id, "name": g.name, "households": g.total, "answered": g.answered,
                       "counts": g.counts} for g in progress.grids],
            "questions": [{"number": s.number, "text": s.text, "counts": s.counts, "to_check": s.review}
                          for s in queries.summary(user, campaign)]}


@router.post("/{campaign_id}/start", response={200: CampaignOut, **ERRORS}, summary="Start asking")
@route(MANAGE, model=Campaign, kwarg="campaign_id")
def start_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    user = api_user(request)
    campaign = get_or_404(Campaign.objects.all(), user, MANAGE, pk=campaign_id)
    return _out(actions.do_start_campaign(campaign, acting_user=user))


@router.post("/{campaign_id}/finish", response={200: CampaignOut, **ERRORS}, summary="Stop asking")
@route(MANAGE, model=Campaign, kwarg="campaign_id")
def finish_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    user = api_user(request)
    campaign = get_or_404(Campaign.objects.all(), user, MANAGE, pk=campaign_id)
    return _out(actions.do_finish_campaign(campaign, acting_user=user))
