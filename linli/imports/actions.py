"""Imports step by step: upload, map the columns, dry run, then commit, skip or stop.

Every step checks that the user may change people in the import's area, and writes the
audit log. The dry run and the commit are long: ``start_*`` hands them to a background
task (``linli.imports.tasks``) and ``run_*`` does the work (the task, or the command line).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, leases
from linli.core.access import PermissionDenied, allows
from linli.core.errors import bilingual
from linli.core.scope import scope_for
from linli.imports import prepared
from linli.imports.access import ACTION
from linli.imports.commit import Writer
from linli.imports.fields import FIELDS, ONE_OF_REQUIRED, REQUIRED
from linli.imports.headers import HEADER_SEARCH_ROWS, SheetLayout, layout_of
from linli.imports.models import RUNNING, BatchStatus, ImportBatch, ImportRow, OnMatch, RowStatus
from linli.imports.plan import Plan, Planner, ProgressFn, no_progress
from linli.imports.progress import BatchProgress, clear_live, read_live
from linli.imports.reading import ImportFileError, Sheet, read_file
from linli.imports.rows import Row
from linli.people import moves
from linli.places.models import LEVELS, Level, Place

log = logging.getLogger(__name__)
IMPORT_LEVELS = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.COMPOUND, Level.BUILDING, Level.UNIT]
STATE_FIELDS = ["status", "error", "counts", "fingerprint", "on_match", "allow_rejected", "progress_done",
                "progress_total", "stage", "checked_at", "committed_at", "updated_at", "run_id", "worker",
                "lease_until"]
REPORT_FIELDS = ["counts", "fingerprint", "prepared", "progress_done", "progress_total", "status", "checked_at",
                 "error", "updated_at"]


class ImportRefused(ValidationError):
    """A step that cannot be taken now (wrong state, a missing choice …)."""


class RunSuperseded(Exception):
    """This run is no longer the batch's run (given up for lost, stopped, started again): it
    must write nothing."""


# --- who may import where -------------------------------------------------------------------

def may_import_into(user: Any, area: Place) -> bool:
    """The area is inside the user's scope, or contains part of it: a grid worker imports
    "into her community" and only her grid's houses are accepted."""
    return area.level in IMPORT_LEVELS and allows(user, ACTION, area)


def importable_places(user: Any) -> QuerySet[Place]:
    """The areas offered in the upload form: the user's own places, the communities that
    hold them, and the communities under a street she covers."""
    scope = scope_for(user, ACTION)
    levels = [Level.STREET, Level.COMMUNITY, Level.COMPOUND]
    if scope.everything:
        return Place.objects.filter(level__in=[Level.STREET, Level.COMMUNITY]).order_by("path")
    if scope.empty:
        return Place.objects.none()
    community_depth = LEVELS.index(Level.COMMUNITY) + 1
    paths: set[str] = set()
    condition = Q()
    for prefix in scope.prefixes:
        parts = prefix.strip("/").split("/")
        paths.add(prefix)
        if len(parts) > community_depth:
            paths.add("/".join(parts[:community_depth]) + "/")
        condition |= Q(path__startswith=prefix, level__in=[Level.COMMUNITY, Level.COMPOUND])
    return (Place.objects.filter(Q(path__in=paths) | condition).filter(level__in=[*levels, Level.BUILDING])
            .order_by("path"))


def _require(user: Any, area: Place) -> None:
    if not may_import_into(user, area):
        raise PermissionDenied(ACTION)


def batches_for(user: Any) -> QuerySet[ImportBatch]:
    """An import's report holds what its author uploaded: only she (and administrators) see
    it, and only while she may still import into its area (``linli.imports.access``)."""
    return (ImportBatch.objects.restrict(user, ACTION).select_related("scope", "created_by")
            .defer("content", "prepared"))


# --- upload and mapping -------------------------------------------------------------------

