"""The hotline import over the API (``/api/requests/hotline``): upload the 12345 export and get
its preview, confirm the columns and the category texts, choose places or skip rows, import.

The steps are the web page's (``linli.tickets.hotline_actions``), synchronous: a file holds at
most ``LINLI_HOTLINE_MAX_ROWS`` orders, checked and imported before the answer is sent. An
upload whose layout the street has not mapped yet answers with status ``mapping``: send the
columns (and what each category text means) to ``/{id}/mapping``.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from linli.core import audit
from linli.core.access import allows, get_or_404, route
from linli.core.api_auth import ERRORS, Id, api_user
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import hotline, routing
from linli.tickets import hotline_actions as steps
from linli.tickets.access import HOTLINE
from linli.tickets.models import Category, HotlineBatch, HotlineStatus

router = Router()
ROW_LIMIT = 500
Limit = Annotated[int, Field(ge=1, le=ROW_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]
Show = Literal["all", "ready", "attention", "imported", "skipped"]


class HotlineMessageOut(Schema):
    code: str
    zh: str
    en: str


class HotlineColumnOut(Schema):
    index: int = Field(description="0-based column index")
    header: str
    field: str | None = Field(description="the request field it fills; null when not imported")


class HotlineCategoryTextOut(Schema):
    text: str
    rows: int
    category: str | None = Field(description="the request category's code: decided, or guessed when not decided")
    decided: bool = Field(description="false: a guess, to be confirmed with /mapping")


class HotlineRowOut(Schema):
    row: int = Field(description="the row number a spreadsheet shows")
    order: str = Field(description="the hotline's order number")
    status: Literal["ready", "attention", "imported", "skipped"]
    created_at: datetime.datetime | None = Field(description="the hotline's time of the call")
    due_by: datetime.datetime | None = Field(description="the hotline's own deadline, when the file gives one")
    category_text: str
    category: str | None
    place_id: int | None
    place: str = Field(description="the place the address was matched to, from its compound down")
    office: bool = Field(description="the house was not found: the request goes to the community office of the "
                                     "nearest place found")
    destination: str = Field(description="grid, community, street or department; empty when not ready")
    routing: str = Field(description="why it goes there, in the caller's language")
    problems: list[HotlineMessageOut]
    notes: list[HotlineMessageOut]
    request: str | None = Field(description="the request's number, once imported")


class HotlineOut(Schema):
    id: int
    status: Literal["mapping", "preview", "committed", "stopped"]
    street: str = Field(description="the street's place code")
    file_name: str
    columns: list[HotlineColumnOut]
    categories: list[HotlineCategoryTextOut] = Field(description="while status is mapping: the file's category "
                                                                 "texts, each with its meaning or a guess")
    counts: dict[str, int] = Field(description="rows, ready, attention, imported, skipped, office; created once "
                                               "imported")
    fingerprint: str = Field(description="what the import would file; pass it to /commit to import exactly that")
    rows: list[HotlineRowOut]
    rows_complete: bool = Field(description="false when the rows were cut at limit; page with offset")


class HotlineMappingIn(Schema):
    columns: dict[int, str] = Field(description="column index (0-based) → field: " + ", ".join(hotline.FIELDS))
    categories: dict[str, str | None] = Field(
        default_factory=dict, description="the hotline's category text → a request category's code (null: leave "
                                          "its rows for later)")


class HotlineChoiceIn(Schema):
    place_id: Id | None = Field(None, description="a house, or a unit, building or compound of the street")
    skip: bool = False


class HotlineChoicesIn(Schema):
    rows: dict[int, HotlineChoiceIn] = Field(description="row number → the place, or skip; {} puts the row back as the "
                                                  "file says")


class HotlineCommitIn(Schema):
    fingerprint: str = Field("", max_length=64, description="the preview's fingerprint; default: the last preview's")


def _batch(request: HttpRequest, pk: int) -> HotlineBatch:
    batch = steps.batches_for(api_user(request)).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def _row(row: dict[str, Any], codes: dict[int, str]) -> dict[str, Any]:
    return {
        "row": row["row"], "order": row.get("ref", ""), "status": row["status"],
        "created_at": row.get("at"), "due_by": row.get("due"), "category_text": row.get("category_text", ""),
        "category": codes.get(row.get("category") or 0), "place_id": row.get("place"),
        "place": row.get("place_label", ""), "office": bool(row.get("office")), "destination": row.get("to", ""),
        "routing": routing.reason_text(row["route"]) if row.get("route") else "",
        "problems": row.get("problems", []),
        "notes": [*([row["office_why"]] if row.get("office_why") else []), *row.get("notes", [])],
        "request": row.get("number"),
    }


def _out(batch: HotlineBatch, user: Any, *, show: str = "all", limit: int = ROW_LIMIT, offset: int = 0) -> dict[str, Any]:
    batch = HotlineBatch.objects.select_related("street").get(pk=batch.pk)
    codes = dict(Category.objects.values_list("pk", "code"))
    columns = steps.columns_of(batch)
    texts = steps.category_texts(batch) if batch.status == HotlineStatus.MAPPING else []
    rows = [r for r in steps.preview_rows(batch) if show == "all" or r["status"] == show]
    if batch.status == HotlineStatus.PREVIEW:
        audit.record("tickets.hotline_view", actor=user, obj=batch, detail={"channel": "api", "offset": offset})
    return {
        "id": batch.pk, "status": batch.status, "street": batch.street.code, "file_name": batch.file_name,
        "columns": [{"index": i, "header": h, "field": columns.get(i)} for i, h in enumerate(batch.headers)],
        "categories": [{"text": t.text, "rows": t.rows, "category": codes.get(t.category_id or 0),
                        "decided": t.decided} for t in texts],
        "counts": batch.counts, "fingerprint": batch.fingerprint if batch.status == HotlineStatus.PREVIEW else "",
        "rows": [_row(r, codes) for r in rows[offset:offset + limit]],
        "rows_complete": offset + limit >= len(rows),
    }


@router.post("", response={201: HotlineOut, **ERRORS}, summary="Upload a hotline export; returns its preview")
@route(HOTLINE, model=Place, kwarg="street", field="code", where=Q(level=PlaceLevel.STREET))
def upload(request: HttpRequest, street: Form[str], file: File[UploadedFile]) -> Status:
    """``street``: the code of the street whose orders these are. When the street has mapped
    this layout before and every category text is known, the answer is the preview (status
    ``preview``); otherwise status ``mapping`` with the guessed columns and categories."""
    user = api_user(request)
    place = get_or_404(Place.objects.filter(level=PlaceLevel.STREET), user, HOTLINE, code=street[:32])
    if file.size is not None and file.size > steps.max_bytes():
        raise ValidationError(_("The file is larger than %(mb)d MB; split it into several files."),
                              code="file_too_large", params={"mb": steps.max_bytes() // (1024 * 1024)})
    batch = steps.do_hotline_upload(acting_user=user, street=place, file_name=file.name or "upload",
                                    data=file.read())
    return Status(201, _out(batch, user))


@router.get("/{batch_id}", response={200: HotlineOut, **ERRORS}, summary="A hotline import and its rows")
@route(HOTLINE, model=HotlineBatch, kwarg="batch_id")
def detail(request: HttpRequest, batch_id: Id, show: Show = "all", limit: Limit = ROW_LIMIT,
           offset: Offset = 0) -> dict[str, Any]:
    return _out(_batch(request, batch_id), api_user(request), show=show, limit=limit, offset=offset)


@router.post("/{batch_id}/mapping", response={200: HotlineOut, **ERRORS},
             summary="Confirm the columns and what the category texts mean; the rows are checked again")
@route(HOTLINE, model=HotlineBatch, kwarg="batch_id")
def mapping(request: HttpRequest, batch_id: Id, payload: HotlineMappingIn) -> dict[str, Any]:
    user = api_user(request)
    batch = _batch(request, batch_id)
    by_code = {c.code: c for c in Category.objects.filter(active=True)}
    unknown = sorted(code for code in payload.categories.values() if code and code not in by_code)
    if unknown:
        raise ValidationError({"categories": [ValidationError(_("Unknown category: %(codes)s."), code="invalid_choice",
                                                              params={"codes": ", ".join(unknown)})]})
    categories = {text[:100]: by_code[code] if code else None for text, code in payload.categories.items()}
    steps.do_hotline_set_mapping(batch, acting_user=user, columns=payload.columns, categories=categories)
    return _out(batch, user)


@router.post("/{batch_id}/choices", response={200: HotlineOut, **ERRORS},
             summary="Choose the place of rows whose address matched no house, or skip rows")
@route(HOTLINE, model=HotlineBatch, kwarg="batch_id")
def choices(request: HttpRequest, batch_id: Id, payload: HotlineChoicesIn) -> dict[str, Any]:
    user = api_user(request)
    batch = _batch(request, batch_id)
    wanted = [c.place_id for c in payload.rows.values() if c.place_id]
    places = {p.pk: p for p in Place.objects.filter(pk__in=wanted) if allows(user, HOTLINE, p.path)}
    if set(wanted) - set(places):
        raise Http404  # a place outside the user's area looks like one that does not exist
    chosen = {n: steps.Choice(place=places.get(c.place_id or 0), skip=c.skip) for n, c in payload.rows.items()}
    steps.do_hotline_choose(batch, acting_user=user, choices=chosen)
    return _out(batch, user)


@router.post("/{batch_id}/commit", response={200: HotlineOut, **ERRORS},
             summary="File every ready row as a request: all of them or none")
@route(HOTLINE, model=HotlineBatch, kwarg="batch_id")
def commit(request: HttpRequest, batch_id: Id, payload: HotlineCommitIn) -> dict[str, Any]:
    """When the rows changed since the preview whose ``fingerprint`` is given, nothing is
    imported: the answer is the new preview (status ``preview``); send its fingerprint."""
    user = api_user(request)
    outcome = steps.do_hotline_commit(_batch(request, batch_id), acting_user=user, fingerprint=payload.fingerprint)
    return _out(outcome.batch, user)


@router.post("/{batch_id}/stop", response={200: HotlineOut, **ERRORS},
             summary="Stop without importing; the file and its rows are deleted")
@route(HOTLINE, model=HotlineBatch, kwarg="batch_id")
def stop(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    user = api_user(request)
    return _out(steps.do_hotline_stop(_batch(request, batch_id), acting_user=user), user)
