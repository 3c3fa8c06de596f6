"""Consultations over the API: offices list them and read one with its proposals and its summary
report, answer proposals and hide abusive comments; a resident lists those of her area and takes
part (supports or opposes a section or a proposal, comments, proposes), with one voice.

Scoped like the pages: anything outside the caller's scope is a 404.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from linli.consult import actions, report
from linli.consult.access import MANAGE, MODERATE, TAKE_PART, VIEW
from linli.consult.models import Comment, Consultation, Proposal, Section
from linli.consult.models import Status as ConsultationStatus
from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, api_user, no_control_characters

router = Router()
NOT_DRAFT = ~Q(status=ConsultationStatus.DRAFT)


# A comment or a proposal may have several lines.
Text = Annotated[str, no_control_characters("\n")]


class ConsultationSectionOut(Schema):
    id: int
    number: int
    title: str
    text: str
    supports: int
    opposes: int


class ConsultationOut(Schema):
    id: int
    title: str
    summary: str
    area_id: int
    status: str
    opens_on: datetime.date
    closes_on: datetime.date
    threshold: int = Field(description="supports a proposal needs for an official answer")
    sections: list[ConsultationSectionOut]
    announcement: str
    reported_at: datetime.datetime | None


def _out(c: Consultation) -> dict[str, Any]:
    return {"id": c.pk, "title": c.title, "summary": c.summary, "area_id": c.area_id, "status": c.status,
            "opens_on": c.opens_on, "closes_on": c.closes_on, "threshold": c.threshold,
            "sections": [{"id": s.pk, "number": s.number, "title": s.title, "text": s.text, "supports": s.supports,
                          "opposes": s.opposes} for s in c.sections.order_by("number")],
            "announcement": c.announcement, "reported_at": c.reported_at}


@router.get("", response={200: list[ConsultationOut], **ERRORS}, summary="Consultations of my area (offices)")
@route(VIEW)
def list_consultations(request: HttpRequest,
                       status: Literal["", "draft", "open", "closed", "answered"] = "") -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    rows = Consultation.objects.restrict(user, VIEW).order_by("-opens_on", "-pk")
    if status:
        rows = rows.filter(status=status)
    return [_out(c) for c in rows[:100]]


@router.get("/mine", response={200: list[ConsultationOut], **ERRORS},
            summary="The consultations of the area I live in (residents)")
@route(TAKE_PART)
def my_consultations(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, TAKE_PART):
        raise PermissionDenied(TAKE_PART)
    rows = Consultation.objects.restrict(user, TAKE_PART).exclude(status=ConsultationStatus.DRAFT)
    return [_out(c) for c in rows.order_by("-opens_on", "-pk")[:100]]


class ProposalOut(Schema):
    id: int
    author: str = Field(description="the author as other residents see her: compound and number, never a name")
    title: str
    text: str = Field(description="empty when hidden; the reason is in hidden_reason")
    hidden_reason: str
    supports: int
    opposes: int
    outcome: str
    answer: str
    answered_at: datetime.datetime | None


def _proposal_out(p: Proposal) -> dict[str, Any]:
    return {"id": p.pk, "author": p.participant.alias, "title": p.title, "text": "" if p.hidden_at else p.text,
            "hidden_reason": p.hidden_reason, "supports": p.supports, "opposes": p.opposes, "outcome": p.outcome,
            "answer": p.answer, "answered_at": p.answered_at}


@router.get("/{consultation_id}/proposals", response={200: list[ProposalOut], **ERRORS},
            summary="Proposals of a consultation, most supported first")
@route(VIEW, TAKE_PART, model=Consultation, kwarg="consultation_id", where=NOT_DRAFT)
def list_proposals(request: HttpRequest, consultation_id: Id) -> list[dict[str, Any]]:
    user = api_user(request)
    consultation = _visible(user, consultation_id)
    rows = consultation.proposals.select_related("participant").order_by("-supports", "pk")
    return [_proposal_out(p) for p in rows[:500]]


def _visible(user: Any, pk: int) -> Consultation:
    """An office's consultation, or one of the area she lives in (not a draft)."""
    try:
        return get_or_404(Consultation.objects.all(), user, VIEW, pk=pk)
    except Http404:  # not hers as an office: perhaps as a resident
        return get_or_404(Consultation.objects.exclude(status=ConsultationStatus.DRAFT), user, TAKE_PART, pk=pk)


class ParticipationOut(Schema):
    key: str
    name: str
    participants: int
    residents: int
    percent: float


class SectionSupportOut(Schema):
    number: int
    title: str
    supports: int
    opposes: int
    comments: int
    support_percent: float


class CommentThemeOut(Schema):
    number: int
    label: str
    keywords: list[str]
    size: int
    outcome: str
    response: str
    quotes: list[list[str]] = Field(description="[author as residents see her, comment]")


class ConsultationSummaryOut(Schema):
    participants: int
    residents: int
    comments: int
    hidden: int
    by_compound: list[ParticipationOut]
    by_age: list[ParticipationOut]
    sections: list[SectionSupportOut]
    themes: list[CommentThemeOut]
    keywords: list[list[Any]] = Field(description="[word, TF-IDF weight] of all the comments")
    frozen: bool = Field(description="true: the report as sent upward; false: the figures now")


@router.get("/{consultation_id}/summary", response={200: ConsultationSummaryOut, **ERRORS},
            summary="The summary report: participation by compound and age, support per section, themes")
