"""Files made in the background for one user to download: a street's list of residents, a
department's report, all reports in one zip.

Making such a file takes seconds to minutes on a street; the page asks for it, a task worker
makes it while the page shows how far it got, and the user downloads it when it is ready.
The file holds personal data as the export or report does, so it is sealed like every other
sensitive field and purged an hour after it was made (``LINLI_DOWNLOAD_KEEP_MINUTES``).

A list with the full values of more people than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` waits for a
second person's approval (四眼原则, decision 0023): someone else who may export full values over
the area approves it (then it is made) or refuses it with a reason; unapproved, it expires. The
same holds for a department's report that names that many people with full values.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField
from linli.core.models import PlaceScopedModel, path_index


class DownloadStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a second person's approval")
    REFUSED = "refused", _("refused by the approver")
    EXPIRED = "expired", _("not approved in time")
    QUEUED = "queued", _("waiting for the task worker")
    RUNNING = "running", _("being made")
    READY = "ready", _("ready to download")
    FAILED = "failed", _("failed")
    PURGED = "purged", _("deleted after an hour")


RUNNING = (DownloadStatus.QUEUED, DownloadStatus.RUNNING)


class Download(PlaceScopedModel):
    """``path`` is the area's: the file is about it. ``action`` is the right it was made under
    (``people.export`` or ``health.report``): its author reads it while she holds that right
    there."""

    kind = models.CharField(_("kind"), max_length=32)
    action = models.CharField(max_length=32)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope = models.ForeignKey("places.Place", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    # what to make (the format, a template's code, a stated purpose); no personal data
    params = models.JSONField(default=dict)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=DownloadStatus.choices, default=DownloadStatus.QUEUED)
    stage = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    content = EncryptedTextField()  # base64 of the file, sealed; emptied when purged
    # {"code": …, "en": …, "zh": …}: why it failed, in both languages
    error = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)  # who asked, from where: for the audit log
    finished_at = models.DateTimeField(null=True, blank=True)
    # The run (as for imports, linli.core.leases): its id, the worker that took it, its lease.
    run_id = models.CharField(max_length=32, blank=True)
    worker = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Four eyes (decision 0023): how many people's full ID numbers and phones the file holds
    # (counted when asked), whether a second person must approve it first, by when, and her decision.
    full_values_of = models.PositiveIntegerField(_("people with full values"), default=0)
    needs_approval = models.BooleanField(default=False)
    # the rights, besides approving, that the approver holds over the area: those making the same
    # file takes (``people.export people.reveal`` for a list; a report's, per its mode), space-separated
    approver_needs = models.CharField(max_length=200, blank=True)
    approve_by = models.DateTimeField(_("approve by"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusing"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("file for download")
        verbose_name_plural = _("files for download")
        ordering = ["-pk"]
        indexes = [path_index("download_path_prefix"),
                   models.Index(fields=["created_by", "status"], name="download_owner_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def is_pending(self) -> bool:
        return self.status == DownloadStatus.PENDING

    @property
    def is_queued(self) -> bool:
        return self.is_running and self.lease_until is None

    @property
    def lease_name(self) -> str:
        return f"download-{self.pk}-{self.run_id}"
