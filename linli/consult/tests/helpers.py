"""Shared by the consultation tests and the access matrix: residents with accounts, and a
consultation opened to the test street's first community."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.consult import actions
from linli.consult.models import Consultation
from linli.core.models import Role, RoleAssignment, User
from linli.people.models import Person
from linli.places.models import Place

SECTIONS = [("第一条 车位分配", "每户限登记一辆机动车，按登记先后分配固定车位。"),
            ("第二条 外来车辆", "外来车辆临时停放不超过两小时，超时按标准收费。"),
            ("第三条 充电桩", "在地面停车场增设电动汽车充电桩，按使用量收费。")]


def resident(person: Person, name: str = "") -> User:
    """An account for ``person`` with the resident role on her house."""
    user = User.objects.create_user(name or f"r-{person.pk}", password="x-resident-x")  # noqa: S106 - test account
    user.person = person
    user.save(update_fields=["person"])
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="resident"), place=person.current_house)
    return user


def people_in(place: Place, n: int, exclude: tuple[int, ...] = ()) -> list[Person]:
    return list(Person.objects.filter(path__startswith=place.path, is_active=True, current_house__isnull=False)
                .exclude(pk__in=exclude).order_by("pk")[:n])


def opened(street: Street, area: Place | None = None, *, threshold: int = 2, **fields: Any) -> Consultation:
    today = timezone.localdate()
    data = {"title": "小区停车管理办法（征求意见稿）", "summary": "请对停车管理办法草案提出意见。",
            "area": area or street.community, "opens_on": today, "closes_on": today + datetime.timedelta(days=14),
            "threshold": threshold, "sections": SECTIONS, **fields}
    consultation = actions.do_draft(actions.ConsultationInput(**data), acting_user=street.secretary)
    return actions.do_open(consultation, acting_user=street.secretary)


def make_matrix_rows(street: Street, far: dict[str, Any]) -> None:
    """For the access matrix: an open consultation in the first community with a comment and a
    proposal, a closed one with its themes, a draft; and a draft and a closed one in the far
    district."""
    from linli.places.models import Level

    consultation = opened(street)
    section = consultation.sections.first()
    actions.do_comment(section, "车位太少，建议增加停车位", acting_user=street.resident)
    actions.do_propose(consultation, "增加充电桩", "在地面停车场增加充电桩", acting_user=street.resident)
    closed = opened(street, title="垃圾分类公约")
    actions.do_comment(closed.sections.first(), "停车位不够", acting_user=street.resident)
    actions.do_comment(closed.sections.last(), "停车位太少了", acting_user=street.resident)
    actions.do_close(closed, acting_user=street.secretary)
    far_one = actions.do_draft(actions.ConsultationInput(
        title="远方协商", summary="远方", area=far[Level.COMMUNITY], opens_on=timezone.localdate(),
        closes_on=timezone.localdate(), sections=SECTIONS), acting_user=street.admin)
    actions.do_open(far_one, acting_user=street.admin)
    for area, user in ((street.community, street.secretary), (far[Level.COMMUNITY], street.admin)):
        actions.do_draft(actions.ConsultationInput(
            title="草稿", summary="草稿", area=area, opens_on=timezone.localdate(), closes_on=timezone.localdate(),
            sections=SECTIONS), acting_user=user)
    far_person = Person.objects.filter(path__startswith=far[Level.COMMUNITY].path).first()
    far_user = resident(far_person, "far-resident")
    actions.do_comment(far_one.sections.first(), "远方的意见", acting_user=far_user)
    actions.do_propose(far_one, "远方的建议", "远方", acting_user=far_user)
    actions.do_close(far_one, acting_user=street.admin)
