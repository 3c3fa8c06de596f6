"""The fact base, the queue fed by the chat import and by hand, the review, and the three-party
sign-off released as a notice through the notices' own review."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.notices import actions as notices
from linli.notices.models import Notice, NoticeStep
from linli.notices.models import Status as NoticeStatus
from linli.notices.tests.helpers import worker
from linli.rumours import actions, intake
from linli.rumours.models import Fact, FactVersion, Sighting, Signature, Suspect, SuspectStatus
from linli.rumours.tests.helpers import FLU, confirmed, expert, media, seed_facts, sighted, signed


def test_a_fact_counts_once_someone_else_signs_it_off(street):
    area = street.community.parent
    fact = actions.do_add_fact(area, actions.FactInput(FLU, "false", "没有预防作用", "区卫健委"),
                               acting_user=street.street_officer)
    assert list(actions.facts_for(street.community)) == []
    with pytest.raises(ValidationError) as caught:
        actions.do_sign_off_fact(fact, acting_user=street.street_officer)
    assert caught.value.code == "own_fact"
    actions.do_sign_off_fact(fact, acting_user=expert(street))
    assert list(actions.facts_for(street.community)) == [fact]
    assert list(actions.facts_for(street.other_community)) == [fact]  # the street's fact counts in each
    # an edit is a new version and needs a new sign-off; the old text is kept
    fact = actions.do_edit_fact(fact, actions.FactInput(FLU, "false", "没有预防作用，超量服用有害", "区卫健委"),
                                acting_user=street.street_officer, note="补充副作用")
    assert fact.version == 2 and not fact.signed
    assert list(actions.facts_for(street.community)) == []
    assert list(FactVersion.objects.filter(fact=fact).values_list("number", "explanation")) == [
        (1, "没有预防作用"), (2, "没有预防作用，超量服用有害")]
    with pytest.raises(PermissionDenied):  # the street's fact is not hers to edit
        actions.do_edit_fact(fact, actions.FactInput(FLU, "false", "x", "区卫健委"), acting_user=street.secretary)
    with pytest.raises(ValidationError) as caught:
        actions.do_edit_fact(fact, actions.FactInput(FLU, "false", "没有预防作用，超量服用有害", "区卫健委"),
                             acting_user=street.street_officer)
    assert caught.value.error_dict["claim"][0].code == "unchanged"


def test_bad_facts_are_refused_whole(street):
    area = street.community.parent
    for data, field in ((actions.FactInput("", "false", "x", "y"), "claim"),
                        (actions.FactInput("。。。", "false", "x", "y"), "claim"),
                        (actions.FactInput(FLU, "perhaps", "x", "y"), "verdict"),
                        (actions.FactInput(FLU, "false", "", "y"), "explanation"),
                        (actions.FactInput(FLU * 20, "false", "x", "y"), "claim")):
        with pytest.raises(ValidationError) as caught:
            actions.do_add_fact(area, data, acting_user=street.street_officer)
        assert field in caught.value.message_dict
    with pytest.raises(ValidationError):
        actions.do_add_fact(street.grid_building, actions.FactInput(FLU, "false", "x", "y"), acting_user=street.admin)
    # the secretary keeps her community's facts, not the street's
    with pytest.raises(PermissionDenied):
        actions.do_add_fact(area, actions.FactInput(FLU, "false", "x", "y"), acting_user=street.secretary)
    actions.do_add_fact(street.community, actions.FactInput(FLU, "false", "x", "y"), acting_user=street.secretary)
    assert Fact.objects.count() == 1


def test_the_same_claim_seen_many_times_is_one_queue_item(street):
    seed_facts(street)
    now = timezone.now()
    yesterday = now - datetime.timedelta(days=1)
    items = [(f"g1:{i}", "听说吃大剂量的抗流感药就能预防新冠，快去买", yesterday if i < 40 else now, "幸福里1群")
             for i in range(100)]
    items += [(f"g2:{i}", "喝高度白酒能杀死新冠病毒，今晚多喝两杯", now, "幸福里2群") for i in range(7)]
    items += [("g3:1", "今天菜场的青菜三块五一斤", now, "幸福里1群"),
              ("g3:2", "辟谣：吃大剂量抗流感药不能预防新冠", now, "幸福里1群"),
              ("g3:3", "外地返回人员要居家隔离14天并每天报告健康情况", now, "幸福里1群"),  # a true fact
              ("g3:4", "   ", now, "幸福里1群")]
    assert intake.take_messages(street.community.pk, items) == 107
    flu = Suspect.objects.get(fact__claim=FLU)
    assert (flu.count, flu.status, len(flu.examples)) == (100, SuspectStatus.OPEN, actions.EXAMPLES)
    assert flu.examples[0]["group"] == "幸福里1群" and flu.path == street.community.path
    assert Suspect.objects.count() == 2
    assert dict(Sighting.objects.filter(suspect=flu).values_list("day", "count")) == {
        timezone.localdate(yesterday): 40, timezone.localdate(now): 60} or timezone.localdate(yesterday) == \
        timezone.localdate(now)
    # a second import adds to the same items
    assert sighted(street, ["抗流感药吃大剂量能防新型冠状病毒，我家老人一天吃了四颗"]) == 1
    flu.refresh_from_db()
    assert flu.count == 101 and Suspect.objects.count() == 2
    today = timezone.localdate()
    seen = intake.seen_in(street.community.pk, today - datetime.timedelta(days=2), today)
    assert seen[0] == {"claim": FLU, "verdict": "false", "count": 101, "status": "open"}
    assert seen[1]["count"] == 7 and seen[1]["verdict"] == "false"
    assert intake.seen_in(street.community.pk, today + datetime.timedelta(days=1), today + datetime.timedelta(days=9)) == []
    assert intake.seen_in(street.other_community.pk, today, today) == []
    assert AuditEvent.objects.filter(action="rumours.intake", path=street.community.path).count() == 2


def test_intake_refuses_what_it_cannot_place(street):
    seed_facts(street)
    with pytest.raises(ValidationError):
        intake.take_messages(street.grid_building.pk, [])
    with pytest.raises(ValidationError):
        intake.take_messages(street.community.pk, [("x", FLU, datetime.datetime(2026, 1, 1), "群")])  # noqa: DTZ001
    assert Suspect.objects.count() == 0
    assert intake.take_messages(street.community.pk, []) == 0


def test_a_message_reported_by_hand(street):
    seed_facts(street)
    suspect = actions.do_report(street.community, "群里有人说喝白酒能杀死新冠病毒，电话13812345678",
                                acting_user=street.secretary, group="3号楼群")
    assert suspect.fact.claim == "喝高度白酒能杀死新冠病毒" and suspect.count == 1
    assert suspect.examples[0]["text"].endswith("138****5678")
    new = actions.do_report(street.community, "听说地铁二号线明天停运", acting_user=street.secretary)
    assert new.fact is None and new.status == SuspectStatus.OPEN and new.reported_by == street.secretary
    with pytest.raises(PermissionDenied):
        actions.do_report(street.other_community, "喝白酒能杀死新冠病毒", acting_user=street.secretary)
    with pytest.raises(PermissionDenied):
        actions.do_report(street.community, "喝白酒能杀死新冠病毒", acting_user=street.grid_worker)
    with pytest.raises(ValidationError):
        actions.do_report(street.community, "   ", acting_user=street.secretary)
    today = timezone.localdate()
    assert {r["claim"] for r in intake.seen_in(street.community.pk, today, today)} == {
        "喝高度白酒能杀死新冠病毒", "听说地铁二号线明天停运"}


def test_review_confirms_or_dismisses_once(street):
    suspect = confirmed(street)
    assert suspect.status == SuspectStatus.CONFIRMED and suspect.reviewed_by == street.secretary
    with pytest.raises(ValidationError) as caught:
        actions.do_review(suspect, confirm=False, acting_user=street.secretary, note="误报")
    assert caught.value.code == "reviewed"
    other = actions.do_report(street.community, "听说地铁二号线明天停运", acting_user=street.secretary)
    with pytest.raises(ValidationError):  # dismissing says why
        actions.do_review(other, confirm=False, acting_user=street.secretary)
    assert actions.do_review(other, confirm=False, acting_user=street.secretary, note="地铁公司已确认正常运营").status \
        == SuspectStatus.DISMISSED
    with pytest.raises(PermissionDenied):
        actions.do_review(other, confirm=True, acting_user=expert(street))


def test_three_parties_sign_the_same_version(street):
    suspect = confirmed(street)
    title, body = actions.draft_text(suspect)
    assert "奥司他韦" in body
    clar = actions.do_draft_clarification(suspect, acting_user=street.secretary, title=title, body=body)
    doctor, reporter = expert(street), media(street)
    actions.do_sign(clar, "office", acting_user=street.secretary, version=1)
    with pytest.raises(PermissionDenied):  # the street officer holds no expert's signature
        actions.do_sign(clar, "expert", acting_user=street.street_officer, version=1)
    actions.do_sign(clar, "expert", acting_user=doctor, version=1)
    with pytest.raises(ValidationError) as caught:
        actions.do_sign(clar, "office", acting_user=street.street_officer, version=1)
    assert caught.value.code == "already_signed"
    # an edit voids the signatures so far
    clar = actions.do_edit_clarification(clar, acting_user=reporter, title=title, body=body + "\n\n请勿抢购囤积。")
    assert clar.version == 2
    with pytest.raises(ValidationError) as caught:
        actions.do_sign(clar, "media", acting_user=reporter, version=1)
    assert caught.value.code == "stale"
    actions.do_sign(clar, "media", acting_user=reporter, version=2)
    with pytest.raises(ValidationError) as caught:
        actions.do_release(clar, acting_user=street.secretary)
    assert caught.value.code == "incomplete"
    # one person, one party: the expert of version 1 (given the office's role too) cannot sign for it
    actions.do_sign(clar, "expert", acting_user=doctor, version=2)
    with pytest.raises(ValidationError) as caught:  # a second expert cannot sign the version again
        actions.do_sign(clar, "expert", acting_user=expert(street, "expert2"), version=2)
    assert caught.value.code == "already_signed"
    from linli.core.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=doctor, role=Role.objects.get(code="community_secretary"), place=street.community)
    doctor = type(doctor).objects.get(pk=doctor.pk)  # her roles, read afresh
    with pytest.raises(ValidationError) as caught:
        actions.do_sign(clar, "office", acting_user=doctor, version=2)
    assert caught.value.code == "two_parties"
    actions.do_sign(clar, "office", acting_user=street.secretary, version=2)
    assert Signature.objects.filter(clarification=clar).count() == 5
    assert AuditEvent.objects.filter(action="rumours.sign").count() == 5
    edit = AuditEvent.objects.get(action="rumours.clarification_edit")
    assert edit.detail["signatures_voided"] == 2


def test_the_release_goes_through_the_notices_review(street):
    clar = signed(street)
    actions.do_release(clar, acting_user=street.secretary)
    clar.refresh_from_db()
    notice = Notice.objects.get(pk=clar.notice_id)
    assert notice.status == NoticeStatus.CHECKING and notice.shortened and notice.urgency == "urgent"
    assert "三方" in notice.shortened_reason and notice.title == clar.title
    assert notice.body.startswith(clar.body) and "专家：expert" in notice.body
    assert list(notice.audience_places.all()) == [street.community]
    assert clar.suspect.status == SuspectStatus.RELEASED
    with pytest.raises(ValidationError) as caught:
        actions.do_release(clar, acting_user=street.secretary)
    assert caught.value.code == "released"
    with pytest.raises(ValidationError):
        actions.do_edit_clarification(clar, acting_user=street.secretary, title="x", body="y")
    # the notices' own separation of duties: the releasing secretary may not fact-check it
    with pytest.raises(ValidationError):
        notices.do_check(notice, acting_user=street.secretary)
    notices.do_check(notice, acting_user=worker(street, "checker"))
    notice = notices.do_publish(notice, acting_user=street.street_officer)
    assert notice.status == NoticeStatus.PUBLISHED and notice.households > 0
    assert [s.kind for s in NoticeStep.objects.filter(notice=notice)] == ["submit", "check", "publish"]


def test_release_needs_the_office_in_the_community(street):
    clar = signed(street)
    with pytest.raises(PermissionDenied):
        actions.do_release(clar, acting_user=expert(street, "e2"))
    assert Notice.objects.count() == 0


def test_a_communitys_own_facts_do_not_count_in_the_next_one(street):
    seed_facts(street, street.other_community)
    assert sighted(street, [FLU]) == 0
    assert sighted(street, [FLU], community=street.other_community) == 1
