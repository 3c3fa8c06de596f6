"""Alerts (告警) raised by devices' events or by hand (a drill), and the people who answer them.

An alert moves new → acknowledged → on site → resolved (with an outcome), or is cleared when
its condition ends (never silently for a critical one). While it is not acknowledged, the
escalation clock pages the steps of its community's chain one after the other; the duty
roster says who is on call for a grid now. The times to acknowledge and to be on site are
measured against the 15-minute goal (seed 001).

There is at most one open alert per house and condition: later events attach to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.models import PlaceScopedModel, RestrictedQuerySet, path_index


class Severity(models.TextChoices):
    CRITICAL = "critical", _("critical")
    MAJOR = "major", _("major")
    MINOR = "minor", _("minor")


class Condition(models.TextChoices):
    """What the alert is about; the rules (``linli.alerts.rules``) decide when each holds."""

    FALL = "fall", _("fall")
    SOS = "sos", _("SOS call")
    DOOR_IDLE = "door_idle", _("door not opened for a long time")
    DOOR_QUARANTINE = "door_quarantine", _("door opened during home quarantine")
    FEVER = "fever", _("fever of a person in quarantine")
    SMOKE = "smoke", _("smoke")
    GAS = "gas", _("gas leak")
    WATER_IDLE = "water_idle", _("no water used for a long time")
    SILENT = "silent", _("device silent")
    DRILL = "drill", _("drill")


class State(models.TextChoices):
    NEW = "new", pgettext_lazy("alert", "new")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    ON_SITE = "on_site", _("on site")
    RESOLVED = "resolved", pgettext_lazy("alert", "resolved")
    CLEARED = "cleared", _("cleared")


OPEN_STATES = (State.NEW, State.ACKNOWLEDGED, State.ON_SITE)


class Team(models.TextChoices):
    """Who answers: the grid's chain, or the health officers (quarantine conditions)."""

    GRID = "grid", _("grid and community")
    HEALTH = "health", _("health officers")


class Outcome(models.TextChoices):
    FALSE_ALARM = "false_alarm", _("false alarm")
    HELPED = "helped", _("helped on site")
    HOSPITAL = "hospital", _("sent to hospital")
    FAMILY = "family", _("family took over")
    OTHER = "other", _("other")


class OnSiteMethod(models.TextChoices):
    QR = "qr", _("scanned the house's sticker")
    LOCATION = "location", _("confirmed on the phone with location")
    CONFIRMED = "confirmed", _("confirmed on the phone")


