"""Campaigns through their actions: targets from the registry, calls through the gateway,
retries and hand-over, typed answers, reviews, and answers applied through the apps' actions
with audit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.campaigns import actions, effects, tasks
from linli.campaigns.models import Answer, ApplyState, Attempt, Status, Target, TargetStatus
from linli.campaigns.tests.helpers import GROCERIES, TEMPERATURE, USAGE, screening, survey
from linli.core import gateways
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.health.models import CheckIn
from linli.places.models import Place
from linli.tickets.models import Ticket


@pytest.fixture(autouse=True)
def _simulated_calls(settings):
    settings.LINLI_CALL_BACKEND = "locmem"
    settings.LINLI_SMS_BACKEND = "locmem"
    gateways._INSTANCES.clear()
    gateways.outbox.clear()
    gateways.seed_simulation(7)
    yield
    gateways._INSTANCES.clear()


def _started(street, campaign):
    return actions.do_start_campaign(campaign, acting_user=street.secretary)


def test_start_takes_the_households_from_the_registry(street, django_capture_on_commit_callbacks):
    campaign = screening(street.secretary, [street.grid_building])
    assert campaign.households > 0 and campaign.questions.count() == 2
    campaign = _started(street, campaign)
    targets = Target.objects.filter(campaign=campaign)
    assert targets.count() == campaign.households
    assert set(targets.values_list("status", flat=True)) == {TargetStatus.WAITING}
    assert all(t.path.startswith(street.grid_building.path) for t in targets)
    assert AuditEvent.objects.filter(action="campaigns.start", object_id=str(campaign.pk)).exists()
    with pytest.raises(ValidationError):
        _started(street, campaign)


def test_calls_record_attempts_answers_and_retries(street):
    campaign = _started(street, screening(street.secretary, [street.grid_building]))
    now = timezone.now()
    made = tasks.dial(campaign.pk, rate=1000)
    targets = list(Target.objects.filter(campaign=campaign))
    assert made.calls == len(targets) == Attempt.objects.filter(target__campaign=campaign).count()
    assert made.answered == Target.objects.filter(campaign=campaign, status__in=["done", "review"]).count()
    waiting = [t for t in targets if t.status == TargetStatus.WAITING]
    for target in waiting:  # not answered: called again two hours later
        assert target.calls == 1 and target.next_at >= now + datetime.timedelta(minutes=119)
    reviewed = Answer.objects.filter(target__campaign=campaign, needs_review=True)
    assert all(a.confidence < 0.7 or a.value is None for a in reviewed)
    assert AuditEvent.objects.filter(action="gateway.call").count() >= 1
    # two hours later the second calls; whoever still does not answer goes to the grid worker
    Target.objects.filter(campaign=campaign, status=TargetStatus.WAITING).update(next_at=now)
    tasks.dial(campaign.pk, rate=1000)
    assert not Target.objects.filter(campaign=campaign, status=TargetStatus.WAITING).exists()
    assert set(Target.objects.filter(campaign=campaign, calls=2).values_list("status", flat=True)) <= {
        "done", "review", "knock", "refused"}


def test_a_knock_by_the_grid_worker_applies_answers_through_the_actions(street, django_capture_on_commit_callbacks):
    campaign = _started(street, screening(street.secretary, [street.grid_building], channels=["knock"]))
    target = Target.objects.filter(campaign=campaign, person__isnull=False).first()
    assert target.status == TargetStatus.KNOCK
    with pytest.raises(ValidationError) as bad:
        actions.do_record_answers(target, channel="knock", outcome="answered", values={"1": "no", "2": "50"},
                                  acting_user=street.grid_worker)
    assert "q2" in bad.value.message_dict
    assert not Answer.objects.filter(target=target).exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_record_answers(target, channel="knock", outcome="answered", values={"1": "yes", "2": "37.9"},
                                  acting_user=street.grid_worker)
    target.refresh_from_db()
    assert (target.status, target.answered_via, target.knocks) == ("done", "knock", 1)
    answer = Answer.objects.get(target=target, question__number=2)
    assert answer.apply_state == ApplyState.APPLIED and answer.applied_to.startswith("health.checkin:")
    checkin = CheckIn.objects.get(person=target.person, day=timezone.localdate())
    assert float(checkin.temperature) == 37.9 and checkin.symptoms == ["fever"]
    assert AuditEvent.objects.filter(action="health.checkin", actor=street.grid_worker).exists()
    assert AuditEvent.objects.filter(action="campaigns.answer", object_id=str(target.pk)).exists()
    other = Target.objects.filter(campaign=campaign).exclude(pk=target.pk).first()
    with pytest.raises(PermissionDenied):
        actions.do_record_answers(other, channel="knock", outcome="answered", values={"1": "no"},
                                  acting_user=street.resident)


def test_review_settles_uncertain_answers_and_applies_them(street, django_capture_on_commit_callbacks):
    campaign = _started(street, screening(street.secretary, [street.grid_building], questions=[GROCERIES]))
    target = Target.objects.filter(campaign=campaign, person__isnull=False).first()
    Target.objects.filter(campaign=campaign).exclude(pk=target.pk).update(status=TargetStatus.REFUSED)
    answer = Answer.objects.create(target=target, question=campaign.questions.get(), value=True, heard="我想想……要吧",
                                   confidence=0.6, needs_review=True, channel="call", path=target.path,
                                   apply_state=ApplyState.PENDING)
    Target.objects.filter(pk=target.pk).update(status=TargetStatus.REVIEW)
    assert effects.apply_pending(campaign.pk) == {"applied": 0, "failed": 0}  # not before the review
    with pytest.raises(PermissionDenied):
        actions.do_review(answer, acting_user=street.grid_worker, value="yes")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_review(answer, acting_user=street.secretary, value="yes")
    answer.refresh_from_db()
    assert (answer.value, answer.needs_review, answer.apply_state) == (True, False, ApplyState.APPLIED)
    assert answer.applied_to.startswith("tickets.ticket:")
    assert Target.objects.get(pk=target.pk).status == TargetStatus.DONE
    assert AuditEvent.objects.filter(action="campaigns.review").exists()


def test_an_effect_the_author_may_not_take_is_kept_with_its_reason(street):
    """A secretary holds no health.checkin: a temperature read from her campaign's call is kept
    as an answer, its check-in refused and the reason recorded (never written around the action)."""
    campaign = _started(street, screening(street.secretary, [street.grid_building], questions=[TEMPERATURE]))
    target = Target.objects.filter(campaign=campaign, person__isnull=False).first()
    answer = Answer.objects.create(target=target, question=campaign.questions.get(), value=37.8, heard="三十七度八",
                                   confidence=0.95, channel="call", path=target.path, apply_state=ApplyState.PENDING)
    assert effects.apply_pending(campaign.pk) == {"applied": 0, "failed": 1}
    answer.refresh_from_db()
    assert answer.apply_state == ApplyState.FAILED and answer.apply_error
    assert not CheckIn.objects.filter(person=target.person).exists()


def test_survey_answers_by_link_and_page_create_requests_and_set_the_registry(street, django_capture_on_commit_callbacks):
    campaign = _started(street, survey(street.secretary, [street.grid_building], questions=[GROCERIES, USAGE]))
    target = Target.objects.filter(campaign=campaign).first()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_record_answers(target, channel="link", outcome="answered", values={"1": "yes", "2": "出租"})
    ticket = Ticket.objects.get(place=target.house)
    assert "买菜" in ticket.description
    assert Place.objects.get(pk=target.house_id).usage == "rented"
    assert AuditEvent.objects.filter(action="tickets.submit", object_id=str(ticket.pk)).exists()
    with pytest.raises(ValidationError):
        actions.do_record_answers(target, channel="link", outcome="answered", values={"1": "no"})
    with pytest.raises(ValidationError):  # a survey is not called
        actions.do_record_answers(target, channel="call", outcome="answered", values={"1": "no"})


def test_bad_campaigns_are_refused_with_a_reason(street):
    with pytest.raises(ValidationError) as bad:
        screening(street.secretary, [street.grid_building], channels=["page"])
    assert "channels" in bad.value.message_dict
    with pytest.raises(ValidationError) as bad:
        screening(street.secretary, [street.grid_building], questions=[
            actions.QuestionInput("选哪个", "choice", ["一"])])
    assert "questions.1" in bad.value.message_dict
    with pytest.raises(PermissionDenied):
        screening(street.secretary, [street.far_building])
    campaign = screening(street.secretary, [street.grid_building])
    actions.do_start_campaign(campaign, acting_user=street.secretary)
    actions.do_finish_campaign(campaign, acting_user=street.secretary)
    assert campaign.__class__.objects.get(pk=campaign.pk).status == Status.FINISHED


def test_the_clock_hands_unanswered_links_to_the_grid_worker(street, django_capture_on_commit_callbacks):
    campaign = _started(street, screening(street.secretary, [street.grid_building], channels=["link", "knock"]))
    assert set(Target.objects.filter(campaign=campaign).values_list("status", flat=True)) == {TargetStatus.WAITING}
    assert tasks.run_campaigns.call_local() == 1
    assert not Target.objects.filter(campaign=campaign, status=TargetStatus.KNOCK).exists()  # not yet: a day
    Target.objects.filter(campaign=campaign).update(next_at=timezone.now() - datetime.timedelta(minutes=1))
    tasks.run_campaigns.call_local()
    assert set(Target.objects.filter(campaign=campaign).values_list("status", flat=True)) == {TargetStatus.KNOCK}
    assert not Attempt.objects.filter(target__campaign=campaign).exists()  # no calls in this campaign
