"""Files made for download over the API: how one is getting on, the file once it is ready, and
the four eyes (decision 0023): the requests for long lists with full values that wait for the
caller's approval, approving and refusing them. Lists are asked for where they are made
(``POST /api/people/exports``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import Field, Router, Schema

from linli.core import purposes
from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, api_user
from linli.core.http import attachment
from linli.downloads import actions
from linli.downloads.access import ACTIONS, APPROVABLE, APPROVE
from linli.downloads.models import Download, DownloadStatus

router = Router()


class DownloadOut(Schema):
    id: int
    kind: str = Field(description="people_list, report, all_reports, handout_list (a round's reservations) or stock")
    title: str
    area: str = Field(description="the code of the area the file is about")
    status: str = Field(description="pending (waiting for a second person's approval), refused, expired, queued, "
                                    "running, ready, failed or purged")
    status_text: str
    status_text_zh: str
    created_at: datetime.datetime
    full_values_of: int = Field(description="how many people's full ID numbers and phones the file holds")
    needs_approval: bool = Field(description="a second person approves it before it is made (four eyes)")
    approve_by: datetime.datetime | None = Field(description="unapproved by then, the request expires")
    decided_by: str = Field(description="who approved or refused it")
    decided_at: datetime.datetime | None
    refusal_reason: str
    file_name: str
    size: int
    error: dict[str, str] = Field(description='why it failed: {"code", "en", "zh"}')


class WaitingOut(DownloadOut):
    requested_by: str
    purpose_code: str
    purpose: str = Field(description="the purpose stated, in Chinese")


class RefuseIn(Schema):
    reason: str = Field(max_length=500, description="why (the requester reads it; at least 4 characters)")


def download_out(download: Download) -> dict[str, Any]:
    with translation.override("en"):
        status_text = str(download.get_status_display())
    with translation.override("zh-hans"):
        status_zh = str(download.get_status_display())
    return {
        "id": download.pk, "kind": download.kind, "title": download.title, "area": download.scope.code,
        "status": download.status, "status_text": status_text, "status_text_zh": status_zh,
        "created_at": download.created_at, "full_values_of": download.full_values_of,
        "needs_approval": download.needs_approval, "approve_by": download.approve_by,
        "decided_by": str(download.decided_by or ""), "decided_at": download.decided_at,
        "refusal_reason": download.refusal_reason, "file_name": download.file_name, "size": download.size,
        "error": download.error or {},
    }


def _waiting_out(download: Download) -> dict[str, Any]:
    stated = purposes.state_if_any(download.params.get("purpose_code"), download.params.get("purpose"))
    return {**download_out(download), "requested_by": str(download.created_by),
            "purpose_code": stated.code if stated else "", "purpose": stated.recorded if stated else ""}


def _own(request: HttpRequest, download_id: int) -> Download:
    try:
        download = actions.visible(api_user(request)).select_related("scope", "decided_by").get(pk=download_id)
    except Download.DoesNotExist as exc:
        raise Http404 from exc
    actions.fail_if_abandoned(download)
    actions.expire_if_due(download)
    return download


@router.get("/approvals", response={200: list[WaitingOut], **ERRORS},
            summary="Lists with many people's full values waiting for the caller's approval (four eyes)")
@route(APPROVE)
def waiting(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, APPROVE):
        raise PermissionDenied(APPROVE)
    return [_waiting_out(d) for d in actions.waiting_for(user).select_related("scope", "created_by", "decided_by")
            .order_by("approve_by")[:200]]


@router.get("/{download_id}", response={200: DownloadOut, **ERRORS},
            summary="A file asked for: waiting for approval, being made, ready, refused …")
@route(*ACTIONS, model=Download, kwarg="download_id")
def detail(request: HttpRequest, download_id: Id) -> dict[str, Any]:
    return download_out(_own(request, download_id))


@router.get("/{download_id}/file", response={200: None, **ERRORS}, summary="The file, once it is ready (audited)")
@route(*ACTIONS, model=Download, kwarg="download_id", where=Q(status=DownloadStatus.READY))
def file(request: HttpRequest, download_id: Id) -> HttpResponse:
    download = _own(request, download_id)
    content = actions.content_of(download, acting_user=api_user(request))
    return attachment(content, download.file_name, download.content_type)


def _decision(request: HttpRequest, download_id: int) -> Download:
    return get_or_404(Download.objects.select_related("scope", "created_by"), api_user(request), APPROVE,
                      pk=download_id)


@router.post("/{download_id}/approve", response={200: DownloadOut, **ERRORS},
             summary="Approve another's list with full values: it is made as she asked (four eyes; audited)")
@route(APPROVE, model=Download, kwarg="download_id", where=APPROVABLE)
def approve(request: HttpRequest, download_id: Id) -> dict[str, Any]:
    return download_out(actions.do_approve_download(_decision(request, download_id), acting_user=api_user(request)))


@router.post("/{download_id}/refuse", response={200: DownloadOut, **ERRORS},
             summary="Refuse another's list with full values, saying why (four eyes; audited)")
@route(APPROVE, model=Download, kwarg="download_id", where=APPROVABLE)
def refuse(request: HttpRequest, download_id: Id, payload: RefuseIn) -> dict[str, Any]:
    decided = actions.do_refuse_download(_decision(request, download_id), acting_user=api_user(request),
                                         reason=payload.reason)
    return download_out(decided)
