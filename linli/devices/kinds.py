"""The device kinds Linli knows out of the box (rows of ``DeviceKind``, editable in the admin).

Names are English msgids translated on display (``gettext(kind.name)``), like the built-in roles.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

# code: (name, heartbeat minutes, watches a person, event types)
BUILTIN_KINDS: dict[str, tuple[str, int, bool, list[str]]] = {
    "door": (gettext_noop("door sensor"), 60, True, ["door_open", "door_close", "heartbeat", "battery", "tamper"]),
    "sos": (gettext_noop("SOS button or pendant"), 720, True, ["sos", "heartbeat", "battery"]),
    "fall": (gettext_noop("fall detector"), 60, True, ["fall", "heartbeat", "battery"]),
    "smoke": (gettext_noop("smoke detector"), 720, False, ["smoke", "clear", "heartbeat", "battery", "tamper"]),
    "gas": (gettext_noop("gas detector"), 720, False, ["gas", "clear", "heartbeat", "battery"]),
    "wearable": (gettext_noop("wearable (temperature, heart rate)"), 30, True,
                 ["temperature", "heart_rate", "sos", "fall", "heartbeat", "battery"]),
    "water": (gettext_noop("water meter"), 180, True, ["water", "heartbeat"]),
    "doorbell": (gettext_noop("smart doorbell"), 60, True, ["ring", "heartbeat"]),
}


# What each event type is called on the pages (the wire and the database keep the code).
EVENT_TYPES: dict[str, str] = {
    "door_open": gettext_noop("door opened"),
    "door_close": gettext_noop("door closed"),
    "heartbeat": gettext_noop("heartbeat"),
    "battery": gettext_noop("battery level"),
    "tamper": gettext_noop("tampered with"),
    "sos": gettext_noop("SOS call"),
    "fall": gettext_noop("fall"),
    "smoke": gettext_noop("smoke"),
    "gas": gettext_noop("gas leak"),
    "clear": gettext_noop("back to normal"),
    "temperature": gettext_noop("temperature"),
    "heart_rate": gettext_noop("heart rate"),
    "water": gettext_noop("water used"),
    "ring": gettext_noop("doorbell rang"),
}


def sync_builtin_kinds(apps: Any = None, *_: object) -> None:
    """Create the built-in kinds that are missing; never overwrite a site's edits."""
    model: Any
    if apps is not None:
        model = apps.get_model("devices", "DeviceKind")
    else:
        from linli.devices.models import DeviceKind as model
    for order, (code, (name, heartbeat, watches, types)) in enumerate(BUILTIN_KINDS.items()):
        model.objects.get_or_create(code=code, defaults={
            "name": name, "heartbeat_minutes": heartbeat, "watches_person": watches,
            "event_types": types, "sort_key": order,
        })
