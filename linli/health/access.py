"""Who may see and record health data (PIPL art. 28: sensitive personal information).

Health roles and the person's own grid worker see person-level health data of their scope
(``health.view``: the grid worker role holds it on her grid); a resident sees her own records.
Street and community staff see counts, not people. Risk areas and the published rules belong
to no place: whoever holds the action somewhere sees them; switching a place into epidemic
mode needs ``health.change`` over that place.
"""

from django.utils.translation import gettext_lazy as _

from linli.core.access import (
    AnyOf,
    Anywhere,
    OwnPerson,
    PlaceScope,
    Reach,
    Root,
    declare,
    register_actions,
)
from linli.health.models import (
    AccessRecord,
    Arrival,
    Case,
    CheckIn,
    DailyFigure,
    EpidemicMode,
    FollowUp,
    HealthStatus,
    IssuedPass,
    LabResult,
    MonitoringDevice,
    PassKey,
    QuarantineOrder,
    RiskArea,
    RuleSet,
    StatusChange,
    Trace,
)
from linli.people.models import Household, Person, Residence
from linli.places.models import Place

VIEW, CHANGE, ON_BEHALF, REPORT = "health.view", "health.change", "health.checkin", "health.report"

register_actions({
    VIEW: _("see health-relevant data"),
    CHANGE: _("record health-relevant data"),
    ON_BEHALF: _("record daily check-ins and quarantine follow-ups on a resident's behalf"),
})

PLACE = PlaceScope()
SELF_OR_PLACE = AnyOf(OwnPerson(), PLACE)

declare(Person, {VIEW: AnyOf(OwnPerson("pk"), PLACE), CHANGE: PLACE, ON_BEHALF: AnyOf(OwnPerson("pk"), PLACE),
                 REPORT: PLACE})
declare(Household, {REPORT: PLACE})
declare(Residence, {REPORT: PLACE})
# A place is seen on the epidemic pages by whoever covers it or something below it; switched
# into epidemic mode only by health staff covering it.
declare(Place, {VIEW: Reach(), CHANGE: PLACE, ON_BEHALF: Reach(), REPORT: PLACE})

for own_record in (Arrival, CheckIn, HealthStatus, IssuedPass):
    declare(own_record, {VIEW: SELF_OR_PLACE, CHANGE: PLACE, ON_BEHALF: SELF_OR_PLACE, REPORT: PLACE})
for model in (LabResult, Case, StatusChange, QuarantineOrder, FollowUp, MonitoringDevice, AccessRecord, Trace):
    declare(model, {VIEW: PLACE, CHANGE: PLACE, ON_BEHALF: PLACE, REPORT: PLACE})
declare(EpidemicMode, {VIEW: Reach(field="place__path"), CHANGE: PlaceScope(field="place__path")})
declare(DailyFigure, {VIEW: PlaceScope(field="community_path"), REPORT: PlaceScope(field="community_path")})
declare(RiskArea, {VIEW: Anywhere(), CHANGE: Anywhere()})
declare(RuleSet, {VIEW: Anywhere(), CHANGE: Anywhere()})
# The pass-signing keys never leave the server; only administrators see their rows.
declare(PassKey, {VIEW: Root(), CHANGE: Root()})
