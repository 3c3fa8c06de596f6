"""The demo's campaigns: a finished one whose answers landed in the registry, and running ones."""

import functools

import pytest

from linli.campaigns.demo import (
    ARRIVALS,
    CHECKED,
    ELDERS,
    GROCERIES,
    VISITED,
    VISITS_LEFT,
    prepare_demo_campaigns,
)
from linli.campaigns.models import (
    Answer,
    ApplyState,
    Campaign,
    Effect,
    Status,
    Target,
    TargetStatus,
)
from linli.core import callsim
from linli.core.models import AuditEvent
from linli.tickets.models import OPEN_STATUSES, Ticket
from linli.tickets.models import Status as TicketStatus


def test_the_demo_has_a_finished_campaign_with_answers_and_running_ones(street, settings):
    settings.LINLI_CALL_BACKEND = settings.LINLI_SMS_BACKEND = "locmem"
    assert prepare_demo_campaigns(seed=1) == 3
    finished = Campaign.objects.get(title=ELDERS)
    assert finished.status == Status.FINISHED
    assert Target.objects.filter(campaign=finished, status=TargetStatus.DONE).exists()
    assert not Answer.objects.filter(target__campaign=finished, needs_review=True).exists()
    assert not Answer.objects.filter(target__campaign=finished, apply_state=ApplyState.PENDING).exists()
    running = Campaign.objects.get(title=ARRIVALS)
    assert running.status == Status.RUNNING
    states = set(Target.objects.filter(campaign=running).values_list("status", flat=True))
    assert TargetStatus.DONE in states and TargetStatus.WAITING in states
    assert Answer.objects.filter(target__campaign=running, apply_state=ApplyState.APPLIED).exists()
    assert Target.objects.filter(campaign__title=GROCERIES, status=TargetStatus.DONE).count() == 8
    assert prepare_demo_campaigns(seed=1) == 0


@pytest.mark.parametrize("title", [ELDERS, ARRIVALS])
def test_the_campaigns_visits_are_mostly_made(street, settings, monkeypatch, title):
    """Everyone called says yes here (a visit wanted, a fever): each campaign leaves only a handful
    of visits waiting in the grid workers' queues, the others made and resolved, audited."""
    settings.LINLI_CALL_BACKEND = settings.LINLI_SMS_BACKEND = "locmem"
    monkeypatch.setattr(callsim, "reply", functools.partial(callsim.reply, yes_share=1.0))
    prepare_demo_campaigns(seed=1)
    campaign = Campaign.objects.get(title=title)
    refs = Answer.objects.filter(target__campaign=campaign, question__effect=Effect.VISIT,
                                 apply_state=ApplyState.APPLIED).values_list("applied_to", flat=True)
    visits = Ticket.objects.filter(pk__in=[int(ref.split(":")[1]) for ref in refs])
    assert visits.count() > VISITS_LEFT
    assert visits.filter(status__in=OPEN_STATUSES).count() == VISITS_LEFT
    resolved = visits.filter(status=TicketStatus.RESOLVED)
    assert resolved.count() == visits.count() - VISITS_LEFT
    assert all(ticket.outcome in VISITED + CHECKED and ticket.handler_id for ticket in resolved)
    assert AuditEvent.objects.filter(action="tickets.resolve", object_id__in=[str(t.pk) for t in resolved]).count() \
        == resolved.count()

