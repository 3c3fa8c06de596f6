"""Asking for a file, making it in the background, handing it over, purging it.

The checks and the audit are the makers' own (the export's, the report's): asking runs the
maker's check at once, so a refusal is said on the page where the user asked; the worker runs
the maker, which checks again and audits, as the user (her IP address kept from the request).
A list with many people's full values waits for a second person's approval first (0023).
"""

from __future__ import annotations

import base64
import datetime
import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, context, leases, purposes
from linli.core.access import PermissionDenied, allows, restricted
from linli.core.errors import bilingual
from linli.downloads.access import ACTIONS, APPROVE, APPROVER_RIGHTS
from linli.downloads.models import Download, DownloadStatus
from linli.downloads.registry import Asked, maker_for
from linli.places.models import Place

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between progress writes


def keep_minutes() -> int:
    return int(getattr(settings, "LINLI_DOWNLOAD_KEEP_MINUTES", 60))


def visible(user: Any) -> QuerySet[Download]:
    """The files the user may see: her own, under each right she still holds where they lie."""
    condition = Q(pk__in=[])
    for action in ACTIONS:
        condition |= Q(pk__in=restricted(Download.objects.all(), user, action).values("pk"))
    return Download.objects.filter(condition).defer("content")


def recent(user: Any, kinds: tuple[str, ...], limit: int = 5, **params: Any) -> list[Download]:
    """Her latest files of these kinds (for the page where she asks for them); ``params``: only
    those asked with these parameters (a round's lists on the round's page)."""
    return list(visible(user).filter(kind__in=kinds, created_at__gte=timezone.now() - datetime.timedelta(days=1),
                                     **{f"params__{key}": value for key, value in params.items()})
                .select_related("scope")[:limit])


def check_download(kind: str, *, scope: Place, params: dict[str, Any], acting_user: Any) -> Asked:
    """The maker's check (PermissionDenied or ValidationError, audited by the maker): what the
    file will be, and whether a second person approves it first (:func:`held`)."""
    asked = maker_for(kind).check(acting_user, scope, params)
    if asked.action not in ACTIONS:
        raise ImproperlyConfigured(f"a download is made under {' or '.join(ACTIONS)}, not {asked.action!r}")
    if not set(asked.approver_needs) <= set(APPROVER_RIGHTS):
        raise ImproperlyConfigured(f"an approver holds rights among {', '.join(APPROVER_RIGHTS)}, not "
                                   f"{asked.approver_needs!r}")
    return asked


def held(asked: Asked) -> bool:
    """A file with the full values of more people than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` is
    made only once a second person approved it (decision 0023)."""
    return asked.full_values_of > approval_threshold()


def do_request_download(kind: str, *, scope: Place, params: dict[str, Any], acting_user: Any,
                        asked: Asked | None = None) -> Download:
    """Ask for a file: checked now (PermissionDenied or ValidationError), made by the task
    worker after this transaction commits (here and now when tasks run immediately). A file with
    the full values of more people than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` is not made yet: it
    waits for a second person's approval (decision 0023). ``asked``: the check's answer, when the
    caller ran :func:`check_download` already.

    The maker's check runs before the transaction: it audits a refusal, and a refusal rolled
    back with the transaction would leave no trace."""
    asked = asked or check_download(kind, scope=scope, params=params, acting_user=acting_user)
    needs_approval = held(asked)
    with transaction.atomic():
        download = Download.objects.create(
            kind=kind, action=asked.action, created_by=acting_user, scope=scope, path=scope.path, params=params,
            title=asked.title[:200], ip=context.current().ip or None, run_id=uuid.uuid4().hex,
            full_values_of=asked.full_values_of, needs_approval=needs_approval,
            approver_needs=" ".join(asked.approver_needs) if needs_approval else "",
            status=DownloadStatus.PENDING if needs_approval else DownloadStatus.QUEUED,
            approve_by=timezone.now() + datetime.timedelta(days=approval_days()) if needs_approval else None)
        stated = purposes.state_if_any(params.get("purpose_code"), params.get("purpose"))
        audit.record("download.request", actor=acting_user, obj=download, purpose=stated.recorded if stated else "",
                     detail={"kind": kind, "scope": scope.code, "full_values_of": asked.full_values_of,
                             "needs_approval": needs_approval,
                             **{k: v for k, v in params.items() if k not in ("purpose", "purpose_code")},
                             **({"purpose_code": stated.code} if stated else {})})
        if not needs_approval:
            _enqueue(download)
    return download


