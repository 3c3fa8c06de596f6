"""The ledger over the API: public keys, checkpoints, entries (for mirrors), proofs, and
submission of entries signed by parties that run their own keys."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from linli.core.access import PermissionDenied, may, route
from linli.core.api_auth import ERRORS, api_user
from linli.ledger import log
from linli.ledger.models import Checkpoint, LedgerEntry
from linli.ledger.public import entry_json, public_keys
from linli.ledger.witnessing import cosigned_note

router = Router()


def _auditor(request: HttpRequest) -> None:
    """The whole log is for departments' auditors (it holds no personal data, but who did
    what when is still nobody else's business)."""
    if not may(api_user(request), "ledger.audit"):
        raise PermissionDenied("ledger.audit")


class EntryOut(Schema):
    index: int
    entry: str = Field(description="base64 of the canonical entry encoding")
    signature: str = Field(description="base64 Ed25519 signature of the submitting party")


class EntryPage(Schema):
    items: list[EntryOut]


class CheckpointOut(Schema):
    size: int
    root: str
    note: str = Field(description="signed note: the log's signature and the witnesses' cosignatures")


class CheckpointList(Schema):
    items: list[CheckpointOut]


class SubmissionIn(Schema):
    entry: str = Field(max_length=4000)
    signature: str = Field(max_length=200)


class SubmissionOut(Schema):
    submission_id: str
    status: str


@router.get("/keys", response={200: dict[str, Any], **ERRORS}, summary="Public keys of the log, parties, witnesses")
@route("ledger.audit")
def keys(request: HttpRequest) -> dict[str, Any]:
    _auditor(request)
    return public_keys()


@router.get("/checkpoints", response={200: CheckpointList, **ERRORS}, summary="Every checkpoint, cosigned")
@route("ledger.audit")
def checkpoints(request: HttpRequest) -> dict[str, Any]:
    _auditor(request)
    rows = Checkpoint.objects.restrict(api_user(request), "ledger.audit").order_by("size").prefetch_related(
        "cosignatures")
    return {"items": [{"size": c.size, "root": c.root, "note": cosigned_note(c)} for c in rows]}


@router.get("/entries", response={200: EntryPage, **ERRORS}, summary="Entries from `start`, in index order")
@route("ledger.audit")
def entries(request: HttpRequest, start: int = Query(0, ge=0, le=2**62),  # type: ignore[type-arg]
            limit: int = Query(1000, ge=1, le=5000)) -> dict[str, Any]:  # type: ignore[type-arg]
    _auditor(request)
    rows = LedgerEntry.objects.restrict(api_user(request), "ledger.audit").filter(index__gte=start).order_by(
        "index")[:limit]
    return {"items": [entry_json(e) for e in rows]}


@router.get("/proof/{index}", response={200: dict[str, Any], **ERRORS}, summary="Offline proof bundle")
@route("ledger.audit", model=LedgerEntry, kwarg="index", field="index")
def proof(request: HttpRequest, index: int) -> dict[str, Any]:
    _auditor(request)
    if not 0 <= index < 2**62:
        raise Http404
    try:
        return log.proof_bundle(index).to_json()
    except (LedgerEntry.DoesNotExist, log.LedgerError) as exc:
        raise Http404 from exc


@router.post("/entries", response={202: SubmissionOut, **ERRORS},
             summary="Submit an entry signed by a registered party's own key")
@route("ledger.submit")
def submit(request: HttpRequest, payload: SubmissionIn) -> Status:
    if not may(api_user(request), "ledger.submit"):
        raise PermissionDenied("ledger.submit")
    try:
        body = base64.b64decode(payload.entry, validate=True)
        signature = base64.b64decode(payload.signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError({"entry": ["not base64"]}) from exc
    try:
        submission = log.submit(body, signature)
    except log.LedgerError as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError({"entry": [str(exc)]}) from exc
    return Status(202, {"submission_id": str(submission), "status": "pending"})
