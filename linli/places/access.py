"""Who may do what with places. A place is seen by whoever covers it, or covers something
below it: a grid worker opens her compound and building to reach her grid's houses."""

from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, Reach, declare, register_actions
from linli.places.models import Place

register_actions({
    "places.view": _("see places, buildings and houses"),
    "places.change": _("add and edit places"),
})

declare(Place, {
    "places.view": Reach(),
    "places.change": PlaceScope(),
    "roles.manage": PlaceScope(),  # where a role may be granted
})
