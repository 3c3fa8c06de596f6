"""Rumours and verified facts (辟谣库).

A ``Fact`` is a verified claim (claim, verdict, explanation, source) kept by an office (``path``:
its street or community), signed off by someone other than its last writer; every text it had is
kept (``FactVersion``). Chat messages are matched against the signed facts of a community (its
own and those of the offices above it): a message repeating a false or misleading claim counts
on that claim's ``Suspect`` (one queue item per community and fact, with a count, a few
examples and a tally per day, ``Sighting``), or a staff member reports one by hand. A reviewed
rumour gets a ``Clarification``, signed on the same version by three parties (the government
office, a health or subject expert, a communications role: seed 003's 三方发布) and then
released as a notice through the notices' own review.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.models import PlaceScopedModel, path_index


class Verdict(models.TextChoices):
    TRUE = "true", _("true")
    FALSE = "false", _("false (a rumour)")
    MISLEADING = "misleading", _("misleading")


class Fact(PlaceScopedModel):
    """``path`` is the area of the office that keeps it; it counts for every community below."""

    area = models.ForeignKey("places.Place", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+")
    claim = models.CharField(_("claim"), max_length=200)
    wordings = models.TextField(_("other wordings"), blank=True,
                                help_text=_("Other ways the claim is put in group chats, one a line."))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    explanation = models.TextField(_("explanation"))
    source = models.CharField(_("source"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # signed off when ``signed_version`` is the current version; an edit needs a new sign-off
    signed_version = models.PositiveIntegerField(default=0)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    signed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verified fact")
        verbose_name_plural = _("verified facts")
        ordering = ["-updated_at", "-pk"]
        indexes = [path_index("rumour_fact_path_prefix")]

    def __str__(self) -> str:
        return self.claim

    @property
    def signed(self) -> bool:
        return self.signed_version == self.version

    @property
    def is_rumour(self) -> bool:
        return self.verdict in (Verdict.FALSE, Verdict.MISLEADING)

    def texts(self) -> list[str]:
        return [self.claim, *(w.strip() for w in self.wordings.splitlines() if w.strip())]


class FactVersion(PlaceScopedModel):
    """One text a fact had; never changed once written."""

    fact = models.ForeignKey(Fact, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    claim = models.CharField(_("claim"), max_length=200)
    wordings = models.TextField(_("other wordings"), blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    explanation = models.TextField(_("explanation"))
    source = models.CharField(_("source"), max_length=200)
    note = models.CharField(_("why it changed"), max_length=200, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("fact version")
        verbose_name_plural = _("fact versions")
        ordering = ["fact", "number"]
        indexes = [path_index("rumour_factver_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["fact", "number"], name="rumour_fact_version_once",
                                               violation_error_message=_("This version already exists."))]

    def __str__(self) -> str:
        return f"{self.fact_id} v{self.number}"


class SuspectStatus(models.TextChoices):
    OPEN = "open", _("waiting for review")
    DISMISSED = "dismissed", _("not a rumour")
    CONFIRMED = "confirmed", _("a rumour: clarification in preparation")
    RELEASED = "released", _("clarification released")


class Suspect(PlaceScopedModel):
    """A suspected rumour in one community (``path``: the community's): every sighting of the same
    fact there counts on one row. A message reported by hand that matches no fact is its own row."""

    community = models.ForeignKey("places.Place", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+")
    fact = models.ForeignKey(Fact, verbose_name=_("fact"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="suspects")
    text = models.CharField(_("as first seen"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=SuspectStatus.choices, default=SuspectStatus.OPEN)
    count = models.PositiveIntegerField(_("times seen"), default=0)
    similarity = models.FloatField(_("best similarity"), default=0)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    # the latest few messages as they came (masked), newest first: {"text", "group", "sent_at", "at", "ref"}
    examples = models.JSONField(_("examples"), default=list)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("suspected rumour")
        verbose_name_plural = _("suspected rumours")
        ordering = ["-last_seen", "-pk"]
        indexes = [path_index("rumour_suspect_path_prefix"),
                   models.Index(fields=["status", "last_seen"], name="rumour_suspect_status")]
        constraints = [models.UniqueConstraint(
            fields=["community", "fact"], condition=Q(fact__isnull=False), name="rumour_suspect_once",
            violation_error_message=_("This claim is already in this community's queue."))]

    def __str__(self) -> str:
        return self.text


class Sighting(PlaceScopedModel):
    """How many times a suspect was seen on one day (for the opinion report)."""

    suspect = models.ForeignKey(Suspect, on_delete=models.CASCADE, related_name="sightings")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("times seen"), default=0)

    class Meta:
        verbose_name = _("sighting")
        verbose_name_plural = _("sightings")
        ordering = ["suspect", "day"]
        indexes = [path_index("rumour_sighting_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["suspect", "day"], name="rumour_sighting_once",
                                               violation_error_message=_("This day is already counted."))]

    def __str__(self) -> str:
        return f"{self.suspect_id} {self.day}: {self.count}"


class Party(models.TextChoices):
    OFFICE = "office", _("government office")
    EXPERT = "expert", _("health or subject expert")
    MEDIA = "media", _("media and communications")


class Clarification(PlaceScopedModel):
    """The text answering a confirmed rumour (``path``: the community's)."""

    suspect = models.OneToOneField(Suspect, on_delete=models.CASCADE, related_name="clarification")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    version = models.PositiveIntegerField(_("version"), default=1)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    notice = models.ForeignKey("notices.Notice", verbose_name=_("notice"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["-updated_at", "-pk"]
        indexes = [path_index("rumour_clar_path_prefix")]

    def __str__(self) -> str:
        return self.title


class Signature(PlaceScopedModel):
    """One party's signature on one version of a clarification; kept when a later edit makes it
    no longer count."""

    clarification = models.ForeignKey(Clarification, on_delete=models.CASCADE, related_name="signatures")
    party = models.CharField(_("party"), max_length=8, choices=Party.choices)
    version = models.PositiveIntegerField(_("version"))
    text_sha256 = models.CharField(max_length=64)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(_("comment"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["clarification", "version", "created_at", "pk"]
        indexes = [path_index("rumour_signature_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["clarification", "party", "version"],
                                               name="rumour_signature_once",
                                               violation_error_message=_("This party has already signed this version."))]

    def __str__(self) -> str:
        return f"{self.clarification_id} v{self.version} {self.party}"
