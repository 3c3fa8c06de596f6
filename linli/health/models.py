"""Epidemic records: risk areas, arrivals, check-ins, tests, cases, health status, passes,
quarantine orders and follow-ups, access records and traces.

Health data is sensitive personal information (PIPL art. 28): every person-level row carries
the person's place path, so ``restrict(user, "health.view")`` limits it to health roles and
the grid worker of the person's grid; reads go through ``linli.health.access`` which audits
them. Free-text notes are sealed like the registry's ID numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField
from linli.core.models import PlaceScopedModel, RestrictedQuerySet, TimeStampedModel, path_index


class RiskLevel(models.TextChoices):
    HIGH = "high", _("high risk")
    MEDIUM = "medium", _("medium risk")
    LOW = "low", _("low risk")


class Colour(models.TextChoices):
    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")


class EpidemicMode(TimeStampedModel):
    """A street or community switched into epidemic mode (its subtree shows the epidemic menus)."""

    place = models.OneToOneField("places.Place", on_delete=models.CASCADE, related_name="epidemic_mode")
    active = models.BooleanField(_("epidemic mode on"), default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("epidemic mode")
        verbose_name_plural = _("epidemic modes")

    def __str__(self) -> str:
        return f"{self.place} {'on' if self.active else 'off'}"


class RiskArea(TimeStampedModel):
    """A region (GB/T 2260 code, down to a township) at a risk level for a period."""

    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["region_code", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="risk_area_dates_in_order",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.region_code}) {self.level}"


class Channel(models.TextChoices):
    SELF = "self", _("by the resident")
    STAFF = "staff", _("by staff")
    ON_BEHALF = "on_behalf", _("by a grid worker or family member on her behalf")
    IMPORT = "import", _("imported")


class Arrival(PlaceScopedModel):
    """A resident arriving from elsewhere (返乡/返沪人员)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="arrivals")
    house = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    origin_code = models.CharField(_("origin region code"), max_length=12)
    origin_name = models.CharField(_("origin"), max_length=100)
    arrived_on = models.DateField(_("arrival date"))
    transport = models.CharField(_("transport"), max_length=64, blank=True)
    channel = models.CharField(_("reported"), max_length=12, choices=Channel.choices, default=Channel.STAFF)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("arrival")
        verbose_name_plural = _("arrivals")
        indexes = [path_index("arrival_path_prefix"), models.Index(fields=["arrived_on"], name="arrival_date")]

    def __str__(self) -> str:
        return f"{self.person_id} from {self.origin_name} on {self.arrived_on}"


class CheckIn(PlaceScopedModel):
    """One daily real-name check-in; a second one the same day replaces the first."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="checkins")
    day = models.DateField(_("day"))
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    whereabouts = EncryptedTextField(_("whereabouts"))
    channel = models.CharField(_("reported"), max_length=12, choices=Channel.choices, default=Channel.SELF)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [path_index("checkin_path_prefix"), models.Index(fields=["day"], name="checkin_day")]
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="checkin_once_a_day",
                                    violation_error_message=_("This person has already checked in today.")),
            models.CheckConstraint(condition=models.Q(temperature__gte=30) & models.Q(temperature__lte=45),
                                   name="checkin_temperature_plausible",
                                   violation_error_message=_("The temperature must be between 30 and 45 °C.")),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day} {self.temperature}"


class LabTest(models.TextChoices):
    NUCLEIC = "nucleic", _("nucleic acid")
    ANTIGEN = "antigen", _("antigen")


class LabOutcome(models.TextChoices):
    POSITIVE = "positive", _("positive")
    NEGATIVE = "negative", _("negative")


class LabResult(PlaceScopedModel):
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="test_results")
    kind = models.CharField(_("test"), max_length=8, choices=LabTest.choices)
    sampled_on = models.DateField(_("sampled on"))
    outcome = models.CharField(_("result"), max_length=8, choices=LabOutcome.choices)
    lab = models.CharField(_("laboratory"), max_length=100, blank=True)
    # the lab's own sample number: importing the same lab file twice adds nothing
    sample_ref = models.CharField(_("sample number"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        indexes = [path_index("test_result_path_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["lab", "sample_ref"], condition=~models.Q(sample_ref=""),
                                    name="test_result_sample_once",
                                    violation_error_message=_("This sample has already been recorded.")),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.outcome} {self.sampled_on}"


class Case(PlaceScopedModel):
    """A confirmed case, recorded by health staff."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="case")
    confirmed_on = models.DateField(_("confirmed on"))
    onset_on = models.DateField(_("symptom onset"), null=True, blank=True)
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("confirmed case")
        verbose_name_plural = _("confirmed cases")
        indexes = [path_index("case_path_prefix")]

    def __str__(self) -> str:
        return f"case {self.person_id} {self.confirmed_on}"