def approval_threshold() -> int:
    return int(getattr(settings, "LINLI_EXPORT_APPROVAL_THRESHOLD", 500))


def approval_days() -> int:
    return int(getattr(settings, "LINLI_EXPORT_APPROVAL_DAYS", 3))


# --- four eyes: a second person approves a long list with full values (decision 0023) ----------------

REASON_MIN_LENGTH = 4


def waiting_for(user: Any) -> QuerySet[Download]:
    """Requests waiting for ``user``'s decision: others', where she may approve them."""
    return (restricted(Download.objects.all(), user, APPROVE)
            .filter(status=DownloadStatus.PENDING, approve_by__gt=timezone.now()).defer("content"))


def do_approve_download(download: Download, *, acting_user: Any) -> Download:
    """A second person approves a file she may make herself (never her own): it is queued for
    the task worker, which makes it as the requester, checking her rights again."""
    return _decide(download, acting_user, approve=True)


def do_refuse_download(download: Download, *, acting_user: Any, reason: str) -> Download:
    """A second person refuses a file, saying why (the requester reads it); nothing is made."""
    text = purposes.tidy(reason)
    if len(purposes.meaningful(text)) < REASON_MIN_LENGTH:
        raise ValidationError({"reason": [ValidationError(
            _("Say why you refuse it (at least %(n)d characters): the requester reads it."), code="required",
            params={"n": REASON_MIN_LENGTH})]})
    return _decide(download, acting_user, approve=False, reason=text[:500])


def _decide(download: Download, acting_user: Any, *, approve: bool, reason: str = "") -> Download:
    action = "download.approve" if approve else "download.refuse"
    # Checked before the transaction, so that a refused attempt stays in the audit log.
    if not allows(acting_user, APPROVE, download):
        audit.refused(action, actor=acting_user, reason="permission", obj=download)
        raise PermissionDenied(APPROVE)
    expire_if_due(download)
    with transaction.atomic():
        locked = Download.objects.select_for_update().get(pk=download.pk)
        if locked.status != DownloadStatus.PENDING:
            raise ValidationError(_("This request was already decided, or it expired (%(status)s)."),
                                  code="decided", params={"status": locked.get_status_display()})
        locked.status = DownloadStatus.QUEUED if approve else DownloadStatus.REFUSED
        locked.decided_by, locked.decided_at, locked.refusal_reason = acting_user, timezone.now(), reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason", "updated_at"])
        audit.record(action, actor=acting_user, obj=locked, purpose=reason,
                     detail={"kind": locked.kind, "requested_by": locked.created_by_id,
                             "full_values_of": locked.full_values_of})
        if approve:
            _enqueue(locked)
    return locked


def expire_if_due(download: Download, *, now: datetime.datetime | None = None) -> bool:
    """A request nobody approved in time expires: nothing is made; the requester asks again."""
    now = now or timezone.now()
    if download.status != DownloadStatus.PENDING or download.approve_by is None or download.approve_by > now:
        return False
    with transaction.atomic():
        if not Download.objects.filter(pk=download.pk, status=DownloadStatus.PENDING).update(
                status=DownloadStatus.EXPIRED, updated_at=now):
            return False
        audit.record("download.expire", obj=download, outcome="failed",
                     detail={"kind": download.kind, "requested_by": download.created_by_id})
    download.status = DownloadStatus.EXPIRED
    return True


