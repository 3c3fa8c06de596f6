"""Who may open the one-screen overview: ``overview.view`` over a street or a community.

The screen is a street officer's and a community secretary's (each over her own area): it
shows their area's places on a map and counts around it. Each counter and layer is further
decided by the action of the app that provides it (a health count needs ``health.report``,
special groups ``people.view_groups``), so holding ``overview.view`` shows nobody and no
number one could not read elsewhere.
"""

from django.utils.translation import gettext_lazy as _

from linli.core.access import PlaceScope, Root, declare, register_actions
from linli.overview.models import Tally, TallyRun
from linli.places.models import Place

VIEW = "overview.view"

register_actions({
    VIEW: _("open the one-screen overview (map and counters) of one's street or community"),
})

declare(Place, {VIEW: PlaceScope()})
# The summary tables behind the screen's slow numbers: read only by the providers, each through
# its own action's scope (linli.overview.tallies.read); the raw rows, superusers only.
declare(Tally, {VIEW: Root()})
declare(TallyRun, {VIEW: Root()})
