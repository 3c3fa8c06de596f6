"""Taking part: one voice per resident (database constraints, whatever account she uses),
residents of the area only, staff never as residents; moderation, answers and the announcement,
with the participants told."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from linli.consult import actions
from linli.consult.models import Participant, SectionVote, Stance, Status
from linli.consult.tests.helpers import opened, people_in, resident
from linli.core import gateways
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent, Role, RoleAssignment
from linli.notices.models import Notice


def test_one_voice_per_resident_changeable_and_withdrawable(street):
    consultation = opened(street)
    section = consultation.sections.get(number=1)
    actions.do_vote_section(section, Stance.SUPPORT, acting_user=street.resident)
    actions.do_vote_section(section, Stance.SUPPORT, acting_user=street.resident)
    section.refresh_from_db()
    assert (section.supports, section.opposes) == (1, 0)
    actions.do_vote_section(section, Stance.OPPOSE, acting_user=street.resident)
    section.refresh_from_db()
    assert (section.supports, section.opposes) == (0, 1)
    # a second account of the same person speaks with the same voice
    second = resident(street.resident.person, "second-account")
    actions.do_vote_section(section, Stance.SUPPORT, acting_user=second)
    section.refresh_from_db()
    assert (section.supports, section.opposes) == (1, 0)
    assert Participant.objects.filter(consultation=consultation).count() == 1
    actions.do_vote_section(section, "", acting_user=second)
    section.refresh_from_db()
    assert (section.supports, section.opposes) == (0, 0)
    with pytest.raises(ValidationError):
        actions.do_vote_section(section, "maybe", acting_user=street.resident)


def test_the_database_refuses_a_second_voice(street):
    consultation = opened(street)
    section = consultation.sections.first()
    actions.do_vote_section(section, Stance.SUPPORT, acting_user=street.resident)
    participant = Participant.objects.get(consultation=consultation)
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionVote.objects.create(section=section, participant=participant, stance=Stance.OPPOSE, path=section.path)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(consultation=consultation, person=participant.person, number=99,
                                   path=participant.path)


def test_residents_of_the_area_only(street):
    consultation = opened(street)
    section = consultation.sections.first()
    far = resident(people_in(street.other_community, 1)[0])
    with pytest.raises(PermissionDenied):
        actions.do_comment(section, "我也想说", acting_user=far)
    # the registry decides, not the role: someone who moved away is refused at once
    neighbour = resident(people_in(street.community, 1, exclude=(street.resident.person_id,))[0])
    actions.do_comment(section, "同意", acting_user=neighbour)
    person = neighbour.person
    person.current_house = None
    person.save(update_fields=["current_house"])
    neighbour.__dict__.pop("_linli_consult_home", None)
    with pytest.raises((PermissionDenied, ValidationError)):
        actions.do_vote_section(section, Stance.SUPPORT, acting_user=neighbour)
    # a resident record of no one: refused
    nobody = resident(street.resident.person, "nobody")
    nobody.person = None
    nobody.save(update_fields=["person"])
    with pytest.raises(PermissionDenied):
        actions.do_comment(section, "?", acting_user=nobody)


def test_staff_never_take_part_as_residents(street):
    consultation = opened(street)
    section = consultation.sections.first()
    for user in (street.secretary, street.admin, street.street_officer):
        with pytest.raises((PermissionDenied, ValidationError)):
            actions.do_vote_section(section, Stance.SUPPORT, acting_user=user)
    # a secretary who also lives in the community, with the resident role on her house
    secretary = street.secretary
    secretary.person = people_in(street.community, 1, exclude=(street.resident.person_id,))[0]
    secretary.save(update_fields=["person"])
    RoleAssignment.objects.create(user=secretary, role=Role.objects.get(code="resident"),
                                  place=secretary.person.current_house)
    from linli.core.scope import clear_scope_cache

    clear_scope_cache(secretary)
    with pytest.raises(ValidationError) as refused:
        actions.do_comment(section, "作为居民", acting_user=secretary)
    assert refused.value.code == "staff"
    assert not Participant.objects.filter(consultation=consultation).exists()


def test_only_while_open(street):
    consultation = opened(street)
    section = consultation.sections.first()
    actions.do_close(consultation, acting_user=street.secretary)
    with pytest.raises(ValidationError) as refused:
        actions.do_comment(section, "晚了", acting_user=street.resident)
    assert refused.value.code == "closed"


def test_moderation_answers_and_the_announcement(street, django_capture_on_commit_callbacks):
    gateways.outbox.clear()
    consultation = opened(street, threshold=2)
    section = consultation.sections.first()
    voices = [street.resident] + [resident(p) for p in people_in(street.community, 3,
                                                                 exclude=(street.resident.person_id,))]
    proposal = actions.do_propose(consultation, "增加充电桩", "地面停车场增加充电桩", acting_user=voices[0])
    rude = actions.do_comment(section, "骂人的话", acting_user=voices[1])
    for n, user in enumerate(voices[1:]):
        actions.do_comment(section, f"停车位太少，建议增加停车位 {n}", acting_user=user)
    actions.do_vote_proposal(proposal, Stance.SUPPORT, acting_user=voices[1])
    with pytest.raises(ValidationError) as below:
        actions.do_answer(proposal, "accepted", "将增加 10 个充电桩", acting_user=street.secretary)
    assert below.value.error_dict["answer"][0].code == "below_threshold"
    actions.do_vote_proposal(proposal, Stance.SUPPORT, acting_user=voices[2])

    with pytest.raises(PermissionDenied):
        actions.do_hide(rude, "人身攻击", acting_user=street.resident)
    actions.do_hide(rude, "含有人身攻击", acting_user=street.secretary)
    rude.refresh_from_db()
    assert rude.hidden_reason == "含有人身攻击" and rude.text == "骂人的话"
    assert AuditEvent.objects.filter(action="consult.hide", object_id=str(rude.pk)).exists()

    actions.do_close(consultation, acting_user=street.secretary)
    consultation.refresh_from_db()
    assert consultation.status == Status.CLOSED
    assert not consultation.themes.filter(comments=rude).exists()  # hidden text stays out of the themes
    with pytest.raises(ValidationError):
        actions.do_announce(consultation, "谢谢大家", acting_user=street.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_answer(proposal, "partly", "先增加 6 个充电桩", acting_user=street.secretary)
    told = {m.to for m in gateways.outbox}
    assert told == {f"user:{voices[0].pk}", f"user:{voices[1].pk}", f"user:{voices[2].pk}"}
    for theme in consultation.themes.all():
        actions.do_respond_theme(theme, "accepted", "增加 20 个停车位", acting_user=street.secretary)
    gateways.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_announce(consultation, "感谢参与，结果如下。", acting_user=street.secretary, notice=True)
    consultation.refresh_from_db()
    assert consultation.status == Status.ANSWERED
    notice = Notice.objects.get(pk=consultation.notice_id)
    assert notice.status == "draft" and "先增加 6 个充电桩" in notice.body and "增加 20 个停车位" in notice.body
    assert {m.to for m in gateways.outbox} == {f"user:{u.pk}" for u in voices}


def test_bad_drafts_are_refused_with_a_reason(street):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    base = {"title": "办法", "summary": "说明", "area": street.community, "opens_on": today,
            "closes_on": today + datetime.timedelta(days=3), "sections": [("第一条", "内容")]}
    for change, code in (({"sections": []}, "no_sections"), ({"sections": [("只有标题", "")]}, "section_half"),
                         ({"closes_on": today - datetime.timedelta(days=1)}, "dates"),
                         ({"area": street.grid_building}, "area_level"), ({"threshold": 0}, "threshold")):
        with pytest.raises(ValidationError) as refused:
            actions.do_draft(actions.ConsultationInput(**{**base, **change}), acting_user=street.secretary)
        assert next(iter(refused.value.error_dict.values()))[0].code == code
    with pytest.raises(PermissionDenied):
        actions.do_draft(actions.ConsultationInput(**{**base, "area": street.other_community}),
                         acting_user=street.secretary)
