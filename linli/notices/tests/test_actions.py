"""Drafting, the review with separation of duties, audiences counted against the registry,
receipts by every channel, follow-up lists, corrections and withdrawal."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core import gateways
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.health import actions as health
from linli.notices import actions, channels, queries
from linli.notices.models import Notice, NoticeHousehold, NoticeVersion, Receipt, Status, Via
from linli.notices.tests.helpers import draft, published, worker
from linli.people.models import Person, PopulationType
from linli.people.search import group_token
from linli.places.models import Place


def _registry(area: Place) -> tuple[int, int]:
    """Households and residents, counted the plain way for comparison."""
    people = Person.objects.filter(path__startswith=area.path, is_active=True, current_house__isnull=False)
    houses = set(people.values_list("current_house_id", flat=True))
    residents = Person.objects.filter(current_house_id__in=houses, is_active=True, path__startswith=area.path).count()
    return len(houses), residents


def test_a_notice_goes_through_three_people_and_every_version_is_kept(street):
    writer, checker, editor = worker(street, "w1"), worker(street, "c1"), worker(street, "e1")
    notice = draft(writer, [street.grid_building])
    actions.do_submit(notice, acting_user=writer)
    with pytest.raises(ValidationError) as caught:
        actions.do_check(notice, acting_user=writer)
    assert caught.value.code == "own_notice"
    actions.do_check(notice, acting_user=checker, comment="时间已与自来水公司核实")
    with pytest.raises(ValidationError) as caught:
        actions.do_edit(notice, acting_user=checker, body="改")
    assert caught.value.code == "two_steps"
    actions.do_edit(notice, acting_user=editor, title="停水通知（玉兰苑）", comment="标题加小区名")
    for person in (writer, checker, editor):
        with pytest.raises((ValidationError, PermissionDenied)):
            actions.do_publish(notice, acting_user=person)  # workers may not publish; nor may the three
    notice = actions.do_publish(notice, acting_user=street.secretary)
    assert notice.status == Status.PUBLISHED
    assert list(NoticeVersion.objects.filter(notice=notice).values_list("number", "kind", "title")) == [
        (1, "draft", "停水通知"), (2, "edit", "停水通知（玉兰苑）")]
    assert set(AuditEvent.objects.filter(object_id=str(notice.pk), object_type="notices.notice")
               .values_list("action", flat=True)) >= {"notices.draft", "notices.submit", "notices.check",
                                                      "notices.edit", "notices.publish"}


def test_a_send_back_returns_the_draft_and_the_sender_keeps_her_step(street):
    writer, checker, editor = worker(street, "w2"), worker(street, "c2"), worker(street, "e2")
    notice = draft(writer, [street.grid_building])
    actions.do_submit(notice, acting_user=writer)
    actions.do_check(notice, acting_user=checker)
    with pytest.raises(ValidationError):
        actions.do_send_back(notice, acting_user=editor, comment="  ")  # a comment is required
    actions.do_send_back(notice, acting_user=editor, comment="请写明停水原因")
    notice.refresh_from_db()
    assert notice.status == Status.DRAFT
    actions.do_submit(notice, acting_user=writer)
    with pytest.raises(ValidationError) as caught:
        actions.do_check(notice, acting_user=editor)  # she acted as the editor of this notice
    assert caught.value.code == "two_steps"
    actions.do_check(notice, acting_user=checker)
    actions.do_edit(notice, acting_user=editor)
    assert Notice.objects.get(pk=notice.pk).status == Status.APPROVING


def test_an_urgent_notice_may_skip_editing_and_it_is_recorded(street):
    writer, checker = worker(street, "w3"), worker(street, "c3")
    normal = draft(writer, [street.grid_building])
    with pytest.raises(ValidationError) as caught:
        actions.do_submit(normal, acting_user=writer, shortened_reason="紧急")
    assert caught.value.error_dict["shortened_reason"][0].code == "not_urgent"
    notice = draft(writer, [street.grid_building], urgency="urgent")
    actions.do_submit(notice, acting_user=writer, shortened_reason="燃气泄漏，需立即通知")
    notice = actions.do_check(notice, acting_user=checker)
    assert notice.status == Status.APPROVING and notice.shortened
    notice = actions.do_publish(notice, acting_user=street.secretary)
    assert notice.status == Status.PUBLISHED
    assert AuditEvent.objects.filter(action="notices.publish", object_id=str(notice.pk),
                                     detail__shortened=True).exists()


def test_bad_input_is_refused_before_anything_is_written(street):
    writer = worker(street, "w4")
    before = Notice.objects.count()
    for fields, field in (({"title": " "}, "title"), ({"category": "gossip"}, "category"),
                          ({"places": []}, "places"), ({"deadline": timezone.now() - datetime.timedelta(hours=1)},
                                                       "deadline"),
                          ({"body": "x" * 5001}, "body")):
        with pytest.raises(ValidationError) as caught:
            draft(writer, fields.pop("places", [street.grid_building]), **fields)
        assert field in caught.value.error_dict
    with pytest.raises(PermissionDenied):
        draft(writer, [street.far_building])  # another community
    assert Notice.objects.count() == before


def test_audience_counts_match_the_registry(street):
    notice = draft(street.secretary, [street.community])
    assert (notice.households, notice.residents) == _registry(street.community)
    floating = draft(street.secretary, [street.community], group="floating")
    houses = set(Person.objects.filter(path__startswith=street.community.path, is_active=True,
                                       population_type=PopulationType.FLOATING, current_house__isnull=False)
                 .values_list("current_house_id", flat=True))
    assert floating.households == len(houses) > 0
    assert floating.residents == Person.objects.filter(current_house_id__in=houses, is_active=True).count()
    elders = draft(street.secretary, [street.community], group="alone_elder")
    assert elders.households == Person.objects.filter(
        path__startswith=street.community.path, is_active=True, current_house__isnull=False,
        special_groups_index__contains=group_token("alone_elder")).values("current_house_id").distinct().count()


def test_quarantined_households_are_an_audience(street):
    person = street.person_in(street.grid_building)
    health.do_order_quarantine(person, acting_user=street.health_officer, reason="close_contact", colour="red",
                               last_exposure=timezone.localdate() - datetime.timedelta(days=1))
    notice = draft(street.secretary, [street.community], group="quarantined")
    assert notice.households == 1
    assert notice.residents == Person.objects.filter(current_house=person.current_house, is_active=True).count()


def test_publishing_lists_every_household_with_its_grid(street):
    notice = published(street, [street.grid_building])
    rows = NoticeHousehold.objects.filter(notice=notice)
    assert rows.count() == notice.households == _registry(street.grid_building)[0]
    assert set(rows.values_list("grid_id", flat=True)) == {street.grid_worker.assignments.get().grid_id}
    assert sum(rows.values_list("residents", flat=True)) == notice.residents


def test_receipts_by_every_channel_are_idempotent(street):
    notice = published(street, [street.grid_building])
    first, second, third = NoticeHousehold.objects.filter(notice=notice).order_by("path")[:3]
    a = actions.do_confirm(first, via=Via.LINK)
    b = actions.do_confirm(first, via=Via.LINK)
    assert a.pk == b.pk and Receipt.objects.filter(household=first).count() == 1
    actions.do_confirm(second, via=Via.POSTER)
    actions.do_record_attempt(third, via=Via.KNOCK, outcome="not_home", acting_user=street.grid_worker)
    third.refresh_from_db()
    assert third.reached_at is None and third.attempts == 1
    actions.do_record_attempt(third, via=Via.CALL, outcome="informed", acting_user=street.grid_worker, note="女儿接听")
    reach = queries.reach(street.secretary, notice)
    assert reach.total.reached == 3 and reach.total.households == notice.households
    assert reach.by_via == {"link": 1, "poster": 1, "call": 1}
    with pytest.raises(ValidationError):
        actions.do_confirm(first, via=Via.KNOCK)


def test_a_resident_confirms_only_for_her_own_household(street):
    notice = published(street, [street.grid_building])
    person = street.resident.person
    own = NoticeHousehold.objects.get(notice=notice, house=person.current_house)
    other = NoticeHousehold.objects.filter(notice=notice).exclude(pk=own.pk).first()
    with pytest.raises(PermissionDenied):
        actions.do_confirm(other, via=Via.PAGE, person=person, acting_user=street.resident)
    actions.do_confirm(own, via=Via.PAGE, person=person, acting_user=street.resident)
    own.refresh_from_db()
    assert own.reached_via == Via.PAGE


def test_only_the_grid_worker_of_the_grid_records_knocks(street):
    notice = published(street, [street.grid_building, street.other_grid_building])
    elsewhere = NoticeHousehold.objects.filter(notice=notice, path__startswith=street.other_grid_building.path).first()
    with pytest.raises(PermissionDenied):
        actions.do_record_attempt(elsewhere, via=Via.KNOCK, outcome="informed", acting_user=street.grid_worker)
    with pytest.raises(ValidationError):
        actions.do_record_attempt(NoticeHousehold.objects.filter(notice=notice, path__startswith=street.grid_building.path)
                                  .first(), via=Via.KNOCK, outcome="maybe", acting_user=street.grid_worker)


def test_follow_up_list_puts_special_groups_first_and_drops_reached(street):
    notice = published(street, [street.grid_building])
    mine = NoticeHousehold.objects.restrict(street.grid_worker, "notices.follow_up").filter(notice=notice)
    reached = mine.first()
    actions.do_confirm(reached, via=Via.LINK)
    listed = list(queries.follow_up(mine))
    assert reached not in listed and len(listed) == mine.count() - 1
    flags = [h.priority for h in listed]
    assert flags == sorted(flags, reverse=True) and any(flags)


def test_a_correction_asks_the_readers_to_read_again(street, django_capture_on_commit_callbacks):
    gateways.outbox.clear()
    notice = published(street, [street.grid_building])
    read, unread = NoticeHousehold.objects.filter(notice=notice).order_by("path")[:2]
    actions.do_confirm(read, via=Via.LINK)
    with pytest.raises(ValidationError):
        actions.do_correct(notice, acting_user=street.secretary, title=notice.title, body=notice.body, reason="无")
    with pytest.raises(PermissionDenied):
        actions.do_correct(notice, acting_user=street.grid_worker, title="停水通知", body="改为9:00至15:00", reason="时间有误")
    with django_capture_on_commit_callbacks(execute=True):
        notice = actions.do_correct(notice, acting_user=street.secretary, title="停水通知", body="改为9:00至15:00停水。",
                                    reason="时间有误", channels=("sms",))
    read.refresh_from_db()
    unread.refresh_from_db()
    assert notice.version == 2 and read.reread and not unread.reread
    assert [m.text.startswith("【更正】") for m in gateways.outbox] == [True]  # only the reader is texted
    actions.do_confirm(read, via=Via.LINK)
    read.refresh_from_db()
    assert not read.reread and read.reached_version == 2
    assert Receipt.objects.filter(household=read).count() == 2


def test_withdrawal_needs_a_reason_and_closes_the_links(street):
    notice = published(street, [street.grid_building])
    with pytest.raises(ValidationError):
        actions.do_withdraw(notice, acting_user=street.secretary, reason="")
    actions.do_withdraw(notice, acting_user=street.secretary, reason="通知有误，另行发布")
    household = NoticeHousehold.objects.filter(notice=notice).first()
    with pytest.raises(ValidationError):
        actions.do_confirm(household, via=Via.LINK)
    assert AuditEvent.objects.filter(action="notices.withdraw", object_id=str(notice.pk)).exists()


def test_publishing_texts_the_households_through_the_gateway_masked(street, django_capture_on_commit_callbacks):
    gateways.outbox.clear()
    writer, checker, editor = worker(street, "w9"), worker(street, "c9"), worker(street, "e9")
    notice = draft(writer, [street.grid_building])
    actions.do_submit(notice, acting_user=writer)
    actions.do_check(notice, acting_user=checker)
    actions.do_edit(notice, acting_user=editor)
    with pytest.raises(ValidationError):
        actions.do_publish(notice, acting_user=street.secretary, channels=("pigeon",))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_publish(notice, acting_user=street.secretary, channels=("sms",))
    sent = list(gateways.outbox)
    assert 0 < len(sent) <= notice.households
    assert all("/n/" in m.text for m in sent)
    events = AuditEvent.objects.filter(action="gateway.sms").order_by("-seq")[: len(sent)]
    assert all("****" in e.detail["to"] for e in events)
    counts = channels.send(notice.pk, "sms")  # again: to those still not reached
    assert counts["sent"] == len(sent)
