"""Registering devices, recording consent and activating them, suspending, retiring; the sweep
for silent devices and the purge of old raw events.

Every change checks its own permission and is audited. A device watches a home only once the
legal basis and (where it watches a person) the person's or her guardian's informed consent
are recorded: the same three facts the epidemic module records for a quarantined household's
door sensor (seed 001's doorbell-camera debate).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core import audit
from linli.core.access import require
from linli.core.text import has_control_characters, strip_invisible
from linli.devices import hooks, wire
from linli.devices.access import MANAGE
from linli.devices.models import Device, DeviceEvent, DeviceKind, DeviceStatus
from linli.people.models import Person
from linli.places.models import Level, Place

# Who gave the consent, as kept in ``Device.consent_by``: "relation:name".
RELATIONS: dict[str, Any] = {
    "self": pgettext_lazy("consent", "the person herself"),
    "guardian": _("guardian"),
    "family": _("family member"),
    "other": _("other"),
}
CONSENT_SLACK = datetime.timedelta(minutes=5)


def _error(field: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code, params=params or None)]})


def _text(value: str, limit: int) -> str:
    text = " ".join(strip_invisible(value or "").split())
    return "" if has_control_characters(text) else text[:limit]


def consent_words(device: Device) -> tuple[str, str]:
    """(relation, name) of who consented, for display."""
    relation, _sep, name = (device.consent_by or "").partition(":")
    if relation not in RELATIONS:
        return "", device.consent_by
    return str(RELATIONS[relation]), name


def lives_in(person: Person, house: Place) -> bool:
    return person.current_house_id == house.pk or person.residences.filter(
        house=house, moved_out__isnull=True).exists()


# --- registering ---------------------------------------------------------------------------------

@dataclass
class NewDevice:
    uid: str
    kind: DeviceKind
    house: Place
    person: Person | None = None
    label: str = ""


def check_new_device(data: NewDevice, *, taken: set[str] | None = None) -> dict[str, Any]:
    """The problems of a device to register, by field (empty when it may be registered)."""
    errors: dict[str, Any] = {}
    uid = (data.uid or "").strip()
    if not wire.UID.fullmatch(uid):
        errors["uid"] = _("A serial number is 3 to 64 letters, digits or _ . : - (starting with a letter or digit).")
    elif (taken is not None and uid in taken) or Device.objects.filter(uid=uid).exists():
        errors["uid"] = _("A device with this serial number is already registered.")
    if data.house.level != Level.HOUSE:
        errors["house"] = _("Choose a house (a flat), not a building or compound.")
    elif data.person is not None and not lives_in(data.person, data.house):
        errors["person"] = _("This person does not live in this house.")
    return errors


@transaction.atomic
def do_register_device(data: NewDevice, *, acting_user: Any) -> tuple[Device, str]:
    """Register a device to a house (and the person it watches). Returns the device and its
    signing secret, shown once to the installer."""
    require(acting_user, MANAGE, data.house.path)
    errors = check_new_device(data)
    if errors:
        raise ValidationError(errors, code="invalid")
    secret = wire.new_secret()
    device = Device.objects.create(uid=data.uid.strip(), kind=data.kind, house=data.house, person=data.person,
                                   label=_text(data.label, 64), path=data.house.path, secret=secret,
                                   registered_by=acting_user)
    audit.record("devices.register", actor=acting_user, obj=device,
                 detail={"uid": device.uid, "kind": device.kind_id, "person": data.person.pk if data.person else None})
    return device, secret


@transaction.atomic
def do_rotate_secret(device: Device, *, acting_user: Any) -> str:
    """A new signing secret (the old one stops working at once), shown once."""
    require(acting_user, MANAGE, device)
    if device.status == DeviceStatus.RETIRED:
        raise ValidationError(_("This device is retired."), code="retired")
    secret = wire.new_secret()
    device.secret = secret
    device.save(update_fields=["secret", "updated_at"])
    audit.record("devices.rotate_secret", actor=acting_user, obj=device)
    return secret


# --- consent and status -----------------------------------------------------------------------------

def needs_consent(device: Device) -> bool:
    return bool(device.kind.watches_person or device.person_id)


@transaction.atomic
def do_record_consent_and_activate(device: Device, *, acting_user: Any, legal_basis: str, consent_by: str = "",
                                   relation: str = "", consent_at: datetime.datetime | None = None) -> Device:
    """Record the legal basis and the consent, then activate. A device that watches a person
    (by its kind, or because a person is set) needs who consented and when; every device needs
    its legal basis."""
    require(acting_user, MANAGE, device)
    errors: dict[str, Any] = {}
    if device.status not in (DeviceStatus.REGISTERED, DeviceStatus.SUSPENDED):
        errors["__all__"] = _("Only a registered or suspended device can be activated.")
    basis = _text(legal_basis, 300)
    if len(basis) < 4:
        errors["legal_basis"] = _("Record the legal basis for monitoring (the law and article, or the order).")
    name = _text(consent_by, 48)
    if needs_consent(device):
        if consent_at is None:
            errors["consent_at"] = _("Record when the resident gave her informed consent.")
        elif consent_at > timezone.now() + CONSENT_SLACK:
            errors["consent_at"] = _("The consent cannot be in the future.")
        if not name:
            errors["consent_by"] = _("Record who gave the consent (the resident or her guardian).")
        if relation not in RELATIONS:
            errors["relation"] = _("Say whether the person herself, her guardian or a family member consented.")
    elif relation and relation not in RELATIONS:
        errors["relation"] = _("Say whether the person herself, her guardian or a family member consented.")
    if errors:
        raise ValidationError(errors, code="consent")
    device.legal_basis = basis
    device.consent_by = f"{relation}:{name}" if name else ""
    device.consent_at = consent_at if name else None
    device.status = DeviceStatus.ACTIVE
    device.activated_at = timezone.now()
    device.save(update_fields=["legal_basis", "consent_by", "consent_at", "status", "activated_at", "updated_at"])
    audit.record("devices.activate", actor=acting_user, obj=device,
                 detail={"legal_basis": basis, "consent_by": device.consent_by,
                         "consent_at": consent_at.isoformat() if consent_at and name else ""})
    return device


@transaction.atomic
def do_suspend(device: Device, *, acting_user: Any, reason: str = "") -> Device:
    """Stop listening to a device for now (a flat empty for the summer): its messages are
    ignored and it is not reported silent."""
    require(acting_user, MANAGE, device)
    if device.status != DeviceStatus.ACTIVE:
        raise ValidationError(_("Only an active device can be suspended."), code="not_active")
    device.status = DeviceStatus.SUSPENDED
    device.save(update_fields=["status", "updated_at"])
    audit.record("devices.suspend", actor=acting_user, obj=device, detail={"reason": _text(reason, 200)})
    return device


@transaction.atomic
def do_retire(device: Device, *, acting_user: Any, reason: str = "") -> Device:
    """Take a device out of service for good: its secret is forgotten, its messages ignored."""
    require(acting_user, MANAGE, device)
    if device.status == DeviceStatus.RETIRED:
        raise ValidationError(_("This device is retired."), code="retired")
    device.status = DeviceStatus.RETIRED
    device.retired_at = timezone.now()
    device.secret = ""
    device.save(update_fields=["status", "retired_at", "secret", "updated_at"])
    audit.record("devices.retire", actor=acting_user, obj=device, detail={"reason": _text(reason, 200)})
    return device


# --- the periodic work ----------------------------------------------------------------------------------

def silent_devices(now: datetime.datetime | None = None) -> Any:
    """Active devices not heard from (or, never heard from, not since their activation) for
    longer than their kind's heartbeat: one query whatever the number of devices."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for code, minutes in DeviceKind.objects.values_list("code", "heartbeat_minutes"):
        condition |= Q(kind_id=code, heard__lt=now - datetime.timedelta(minutes=minutes))
    return (Device.objects.filter(status=DeviceStatus.ACTIVE)
            .annotate(heard=Coalesce("last_seen_at", "activated_at")).filter(condition))


def sweep_silent(now: datetime.datetime | None = None) -> int:
    """Tell the apps above (alerts) which devices are silent; how many are."""
    devices = list(silent_devices(now).select_related("kind", "house").defer("secret").order_by("pk"))
    with transaction.atomic():
        hooks.devices_silent(devices)
    return len(devices)


@transaction.atomic
def purge_events(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete raw events older than their kind's retention (alerts keep what they need);
    counted per kind and audited."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for code, days in DeviceKind.objects.values_list("code", "retention_days"):
        old = DeviceEvent.objects.filter(device_id__in=Device.objects.filter(kind_id=code).values("pk"),
                                         received_at__lt=now - datetime.timedelta(days=days))
        deleted = old._raw_delete(old.db)
        if deleted:
            counts[code] = deleted
    if counts:
        audit.record("devices.purge_events", object_type="devices.deviceevent",
                     detail={"deleted": counts, "before": now.isoformat()})
    return counts
