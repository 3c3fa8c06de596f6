"""Notices over the API: list them, read one with its reach by community, compound, building
and grid, list the households not yet reached (a grid worker: her grid's), record a knock or a
call, and confirm through a household's token (public: the link carries its own proof).

Scoped like the pages: anything outside the caller's scope is a 404.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, Pages, Text, api_user
from linli.notices import actions, queries, tokens
from linli.notices.access import CHECK, DRAFT, EDIT, FOLLOW_UP, PUBLISH, VIEW
from linli.notices.models import Notice, NoticeDocument, NoticeHousehold, NoticeImage, Receipt, Via
from linli.notices.models import Status as NoticeStatus

router = Router()


class NoticeFileOut(Schema):
    id: int
    name: str = Field(description="a PDF's file name; empty for a picture")
    size: int = Field(description="bytes")
    url: str = Field(description="where a signed-in reader of the notice opens it")


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    category: str
    urgency: str
    status: str
    version: int
    area_id: int
    audience_group: str
    deadline: datetime.datetime | None
    published_at: datetime.datetime | None
    households: int = Field(description="households of the audience (counted before publishing, listed after)")
    residents: int
    shortened: bool = Field(description="the urgent path: published without the editing step")
    pictures: list[NoticeFileOut] = Field(description="pictures in the notice's body (JPEG)")
    attachments: list[NoticeFileOut] = Field(description="PDF files attached to the notice")


def _notice_out(notice: Notice) -> dict[str, Any]:
    return {"id": notice.pk, "title": notice.title, "body": notice.body, "category": notice.category,
            "urgency": notice.urgency, "status": notice.status, "version": notice.version, "area_id": notice.area_id,
            "audience_group": notice.audience_group, "deadline": notice.deadline,
            "published_at": notice.published_at, "households": notice.households, "residents": notice.residents,
            "shortened": notice.shortened,
            "pictures": [{"id": p.pk, "name": "", "size": p.size, "url": reverse("notices:image", args=[notice.pk, p.pk])}
                         for p in notice.images.all()],
            "attachments": [{"id": d.pk, "name": d.name, "size": d.size,
                             "url": reverse("notices:document", args=[notice.pk, d.pk])} for d in notice.documents.all()]}


def _with_files(notices: Any) -> Any:
    """Their pictures' and files' ids and sizes, in two queries (not their contents)."""
    return notices.prefetch_related(
        Prefetch("images", queryset=NoticeImage.objects.only("pk", "size", "notice_id").order_by("pk")),
        Prefetch("documents", queryset=NoticeDocument.objects.only("pk", "name", "size", "notice_id").order_by("pk")))


@router.get("", response={200: list[NoticeOut], **ERRORS}, summary="Notices of my area, or reaching my grid")
@route(VIEW)
def list_notices(request: HttpRequest,
                 status: Literal["", "draft", "checking", "editing", "approving", "published", "withdrawn"] = ""
                 ) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    notices = _with_files(Notice.objects.restrict(user, VIEW).order_by("-created_at", "-pk"))
    if status:
        notices = notices.filter(status=status)
    return [_notice_out(n) for n in notices[:200]]


class ReachRowOut(Schema):
    key: str = Field(description="the place's path, or the grid's id")
    name: str
    households: int
    reached: int
    reread: int = Field(description="reached before a correction and asked to read it again")
    percent: int


class ReachOut(Schema):
    total: ReachRowOut
    communities: list[ReachRowOut]
    compounds: list[ReachRowOut]
    buildings: list[ReachRowOut]
    grids: list[ReachRowOut]
    by_channel: dict[str, int]


def _row(row: queries.ReachRow) -> dict[str, Any]:
    return {"key": row.key, "name": row.name, "households": row.households, "reached": row.reached,
            "reread": row.reread, "percent": row.percent}


@router.get("/{notice_id}/reach", response={200: ReachOut, **ERRORS},
            summary="Reach (知晓率) of the households the caller may see, by community, compound, building and grid")
@route(VIEW, model=Notice, kwarg="notice_id")
def notice_reach(request: HttpRequest, notice_id: Id) -> dict[str, Any]:
    user = api_user(request)
    notice = get_or_404(Notice.objects.all(), user, VIEW, pk=notice_id)
    reach = queries.reach(user, notice)
    compounds = [c for community in reach.communities for c in community.children]
    return {"total": _row(reach.total), "communities": [_row(r) for r in reach.communities],
            "compounds": [_row(r) for r in compounds],
            "buildings": [_row(b) for c in compounds for b in c.children],
            "grids": [_row(r) for r in reach.grids], "by_channel": reach.by_via}


class HouseholdOut(Schema):
    id: int
    house_id: int
    grid_id: int | None
    address: str
    residents: int
    priority: bool = Field(description="someone there is in a special group or aged 80 or over")
    reached_at: datetime.datetime | None
    reached_via: str
    reread: bool
    attempts: int
    last_outcome: str
    contact: str = Field(description="link; or call / visit: an elder's household its community has called or "
                                     "visited instead of sent the link")
    link: str = Field(description="the household's own short link, for a chat group or a text message")


@router.get("/{notice_id}/households", response={200: list[HouseholdOut], **ERRORS},
            summary="The follow-up list: households not yet reached (special groups first) the caller may see")
@route(VIEW, model=Notice, kwarg="notice_id")
@paginate(Pages, page_size=50)
def notice_households(request: HttpRequest, notice_id: Id, grid: Id | None = None, everyone: bool = False) -> Any:
    user = api_user(request)
    notice = get_or_404(Notice.objects.all(), user, VIEW, pk=notice_id)
    rows = queries.visible_households(user, notice)
    if grid is not None:
        rows = rows.filter(grid_id=grid)
    rows = rows.order_by("path") if everyone else queries.follow_up(rows)
    return [{"id": h.pk, "house_id": h.house_id, "grid_id": h.grid_id, "address": h.address,
             "residents": h.residents, "priority": h.priority, "reached_at": h.reached_at,
             "reached_via": h.reached_via, "reread": h.reread, "attempts": h.attempts,
             "last_outcome": h.last_outcome, "contact": h.contact, "link": f"/n/{tokens.household_token(h.pk)}/"} for h in rows]


class AttemptIn(Schema):
    via: Literal["knock", "call"]
    outcome: Literal["informed", "not_home", "no_answer", "refused"]
    note: Text = Field("", max_length=200)


class ReceiptOut(Schema):
    id: int
    household_id: int
    via: str
    outcome: str
    version: int
    at: datetime.datetime


def _receipt_out(receipt: Receipt) -> dict[str, Any]:
    return {"id": receipt.pk, "household_id": receipt.household_id, "via": receipt.via, "outcome": receipt.outcome,
            "version": receipt.version, "at": receipt.created_at}


@router.post("/households/{household_id}/attempts", response={201: ReceiptOut, **ERRORS},
             summary="Record a door-knock or a phone call and what came of it")
@route(FOLLOW_UP, model=NoticeHousehold, kwarg="household_id")
def record_attempt(request: HttpRequest, household_id: Id, payload: AttemptIn) -> Status:
    user = api_user(request)
    household = get_or_404(NoticeHousehold.objects.all(), user, FOLLOW_UP, pk=household_id)
    receipt = actions.do_record_attempt(household, via=payload.via, outcome=payload.outcome, note=payload.note,
                                        acting_user=user)
    return Status(201, _receipt_out(receipt))


class ConfirmIn(Schema):
    token: str = Field(min_length=1, max_length=80, description="the household's token, from its short link")


@router.post("/confirm", auth=None, response={201: ReceiptOut, **ERRORS},
             summary="已知晓: confirm for a household through its token (public; idempotent)")
@route(public=True)
def confirm(request: HttpRequest, payload: ConfirmIn) -> Status:
    pk = tokens.read_household(payload.token)
    household = NoticeHousehold.objects.select_related("notice").filter(pk=pk).first() if pk else None
    if household is None or household.notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError({"token": [ValidationError(
            _("This link is not valid, or its notice was withdrawn."), code="bad_token")]})
    return Status(201, _receipt_out(actions.do_confirm(household, via=Via.LINK)))


class ConfirmBatchIn(Schema):
    tokens: list[str] = Field(min_length=1, max_length=actions.CONFIRM_BATCH,
                              description=f"households' tokens, from their short links (at most {actions.CONFIRM_BATCH})")


class ConfirmedOut(Schema):
    token: str
    outcome: Literal["recorded", "already", "refused"] = Field(
        description="recorded: a new receipt; already: the household had confirmed this version by its link; "
                    "refused: see code")
    code: str = Field(description="why refused: bad_token (not a household's token) or withdrawn")
    receipt: ReceiptOut | None


class ConfirmBatchOut(Schema):
    recorded: int
    already: int
    refused: int
    results: list[ConfirmedOut]


@router.post("/confirm/batch", auth=None, response={200: ConfirmBatchOut, **ERRORS},
             summary="已知晓 for many households at once through their tokens (public; idempotent; each "
                     "token answered on its own)")
@route(public=True)
def confirm_batch(request: HttpRequest, payload: ConfirmBatchIn) -> dict[str, Any]:
    ids = [tokens.read_household(token) or 0 for token in payload.tokens]
    done = actions.do_confirm_links([pk for pk in ids if pk])
    answers = iter(done)
    results = []
    for token, pk in zip(payload.tokens, ids, strict=True):
        got = next(answers) if pk else actions.Confirmed(None, code="bad_token")
        code = "bad_token" if got.code == "unknown" else got.code
        outcome = "refused" if got.receipt is None else "recorded" if got.new else "already"
        results.append({"token": token[:80], "outcome": outcome, "code": code,
                        "receipt": _receipt_out(got.receipt) if got.receipt is not None else None})
    counts = {k: sum(1 for r in results if r["outcome"] == k) for k in ("recorded", "already", "refused")}
    return {**counts, "results": results}


# --- the review over the API: each step checks its own permission, as on the pages --------------------

class CommentIn(Schema):
    comment: Text = Field("", max_length=500)


class SubmitIn(Schema):
    shortened_reason: Text = Field("", max_length=200,
                                   description="an urgent notice may skip the editing step, saying why")


class EditIn(Schema):
    title: Text | None = Field(None, max_length=100, description="the new title (left out: unchanged)")
    body: Text | None = Field(None, max_length=actions.MAX_BODY, description="the new text (left out: unchanged)")
    comment: Text = Field("", max_length=500)


class SendBackIn(Schema):
    comment: Text = Field(min_length=1, max_length=500, description="what the writer should change")


class PublishIn(Schema):
    channels: list[Literal["sms", "call"]] = Field(default_factory=list, max_length=2,
                                                   description="also text or call the households (after publishing)")


class CorrectIn(Schema):
    title: Text = Field(min_length=1, max_length=100)
    body: Text = Field(min_length=1, max_length=actions.MAX_BODY)
    reason: Text = Field(min_length=1, max_length=200)
    channels: list[Literal["sms", "call"]] = Field(default_factory=list, max_length=2)


class WithdrawIn(Schema):
    reason: Text = Field(min_length=1, max_length=200)


def _step(request: HttpRequest, notice_id: int, run: Any, *step_actions: str) -> dict[str, Any]:
    """Find the notice where the caller may take one of ``step_actions`` (404 elsewhere) and take
    the step (the action checks everything again)."""
    user = api_user(request)
    for action in step_actions[:-1]:
        found = Notice.objects.restrict(user, action).filter(pk=notice_id).first()
        if found is not None:
            return _notice_out(run(found, user))
    notice = get_or_404(Notice.objects.all(), user, step_actions[-1], pk=notice_id)
    return _notice_out(run(notice, user))


@router.post("/{notice_id}/submit", response={200: NoticeOut, **ERRORS}, summary="Send a draft for review")
@route(DRAFT, model=Notice, kwarg="notice_id")
def submit_notice(request: HttpRequest, notice_id: Id, payload: SubmitIn) -> dict[str, Any]:
    return _step(request, notice_id, lambda n, u: actions.do_submit(
        n, acting_user=u, shortened_reason=payload.shortened_reason), DRAFT)


@router.post("/{notice_id}/check", response={200: NoticeOut, **ERRORS},
             summary="核实: the facts, dates and figures are right (someone who neither wrote it nor took another step)")
@route(CHECK, model=Notice, kwarg="notice_id")
def check_notice(request: HttpRequest, notice_id: Id, payload: CommentIn) -> dict[str, Any]:
    return _step(request, notice_id, lambda n, u: actions.do_check(n, acting_user=u, comment=payload.comment), CHECK)


@router.post("/{notice_id}/edit", response={200: NoticeOut, **ERRORS},
             summary="编辑: the wording (a changed text is a new version)")
@route(EDIT, model=Notice, kwarg="notice_id")
def edit_notice(request: HttpRequest, notice_id: Id, payload: EditIn) -> dict[str, Any]:
    return _step(request, notice_id, lambda n, u: actions.do_edit(
        n, acting_user=u, title=payload.title, body=payload.body, comment=payload.comment), EDIT)


@router.post("/{notice_id}/send-back", response={200: NoticeOut, **ERRORS},
             summary="Send the notice back to its writer from the step it waits for")
@route(CHECK, EDIT, PUBLISH, model=Notice, kwarg="notice_id")
def send_back_notice(request: HttpRequest, notice_id: Id, payload: SendBackIn) -> dict[str, Any]:
    return _step(request, notice_id, lambda n, u: actions.do_send_back(n, acting_user=u, comment=payload.comment), CHECK, EDIT, PUBLISH)


@router.post("/{notice_id}/publish", response={200: NoticeOut, **ERRORS},
             summary="发布: approve and publish to the audience's households")
@route(PUBLISH, model=Notice, kwarg="notice_id")
def publish_notice(request: HttpRequest, notice_id: Id, payload: PublishIn) -> dict[str, Any]:
    return _step(request, notice_id, lambda n, u: actions.do_publish(
        n, acting_user=u, channels=tuple(dict.fromkeys(payload.channels))), PUBLISH)


@router.post("/{notice_id}/correct", response={200: NoticeOut, **ERRORS},
             summary="Publish a corrected text; households that had read it are asked to read it again")
@route(PUBLISH, model=Notice, kwarg="notice_id")
def correct_notice(request: HttpRequest, notice_id: Id, payload: CorrectIn) -> dict[str, Any]:
    return _step(request, notice_id, lambda n, u: actions.do_correct(
        n, acting_user=u, title=payload.title, body=payload.body, reason=payload.reason,
        channels=tuple(dict.fromkeys(payload.channels))), PUBLISH)


@router.post("/{notice_id}/withdraw", response={200: NoticeOut, **ERRORS}, summary="Withdraw a published notice")
@route(PUBLISH, model=Notice, kwarg="notice_id")
def withdraw_notice(request: HttpRequest, notice_id: Id, payload: WithdrawIn) -> dict[str, Any]:
    return _step(request, notice_id, lambda n, u: actions.do_withdraw(n, acting_user=u, reason=payload.reason), PUBLISH)


# Last: "/{notice_id}" would otherwise take "/confirm" (ninja matches paths in order).
@router.get("/{notice_id}", response={200: NoticeOut, **ERRORS}, summary="One notice")
@route(VIEW, model=Notice, kwarg="notice_id")
def get_notice(request: HttpRequest, notice_id: Id) -> dict[str, Any]:
    notice = get_or_404(_with_files(Notice.objects.all()), api_user(request), VIEW, pk=notice_id)
    return _notice_out(notice)