class RuleSet(TimeStampedModel):
    """One version of a rule set (``linli.health.rules``); editing makes a new version."""

    code = models.CharField(_("code"), max_length=32)
    version = models.PositiveIntegerField(_("version"))
    document = models.JSONField(_("rules"))
    active = models.BooleanField(_("in use"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rule_set_version_unique",
                                    violation_error_message=_("This version of the rule set already exists.")),
        ]

    def __str__(self) -> str:
        return f"{self.code}@{self.version}"


class HealthStatus(PlaceScopedModel):
    """A person's current colour, with the rules that decided it and why, in plain words."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="health_status")
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices, default=Colour.GREEN)
    rule_set = models.CharField(_("rule set"), max_length=48)
    fired = models.JSONField(default=list)
    reasons = models.JSONField(default=list)  # [[zh, en], …]
    quarantine_days = models.PositiveSmallIntegerField(default=0)
    held = models.BooleanField(default=False)
    needs_review = models.BooleanField(_("needs review"), default=False)
    error = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"))
    colour_since = models.DateTimeField(_("colour since"))

    class Meta:
        verbose_name = _("health status")
        verbose_name_plural = _("health statuses")
        indexes = [path_index("health_status_path_prefix"), models.Index(fields=["colour"], name="health_status_colour")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.colour}"


class StatusChange(PlaceScopedModel):
    """Every change of colour, kept for the person's timeline and the statistics."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    colour = models.CharField(max_length=8, choices=Colour.choices)
    previous = models.CharField(max_length=8, choices=Colour.choices, blank=True)
    rule_set = models.CharField(max_length=48)
    reasons = models.JSONField(default=list)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("colour change")
        verbose_name_plural = _("colour changes")
        indexes = [path_index("status_change_path_prefix")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.previous}→{self.colour}"


class PassKey(TimeStampedModel):
    """A pass-signing key: the root signs the trust list; issuers sign passes."""

    class Role(models.TextChoices):
        ROOT = "root", _("root")
        ISSUER = "issuer", _("issuer")

    kid = models.CharField(_("key ID"), max_length=32, unique=True)  # hex
    role = models.CharField(max_length=8, choices=Role.choices)
    name = models.CharField(_("name"), max_length=100)
    public_key = models.CharField(max_length=64)  # base64url of the raw 32 bytes
    private_key = EncryptedTextField()  # base64url, sealed
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    retired = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pass key")
        verbose_name_plural = _("pass keys")

    def __str__(self) -> str:
        return f"{self.role} {self.kid}"


