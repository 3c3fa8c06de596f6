"""Who runs campaigns and surveys, who works their households, who checks uncertain answers.

A campaign lies in the area of the office that runs it: that office's staff see it
(``campaigns.view``), draft, start and finish it (``campaigns.manage``) and settle the answers
a call's transcript left uncertain (``campaigns.review``). A grid worker sees the campaigns that
ask households of her grid, and those households: she knocks or phones with the script and
records the answers (``campaigns.work``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from linli.campaigns.models import Answer, Attempt, Campaign, Question, Target
from linli.core.access import AnyOf, PlaceScope, Related, declare, register_actions
from linli.grids.models import Grid
from linli.places.models import Place

VIEW, MANAGE, WORK, REVIEW = "campaigns.view", "campaigns.manage", "campaigns.work", "campaigns.review"

register_actions({
    VIEW: _("see the screening campaigns and surveys of one's area, or those asking one's grid, and their answers"),
    MANAGE: _("draft, start and finish screening campaigns and surveys of one's area"),
    WORK: _("knock or phone households of a campaign with its script and record their answers"),
    REVIEW: _("check the answers a call's transcript left uncertain"),
})


def _asking(user: Any, action: str) -> QuerySet[Campaign]:
    return Campaign.objects.filter(pk__in=Target.objects.restrict(user, action).values("campaign_id"))


def _asks(user: Any, action: str, campaign: Any) -> bool:
    return Target.objects.restrict(user, action).filter(campaign_id=campaign.pk).exists()


PLACE = PlaceScope()
# A grid worker's scope is her grid's buildings: she sees a campaign through its households there.
ASKING = Related(rows=_asking, check=_asks, name="asking households in scope")

declare(Campaign, {VIEW: AnyOf(PLACE, ASKING), MANAGE: PLACE, REVIEW: PLACE, WORK: ASKING})
declare(Question, {VIEW: PLACE, MANAGE: PLACE})
declare(Target, {VIEW: PLACE, WORK: PLACE, REVIEW: PLACE})
declare(Attempt, {VIEW: PLACE})
declare(Answer, {VIEW: PLACE, REVIEW: PLACE})
# The areas and grids a campaign asks.
declare(Place, {MANAGE: PLACE})
declare(Grid, {MANAGE: PLACE})
