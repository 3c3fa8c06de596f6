"""The fair hand-out over the API: rounds, reserving (one's own household, or on a household's
behalf), the published results, the pickup by code, and the reservations as a spreadsheet (out
and in). Scoped like the pages: a round or household outside the caller's scope is a 404."""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core.access import PermissionDenied, allows, get_or_404, route
from linli.core.api_auth import ERRORS, Id, Pages, api_user
from linli.downloads.actions import do_request_download
from linli.downloads.api import DownloadOut, download_out
from linli.handout import actions, queries, sheets
from linli.handout.access import MANAGE, RESERVE, VIEW
from linli.handout.downloads import KIND
from linli.handout.models import Reservation, Round, Slot, Via
from linli.handout.models import Status as ReservationStatus
from linli.handout.tokens import pickup_code, read_pickup
from linli.places.models import Level, Place
from linli.supplies.access import KEEP
from linli.supplies.queries import keeps_any

router = Router()


class SlotOut(Schema):
    id: int
    point_id: int
    point: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int | None = Field(description="households that may pick up in this slot; null: no limit")
    room: int | None = Field(description="places left in it; null: no limit")


class RoundOut(Schema):
    id: int
    title: str
    community_id: int
    item: str = Field(description="the item's code in the supplies catalogue")
    quota: int = Field(description="units per household")
    shares: int = Field(description="households served")
    held_back: int = Field(description="shares kept for priority households while reservations are open")
    taken: int
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    open: bool
    slots: list[SlotOut]


def _round_out(r: Round, slots: list[Slot], now: datetime.datetime, room: dict[int, int | None]) -> dict[str, Any]:
    return {"id": r.pk, "title": r.title, "community_id": r.community_id, "item": r.item.code, "quota": r.quota,
            "shares": r.shares, "held_back": r.held_back, "taken": r.taken, "opens_at": r.opens_at,
            "closes_at": r.closes_at, "open": actions.window_open(r, now),
            "slots": [{"id": s.pk, "point_id": s.point_id, "point": s.point.name, "starts_at": s.starts_at,
                       "ends_at": s.ends_at, "capacity": s.capacity, "room": room.get(s.pk)} for s in slots]}


@router.get("/rounds", response={200: list[RoundOut], **ERRORS}, summary="Reservation rounds I may see or reserve in")
@route(VIEW, RESERVE)
def list_rounds(request: HttpRequest) -> list[dict[str, Any]]:
    user = api_user(request)
    if not queries.shown(user):
        raise PermissionDenied(VIEW)
    rounds = list(queries.visible_rounds(user)[:100])
    slots: dict[int, list[Slot]] = {}
    for slot in Slot.objects.filter(round__in=rounds).select_related("point"):
        slots.setdefault(slot.round_id, []).append(slot)
    now = timezone.now()
    room = actions.room_in([s for listed in slots.values() for s in listed])  # one query for every round
    return [_round_out(r, slots.get(r.pk, []), now, room) for r in rounds]


class ReservationOut(Schema):
    id: int
    round_id: int
    house_id: int
    status: str = Field(description="held (a share is reserved), waiting, collected, released (not collected in "
                              "time), moved (given back when the household moved)")
    tier: str = Field(description="priority or ordinary")
    slot_id: int | None
    via: str
    pickup_code: str = Field(description="shown as a QR code at the pickup point, while held")
    created_at: datetime.datetime


def _reservation_out(r: Reservation) -> dict[str, Any]:
    return {"id": r.pk, "round_id": r.round_id, "house_id": r.house_id, "status": r.status, "tier": r.tier,
            "slot_id": r.slot_id, "via": r.via, "created_at": r.created_at,
            "pickup_code": pickup_code(r.pk) if r.status == ReservationStatus.HELD else ""}


class ReserveIn(Schema):
    house_id: Id | None = Field(None, description="staff: the household's house; leave out for one's own household")
    slot_id: Id | None = Field(None, description="the pickup slot chosen; the earliest by default")


@router.post("/rounds/{round_id}/reservations", response={201: ReservationOut, **ERRORS},
             summary="Reserve for my household (or, staff, for the household of house_id)")
