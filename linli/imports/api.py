"""Imports over the API: upload a spreadsheet and get its dry-run report, fix the column
mapping, then commit (merge or skip the people already registered) or stop.

The steps are the ones the web page takes (``linli.imports.actions``). The dry run and the
commit run in the background when a worker is running: the answer then has status
``checking`` or ``committing`` and the caller polls ``GET /api/imports/{id}``. Without a
worker (tests, a single-process server) they finish before the answer is sent.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from linli.core import audit, leases
from linli.core.access import get_or_404, route
from linli.core.api_auth import ERRORS, Id, api_user
from linli.core.errors import bilingual
from linli.imports import actions
from linli.imports.models import BatchStatus, ImportBatch, ImportRow, RowStatus
from linli.imports.progress import read_live
from linli.imports.reading import max_bytes
from linli.places.models import Place

router = Router()
REPORT_LIMIT = 500
Limit = Annotated[int, Field(ge=1, le=REPORT_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=10_000_000)]


class SheetOut(Schema):
    name: str
    header_row: int | None = Field(description="1-based row number of the header row; null when none was found")
    headers: list[str]
    mapping: dict[str, str] = Field(description="column index (0-based, as text) → field code")
    rows: int


class ProblemOut(Schema):
    sheet: str
    row: int
    column: str
    field: str
    value: str
    code: str
    zh: str
    en: str


class DifferenceOut(Schema):
    field: str
    old: Any
    new: Any


class MatchOut(Schema):
    sheet: str
    row: int
    name: str
    person_id: int | None
    by: str = Field(description='"id" (same ID number) or "name_phone" (same name and phone)')
    differences: list[DifferenceOut]


class ImportProgressOut(Schema):
    stage: str
    done: int
    total: int


class MessageOut(Schema):
    code: str
    zh: str
    en: str


class ImportOut(Schema):
    id: int
    status: str
    area: str
    file_name: str
    sheets: list[SheetOut]
    counts: dict[str, Any]
    progress: ImportProgressOut
    error: MessageOut | None
    rejected: list[ProblemOut]
    matched: list[MatchOut]
    report_complete: bool = Field(description="false when the report lists were cut at limit; page with offset")
    waiting_for_worker: bool = Field(
        False, description="true while the run waits in the queue and no task worker has reported in lately: "
                           "it goes on once one runs (`linli worker`), or stop it")


class MappingIn(Schema):
    sheets: dict[str, dict[int, str]] = Field(
        description="sheet name → {column index (0-based) → field code}; sheets left out are not imported")


class CommitIn(Schema):
    on_match: Literal["merge", "skip", ""] = ""
    allow_rejected: bool = False


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = actions.batches_for(api_user(request)).filter(pk=pk).first()
    if batch is None:
        raise Http404
    actions.fail_if_abandoned(batch)  # a run whose worker died is failed, not "running" for ever
    return batch


def _problems(rows: list[ImportRow]) -> list[dict[str, Any]]:
    return [{"sheet": row.sheet, "row": row.row_number, "column": error.get("column", ""),
             "field": error.get("field", ""), "value": str(error.get("value", "")), "code": error.get("code", ""),
             "zh": error.get("zh", ""), "en": error.get("en", "")}
            for row in rows for error in row.detail.get("errors", [])]


def _matches(rows: list[ImportRow]) -> list[dict[str, Any]]:
    return [{"sheet": row.sheet, "row": row.row_number, "name": row.detail.get("name", ""),
             "person_id": row.person_id, "by": row.detail.get("match", ""),
             "differences": row.detail.get("differences", [])} for row in rows]


def _out(batch: ImportBatch, *, user: Any, limit: int = REPORT_LIMIT, offset: int = 0) -> dict[str, Any]:
    batch.refresh_from_db()
    live = read_live(batch.pk) if batch.is_running else None
    sheets = [{**sheet, "header_row": None if sheet["header_row"] is None else sheet["header_row"] + 1}
              for sheet in batch.sheets]
    out: dict[str, Any] = {
        "id": batch.pk, "status": batch.status, "area": batch.scope.code, "file_name": batch.file_name,
        "sheets": sheets, "counts": batch.counts, "error": batch.error or None,
        "progress": {"stage": str((live or {}).get("stage", batch.stage)),
                     "done": int((live or {}).get("done", batch.progress_done)),
                     "total": int((live or {}).get("total", batch.progress_total))},
        "rejected": [], "matched": [], "report_complete": True,
        "waiting_for_worker": batch.is_queued and bool(leases.worker_status()["silent"]),
    }
    if batch.fingerprint and not batch.is_running and batch.status != BatchStatus.MAPPING:
        rows = batch.rows.order_by("pk")
        rejected = list(rows.filter(status=RowStatus.REJECTED)[offset:offset + limit])
        matched = list(rows.filter(status=RowStatus.MATCHED)[offset:offset + limit])
        out["rejected"], out["matched"] = _problems(rejected), _matches(matched)
        out["report_complete"] = len(rejected) < limit and len(matched) < limit
        audit.record("import.report_view", actor=user, obj=batch, detail={"channel": "api", "offset": offset})
    return out


def _mapping_from(text: str | None) -> dict[str, dict[int, str]] | None:
    if not text:
        return None
    try:
        raw = json.loads(text)
        return {str(sheet): {int(column): str(field) for column, field in columns.items()}
                for sheet, columns in raw.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValidationError(_("The mapping must be a JSON object: {sheet name: {column index: field code}}."),
                              code="mapping_json") from exc


@router.post("", response={201: ImportOut, **ERRORS}, summary="Upload a spreadsheet; returns its dry-run report")
@route("people.change", model=Place, kwarg="area", field="code", where=Q(level__in=actions.IMPORT_LEVELS))
def upload(request: HttpRequest, area: Form[str], file: File[UploadedFile],
           mapping: Form[str] = "") -> Status:
    """``area``: the code of the street, community or compound to import into. ``mapping``
    (optional): JSON ``{sheet name: {column index: field code}}``; without it the columns
    are mapped from their headers. When the headers leave the mapping incomplete (no name
    column, say), the answer has status ``mapping`` and ``error`` says what to choose."""
    user = api_user(request)
    place = get_or_404(Place.objects.filter(level__in=actions.IMPORT_LEVELS), user, actions.ACTION, code=area[:32])
    if file.size is not None and file.size > max_bytes():
        raise ValidationError(_("The file is larger than %(mb)d MB; split it into several files."),
                              code="file_too_large", params={"mb": max_bytes() // (1024 * 1024)})
    chosen = _mapping_from(mapping)
    batch = actions.do_upload(acting_user=user, area=place, file_name=file.name or "upload", data=file.read())
    if chosen is None:
        chosen = {layout.name: layout.mapping for layout in actions.layouts_of(batch)}
    try:
        actions.do_set_mapping(batch, chosen, acting_user=user)
    except actions.ImportRefused as exc:
        # The file is kept: the caller fixes the mapping with POST /api/imports/{id}/mapping.
        ImportBatch.objects.filter(pk=batch.pk).update(error=bilingual(exc))
    else:
        actions.start_dry_run(batch, acting_user=user)
    return Status(201, _out(batch, user=user))


@router.get("/{batch_id}", response={200: ImportOut, **ERRORS}, summary="An import's state and dry-run report")
@route("people.change", model=ImportBatch, kwarg="batch_id")
def detail(request: HttpRequest, batch_id: Id, limit: Limit = REPORT_LIMIT, offset: Offset = 0) -> dict[str, Any]:
    return _out(_batch(request, batch_id), user=api_user(request), limit=limit, offset=offset)


@router.post("/{batch_id}/mapping", response={200: ImportOut, **ERRORS},
             summary="Change the column mapping and run the dry run again")
@route("people.change", model=ImportBatch, kwarg="batch_id")
def set_mapping(request: HttpRequest, batch_id: Id, payload: MappingIn) -> dict[str, Any]:
    user = api_user(request)
    batch = _batch(request, batch_id)
    actions.do_set_mapping(batch, payload.sheets, acting_user=user)
    actions.start_dry_run(batch, acting_user=user)
    return _out(batch, user=user)


@router.post("/{batch_id}/commit", response={200: ImportOut, **ERRORS},
             summary="Import the checked rows: all of them or none")
@route("people.change", model=ImportBatch, kwarg="batch_id")
def commit(request: HttpRequest, batch_id: Id, payload: CommitIn) -> dict[str, Any]:
    user = api_user(request)
    batch = _batch(request, batch_id)
    actions.start_commit(batch, acting_user=user, on_match=payload.on_match, allow_rejected=payload.allow_rejected)
    return _out(batch, user=user)


@router.post("/{batch_id}/stop", response={200: ImportOut, **ERRORS},
             summary="Stop without importing; the uploaded file is deleted")
@route("people.change", model=ImportBatch, kwarg="batch_id")
def stop(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    user = api_user(request)
    batch = _batch(request, batch_id)
    actions.do_stop(batch, acting_user=user)
    return _out(batch, user=user)
