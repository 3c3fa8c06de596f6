"""Devices that watch a home (智能设备): door sensors, SOS buttons and pendants, fall detectors,
smoke and gas detectors, wearables, water meters, smart doorbells.

A device belongs to a house and, when it watches a person (a pendant, a wearable, a door sensor
on an elder's flat), to that person too. It may be activated only once the legal basis and the
informed consent of the person or her guardian are recorded (seed 001's doorbell-camera
debate). Its events arrive over MQTT or HTTPS; each event is stored once, whatever the number
of times it is delivered (unique per device and event id).

Every row carries the house's path, so scoping is the usual prefix filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField
from linli.core.models import PlaceScopedModel, RestrictedQuerySet, path_index


class DeviceKind(models.Model):
    """A kind of device, as data: how often it reports at least, whether it watches a person,
    how long its raw events are kept. Rows are created by a migration and kept editable in the
    admin; the alert rules name kinds by ``code``."""

    code = models.SlugField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    heartbeat_minutes = models.PositiveIntegerField(
        _("heartbeat (minutes)"),
        help_text=_("A device silent for longer than this raises a minor alert."))
    watches_person = models.BooleanField(
        _("watches a person"), default=False,
        help_text=_("Its events are personal data: it needs the person's consent and its events are sensitive."))
    retention_days = models.PositiveSmallIntegerField(
        _("raw events kept (days)"), default=30,
        help_text=_("Raw events older than this are purged; alerts are kept."))
    event_types = models.JSONField(_("event types"), default=list,
                                   help_text=_("The event types this kind of device sends."))
    sort_key = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("device kind")
        verbose_name_plural = _("device kinds")
        ordering = ["sort_key", "code"]

    def __str__(self) -> str:
        return self.name


class DeviceStatus(models.TextChoices):
    REGISTERED = "registered", _("registered, not yet active")
    ACTIVE = "active", pgettext_lazy("device", "active")
    SUSPENDED = "suspended", _("suspended")
    RETIRED = "retired", _("retired")


class Device(PlaceScopedModel):
    """One installed device. ``uid`` is the installer's serial number: the MQTT client id, the
    segment of its topic and its name in the HTTPS ingest URL."""

    uid = models.CharField(_("serial number"), max_length=64, unique=True)
    kind = models.ForeignKey(DeviceKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="devices")
    house = models.ForeignKey("places.Place", verbose_name=_("house"), on_delete=models.PROTECT,
                              related_name="devices")
    person = models.ForeignKey("people.Person", verbose_name=_("person watched"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="devices")
    label = models.CharField(_("where in the house"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=DeviceStatus.choices,
                              default=DeviceStatus.REGISTERED)
    # Legal basis and consent, recorded before activation (the same three facts the epidemic
    # module records for a quarantined household's door sensor); ``actions`` refuses to
    # activate a device without them.
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    consent_by = models.CharField(_("consent given by"), max_length=64, blank=True)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # The shared secret the device signs its HTTPS posts with (HMAC-SHA256); sealed at rest.
    secret = EncryptedTextField(_("signing secret"), blank=True)
    # What the device last told us.
    battery = models.PositiveSmallIntegerField(_("battery (%)"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    # The last sign of life in the home (a door opened, water used), for the rules that
    # notice an absence ("door not opened for 24 h").
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # Payloads that could not be read: counted, the latest reason kept, shown on its page.
    malformed_count = models.PositiveIntegerField(_("unreadable messages"), default=0)
    last_malformed_at = models.DateTimeField(null=True, blank=True)
    last_malformed_reason = models.CharField(max_length=200, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["path", "uid"]
        indexes = [
            path_index("device_path_prefix"),
            models.Index(fields=["status", "last_seen_at"], name="device_status_seen"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.uid}"


class Via(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    HTTPS = "https", "HTTPS"


class DeviceEvent(models.Model):
    """One event a device reported, stored once: ``(device, event_id)`` is unique, so a message
    delivered twice (MQTT QoS 1 is at-least-once) or replayed is recognised. ``occurred_at`` is
    the device's own time; events may arrive out of order. Raw events are purged after the
    kind's retention period; the alerts they raised are kept."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=64)
    type = models.CharField(_("type"), max_length=16)
    value = models.FloatField(_("value"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    via = models.CharField(max_length=8, choices=Via.choices)
    path = models.CharField(max_length=64, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        indexes = [
            path_index("device_event_path_prefix"),
            models.Index(fields=["device", "occurred_at"], name="device_event_device_time"),
            models.Index(fields=["received_at"], name="device_event_received"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["device", "event_id"], name="device_event_once",
                                    violation_error_message=_("This event was already received.")),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.type} {self.occurred_at:%Y-%m-%d %H:%M:%S}"
