"""Spreadsheet imports: one batch per uploaded file, checked in a dry run, then committed.

The uploaded file and the per-row report hold personal data exactly as the user typed it
(including ID numbers that fail validation), so both are sealed like every other sensitive
field; the file itself is purged once the batch is committed or stopped.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField
from linli.core.models import RestrictedQuerySet, TimeStampedModel


class BatchStatus(models.TextChoices):
    MAPPING = "mapping", _("waiting for the column mapping")
    CHECKING = "checking", _("dry run running")
    READY = "ready", _("dry run done: waiting for a decision")
    COMMITTING = "committing", _("importing")
    COMMITTED = "committed", _("imported")
    STOPPED = "stopped", _("stopped")
    FAILED = "failed", _("failed")


RUNNING = (BatchStatus.CHECKING, BatchStatus.COMMITTING)
FINISHED = (BatchStatus.COMMITTED, BatchStatus.STOPPED)


class OnMatch(models.TextChoices):
    MERGE = "merge", _("update the registered people with the file's values")
    SKIP = "skip", _("leave the registered people as they are")


class ImportBatch(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=16, default="people")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope = models.ForeignKey("places.Place", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    path = models.CharField(_("place path"), max_length=64, editable=False)
    file_name = models.CharField(_("file name"), max_length=200)
    file_size = models.PositiveIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64)
    # base64 of the uploaded bytes, sealed; emptied when the batch is finished
    content = EncryptedTextField()
    # the rows the dry run accepted, validated and hashed (linli.imports.prepared), sealed
    prepared = EncryptedTextField()
    # [{name, header_row, headers: [...], mapping: {column index: field}, rows}]
    sheets = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices,
                              default=BatchStatus.MAPPING)
    stage = models.CharField(max_length=24, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)  # rows, new, matched, rejected, created, updated, skipped
    fingerprint = models.CharField(max_length=64, blank=True)
    on_match = models.CharField(max_length=8, choices=OnMatch.choices, blank=True)
    allow_rejected = models.BooleanField(default=False)
    # {"code": …, "en": …, "zh": …}: why the last step failed, in both languages
    error = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    # The current dry run or commit (linli.core.leases): its id, given when it is started, fences
    # off a run that was given up for lost; the worker that took it and the lease it took, which
    # its heartbeats extend in the task store. No lease yet: still waiting in the queue.
    run_id = models.CharField(max_length=32, blank=True)
    worker = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def is_queued(self) -> bool:
        """Started, but no worker has taken it yet."""
        return self.is_running and self.lease_until is None

    @property
    def lease_name(self) -> str:
        return f"import-{self.pk}-{self.run_id}"

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))


class RowStatus(models.TextChoices):
    REJECTED = "rejected", _("rejected")
    MATCHED = "matched", _("matches a registered person")


class ImportRow(models.Model):
    """A row of the dry-run report: rejected (with reasons) or matching a registered person
    (with the differences). Rows that would simply be added are only counted."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    sheet = models.CharField(max_length=100)
    row_number = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=RowStatus.choices)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    # JSON: {"name": …, "errors": [...]} or {"name": …, "match": "id"|"name_phone", "differences": [...]}
    sealed = EncryptedTextField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import report row")
        verbose_name_plural = _("import report rows")
        ordering = ["batch", "pk"]
        indexes = [models.Index(fields=["batch", "status"], name="import_row_batch_status")]

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row_number} {self.status}"

    @property
    def detail(self) -> dict[str, Any]:
        if "_detail" not in self.__dict__:
            self.__dict__["_detail"] = json.loads(self.sealed) if self.sealed else {}
        return self.__dict__["_detail"]
