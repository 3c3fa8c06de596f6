"""The health officers' chain as data: the quarantine alerts (a door opened during home
quarantine, a fever) follow the community's health chain, edited on the chains page, and the
default one (health officer, then the community's duty officer) until it has its own."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from linli.alerts import actions
from linli.alerts.models import Alert, EntryKind, EscalationChain, Team
from linli.alerts.tests.helpers import device, fall_in, feed
from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.tickets.tests.helpers import quarantined_neighbour

pytestmark = pytest.mark.django_db


def fever(street: Street) -> Alert:
    person = quarantined_neighbour(street)
    feed(device(person.current_house, "wearable", person), ("temperature", 38.6))
    return Alert.objects.get(condition="fever", state="new")


def test_without_a_health_chain_the_default_one_is_followed(street: Street) -> None:
    # a grid chain for every severity does not reach the health officers' alerts
    actions.do_save_chain(street.community, acting_user=street.secretary, severity="",
                          steps=[actions.StepInput("grid_leader", 1)])
    alert = fever(street)
    assert alert.team == Team.HEALTH
    assert actions.steps_of(alert) == actions.HEALTH_CHAIN
    assert alert.entries.get(kind=EntryKind.PAGED).data["target"] == "health"


def test_the_community_s_health_chain_is_followed_and_edited_as_data(street: Street) -> None:
    chain = actions.do_save_chain(street.community, acting_user=street.secretary, severity="", team=Team.HEALTH,
                                  steps=[actions.StepInput("community_duty", 1), actions.StepInput("health", 4)])
    assert (chain.team, chain.severity) == (Team.HEALTH, "")
    alert = fever(street)
    first = alert.entries.get(kind=EntryKind.PAGED)
    assert first.data["target"] == "community_duty"
    assert actions.tick(alert.next_step_at + datetime.timedelta(seconds=1)) == 1
    assert alert.entries.get(kind=EntryKind.ESCALATED).data["target"] == "health"
    assert AuditEvent.objects.filter(action="alert.chain", detail__team="health").exists()
    # saving again replaces the steps rather than adding a second chain
    actions.do_save_chain(street.community, acting_user=street.secretary, severity="", team=Team.HEALTH,
                          steps=[actions.StepInput("health", 2)])
    assert EscalationChain.objects.filter(community=street.community, team=Team.HEALTH).count() == 1
    assert [s.target for s in actions.steps_of(alert)] == ["health"]
    # the grid's alerts keep the grid's chain (here the default one)
    fall = fall_in(street)
    assert fall.chain is None and actions.steps_of(fall) == actions.DEFAULT_CHAIN


def test_a_health_chain_is_for_every_severity_and_for_the_office(street: Street) -> None:
    steps = [actions.StepInput("health", 2)]
    with pytest.raises(ValidationError) as refused:
        actions.do_save_chain(street.community, acting_user=street.secretary, severity="critical",
                              team=Team.HEALTH, steps=steps)
    assert refused.value.error_dict["severity"][0].code == "health_severity"
    with pytest.raises(ValidationError):
        actions.do_save_chain(street.community, acting_user=street.secretary, severity="", team="police",
                              steps=steps)
    with pytest.raises(PermissionDenied):
        actions.do_save_chain(street.community, acting_user=street.health_officer, severity="", team=Team.HEALTH,
                              steps=steps)
    assert not EscalationChain.objects.exists()


def test_the_chains_page_edits_the_health_chain(street: Street) -> None:
    office = street.client_for(street.secretary)
    page = office.get(reverse("alerts:chains")).content.decode()
    assert 'name="team" value="health"' in page
    assert '<option value="health" selected>' in page  # the default chain, ready to edit
    url = reverse("alerts:chain_save", args=[street.community.pk])
    office.post(url, {"team": "health", "target-0": "health", "wait-0": "3", "target-1": "community_duty",
                      "wait-1": "4", "phone-1": "1"})
    chain = EscalationChain.objects.get(community=street.community, team=Team.HEALTH)
    assert [(s.target, s.wait_minutes, s.by_phone) for s in chain.steps.order_by("order")] == [
        ("health", 3, False), ("community_duty", 4, True)]
    bad = office.post(url, {"team": "health", "severity": "major", "target-0": "health", "wait-0": "3"},
                      follow=True)
    assert "卫生健康人员的升级链适用于所有级别" in bad.content.decode()
    assert EscalationChain.objects.filter(team=Team.HEALTH).count() == 1


def test_alerts_raised_together_follow_the_health_chain_too(street: Street) -> None:
    from django.utils import timezone

    from linli.alerts.actions import Raise
    from linli.alerts.raising import raise_many

    actions.do_save_chain(street.community, acting_user=street.secretary, severity="", team=Team.HEALTH,
                          steps=[actions.StepInput("community_duty", 1)])
    houses = [street.house_in(street.grid_building), street.house_in(street.other_grid_building)]
    now = timezone.now()
    raised = raise_many([Raise(h, "door_quarantine", "major", now, team=Team.HEALTH) for h in houses] +
                        [Raise(h, "fall", "critical", now) for h in houses])
    targets = {(a.condition, a.entries.get(kind=EntryKind.PAGED).data["target"]) for a, _created in raised}
    assert targets == {("door_quarantine", "community_duty"), ("fall", "grid_on_duty")}
    assert all(a.chain is None or a.chain.team == Team.GRID for a, _created in raised)
