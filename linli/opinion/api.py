"""Opinion analysis over the API: an upload's progress, a month's figures, the reports, and
filing a demand as a request. Scoped like the pages."""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema

from linli.core.access import get_or_404, route
from linli.core.api_auth import ERRORS, Id, api_user
from linli.opinion import actions, queries
from linli.opinion.access import DEMAND, VIEW
from linli.opinion.forms import parse_month
from linli.opinion.models import ChatImport, Demand, OpinionReport
from linli.places.models import Level, Place

router = Router()


class UploadOut(Schema):
    id: int
    community_id: int
    status: str
    stage: str
    progress_done: int
    progress_total: int
    counts: dict[str, int]
    problems: list[dict[str, Any]] = Field(description="lines and files not read: file, line, code, detail")


@router.get("/uploads/{upload_id}", response={200: UploadOut, **ERRORS}, summary="An upload's progress and result")
@route(VIEW, model=ChatImport, kwarg="upload_id")
def upload_detail(request: HttpRequest, upload_id: Id) -> dict[str, Any]:
    item = get_or_404(ChatImport.objects.all(), api_user(request), VIEW, pk=upload_id)
    return {"id": item.pk, "community_id": item.community_id, "status": item.status, "stage": item.stage,
            "progress_done": item.progress_done, "progress_total": item.progress_total, "counts": item.counts,
            "problems": item.problems}


class MonthOut(Schema):
    place_id: int
    month: str
    messages: int
    positive: int
    negative: int
    daily: list[list[Any]] = Field(description="[day, messages, positive, negative]")
    topics: list[dict[str, Any]]
    places: list[dict[str, Any]]
    demands: list[dict[str, Any]]


@router.get("/places/{place_id}/month", response={200: MonthOut, **ERRORS},
            summary="A community's (or the street's) month: volume, topics, places, demands")
@route(VIEW, model=Place, kwarg="place_id", where=Q(level__in=(Level.COMMUNITY, Level.STREET)))
def month_figures(request: HttpRequest, place_id: Id, month: str = "") -> dict[str, Any]:
    user = api_user(request)
    place = get_or_404(Place.objects.filter(level__in=(Level.COMMUNITY, Level.STREET)), user, VIEW, pk=place_id)
    first = parse_month(month) or (queries.months(place) or [datetime.date.today().replace(day=1)])[0]  # noqa: DTZ011
    data = queries.dashboard(user, place, first, None)
    return {"place_id": place.pk, "month": first.strftime("%Y-%m"), "messages": data["total"],
            "positive": data["positive"], "negative": data["negative_total"], "daily": data["daily"],
            "topics": [{"label": t.label, "terms": t.terms, "size": t.size, "negative": t.negative,
                        "compounds": t.compounds, "samples": t.samples} for t in data["topics"]],
            "places": [{"name": name, "mentions": c[0], "negative": c[1]} for name, c in data["places"]],
            "demands": [_demand_out(d) for d in data["demands"]]}


def _demand_out(d: Demand) -> dict[str, Any]:
    return {"id": d.pk, "kind": d.kind, "label": d.label, "category": d.category, "compound_id": d.compound_id,
            "day": d.day.isoformat(), "mentions": d.mentions, "status": d.status,
            "ticket": d.ticket.number if d.ticket_id and d.ticket else ""}


class ReportOut(Schema):
    id: int
    place_id: int
    month: str
    status: str
    content: dict[str, Any]


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS}, summary="A monthly opinion report")
@route(VIEW, model=OpinionReport, kwarg="report_id")
def report_detail(request: HttpRequest, report_id: Id) -> dict[str, Any]:
    report = get_or_404(OpinionReport.objects.all(), api_user(request), VIEW, pk=report_id)
    return {"id": report.pk, "place_id": report.place_id, "month": report.month.strftime("%Y-%m"),
            "status": report.status, "content": report.content}


class FileIn(Schema):
    compound_id: int | None = Field(None, description="the compound the request is about, when the demand names none")


@router.post("/demands/{demand_id}/file", response={200: dict[str, Any], **ERRORS},
             summary="File a demand found in the chat groups as a request (诉求)")
@route(DEMAND, model=Demand, kwarg="demand_id")
def file_demand(request: HttpRequest, demand_id: Id, payload: FileIn) -> dict[str, Any]:
    user = api_user(request)
    demand = get_or_404(Demand.objects.all(), user, DEMAND, pk=demand_id)
    compound = None
    if payload.compound_id is not None:
        compound = Place.objects.filter(pk=payload.compound_id, level=Level.COMPOUND, path__startswith=demand.path).first()
    demand = actions.do_file_demand(demand, acting_user=user, compound=compound)
    return _demand_out(demand)
