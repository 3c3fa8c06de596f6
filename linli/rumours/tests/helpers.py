"""Shared by the rumour tests and the access matrix: the expert and communications personas, the
seed facts signed off in a street, and a rumour taken to its three signatures."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.core.models import Role, RoleAssignment, User
from linli.places.models import Place
from linli.rumours import actions, intake
from linli.rumours.facts_seed import FACTS
from linli.rumours.models import Clarification, Fact, Suspect

FLU = "吃大剂量抗流感药能预防新冠病毒感染"


def person(role: str, name: str, place: Place) -> User:
    user = User.objects.create_user(name, password="x-rumour-persona-x")  # noqa: S106 - test account
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code=role), place=place)
    return user


def expert(street: Street, name: str = "expert") -> User:
    return person("health_expert", name, street.community.parent)


def media(street: Street, name: str = "media") -> User:
    return person("communications_officer", name, street.community.parent)


def seed_facts(street: Street, area: Place | None = None) -> dict[str, Fact]:
    """The seed facts kept by the street office (written by the street officer, signed off by an
    expert)."""
    area = area or street.community.parent
    signer = person("health_expert", f"fact-signer-{User.objects.count()}", area)
    made = {}
    for seed in FACTS:
        fact = actions.do_add_fact(area, actions.FactInput(seed.claim, seed.verdict, seed.explanation, seed.source,
                                                           "\n".join(seed.wordings)), acting_user=street.admin)
        made[seed.key] = actions.do_sign_off_fact(fact, acting_user=signer)
    return made


def sighted(street: Street, texts: list[str], community: Place | None = None) -> int:
    now = timezone.now()
    items = [(f"m{i}", text, now - datetime.timedelta(minutes=i), "幸福里业主群") for i, text in enumerate(texts)]
    return intake.take_messages((community or street.community).pk, items)


def confirmed(street: Street) -> Suspect:
    seed_facts(street)
    sighted(street, ["大家赶紧买抗流感药，吃双倍剂量可以预防新冠病毒感染"] * 3)
    suspect = Suspect.objects.get(community=street.community, fact__claim=FLU)
    return actions.do_review(suspect, confirm=True, acting_user=street.secretary)


def signed(street: Street, **people: Any) -> Clarification:
    """A confirmed rumour's clarification signed by the secretary, an expert and media."""
    suspect = confirmed(street)
    title, body = actions.draft_text(suspect)
    clarification = actions.do_draft_clarification(suspect, acting_user=street.secretary, title=title, body=body)
    signers = {"office": street.secretary, "expert": people.get("expert") or expert(street),
               "media": people.get("media") or media(street)}
    for party, user in signers.items():
        actions.do_sign(clarification, party, acting_user=user, version=clarification.version)
    return clarification


def make_matrix_rows(street: Street, far: dict[str, Any]) -> None:
    """For the access matrix: the seed facts in the test street and in the far district, a
    suspect and a clarification in the secretary's community and in the far one."""
    from linli.places.models import Level

    clarification = signed(street)
    assert clarification.suspect.community_id == street.community.pk  # noqa: S101
    far_street = far[Level.STREET]
    far_community = Place.objects.filter(level=Level.COMMUNITY, path__startswith=far_street.path).first()
    fact = actions.do_add_fact(far_street, actions.FactInput(FLU, "false", "不能预防", "疾控"), acting_user=street.admin)
    actions.do_sign_off_fact(fact, acting_user=person("health_expert", "far-expert", far_street))
    sighted(street, [FLU], community=far_community)
    suspect = Suspect.objects.get(community=far_community)
    actions.do_review(suspect, confirm=True, acting_user=street.admin)
    actions.do_draft_clarification(suspect, acting_user=street.admin, title="辟谣", body="不能预防")