def expire_overdue(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return sum(expire_if_due(d, now=now) for d in
               Download.objects.filter(status=DownloadStatus.PENDING, approve_by__lt=now).defer("content"))


def _enqueue(download: Download) -> None:
    """To the worker once the row is committed (it must see it); with tasks run immediately
    (tests, no worker) here and now."""
    from huey.contrib.djhuey import HUEY

    from linli.downloads import tasks

    pk, run_id = download.pk, download.run_id
    if HUEY.immediate or not connection.in_atomic_block:
        tasks.make_download(pk, run_id)
    else:
        transaction.on_commit(lambda: tasks.make_download(pk, run_id))


# --- the run --------------------------------------------------------------------------------------

def claim(download_id: int, run_id: str) -> bool:
    """A worker takes the run (once): it holds the lease from now on."""
    until = timezone.now() + datetime.timedelta(seconds=leases.lease_seconds())
    return bool(Download.objects.filter(pk=download_id, status=DownloadStatus.QUEUED, run_id=run_id).update(
        status=DownloadStatus.RUNNING, worker=leases.worker_name(), lease_until=until, updated_at=timezone.now()))


class Progress:
    """The maker's ``progress(stage, done, total)``: written to the row at most twice a second
    (no transaction is open around a maker's reading, so the page sees it at once)."""

    def __init__(self, download_id: int) -> None:
        self.download_id = download_id
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_INTERVAL and done < total and stage == self._stage:
            return
        self._last, self._stage = now, stage
        if connection.in_atomic_block:
            return  # invisible until the end anyway; the next call outside will tell
        Download.objects.filter(pk=self.download_id, status=DownloadStatus.RUNNING).update(
            stage=str(stage)[:100], progress_done=max(done, 0), progress_total=max(total, 0),
            updated_at=timezone.now())


def run(download_id: int, run_id: str) -> None:
    """Make the file as the user who asked for it; a failure is recorded on the row."""
    if not claim(download_id, run_id):
        log.info("download %s: run %s is no longer waiting", download_id, run_id)
        return
    download = Download.objects.select_related("created_by", "scope").get(pk=download_id)
    token = context.set_current(context.RequestContext(ip=download.ip or "", channel="task"))
    try:
        with leases.Heartbeat(download.lease_name):
            made = maker_for(download.kind).make(download.created_by, download.scope, download.params,
                                                 Progress(download.pk))
        Download.objects.filter(pk=download.pk, run_id=run_id, status=DownloadStatus.RUNNING).update(
            status=DownloadStatus.READY, file_name=made.file_name[:200], content_type=made.content_type[:100],
            size=len(made.content), content=base64.b64encode(made.content).decode("ascii"),
            finished_at=timezone.now(), updated_at=timezone.now(), lease_until=None)
    except PermissionDenied:
        _fail(download, ValidationError(_("You may no longer make this file for this area."), code="denied"))
    except ValidationError as exc:
        _fail(download, exc)
    except Exception:  # every failure is recorded on the row; the details go to the worker's log
        log.exception("download %s failed", download_id)
        _fail(download, ValidationError(_("Making the file failed. Try again; if it fails again, tell the "
                                          "administrator (the task worker's log has the details)."), code="error"))
    finally:
        context.reset(token)


def _fail(download: Download, error: ValidationError) -> None:
    text = bilingual(error)
    Download.objects.filter(pk=download.pk, run_id=download.run_id).update(
        status=DownloadStatus.FAILED, error=text, finished_at=timezone.now(), updated_at=timezone.now(),
        lease_until=None)
    audit.record("download.fail", actor=download.created_by, obj=download, outcome="failed",
                 detail={"kind": download.kind, "code": text.get("code", "")})


def fail_if_abandoned(download: Download, *, now: datetime.datetime | None = None) -> bool:
    """A run whose worker died (its lease ran out) is marked failed instead of running for ever."""
    if download.status != DownloadStatus.RUNNING or not leases.expired(download.lease_name, download.lease_until,
                                                                          now):
        return False
    error = ValidationError(_("The task worker making this file stopped answering. Ask for the file again."),
                            code="worker_lost")
    _fail(download, error)
    leases.release(download.lease_name)
    download.refresh_from_db()
    return True


def fail_abandoned(*, now: datetime.datetime | None = None) -> int:
    return sum(fail_if_abandoned(d, now=now) for d in
               Download.objects.filter(status=DownloadStatus.RUNNING, lease_until__isnull=False).defer("content"))


def purge_old(*, now: datetime.datetime | None = None) -> int:
    """Files made more than ``keep_minutes`` ago are deleted (the row stays, as a record)."""
    before = (now or timezone.now()) - datetime.timedelta(minutes=keep_minutes())
    return Download.objects.filter(status=DownloadStatus.READY, finished_at__lt=before).update(
        status=DownloadStatus.PURGED, content="", updated_at=timezone.now())


def content_of(download: Download, *, acting_user: Any) -> bytes:
    """The file, for its author (the view looked it up through the policy); audited."""
    if download.status != DownloadStatus.READY:
        raise ValidationError(_("This file is not ready."), code="not_ready")
    data = Download.objects.filter(pk=download.pk).values_list("content", flat=True).first() or ""
    audit.record("download.fetch", actor=acting_user, obj=download, detail={"kind": download.kind,
                                                                            "bytes": download.size})
    return base64.b64decode(data)
