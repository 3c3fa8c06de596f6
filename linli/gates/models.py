"""Compound gates (门岗) in epidemic mode: the "五个一" of seed 002 — a post, a person on duty,
a temperature, a health form (the signed pass) and a register of outsiders.

Every row carries the compound's path, so ``restrict(user, action)`` limits gates, events
and visitors to the staff of that compound. Whoever is on duty at a gate (``DutyShift``)
may use it without any role there: volunteers hold the gates too.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField
from linli.core.models import PlaceScopedModel, path_index
from linli.places.models import Level


class Gate(PlaceScopedModel):
    """A gate of a compound (东门, 南门 …); ``path`` is the compound's path."""

    place = models.ForeignKey("places.Place", verbose_name=_("compound"), on_delete=models.PROTECT,
                              related_name="gates")
    name = models.CharField(_("name"), max_length=32)
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["path", "name"]
        indexes = [path_index("gate_path_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="gate_name_unique_in_compound",
                                    violation_error_message=_("This compound already has a gate with this name.")),
        ]

    def __str__(self) -> str:
        return f"{self.place.name} {self.name}" if self.place_id else self.name

    def clean(self) -> None:
        if self.place_id and self.place.level != Level.COMPOUND:
            raise ValidationError({"place": _("A gate belongs to a compound.")}, code="not_compound")

    def save(self, *args: object, **kwargs: object) -> None:
        self.path = self.place.path
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class DutyShift(PlaceScopedModel):
    """The duty roster: ``user`` keeps ``gate`` from ``starts_at`` to ``ends_at``."""

    gate = models.ForeignKey(Gate, verbose_name=_("gate"), on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person on duty"), on_delete=models.CASCADE,
                             related_name="gate_shifts")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["gate", "starts_at"]
        indexes = [path_index("duty_shift_path_prefix"),
                   models.Index(fields=["user", "ends_at"], name="duty_shift_user_end")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="duty_shift_ends_after_start",
                                   violation_error_message=_("A shift must end after it starts.")),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        self.path = self.gate.path
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.user} @ {self.gate_id} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class EventKind(models.TextChoices):
    SCAN = "scan", _("pass scanned")
    VISITOR = "visitor", _("visitor registered")
    MANUAL = "manual", _("manual decision")


class Verdict(models.TextChoices):
    PASS = "pass", _("pass")
    DENY = "deny", _("deny")
    REFER = "refer", _("refer to staff")


class EventStatus(models.TextChoices):
    """What the server made of an event (decision 0025)."""

    ACCEPTED = "accepted", pgettext_lazy("gate record", "accepted")
    CORRECTION = "correction", _("entered late by staff")
    REJECTED = "rejected", _("refused")


class GateEvent(PlaceScopedModel):
    """One decision at a gate, as the gate made it (the server does not re-judge the verdict).

    ``client_id`` is made by the gate's browser when the event happens, so a batch sent
    twice after a lost connection is stored once. ``subject`` is the pass's pseudonymous
    subject, never a name; ``person`` is filled in by the server when the pass is one it
    issued, and feeds contact tracing through an access record.

    The server checks what it can (the pass existed, was valid and was its holder's then; the
    time lies within the sync window and the sender's shift): an event that fails is kept
    with ``status`` refused and the reason in ``rejection``, and never feeds tracing.
    """

    client_id = models.UUIDField(unique=True)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=8, choices=EventKind.choices)
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=24)
    colour = models.CharField(_("pass colour"), max_length=8, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    subject = models.CharField(_("pass subject"), max_length=22, blank=True)
    pass_ref = models.CharField(max_length=32, blank=True)  # hex of sha256(pass id)[:16], as IssuedPass
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = EncryptedTextField(_("note"))
    occurred_at = models.DateTimeField(_("at"))
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("server's check"), max_length=10, choices=EventStatus.choices,
                              default=EventStatus.ACCEPTED)
    rejection = models.CharField(_("why refused"), max_length=24, blank=True)

    class Meta:
        verbose_name = _("gate event")
        verbose_name_plural = _("gate events")
        ordering = ["-occurred_at"]
        indexes = [path_index("gate_event_path_prefix"),
                   models.Index(fields=["gate", "occurred_at"], name="gate_event_gate_time")]

    def __str__(self) -> str:
        return f"{self.gate_id} {self.kind} {self.verdict} {self.occurred_at:%Y-%m-%d %H:%M}"


class Visitor(PlaceScopedModel):
    """The register of outsiders: who came, to see whom, why. Name and phone are sealed; the
    phone's blind index (the registry's) lets tracing ask "was this number at the gate". A
    visitor of a refused event keeps no blind index: the office reads it, tracing does not."""

    event = models.OneToOneField(GateEvent, on_delete=models.CASCADE, related_name="visitor")
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="visitors")
    name = EncryptedTextField(_("name"))
    phone = EncryptedTextField(_("phone"))
    phone_hash = models.CharField(max_length=32, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=100)
    visiting = models.CharField(_("visiting (whom, which house)"), max_length=100, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    occurred_at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["-occurred_at"]
        indexes = [path_index("visitor_path_prefix"),
                   models.Index(fields=["gate", "occurred_at"], name="visitor_gate_time")]

    def __str__(self) -> str:
        return f"visitor {self.pk} at {self.gate_id} {self.occurred_at:%Y-%m-%d %H:%M}"
