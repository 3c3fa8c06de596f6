"""Who may do what with alerts.

- ``alerts.view``: the alerts of one's area and their timelines.
- ``alerts.respond``: acknowledge an alert, check in at the door, resolve it with an outcome.
- ``alerts.manage``: the community's escalation chains and on-call rota, and drills.
- ``alerts.report``: the response times against the 15-minute goal, per community and month.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.alerts.models import Alert, AlertEntry, EscalationChain, EscalationStep, Shift
from linli.core.access import PlaceScope, declare, register_actions

VIEW, RESPOND, MANAGE, REPORT = "alerts.view", "alerts.respond", "alerts.manage", "alerts.report"

register_actions({
    VIEW: _("see the alerts of one's area"),
    RESPOND: _("acknowledge, attend and resolve the alerts of one's area"),
    MANAGE: _("edit escalation chains and the on-call rota, and raise drills, in one's area"),
    REPORT: _("read alert response times against the 15-minute goal for one's area"),
})

PLACE = PlaceScope()

declare(Alert, {VIEW: PLACE, RESPOND: PLACE, MANAGE: PLACE, REPORT: PLACE})
declare(AlertEntry, {VIEW: PLACE})
declare(EscalationChain, {VIEW: PLACE, MANAGE: PLACE})
declare(EscalationStep, {VIEW: PlaceScope(field="chain__path"), MANAGE: PlaceScope(field="chain__path")})
declare(Shift, {VIEW: PLACE, MANAGE: PLACE})