def seal(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unseal(batch: ImportBatch) -> bytes:
    if not batch.content:
        raise ImportRefused(_("The uploaded file has already been deleted; upload it again."), code="file_purged")
    return base64.b64decode(batch.content)


@transaction.atomic
def do_upload(*, acting_user: Any, area: Place, file_name: str, data: bytes) -> ImportBatch:
    """Read the file once to find each sheet's header row and propose a column mapping."""
    _require(acting_user, area)
    file_name = (file_name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    sheets = read_file(data, file_name, head=HEADER_SEARCH_ROWS)
    layouts = [layout_of(sheet.name, sheet.rows, sheet.total_rows) for sheet in sheets]
    if not any(layout.header_row is not None for layout in layouts):
        raise ImportFileError(
            _("No sheet has a header row with known column names (姓名, 身份证号, 楼号, 房号 …) in its "
              "first 10 rows."), code="no_header")
    if not any(layout.rows for layout in layouts if layout.header_row is not None):
        raise ImportFileError(_("The file has a header row but no rows below it."), code="no_rows")
    batch = ImportBatch.objects.create(
        created_by=acting_user, scope=area, path=area.path, file_name=file_name, file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(), content=seal(data),
        sheets=[layout.as_json() for layout in layouts])
    audit.record("import.upload", actor=acting_user, obj=batch,
                 detail={"bytes": len(data), "sha256": batch.file_sha256, "area": area.code})
    return batch


def layouts_of(batch: ImportBatch) -> list[SheetLayout]:
    return [SheetLayout.from_json(item) for item in batch.sheets]


def check_mapping(mapping: dict[int, str]) -> None:
    """A sheet's mapping must name the person and the house, each field at most once."""
    fields = list(mapping.values())
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ImportRefused(_("Unknown fields: %(fields)s."), code="mapping_unknown",
                            params={"fields": ", ".join(unknown)})
    twice = sorted({f for f in fields if fields.count(f) > 1})
    if twice:
        raise ImportRefused(_("Each field can be chosen for one column only: %(fields)s."), code="mapping_twice",
                            params={"fields": "、".join(str(FIELDS[f].label) for f in twice)})
    if any(code not in fields for code in REQUIRED):  # the name
        raise ImportRefused(_("Choose the column that holds the name."), code="mapping_name")
    if not any(code in fields for code in ONE_OF_REQUIRED):  # the room or the address
        raise ImportRefused(_("Choose the columns that say where the person lives (building and room, "
                              "or the address)."), code="mapping_house")


@transaction.atomic
def do_set_mapping(batch: ImportBatch, mappings: dict[str, dict[int, str]], *, acting_user: Any) -> ImportBatch:
    """Save the user's mapping (sheet name → column index → field; sheets left out or left
    without columns are not imported)."""
    _require(acting_user, batch.scope)
    if batch.status not in (BatchStatus.MAPPING, BatchStatus.READY, BatchStatus.FAILED):
        raise ImportRefused(_("This import can no longer be changed."), code="state")
    layouts = layouts_of(batch)
    for layout in layouts:
        if layout.header_row is None:
            continue
        mapping = {i: f for i, f in mappings.get(layout.name, {}).items() if f and 0 <= i < len(layout.headers)}
        if mapping:
            check_mapping(mapping)
        layout.mapping = mapping
    if not any(layout.mapping for layout in layouts):
        raise ImportRefused(_("Choose the columns of at least one sheet."), code="mapping_empty")
    batch.sheets = [layout.as_json() for layout in layouts]
    batch.status, batch.fingerprint, batch.prepared, batch.error = BatchStatus.MAPPING, "", "", {}
    batch.save(update_fields=["sheets", "status", "fingerprint", "prepared", "error", "updated_at"])
    return batch


# --- dry run ---------------------------------------------------------------------------------

def _enqueue(task: Any, batch: ImportBatch) -> None:
    """In a worker: after the caller's transaction commits (the worker must see the batch).
    In immediate mode (tests, no worker) the task runs here and now."""
    from huey.contrib.djhuey import HUEY

    batch_id, run_id = batch.pk, batch.run_id
    if HUEY.immediate or not connection.in_atomic_block:
        task(batch_id, run_id)
    else:
        transaction.on_commit(lambda: task(batch_id, run_id))


def start_dry_run(batch: ImportBatch, *, acting_user: Any, here: BatchProgress | None = None) -> None:
    """Start the dry run in the background, or ``here`` (the command line) with its progress bar."""
    _require(acting_user, batch.scope)
    _move(batch, {BatchStatus.MAPPING, BatchStatus.READY, BatchStatus.FAILED}, BatchStatus.CHECKING)
    from linli.imports import tasks

    if here is not None:
        tasks.run_now(batch.pk, run_dry_run, here, channel="cli", run_id=batch.run_id)
    else:
        _enqueue(tasks.dry_run_task, batch)
    batch.refresh_from_db(fields=STATE_FIELDS)


def _move(batch: ImportBatch, allowed: set[str], to: str, *, queued_too: bool = False, **fields: Any) -> None:
    """Change the status only from an allowed one (two clicks start one run, not two); with
    ``queued_too``, also from a run no worker has taken yet. A run started here gets a new id
    and no lease until a worker takes it."""
    condition = Q(status__in=allowed)
    if queued_too:
        condition |= Q(status__in=RUNNING, lease_until__isnull=True)
    if to in RUNNING:
        fields.update(run_id=uuid.uuid4().hex, worker="", lease_until=None)
    updated = ImportBatch.objects.filter(condition, pk=batch.pk).update(
        status=to, error={}, progress_done=0, progress_total=0, stage="", updated_at=timezone.now(), **fields)
    if not updated:
        raise ImportRefused(_("This import is busy or finished; reload the page."), code="state")
    batch.refresh_from_db(fields=STATE_FIELDS)


# --- runs: taken by a worker, fenced, given up when the worker dies ---------------------------------

def claim(batch_id: int, run_id: str | None) -> str | None:
    """A worker takes a run: it holds the lease from now on. Returns the run's id, or None
    when the run is no longer waiting (stopped, given up, started again, or taken by another
    worker). A task queued without an id (before runs had one) takes the batch's current run."""
    if not run_id:
        run_id = ImportBatch.objects.filter(pk=batch_id).values_list("run_id", flat=True).first()
    runs = ImportBatch.objects.filter(pk=batch_id, status__in=RUNNING, lease_until__isnull=True, run_id=run_id or "")
    taken = runs.update(worker=leases.worker_name(),
                        lease_until=timezone.now() + datetime.timedelta(seconds=leases.lease_seconds()))
    return run_id if taken else None


def _hold(batch_id: int, run_id: str | None, status: str) -> None:
    """Inside the run's final transaction: this is still the batch's run (and, on PostgreSQL,
    the row stays locked until the transaction ends, so it cannot be given up meanwhile)."""
    if not ImportBatch.objects.select_for_update().filter(pk=batch_id, status=status, run_id=run_id or "").exists():
        raise RunSuperseded(batch_id)


def fail_if_abandoned(batch: ImportBatch, *, now: datetime.datetime | None = None) -> bool:
    """Mark the run failed when its worker's lease has run out (the worker died): the commit's
    transaction was rolled back with it, so nothing was written, and the batch can be run
    again or stopped. True when it was."""
    if not batch.is_running or not leases.expired(batch.lease_name, batch.lease_until, now):
        return False
    with transaction.atomic():
        # skip_locked: a run whose final transaction holds the row is alive, whatever the lease says
        row = (ImportBatch.objects.select_for_update(skip_locked=True)
               .filter(pk=batch.pk, status=batch.status, run_id=batch.run_id).first())
        if row is None:
            return False
        # a commit's progress never reaches the row (it is inside the transaction): the live one
        live = read_live(row.pk) or {}
        done, total = int(live.get("done", row.progress_done)), int(live.get("total", row.progress_total))
        params = {"worker": row.worker or "?", "done": done, "total": total}
        if row.status == BatchStatus.COMMITTING:
            message = _("The worker importing this file stopped answering (at row %(done)d of %(total)d; worker "
                        "%(worker)s). Nothing was written. Import again, or stop: the uploaded file is then deleted.")
        else:
            message = _("The worker checking this file stopped answering (at row %(done)d of %(total)d; worker "
                        "%(worker)s). Run the dry run again, or stop: the uploaded file is then deleted.")
        error = bilingual(ValidationError(message, code="worker_lost", params=params))
        ImportBatch.objects.filter(pk=row.pk).update(status=BatchStatus.FAILED, error=error, progress_done=done,
                                                     progress_total=total, updated_at=timezone.now())
        audit.record("import.fail", actor=row.created_by, obj=row, outcome="failed",
                     detail={"code": "worker_lost", "worker": row.worker, "status": row.status,
                             "done": done, "total": total})
    leases.release(batch.lease_name)
    clear_live(batch.pk)
    batch.refresh_from_db(fields=STATE_FIELDS)
    return True


def fail_abandoned_runs(*, now: datetime.datetime | None = None) -> int:
    """Every run whose worker died, marked failed (a periodic task, and the pages on sight)."""
    taken = ImportBatch.objects.filter(status__in=RUNNING, lease_until__isnull=False).defer("content", "prepared")
    return sum(fail_if_abandoned(batch, now=now) for batch in taken)


def _plan(batch: ImportBatch, progress: ProgressFn | None) -> Plan:
    _require(batch.created_by, batch.scope)  # the author's rights now, not at upload time
    sheets: list[Sheet] = read_file(unseal(batch), batch.file_name)
    layouts = layouts_of(batch)
    if [s.name[:100] for s in sheets] != [layout.name for layout in layouts]:
        raise ImportRefused(_("The stored file does not match its sheets; upload it again."), code="file_changed")
    return Planner(user=batch.created_by, area=batch.scope, progress=progress).make(sheets, layouts)


def run_dry_run(batch_id: int, *, progress: ProgressFn | None = None, run_id: str | None = None) -> ImportBatch:
    batch = ImportBatch.objects.select_related("scope", "created_by").defer("prepared").get(pk=batch_id)
    plan = _plan(batch, progress)
    with transaction.atomic():
        _hold(batch_id, run_id, BatchStatus.CHECKING)
        _save_report(batch, plan)
        audit.record("import.dry_run", actor=batch.created_by, obj=batch, detail={"counts": batch.counts})
    return batch


def _report_row(batch: ImportBatch, row: Row) -> ImportRow:
    if row.rejected:
        detail: dict[str, Any] = {"name": row.name[:64], "errors": [e.as_json() for e in row.errors]}
        status = RowStatus.REJECTED
    else:
        detail = {"name": row.name, "match": row.match_kind, "differences": row.differences}
        status = RowStatus.MATCHED
    return ImportRow(batch=batch, sheet=row.sheet[:100], row_number=row.number, status=status,
                     person=row.existing if not row.rejected else None,
                     sealed=json.dumps(detail, ensure_ascii=False, default=str))


def _save_report(batch: ImportBatch, plan: Plan, *, error: dict[str, str] | None = None) -> None:
    """The dry run's report in place of the last one; the batch waits for a decision."""
    batch.rows.all().delete()
    ImportRow.objects.bulk_create(
        (_report_row(batch, row) for row in plan.rows if row.rejected or row.existing is not None), batch_size=500)
    batch.counts = {**plan.counts(), "skipped_sheets": plan.skipped_sheets}
    batch.fingerprint = plan.fingerprint()
    batch.prepared = prepared.dump(plan)
    batch.progress_done = batch.progress_total = len(plan.rows)
    batch.status, batch.checked_at, batch.error = BatchStatus.READY, timezone.now(), error or {}
    batch.save(update_fields=REPORT_FIELDS)


# --- commit -----------------------------------------------------------------------------------

def start_commit(batch: ImportBatch, *, acting_user: Any, on_match: str = "", allow_rejected: bool = False,
                 here: BatchProgress | None = None) -> None:
    _require(acting_user, batch.scope)
    check_decision(batch, on_match=on_match, allow_rejected=allow_rejected)
    _move(batch, {BatchStatus.READY, BatchStatus.FAILED}, BatchStatus.COMMITTING,
          on_match=on_match, allow_rejected=allow_rejected)
    from linli.imports import tasks

    if here is not None:
        tasks.run_now(batch.pk, run_commit, here, channel="cli", run_id=batch.run_id)
    else:
        _enqueue(tasks.commit_task, batch)
    batch.refresh_from_db(fields=STATE_FIELDS)


def check_decision(batch: ImportBatch, *, on_match: str, allow_rejected: bool) -> None:
    if not batch.fingerprint:
        raise ImportRefused(_("Run the dry run first."), code="no_dry_run")
    if batch.count("matched") and on_match not in OnMatch.values:
        raise ImportRefused(_("%(n)d rows match people already registered: choose to merge or to skip them."),
                            code="on_match_missing", params={"n": batch.count("matched")})
    if batch.count("rejected") and not allow_rejected:
        raise ImportRefused(
            _("%(n)d rows were rejected. Fix them in the file and upload it again, or confirm that they "
              "will be left out."), code="rejected_rows", params={"n": batch.count("rejected")})
    if batch.count("new") == 0 and (on_match != OnMatch.MERGE or batch.count("matched") == 0):
        raise ImportRefused(_("Nothing would be imported."), code="nothing")


def run_commit(batch_id: int, *, progress: ProgressFn | None = None, run_id: str | None = None) -> ImportBatch:
    """Match the prepared rows again (the registry may have changed since the dry run), then
    write everything in one transaction: all rows or none."""
    batch = ImportBatch.objects.select_related("scope", "created_by").defer("content").get(pk=batch_id)
    _require(batch.created_by, batch.scope)
    if not batch.prepared:
        raise ImportRefused(_("Run the dry run first."), code="no_dry_run")
    plan = Planner(user=batch.created_by, area=batch.scope, progress=progress).rematch(prepared.load(batch.prepared))
    if plan.fingerprint() != batch.fingerprint:
        plan = _plan(batch, progress)
        with transaction.atomic():
            _hold(batch_id, run_id, BatchStatus.COMMITTING)
            _save_report(batch, plan, error=bilingual(ImportRefused(
                _("The registry changed after the dry run, so the report was made again. Review it and "
                  "import again."), code="stale")))
        return batch
    with transaction.atomic():
        _hold(batch_id, run_id, BatchStatus.COMMITTING)
        writer = Writer(plan, groups_scope=scope_for(batch.created_by, "people.view_groups"),
                        progress=progress or no_progress)
        written = writer.write(merge=batch.on_match == OnMatch.MERGE)
        # in this transaction: what other apps keep per house follows the people who moved
        moves.tell(writer.moves, acting_user=batch.created_by)
        batch.counts = {**batch.counts, **written.as_dict()}  # rows and rejections as the dry run found them
        _record_commit(batch)
        batch.status, batch.committed_at = BatchStatus.COMMITTED, timezone.now()
        batch.content = batch.prepared = ""
        batch.save(update_fields=["counts", "status", "committed_at", "content", "prepared", "updated_at"])
    return batch


def _record_commit(batch: ImportBatch) -> None:
    """One audit event and one ledger entry per batch; the ledger gets counts and the
    file's hash, never personal data."""
    from linli.ledger.log import append, pseudonym
    from linli.ledger.parties import office_party

    area = batch.scope
    counts = {k: v for k, v in batch.counts.items() if isinstance(v, int)}
    audit.record("import.commit", actor=batch.created_by, obj=batch,
                 detail={"counts": counts, "area": area.code, "on_match": batch.on_match})
    append("import_committed", party=office_party(area), subject_ref=pseudonym("import", batch.pk),
           payload={"counts": counts, "file_sha256": batch.file_sha256, "scope": area.code}, path=area.path)


# --- stop, failures -----------------------------------------------------------------------------

@transaction.atomic
def do_stop(batch: ImportBatch, *, acting_user: Any) -> ImportBatch:
    """Stop without importing; the uploaded file is deleted. A run still waiting for a worker
    can be stopped too (the worker, when it comes, finds nothing to do)."""
    _require(acting_user, batch.scope)
    _move(batch, {BatchStatus.MAPPING, BatchStatus.READY, BatchStatus.FAILED}, BatchStatus.STOPPED, queued_too=True,
          content="", prepared="")
    audit.record("import.stop", actor=acting_user, obj=batch, detail={"counts": batch.counts})
    return batch


def mark_failed(batch_id: int, exc: BaseException, run_id: str | None = None) -> None:
    """Record why a run failed, in both languages. Nothing it wrote is left: the commit's
    transaction has rolled back before this runs. Only the batch's current run may."""
    if isinstance(exc, ValidationError):
        error = bilingual(exc)
    elif isinstance(exc, PermissionDenied):
        error = bilingual(ValidationError(_("You may no longer change people in this area."), code="denied"))
    else:
        log.exception("import %s failed", batch_id, exc_info=exc)
        error = bilingual(ValidationError(
            _("The import failed because of an internal error (%(kind)s); nothing was written. "
              "Try again, and tell the administrator if it happens again."),
            code="internal", params={"kind": type(exc).__name__}))
    runs = ImportBatch.objects.filter(pk=batch_id, status__in=RUNNING, run_id=run_id or "")
    if not runs.update(status=BatchStatus.FAILED, error=error, updated_at=timezone.now()):
        return  # given up for lost already, or started again since
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("created_by").first()
    if batch is not None:
        audit.record("import.fail", actor=batch.created_by, obj=batch, outcome="failed", detail={"code": error["code"]})
