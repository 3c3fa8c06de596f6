"""Who may do what with residents, households, residences and organisations: all of it is
decided by the place the row belongs to (the house, or the organisation's place)."""

from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, Reach, declare, needs_second_factor_for, register_actions
from linli.people.models import Household, Organization, Person, Residence
from linli.places.models import Place

register_actions({
    "people.view": _("see residents (ID and phone masked)"),
    "people.change": _("add and edit residents and households"),
    "people.view_groups": _("see special-group tags (elders alone, disability …)"),
    "people.reveal": _("reveal a full ID number or phone, stating a purpose"),
    "people.export": _("export lists of residents"),
    "people.approve_export": _("approve or refuse another's export of many residents' full values (four eyes)"),
    "orgs.view": _("see organisations"),
    "orgs.change": _("add and edit organisations"),
})
# A full ID number or phone, and lists with them (an export with a purpose, a department's
# report with full ID numbers, the approval of a long list of them): a second factor at sign-in
# for whoever holds these (0022, 0023).
needs_second_factor_for("people.reveal", "people.export", "people.approve_export")

PLACE = PlaceScope()

for model in (Person, Household, Residence):
    declare(model, {action: PLACE for action in (
        "people.view", "people.change", "people.view_groups", "people.reveal", "people.export")})
declare(Organization, {"orgs.view": PLACE, "orgs.change": PLACE})
# Residents are registered in a house, organisations at a place, lists exported for an area.
# People are changed in an area that holds part of the user's scope: a grid worker imports a
# spreadsheet "into her community", and only her grid's houses are taken from it (a house
# holds nothing below it, so for a house this is the same as covering it).
declare(Place, {"people.view": PLACE, "people.change": Reach(), "people.export": PLACE, "orgs.view": PLACE,
                "orgs.change": PLACE})