@route(RESERVE, model=Round, kwarg="round_id")
def reserve(request: HttpRequest, round_id: Id, payload: ReserveIn) -> Status:
    user = api_user(request)
    round_ = get_or_404(Round.objects.all(), user, RESERVE, pk=round_id)
    house: Place | None
    if payload.house_id is not None:
        house = get_or_404(Place.objects.filter(level=Level.HOUSE), user, RESERVE, pk=payload.house_id)
        via = Via.API
    else:
        house = actions.household_of(user)
        via = Via.APP
        if house is None:
            raise ValidationError({"house_id": [ValidationError(
                _("The registry does not list your household; ask the community office."), code="no_household")]})
    slot = get_or_404(Slot.objects.filter(round=round_), user, VIEW, pk=payload.slot_id) if payload.slot_id else None
    return Status(201, _reservation_out(actions.do_reserve(round_, house, acting_user=user, via=via, slot=slot)))


@router.get("/rounds/{round_id}/reservations", response={200: list[ReservationOut], **ERRORS},
            summary="The round's reservations of my area (no names), oldest first")
@route(VIEW, model=Round, kwarg="round_id")
@paginate(Pages, page_size=100)
def list_reservations(request: HttpRequest, round_id: Id) -> Any:
    user = api_user(request)
    round_ = get_or_404(Round.objects.all(), user, VIEW, pk=round_id)
    return [_reservation_out(r) for r in Reservation.objects.restrict(user, VIEW).filter(round=round_).order_by("pk")]


class GroupOut(Schema):
    group: str
    label: str
    held: int
    waiting: int
    collected: int
    released: int


class ResultsOut(Schema):
    round_id: int
    shares: int
    taken: int
    by_group: list[GroupOut]
    totals: dict[str, int]


@router.get("/rounds/{round_id}/results", response={200: ResultsOut, **ERRORS},
            summary="The round's published results: households by group and outcome, no names")
@route(VIEW, RESERVE, model=Round, kwarg="round_id")
def results(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    round_ = get_or_404(Round.objects.all(), api_user(request), VIEW, pk=round_id)
    return {"round_id": round_.pk, "shares": round_.shares, "taken": round_.taken,
            **queries.results(round_).as_dict()}


class PickupIn(Schema):
    code: str = Field(min_length=4, max_length=60, description="the household's pickup code, as scanned")


@router.post("/pickups", response={200: ReservationOut, **ERRORS},
             summary="Hand out a reserved share at the pickup point (issues the stock)")
@route(KEEP)
def collect(request: HttpRequest, payload: PickupIn) -> dict[str, Any]:
    user = api_user(request)
    if not keeps_any(user):
        raise PermissionDenied(KEEP)
    pk = read_pickup(payload.code)
    reservation = (Reservation.objects.select_related("slot__point").filter(pk=pk).first() if pk else None)
    if reservation is None or reservation.slot is None or not allows(user, KEEP, reservation.slot.point):
        raise ValidationError({"code": [ValidationError(_("This is not a pickup code of your point; ask the household "
                                                          "for its code again."), code="unknown_code")]})
    return _reservation_out(actions.do_collect(reservation, acting_user=user))


@router.post("/rounds/{round_id}/export", response={202: DownloadOut, **ERRORS},
             summary="Ask for the round's reservations as a spreadsheet (.xlsx, no names), made in the background: "
                     "GET /api/downloads/{id} follows it, …/file fetches it")
@route(MANAGE, model=Round, kwarg="round_id")
def export(request: HttpRequest, round_id: Id) -> Status:
    user = api_user(request)
    round_ = get_or_404(Round.objects.select_related("community"), user, MANAGE, pk=round_id)
    try:
        download = do_request_download(KIND, scope=round_.community, params={"round": round_.pk}, acting_user=user)
    except PermissionDenied as exc:
        raise Http404 from exc
    download.refresh_from_db()  # made at once when tasks run immediately
    return Status(202, download_out(download))


class SkippedOut(Schema):
    row: int
    why: str


class ReservationImportOut(Schema):
    held: int
    waiting: int
    skipped: list[SkippedOut]


@router.post("/rounds/{round_id}/import", response={200: ReservationImportOut, **ERRORS},
             summary="Reserve for every household listed in a spreadsheet (a column 房屋编码)")
@route(MANAGE, model=Round, kwarg="round_id")
def import_list(request: HttpRequest, round_id: Id, file: File[UploadedFile]) -> dict[str, Any]:
    user = api_user(request)
    round_ = get_or_404(Round.objects.all(), user, MANAGE, pk=round_id)
    if file.size is not None and file.size > sheets.MAX_BYTES:
        raise ValidationError(_("The file is larger than %(mb)d MB; split it into several files."),
                              code="file_too_large", params={"mb": sheets.MAX_BYTES // (1024 * 1024)})
    result = sheets.import_xlsx(round_, file.read(), file.name or "upload", acting_user=user)
    return {"held": result.held, "waiting": result.waiting,
            "skipped": [{"row": row, "why": why} for row, why in result.skipped]}
