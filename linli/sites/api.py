"""Field sites over the API: the disinfection points of one's area or grid with today's state,
their recent disinfections, a disinfection recorded from the field, and the shelters. Scoped
like the pages: a point outside the caller's reach is a 404."""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Id, Pages, api_user
from linli.sites import actions
from linli.sites.access import RECORD, VIEW
from linli.sites.models import DisinfectionPoint, DisinfectionVisit, Shelter

router = Router()


def _viewer(request: HttpRequest) -> Any:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    return user


class SitePointOut(Schema):
    id: int
    name: str
    compound_id: int
    compound: str
    kind: str
    longitude: float
    latitude: float
    interval_days: int
    active: bool
    last_visited_on: datetime.date | None
    next_due: datetime.date | None
    state: str = Field(description="today: done, due, overdue, later (not due yet) or inactive (not in use)")


def _point_out(p: DisinfectionPoint, today: datetime.date) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "compound_id": p.place_id, "compound": p.place.name, "kind": p.kind,
            "longitude": p.longitude, "latitude": p.latitude, "interval_days": p.interval_days, "active": p.active,
            "last_visited_on": p.last_visited_on, "next_due": p.next_due() if p.active else None,
            "state": p.state(today).value if p.active else "inactive"}


@router.get("/points", response={200: list[SitePointOut], **ERRORS},
            summary="Disinfection points of my area or grid, with today's state")
@route(VIEW)
@paginate(Pages, page_size=100)
def list_site_points(request: HttpRequest) -> Any:
    user = _viewer(request)
    today = timezone.localdate()
    rows = DisinfectionPoint.objects.restrict(user, VIEW).select_related("place").order_by("path", "name")
    return [_point_out(p, today) for p in rows[:5000]]


class SiteVisitOut(Schema):
    id: int
    point_id: int
    visited_at: datetime.datetime
    by: str
    disinfectant: str
    note: str


def _visit_out(v: DisinfectionVisit) -> dict[str, Any]:
    return {"id": v.pk, "point_id": v.point_id, "visited_at": v.visited_at,
            "by": str(v.visited_by) if v.visited_by else "", "disinfectant": v.disinfectant, "note": v.note}


@router.get("/points/{point_id}/visits", response={200: list[SiteVisitOut], **ERRORS},
            summary="A point's disinfections, newest first")
@route(VIEW, model=DisinfectionPoint, kwarg="point_id")
@paginate(Pages, page_size=50)
def list_site_visits(request: HttpRequest, point_id: Id) -> Any:
    user = api_user(request)
    point = get_or_404(DisinfectionPoint.objects.all(), user, VIEW, pk=point_id)
    rows = DisinfectionVisit.objects.restrict(user, VIEW).filter(point=point).select_related("visited_by")
    return [_visit_out(v) for v in rows.order_by("-visited_at")[:1000]]


class SiteVisitIn(Schema):
    disinfectant: str = Field(min_length=1, max_length=64, examples=["含氯消毒液 500mg/L"])
    note: str = Field("", max_length=200)
    visited_at: datetime.datetime | None = Field(None, description="when, if not now (today or yesterday)")


@router.post("/points/{point_id}/visits", response={201: SiteVisitOut, **ERRORS},
             summary="Record a disinfection of the point")
@route(RECORD, model=DisinfectionPoint, kwarg="point_id")
def create_site_visit(request: HttpRequest, point_id: Id, payload: SiteVisitIn) -> Status:
    user = api_user(request)
    point = get_or_404(DisinfectionPoint.objects.all(), user, RECORD, pk=point_id)
    visit = actions.do_record_visit(point, acting_user=user, disinfectant=payload.disinfectant, note=payload.note,
                                    at=payload.visited_at)
    return Status(201, _visit_out(visit))


class ShelterOut(Schema):
    id: int
    name: str
    place_id: int
    place: str
    capacity: int
    contact: str
    longitude: float
    latitude: float
    active: bool


@router.get("/shelters", response={200: list[ShelterOut], **ERRORS}, summary="Emergency shelters of my area")
@route(VIEW)
@paginate(Pages, page_size=100)
def list_shelters(request: HttpRequest) -> Any:
    rows = Shelter.objects.restrict(_viewer(request), VIEW).select_related("place").order_by("path", "name")
    return [{"id": s.pk, "name": s.name, "place_id": s.place_id, "place": s.place.name, "capacity": s.capacity,
             "contact": s.contact, "longitude": s.longitude, "latitude": s.latitude, "active": s.active}
            for s in rows[:5000]]
