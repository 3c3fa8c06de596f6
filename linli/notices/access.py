"""Who drafts, reviews and publishes notices, and who sees whom they reached.

A notice lies in the area of the office that drafted it (its community or street): the staff
of that area see it (``notices.view``), draft (``notices.draft``), fact-check
(``notices.check``), edit (``notices.edit``) and approve, correct or withdraw it
(``notices.publish``), each where their role holds the action; the workflow keeps the three
review steps with three different people (``linli.notices.workflow``). A grid worker sees
the published notices that reach households of her grid, and those households: she records
knocks and calls there (``notices.follow_up``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core.access import AnyOf, PlaceScope, Related, declare, register_actions
from linli.grids.models import Grid
from linli.notices.models import (
    CommunityNoticeSetting,
    Notice,
    NoticeDocument,
    NoticeHousehold,
    NoticeImage,
    NoticeStep,
    NoticeVersion,
    ReachCount,
    Receipt,
)
from linli.places.models import Place

VIEW, DRAFT, CHECK, EDIT, PUBLISH, FOLLOW_UP = (
    "notices.view", "notices.draft", "notices.check", "notices.edit", "notices.publish", "notices.follow_up")

register_actions({
    VIEW: _("see the notices of one's area, or those reaching one's grid, and whom they reached"),
    DRAFT: _("draft notices to the households of one's area"),
    CHECK: _("fact-check (核实) notices of one's area"),
    EDIT: _("edit (编辑) notices of one's area"),
    PUBLISH: _("approve and publish (发布), correct or withdraw notices of one's area"),
    FOLLOW_UP: _("record door-knocks and calls that inform households of a notice"),
})


def _reaching(user: Any, action: str) -> QuerySet[Notice]:
    households = NoticeHousehold.objects.restrict(user, action)
    return Notice.objects.filter(pk__in=households.values("notice_id"))


def _reaches(user: Any, action: str, notice: Any) -> bool:
    return NoticeHousehold.objects.restrict(user, action).filter(notice_id=notice.pk).exists()


def _of_notices(model: Any) -> Related:
    """A notice's pictures and files: seen by whoever sees the notice."""
    def rows(user: Any, action: str) -> QuerySet[Any]:
        return model.objects.filter(notice__in=Notice.objects.restrict(user, VIEW).values("pk"))

    def check(user: Any, action: str, obj: Any) -> bool:
        return Notice.objects.restrict(user, VIEW).filter(pk=obj.notice_id).exists()

    return Related(rows=rows, check=check, name="of a notice in scope")


PLACE = PlaceScope()
# A grid worker's scope is her grid's buildings: she sees a notice through its households there.
REACHING = Related(rows=_reaching, check=_reaches, name="reaching households in scope")

declare(Notice, {VIEW: AnyOf(PLACE, REACHING), DRAFT: PLACE, CHECK: PLACE, EDIT: PLACE, PUBLISH: PLACE,
                 FOLLOW_UP: REACHING})
declare(NoticeVersion, {VIEW: PLACE})
# A notice's pictures and files: whoever sees the notice (the households see them through their links).
declare(NoticeImage, {VIEW: _of_notices(NoticeImage), DRAFT: PLACE})
declare(NoticeDocument, {VIEW: _of_notices(NoticeDocument), DRAFT: PLACE})
declare(NoticeStep, {VIEW: PLACE})
declare(NoticeHousehold, {VIEW: PLACE, FOLLOW_UP: PLACE})
declare(Receipt, {VIEW: PLACE, FOLLOW_UP: PLACE})
declare(ReachCount, {VIEW: PLACE, FOLLOW_UP: PLACE})
# A community's own way of reaching its elders: set by whoever publishes its notices.
declare(CommunityNoticeSetting, {VIEW: PLACE, PUBLISH: PLACE})
# The areas and grids a notice is addressed to.
declare(Place, {DRAFT: PLACE, PUBLISH: PLACE})
declare(Grid, {DRAFT: PLACE})