class IssuedPass(PlaceScopedModel):
    """A pass handed out: kept to revoke it (by the hash of its id) and to count passes."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    revocation_id = models.CharField(max_length=32, unique=True)  # hex of sha256(pass id)[:16]
    colour = models.CharField(max_length=8, choices=Colour.choices)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    printed = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("issued pass")
        verbose_name_plural = _("issued passes")
        indexes = [path_index("issued_pass_path_prefix"),
                   models.Index(fields=["person", "expires_at"], name="issued_pass_person")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.colour} until {self.expires_at}"


class OrderKind(models.TextChoices):
    HOME = "home", _("home quarantine")
    CENTRALISED = "centralised", _("centralised quarantine")


class OrderStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("quarantine order", "active")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")
    LOST = "lost", _("lost to follow-up")


class QuarantineOrder(PlaceScopedModel):
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="quarantine_orders")
    kind = models.CharField(_("kind"), max_length=12, choices=OrderKind.choices, default=OrderKind.HOME)
    reason = models.CharField(_("reason"), max_length=24)  # close_contact, secondary_contact, arrival, …
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    start_date = models.DateField(_("start"))
    start_basis = models.CharField(_("start from"), max_length=16)  # exposure, positive_test, report
    standard_days = models.PositiveSmallIntegerField(_("standard days"))
    end_date = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.ACTIVE)
    end_reason = models.CharField(_("end reason"), max_length=200, blank=True)
    trace = models.ForeignKey("health.Trace", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    ledger_index = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("quarantine order")
        verbose_name_plural = _("quarantine orders")
        indexes = [path_index("quarantine_path_prefix"), models.Index(fields=["status", "end_date"],
                                                                      name="quarantine_status_end")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="quarantine_end_after_start",
                                   violation_error_message=_("The end cannot be before the start.")),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.start_date}–{self.end_date} {self.status}"


class FollowUpOutcome(models.TextChoices):
    SEEN_OK = "seen_ok", _("seen, well")
    SEEN_NOT_OK = "seen_not_ok", _("seen, unwell")
    MISSED = "missed", _("missed")
    NOT_ATTEMPTED = "not_attempted", _("not attempted")


class FollowUp(PlaceScopedModel):
    order = models.ForeignKey(QuarantineOrder, on_delete=models.CASCADE, related_name="follow_ups")
    day = models.DateField(_("day"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=FollowUpOutcome.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    note = EncryptedTextField(_("note"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [path_index("follow_up_path_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["order", "day"], name="follow_up_once_a_day",
                                    violation_error_message=_("This day's follow-up is already recorded.")),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.day} {self.outcome}"


class MonitoringDevice(PlaceScopedModel):
    """A door sensor or camera attached to a quarantined household: only with its legal basis
    and the resident's informed consent recorded first (the doorbell-camera debate)."""

    order = models.ForeignKey(QuarantineOrder, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField(_("device"), max_length=32)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    consent_at = models.DateTimeField(_("consent given at"))
    consent_by = models.CharField(_("consent given by"), max_length=64)
    removed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("monitoring device")
        verbose_name_plural = _("monitoring devices")
        indexes = [path_index("monitoring_device_path_prefix")]

    def __str__(self) -> str:
        return f"{self.kind} for order {self.order_id}"


class AccessSource(models.TextChoices):
    GATE = "gate", _("gate")
    CHECKIN = "checkin", _("place check-in")
    DEVICE = "device", _("device")


class AccessRecord(PlaceScopedModel):
    """A person at a place from ``entered_at`` to ``left_at``: the raw material of tracing."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    place = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=AccessSource.choices, default=AccessSource.GATE)

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        indexes = [path_index("access_record_path_prefix"),
                   models.Index(fields=["entered_at"], name="access_record_entered")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.place_id} {self.entered_at}–{self.left_at}"


class Trace(PlaceScopedModel):
    """A contact trace started by health staff for a confirmed case; ``contacts`` is the
    reviewed list (person, degree, place, first exposure, overlap in seconds)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="traces")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    min_overlap_minutes = models.PositiveSmallIntegerField(default=15)
    hops = models.PositiveSmallIntegerField(default=2)
    contacts = models.JSONField(default=list)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("contact trace")
        verbose_name_plural = _("contact traces")
        indexes = [path_index("trace_path_prefix")]

    def __str__(self) -> str:
        return f"trace of case {self.case_id}"


class DailyFigure(models.Model):
    """What remains of purged epidemic records: a count per community, day and measure
    (``arrivals``, ``checkins_self``, ``tests_positive``, ``orders_close_contact`` …)."""

    community_path = models.CharField(_("community"), max_length=64)
    day = models.DateField(_("day"))
    measure = models.CharField(_("measure"), max_length=32)
    value = models.PositiveIntegerField(_("value"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.UniqueConstraint(fields=["community_path", "day", "measure"], name="daily_figure_unique",
                                    violation_error_message=_("One value per community, day and measure.")),
        ]

    def __str__(self) -> str:
        return f"{self.community_path} {self.day} {self.measure}={self.value}"