class Alert(PlaceScopedModel):
    house = models.ForeignKey("places.Place", verbose_name=_("house"), on_delete=models.PROTECT, related_name="alerts")
    person = models.ForeignKey("people.Person", verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="alerts")
    device = models.ForeignKey("devices.Device", verbose_name=_("device"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="alerts")
    grid = models.ForeignKey("grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="alerts")
    condition = models.CharField(_("condition"), max_length=16, choices=Condition.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    team = models.CharField(_("answered by"), max_length=8, choices=Team.choices, default=Team.GRID)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    is_drill = models.BooleanField(_("drill"), default=False)
    # Why it was raised: the rule and the facts it read (shown on the alert's page).
    explanation = models.JSONField(_("why"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("raised at"))
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    event_count = models.PositiveIntegerField(_("events"), default=1)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    on_site_at = models.DateTimeField(_("on site at"), null=True, blank=True)
    on_site_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    on_site_method = models.CharField(_("on site confirmed by"), max_length=12, choices=OnSiteMethod.choices,
                                      blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    # The escalation clock: the chain followed, the step reached and when the next one is due.
    chain = models.ForeignKey("alerts.EscalationChain", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="alerts")
    step = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at"]
        indexes = [
            path_index("alert_path_prefix"),
            models.Index(fields=["state", "next_step_at"], name="alert_clock"),
            models.Index(fields=["opened_at"], name="alert_opened"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "condition"],
                condition=models.Q(state__in=[s.value for s in OPEN_STATES], is_drill=False),
                name="alert_one_open_per_house_condition",
                violation_error_message=_("This house already has an open alert for this condition."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.condition} {self.house_id} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EntryKind(models.TextChoices):
    RAISED = "raised", _("raised")
    EVENT = "event", _("device event")
    PAGED = "paged", _("paged")
    ESCALATED = "escalated", _("escalated")
    NOTIFIED = "notified", _("notified outside the platform")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    ON_SITE = "on_site", _("on site")
    RESOLVED = "resolved", pgettext_lazy("alert", "resolved")
    CLEARED = "cleared", _("cleared")
    NOTE = "note", _("note")


class AlertEntry(models.Model):
    """A line of an alert's timeline: every event, page, escalation and step taken."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    text = models.CharField(_("text"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    path = models.CharField(max_length=64, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert timeline entry")
        verbose_name_plural = _("alert timeline entries")
        ordering = ["at", "pk"]
        indexes = [path_index("alert_entry_path_prefix")]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind} {self.at:%H:%M:%S}"


class EscalationChain(PlaceScopedModel):
    """A community's chain for one severity (or every severity when blank): the steps paged
    one after the other while nobody acknowledges. Edited as data by the community.

    The grid's team answers most alerts; the health officers answer the quarantine ones (a door
    opened during home quarantine, a fever) with a chain of their own (``team``, for every
    severity). A community without one follows the default chains in ``linli.alerts.actions``."""

    community = models.ForeignKey("places.Place", verbose_name=_("community"), on_delete=models.CASCADE,
                                  related_name="escalation_chains")
    team = models.CharField(_("answered by"), max_length=8, choices=Team.choices, default=Team.GRID)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, blank=True,
                                help_text=_("Blank: every severity without a chain of its own."))
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("escalation chain")
        verbose_name_plural = _("escalation chains")
        indexes = [path_index("escalation_chain_path_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["community", "team", "severity"], name="escalation_chain_once_per_team",
                                    violation_error_message=_("This community already has a chain for this severity.")),
        ]

    def __str__(self) -> str:
        return self.name


class Target(models.TextChoices):
    GRID_ON_DUTY = "grid_on_duty", _("the grid worker on duty")
    GRID_LEADER = "grid_leader", _("the grid leader")
    COMMUNITY_DUTY = "community_duty", _("the community's duty officer")
    HEALTH = "health", _("the health officer on duty")
    FAMILY = "family", _("the family contacts")
    CALL_OUT = "call_out", _("call-out to 120/110")


class EscalationStep(models.Model):
    chain = models.ForeignKey(EscalationChain, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    target = models.CharField(_("who"), max_length=16, choices=Target.choices)
    wait_minutes = models.PositiveSmallIntegerField(
        _("minutes to acknowledge"), default=2,
        help_text=_("If nobody acknowledges within this time, the next step is paged."))
    by_phone = models.BooleanField(_("also call or text"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["chain", "order"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "order"], name="escalation_step_once",
                                    violation_error_message=_("Two steps of a chain cannot have the same order.")),
        ]

    def __str__(self) -> str:
        return f"{self.chain_id}.{self.order} {self.target}"


class Shift(PlaceScopedModel):
    """Who is on call for alerts: for a grid (or, without a grid, as the community's duty
    officer) from ``starts_at`` to ``ends_at``. A swap hands the shift to a colleague and
    keeps who held it."""

    community = models.ForeignKey("places.Place", verbose_name=_("community"), on_delete=models.CASCADE,
                                  related_name="alert_shifts")
    grid = models.ForeignKey("grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="alert_shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("on call"), on_delete=models.CASCADE,
                             related_name="alert_shifts")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    swapped_from = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("swapped from"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        ordering = ["starts_at"]
        indexes = [
            path_index("alert_shift_path_prefix"),
            models.Index(fields=["grid", "starts_at", "ends_at"], name="alert_shift_when"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="alert_shift_ends_after",
                                   violation_error_message=_("A shift ends after it starts.")),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.grid_id or self.community_id} {self.starts_at:%m-%d %H:%M}"


class SwapState(models.TextChoices):
    OFFERED = "offered", _("offered")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


class SwapOffer(PlaceScopedModel):
    """A person on call offers her shift to a colleague of the same grid (or community duty),
    who accepts or declines on her phone; the office sees the offers and may cancel one. The
    shift changes hands only when the colleague accepts."""

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="swap_offers")
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("offered by"), on_delete=models.CASCADE,
                                   related_name="+")
    offered_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("offered to"), on_delete=models.CASCADE,
                                   related_name="alert_swap_offers")
    state = models.CharField(_("state"), max_length=12, choices=SwapState.choices, default=SwapState.OFFERED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("shift swap offer")
        verbose_name_plural = _("shift swap offers")
        ordering = ["-created_at"]
        indexes = [path_index("alert_swap_path_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["shift"], condition=models.Q(state="offered"), name="alert_swap_one_open",
                                    violation_error_message=_("This shift is already offered to a colleague.")),
        ]

    def __str__(self) -> str:
        return f"{self.shift_id} {self.offered_by_id}→{self.offered_to_id} {self.state}"
