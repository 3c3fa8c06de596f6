"""Opinion analysis (舆情): the community's chat groups, the messages kept for a while, and the
figures and reports that outlive them.

What a community uploads are exports of its own groups. Speakers are pseudonymised and
phone and ID numbers masked before anything is stored (``linli.opinion.privacy``); the
messages themselves are deleted after ``LINLI_OPINION_RETENTION_DAYS`` (90 by default) by
``purge_expired_chat_messages``, while the month's figures (volume per day, keywords, topics
with a few representative messages, places, demands) and the reports stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField
from linli.core.models import PlaceScopedModel, RestrictedQuerySet, path_index, prefix_index


class ChatGroup(PlaceScopedModel):
    """A chat group of the community (its name as the export gives it)."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("chat group")
        verbose_name_plural = _("chat groups")
        ordering = ["path", "name"]
        indexes = [path_index("opinion_group_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="opinion_group_unique_name",
                                               violation_error_message=_("The community has a group of that name."))]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting for the task worker")
    RUNNING = "running", _("being analysed")
    DONE = "done", _("analysed")
    FAILED = "failed", _("failed")


class ChatImport(PlaceScopedModel):
    """One upload of one or more export files for a community, analysed in the background."""

    community = models.ForeignKey("places.Place", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    files = models.JSONField(default=list)  # [{name, size, sha256, format, messages, problems}]
    # JSON [{name, data: base64}] of the uploaded files, sealed; emptied when the run ends
    content = EncryptedTextField()
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    stage = models.CharField(max_length=40, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)  # files, read, stored, duplicates, problems, groups, demands, rumours
    problems = models.JSONField(default=list)  # [{file, line, code, detail}], the first 500
    error = models.JSONField(default=dict, blank=True)  # {"code", "en", "zh"}
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat export upload")
        verbose_name_plural = _("chat export uploads")
        ordering = ["-pk"]
        indexes = [path_index("opinion_import_path_prefix")]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.progress_done / self.progress_total)) if self.progress_total else 0

    @property
    def width(self) -> int:
        """The progress bar's width as a class in steps of 5 (no inline style: decision 0014)."""
        return 5 * round(self.percent / 5)


class Sentiment(models.IntegerChoices):
    NEGATIVE = -1, _("negative")
    NEUTRAL = 0, _("neutral")
    POSITIVE = 1, _("positive")


class ChatMessage(models.Model):
    """A message as kept until the retention period ends: pseudonymous speaker, masked text,
    its sentiment and the words that decided it."""

    group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="messages")
    path = models.CharField(max_length=64, editable=False)
    upload = models.ForeignKey(ChatImport, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(_("sent at"))
    speaker = models.CharField(_("speaker (pseudonym)"), max_length=16)
    text = models.TextField(_("text (masked)"))
    digest = models.CharField(max_length=24)  # of time, speaker and text: the same message uploaded twice is kept once
    sentiment = models.SmallIntegerField(_("sentiment"), choices=Sentiment.choices, default=0)
    score = models.FloatField(default=0)
    reasons = models.CharField(_("deciding words"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["sent_at", "pk"]
        # Few indexes: a month of a street is a million rows to insert. The community's
        # messages by time serve the analysis, the pages and the purge's scan.
        indexes = [models.Index(fields=["path", "sent_at"], name="opinion_message_path_time")]
        constraints = [models.UniqueConstraint(fields=["group", "digest"], name="opinion_message_unique")]

    def __str__(self) -> str:
        return self.text[:30]


class DailyVolume(models.Model):
    """Messages of a group on a day, and how many were positive or negative (kept)."""

    group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="days")
    path = models.CharField(max_length=64, editable=False)
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        indexes = [prefix_index("path", "opinion_daily_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="opinion_daily_unique")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.day}"


class MonthAnalysis(PlaceScopedModel):
    """A community's month: keywords per group and the compounds mentioned (kept)."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # its first day
    messages = models.PositiveIntegerField(default=0)
    keywords = models.JSONField(default=dict)  # group name → [[term, score], …]
    places = models.JSONField(default=list)  # [{id, name, mentions, negative}]
    rumour_cues = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month", "path"]
        indexes = [path_index("opinion_month_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["community", "month"], name="opinion_month_unique")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month:%Y-%m}"


class Topic(models.Model):
    """A hot topic of a community's month, with the messages nearest its centre (kept)."""

    analysis = models.ForeignKey(MonthAnalysis, on_delete=models.CASCADE, related_name="topics")
    path = models.CharField(max_length=64, editable=False)
    rank = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=100)
    terms = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    days = models.JSONField(default=dict)  # ISO day → messages
    compounds = models.JSONField(default=list)  # [{id, name, count}]
    samples = models.JSONField(default=list)  # masked texts

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["analysis", "rank"]
        indexes = [prefix_index("path", "opinion_topic_path_prefix")]

    def __str__(self) -> str:
        return self.label

    @property
    def negative_share(self) -> float:
        return self.negative / self.size if self.size else 0.0


class DemandStatus(models.TextChoices):
    OPEN = "open", _("not yet decided")
    REQUESTED = "requested", _("filed as a request")
    DISMISSED = "dismissed", _("dismissed")


class Demand(PlaceScopedModel):
    """What residents asked for in the groups on a day (a broken lift in a compound, medicine
    to buy), found by pattern; a staff member files it as a request or dismisses it."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16)
    label = models.CharField(_("demand"), max_length=40)
    category = models.CharField(_("request category"), max_length=40)
    compound = models.ForeignKey("places.Place", verbose_name=_("compound"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    mentions = models.PositiveIntegerField(_("mentions"), default=0)
    groups = models.JSONField(default=list)
    sample = models.TextField(_("example message (masked)"))
    status = models.CharField(_("status"), max_length=10, choices=DemandStatus.choices, default=DemandStatus.OPEN)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-day", "-mentions"]
        indexes = [path_index("opinion_demand_path_prefix")]
        # One demand per kind, compound and day, and one per kind and day for the community as a
        # whole (no compound): two partial indexes, which SQLite keeps as well as PostgreSQL
        # (SQLite has no unique constraint that treats NULLs as equal).
        constraints = [models.UniqueConstraint(fields=["community", "kind", "compound", "day"],
                                               condition=models.Q(compound__isnull=False),
                                               name="opinion_demand_unique_compound"),
                       models.UniqueConstraint(fields=["community", "kind", "day"],
                                               condition=models.Q(compound__isnull=True),
                                               name="opinion_demand_unique_community")]

    def __str__(self) -> str:
        return f"{self.label} {self.day}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("generated")
    SENT = "sent", _("sent to the street")


class OpinionReport(PlaceScopedModel):
    """The monthly opinion report of a community or of the street: a snapshot of the figures
    when it was generated (``content``), so it reads the same after the messages are gone."""

    place = models.ForeignKey("places.Place", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    content = models.JSONField(default=dict)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opinion report")
        verbose_name_plural = _("opinion reports")
        ordering = ["-month", "path"]
        indexes = [path_index("opinion_report_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["place", "month"], name="opinion_report_unique")]

    def __str__(self) -> str:
        return f"{self.place_id} {self.month:%Y-%m}"