@route(VIEW, model=Consultation, kwarg="consultation_id")
def summary(request: HttpRequest, consultation_id: Id) -> dict[str, Any]:
    consultation = get_or_404(Consultation.objects.all(), api_user(request), VIEW, pk=consultation_id)
    shown, frozen = report.shown(consultation)

    def rows(items: list[report.Row]) -> list[dict[str, Any]]:
        return [{"key": r.key, "name": r.name, "participants": r.participants, "residents": r.residents,
                 "percent": r.percent} for r in items]

    return {"participants": shown.participants, "residents": shown.residents, "comments": shown.comments,
            "hidden": shown.hidden, "by_compound": rows(shown.by_compound), "by_age": rows(shown.by_age),
            "sections": [{"number": s.number, "title": s.title, "supports": s.supports, "opposes": s.opposes,
                          "comments": s.comments, "support_percent": s.support_percent} for s in shown.sections],
            "themes": [t.__dict__ for t in shown.themes], "keywords": shown.keywords, "frozen": frozen}


class StanceIn(Schema):
    stance: Literal["support", "oppose", ""] = Field(description="empty: withdraw my vote")


class StanceCountOut(Schema):
    supports: int
    opposes: int
    mine: str


@router.post("/sections/{section_id}/vote", response={200: StanceCountOut, **ERRORS},
             summary="Support or oppose a section (one voice per resident; again to change it)")
@route(TAKE_PART, model=Section, kwarg="section_id")
def vote_section(request: HttpRequest, section_id: Id, payload: StanceIn) -> dict[str, Any]:
    user = api_user(request)
    section = get_or_404(Section.objects.all(), user, TAKE_PART, pk=section_id)
    actions.do_vote_section(section, payload.stance, acting_user=user)
    section.refresh_from_db()
    return {"supports": section.supports, "opposes": section.opposes, "mine": payload.stance}


@router.post("/proposals/{proposal_id}/vote", response={200: StanceCountOut, **ERRORS},
             summary="Support or oppose a proposal (one voice per resident; again to change it)")
@route(TAKE_PART, model=Proposal, kwarg="proposal_id")
def vote_proposal(request: HttpRequest, proposal_id: Id, payload: StanceIn) -> dict[str, Any]:
    user = api_user(request)
    proposal = get_or_404(Proposal.objects.all(), user, TAKE_PART, pk=proposal_id)
    actions.do_vote_proposal(proposal, payload.stance, acting_user=user)
    proposal.refresh_from_db()
    return {"supports": proposal.supports, "opposes": proposal.opposes, "mine": payload.stance}


class ConsultationCommentIn(Schema):
    text: Text = Field(min_length=1, max_length=1000)


class ConsultationCommentOut(Schema):
    id: int
    section_id: int
    author: str
    text: str


@router.post("/sections/{section_id}/comments", response={201: ConsultationCommentOut, **ERRORS}, summary="Comment on a section")
@route(TAKE_PART, model=Section, kwarg="section_id")
def comment(request: HttpRequest, section_id: Id, payload: ConsultationCommentIn) -> Status:
    user = api_user(request)
    section = get_or_404(Section.objects.all(), user, TAKE_PART, pk=section_id)
    made = actions.do_comment(section, payload.text, acting_user=user)
    return Status(201, {"id": made.pk, "section_id": section.pk, "author": made.participant.alias, "text": made.text})


class ProposalIn(Schema):
    title: Text = Field(min_length=1, max_length=80)
    text: Text = Field(min_length=1, max_length=1000)


@router.post("/{consultation_id}/proposals", response={201: ProposalOut, **ERRORS}, summary="Make a proposal")
@route(TAKE_PART, model=Consultation, kwarg="consultation_id", where=NOT_DRAFT)
def propose(request: HttpRequest, consultation_id: Id, payload: ProposalIn) -> Status:
    user = api_user(request)
    consultation = get_or_404(Consultation.objects.all(), user, TAKE_PART, pk=consultation_id)
    made = actions.do_propose(consultation, payload.title, payload.text, acting_user=user)
    return Status(201, _proposal_out(made))


class ProposalAnswerIn(Schema):
    outcome: Literal["accepted", "partly", "not_adopted"]
    text: Text = Field(min_length=1, max_length=5000)


@router.post("/proposals/{proposal_id}/answer", response={200: ProposalOut, **ERRORS},
             summary="The official answer to a proposal that reached the threshold (its supporters are told)")
@route(MANAGE, model=Proposal, kwarg="proposal_id")
def answer(request: HttpRequest, proposal_id: Id, payload: ProposalAnswerIn) -> dict[str, Any]:
    user = api_user(request)
    proposal = get_or_404(Proposal.objects.select_related("participant"), user, MANAGE, pk=proposal_id)
    return _proposal_out(actions.do_answer(proposal, payload.outcome, payload.text, acting_user=user))


class HideReasonIn(Schema):
    reason: Text = Field(min_length=1, max_length=200, description="shown to everyone in place of the text")


@router.post("/comments/{comment_id}/hide", response={200: ConsultationCommentOut, **ERRORS},
             summary="Hide an abusive comment, with a public reason")
@route(MODERATE, model=Comment, kwarg="comment_id")
def hide_comment(request: HttpRequest, comment_id: Id, payload: HideReasonIn) -> dict[str, Any]:
    user = api_user(request)
    item = get_or_404(Comment.objects.select_related("participant"), user, MODERATE, pk=comment_id)
    hidden = actions.do_hide(item, payload.reason, acting_user=user)
    return {"id": hidden.pk, "section_id": item.section_id, "author": item.participant.alias,
            "text": hidden.hidden_reason}


# Last: "/{consultation_id}" would otherwise take "/mine" (ninja matches paths in order).
@router.get("/{consultation_id}", response={200: ConsultationOut, **ERRORS}, summary="One consultation")
@route(VIEW, TAKE_PART, model=Consultation, kwarg="consultation_id", where=NOT_DRAFT)
def get_consultation(request: HttpRequest, consultation_id: Id) -> dict[str, Any]:
    return _out(_visible(api_user(request), consultation_id))
