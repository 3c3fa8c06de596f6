"""The demo's campaigns: a finished one whose answers landed in the registry, and running ones."""

from linli.campaigns.demo import ARRIVALS, ELDERS, GROCERIES, prepare_demo_campaigns
from linli.campaigns.models import Answer, ApplyState, Campaign, Status, Target, TargetStatus


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
