"""Plausibility warnings beside the department reports, and a demo street that passes them."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from linli.core.dates import years_before
from linli.demo.builder import TODAY
from linli.people import search
from linli.people.models import Person, Residence, SpecialGroup
from linli.places.models import Level, Place
from linli.reports.checks import CHECKS, run_checks
from linli.reports.engine import LIST_WITH_HEALTH, generate
from linli.reports.models import ReportTemplate


def rows_of(content: bytes) -> list[list]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return [r for r in sheet[1:] if isinstance(r[0], float)]


def street_place() -> Place:
    return Place.objects.get(level=Level.STREET)


@pytest.mark.parametrize("day", [TODAY, None], ids=["on the demo's day", "today"])
def test_the_demo_street_passes_every_check(street, day):
    today = day or timezone.localdate()
    for user in (street.admin, street.street_officer, street.secretary):
        scope = street_place() if user != street.secretary else street.community
        assert run_checks(user, scope, today) == [], user.username


def test_the_demo_gives_pupils_a_school_and_the_education_report_shows_it_with_a_health_status(street):
    education = ReportTemplate.objects.get(code="education-students-return")
    report = generate(education, scope=street.community, acting_user=street.secretary, mode=LIST_WITH_HEALTH)
    rows = rows_of(report.content)
    assert rows and all(row[5] for row in rows)  # 就读学校
    # Nobody's record says otherwise: green, as the health code says (no row is kept for them).
    assert all(row[7] for row in rows)
    assert {"绿码"} <= {row[7] for row in rows}
    # A report made without health data leaves the column empty, as before.
    plain = rows_of(generate(education, scope=street.community, acting_user=street.secretary).content)
    assert plain and not any(row[7] for row in plain)


def _codes(user, scope, today=None):
    return {f.check.code: f for f in run_checks(user, scope, today or timezone.localdate())}


def test_crafted_rows_are_warned_about_with_masked_examples(street):
    today = timezone.localdate()
    person = street.person_in(street.grid_building)
    residence = Residence.objects.get(person=person, moved_out__isnull=True)
    residence.moved_in = person.birth_date - datetime.timedelta(days=30)
    residence.save()
    pupil = (Person.objects.filter(path__under=street.community.path, birth_date__lte=years_before(today, 8),
                                   birth_date__gt=years_before(today, 15)).order_by("pk").first())
    pupil.school = ""
    pupil.save()
    adult = Person.objects.filter(path__under=street.community.path, birth_date__lte=years_before(today, 45)) \
        .exclude(pk=person.pk).order_by("pk").first()
    adult.school = "明月路小学"
    adult.special_groups = [SpecialGroup.INFANT]
    adult.special_groups_index = search.group_index(adult.special_groups)
    adult.save()

    found = _codes(street.secretary, street.community, today)
    assert found["moved_in_before_birth"].count == 1
    example = found["moved_in_before_birth"].examples[0]
    assert example.pk == person.pk and example.name != person.name and example.name[0] == person.name[0]
    assert "*" in example.name
    assert found["pupil_without_school"].count == 1 and found["pupil_without_school"].examples[0].pk == pupil.pk
    assert found["school_age_implausible"].examples[0].pk == adult.pk
    assert found["young_child_over_6"].examples[0].pk == adult.pk
    # Special groups are checked only for those who may see them.
    assert "young_child_over_6" not in _codes(street.grid_worker, street.grid_building)
    # Outside the area, nothing is seen.
    assert _codes(street.secretary, street.other_community) == {}


def test_the_reports_page_shows_the_warnings_beside_the_report_they_concern(street):
    pupil = (Person.objects.filter(path__under=street.community.path, school__gt="")
             .exclude(school__contains="幼儿园").order_by("pk").first())
    pupil.school = ""
    pupil.save()
    client = street.client_for(street.secretary)
    page = client.get(reverse("reports:index"), {"scope": street.community.code}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    checks = text.split('id="data-checks"')[1].split("</section>")[0]
    assert "学生（6—17岁）没有就读学校" in checks and f'href="/people/{pupil.pk}/"' in checks
    doubts = text.split('id="doubts-education-students-return"')[1].split("</div>")[0]
    assert "学生（6—17岁）没有就读学校 1" in doubts
    assert 'id="doubts-police-floating-population"' not in text
    assert pupil.name not in text  # masked


def test_every_check_has_a_code_and_a_label():
    codes = [c.code for c in CHECKS]
    assert len(codes) == len(set(codes))
    assert all(str(c.label) and c.fields for c in CHECKS)
