"""Upward exchange (上报交换): trusted lower offices and the signed figures they sent up."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import RestrictedQuerySet


class TrustedOffice(models.Model):
    """A lower office whose exchange files this office accepts: its public verifier key,
    named by its place code (a community office signs as ``310115099001``)."""

    place_code = models.CharField(_("place code"), max_length=32, db_index=True)
    verifier_key = models.CharField(_("verifier key"), max_length=300)
    key_id = models.CharField(_("key ID"), max_length=8, db_index=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("trusted office")
        verbose_name_plural = _("trusted offices")
        ordering = ["place_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["verifier_key"], name="exchange_trusted_key_unique",
                violation_error_message=_("This key is already trusted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place_code} ({self.key_id})"


class ExchangeSnapshot(models.Model):
    """One imported exchange file. The SHA-256 of its bytes makes importing it twice a no-op."""

    scope_code = models.CharField(_("scope code"), max_length=32)
    generated_at = models.DateTimeField(_("generated at"))
    sender_key_id = models.CharField(_("sender key ID"), max_length=8)
    sender_place_code = models.CharField(_("sender place code"), max_length=32)
    sha256 = models.CharField(max_length=64)
    # The header, and the records when the sender was allowed to include them.
    payload = models.JSONField(default=dict)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange snapshot")
        verbose_name_plural = _("exchange snapshots")
        ordering = ["scope_code", "-generated_at"]
        indexes = [models.Index(fields=["scope_code", "generated_at"], name="exchange_snapshot_latest")]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"], name="exchange_snapshot_sha256_unique",
                violation_error_message=_("This exchange file has already been imported."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_code} @ {self.generated_at:%Y-%m-%d %H:%M}"


class ExchangeFigure(models.Model):
    """One published count: ``value`` is None where the sender withheld it: below k, or a larger
    count withheld with a small one (complementary suppression), as ``withheld`` says."""

    snapshot = models.ForeignKey(ExchangeSnapshot, on_delete=models.CASCADE, related_name="figures")
    place_code = models.CharField(_("place code"), max_length=32)
    measure = models.CharField(_("measure"), max_length=32)
    breakdown = models.CharField(_("breakdown"), max_length=32)
    value = models.PositiveIntegerField(_("value"), null=True, blank=True)
    # Why the sender withheld it (files from older senders say only that it was withheld).
    withheld = models.CharField(_("withheld because"), max_length=16, blank=True, choices=[
        ("below_k", _("below k")), ("complementary", _("protects a small count")), ("unknown", _("not said")),
    ])

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange figure")
        verbose_name_plural = _("exchange figures")
        ordering = ["place_code", "measure", "breakdown"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "place_code", "measure", "breakdown"], name="exchange_figure_unique",
                violation_error_message=_("A snapshot has one value per place, measure and breakdown."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place_code} {self.measure}/{self.breakdown} = {self.value}"
