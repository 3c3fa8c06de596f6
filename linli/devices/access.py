"""Who may do what with devices.

- ``devices.view``: the devices of one's area, with battery, last seen and unreadable messages.
- ``devices.manage``: register devices (by hand or from the installer's spreadsheet), record
  the legal basis and consent, activate, suspend and retire them, in one's area.
- ``devices.events``: read a device's raw events. Events of a device that watches a person are
  that person's data: only the roles that answer its alerts hold this right.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, declare, register_actions
from linli.devices.models import Device, DeviceEvent
from linli.places.models import Place

VIEW, MANAGE, EVENTS = "devices.view", "devices.manage", "devices.events"

register_actions({
    VIEW: _("see the devices of one's area"),
    MANAGE: _("register, activate and retire the devices of one's area, with their legal basis and consent"),
    EVENTS: _("read the raw events of the devices of one's area"),
})

PLACE = PlaceScope()

declare(Device, {VIEW: PLACE, MANAGE: PLACE, EVENTS: PLACE})
declare(DeviceEvent, {EVENTS: PLACE})
# The houses a device may be registered to (the register form looks the house up by its code).
declare(Place, {MANAGE: PLACE})
