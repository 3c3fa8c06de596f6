"""Shared by the campaign tests and the access matrix: a screening script and a running campaign."""

from __future__ import annotations

from typing import Any

from linli.campaigns import actions
from linli.campaigns.actions import CampaignInput, QuestionInput
from linli.campaigns.models import Campaign, Kind
from linli.places.models import Place

FEVER = QuestionInput("最近有没有发烧？", "yes_no", keywords=["发烧", "发热"], effect="fever")
TEMPERATURE = QuestionInput("今天的体温是多少度？", "temperature", effect="checkin")
GROCERIES = QuestionInput("需要帮忙买菜吗？", "yes_no", effect="request", category="other")
USAGE = QuestionInput("这套房子是自住、出租还是空置？", "choice", choices=["自住|自己住", "出租|租", "空置|空着"],
                      effect="house_usage")


def screening(user: Any, places: list[Place], **fields: Any) -> Campaign:
    data = {"title": "返乡人员健康摸排", "channels": ["call", "knock"], "places": places,
            "questions": [FEVER, TEMPERATURE], **fields}
    return actions.do_create_campaign(CampaignInput(**data), acting_user=user)


def survey(user: Any, places: list[Place], **fields: Any) -> Campaign:
    data = {"title": "封控期间买菜需求调查", "kind": Kind.SURVEY, "channels": ["page", "link", "knock"],
            "places": places, "questions": [GROCERIES], **fields}
    return actions.do_create_campaign(CampaignInput(**data), acting_user=user)


def make_matrix_rows(street: Any, far: dict[str, Any]) -> None:
    """For the access matrix: a running campaign asking the grid worker's grid, one far away."""
    from linli.campaigns.models import Answer, Target
    from linli.places.models import Level

    near = screening(street.secretary, [street.grid_building], channels=["knock"])
    actions.do_start_campaign(near, acting_user=street.secretary)
    away = screening(street.admin, [far[Level.BUILDING]], channels=["knock"])
    actions.do_start_campaign(away, acting_user=street.admin)
    screening(street.secretary, [street.grid_building], title="草稿")
    for campaign in (near, away):  # an answer a call left uncertain, in each
        target = Target.objects.filter(campaign=campaign).order_by("pk").first()
        Answer.objects.create(target=target, question=campaign.questions.order_by("number").first(), value=None,
                              heard="嗯……", confidence=0.1, needs_review=True, channel="call", path=target.path)
