"""The summary report's figures on a small example worked out by hand: four residents of two
compounds and four ages, three sections, one hidden comment, one proposal at the threshold."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from python_calamine import CalamineWorkbook

from linli.consult import actions, report
from linli.consult.models import Stance
from linli.consult.tests.helpers import opened, resident
from linli.core.dates import age_on
from linli.people.models import Person
from linli.places.models import Level, Place


def _born(age: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - age) - datetime.timedelta(days=10)


def _example(street):
    compounds = list(Place.objects.filter(level=Level.COMPOUND, path__startswith=street.community.path).order_by("path"))
    x, y = compounds[0], compounds[1]
    people = list(Person.objects.filter(path__startswith=x.path, is_active=True, current_house__isnull=False)
                  .exclude(pk=street.resident.person_id).order_by("pk")[:3])
    people.append(Person.objects.filter(path__startswith=y.path, is_active=True, current_house__isnull=False)
                  .order_by("pk").first())
    for person, age in zip(people, (25, 40, 70, 80), strict=True):
        Person.objects.filter(pk=person.pk).update(birth_date=_born(age))
    a1, a2, a3, b1 = (resident(p) for p in people)
    consultation = opened(street, threshold=2)
    s1, s2, _s3 = consultation.sections.order_by("number")
    for user in (a1, a2, a3):
        actions.do_vote_section(s1, Stance.SUPPORT, acting_user=user)
    actions.do_vote_section(s1, Stance.OPPOSE, acting_user=b1)
    actions.do_vote_section(s2, Stance.SUPPORT, acting_user=a1)
    actions.do_comment(s1, "停车位太少，晚上找不到停车位", acting_user=a1)
    actions.do_comment(s1, "停车位不够用，建议增加停车位", acting_user=a2)
    actions.do_comment(s2, "外来车辆太多，占用消防通道", acting_user=b1)
    rude = actions.do_comment(s2, "骂人的话", acting_user=a3)
    actions.do_hide(rude, "人身攻击", acting_user=street.secretary)
    proposal = actions.do_propose(consultation, "增加充电桩", "在地面停车场增加充电桩", acting_user=b1)
    actions.do_vote_proposal(proposal, Stance.SUPPORT, acting_user=a1)
    actions.do_vote_proposal(proposal, Stance.SUPPORT, acting_user=a2)
    actions.do_vote_proposal(proposal, Stance.OPPOSE, acting_user=a3)
    actions.do_close(consultation, acting_user=street.secretary)
    return consultation, x, y


def _residents_by_hand(community):
    """Counted row by row, without the report's grouped query."""
    today = timezone.localdate()
    compounds, bands = {}, {}
    for person in Person.objects.filter(path__startswith=community.path, is_active=True, current_house__isnull=False):
        key = person.path[:21]
        compounds[key] = compounds.get(key, 0) + 1
        band = actions.age_band(age_on(person.birth_date, today))
        bands[band] = bands.get(band, 0) + 1
    return compounds, bands


def test_the_figures_of_a_small_example(street):
    consultation, x, y = _example(street)
    summary = report.summary(consultation)
    compounds, bands = _residents_by_hand(street.community)
    assert (summary.participants, summary.residents) == (4, sum(compounds.values()))
    assert (summary.comments, summary.hidden) == (3, 1)
    by_compound = {r.key: r for r in summary.by_compound}
    assert (by_compound[x.path].participants, by_compound[y.path].participants) == (3, 1)
    assert by_compound[x.path].residents == compounds[x.path]
    assert by_compound[x.path].name == x.name
    assert by_compound[x.path].percent == round(100 * 3 / compounds[x.path], 1)
    by_age = {r.key: (r.participants, r.residents) for r in summary.by_age}
    assert by_age["18-29"] == (1, bands["18-29"]) and by_age["30-44"] == (1, bands["30-44"])
    assert by_age["60-74"] == (1, bands["60-74"]) and by_age["75+"] == (1, bands["75+"])
    assert by_age.get("45-59", (0, 0))[0] == 0
    sections = [(s.supports, s.opposes, s.support_percent, s.comments) for s in summary.sections]
    assert sections == [(3, 1, 75.0, 2), (1, 0, 100.0, 1), (0, 0, 0.0, 0)]
    assert [(p.title, p.supports, p.opposes, p.reached) for p in summary.proposals] == [("增加充电桩", 2, 1, True)]
    themes = {t.label: t for t in summary.themes}
    parking = next(t for t in summary.themes if "停车位" in t.keywords)
    # both share the theme's one keyword and are as long: the earlier comes first
    assert parking.size == 2 and [q[1] for q in parking.quotes] == ["停车位太少，晚上找不到停车位", "停车位不够用，建议增加停车位"]
    assert all("骂人" not in q[1] for t in themes.values() for q in t.quotes)
    assert all("居民" in q[0] and "·" not in q[0] for t in themes.values() for q in t.quotes)  # aliases, no names
    assert "停车位" in [w for w, _ in summary.keywords][:3]


def test_the_frozen_report_and_the_workbook(street):
    consultation, x, _y = _example(street)
    actions.do_report_upward(consultation, acting_user=street.secretary)
    consultation.refresh_from_db()
    frozen, is_frozen = report.shown(consultation)
    assert is_frozen and frozen.as_json() == consultation.report
    assert frozen.sections[0].support_percent == 75.0
    book = CalamineWorkbook.from_filelike(io.BytesIO(report.write_xlsx(frozen)))
    assert book.sheet_names[:3] == ["概况", "按小区", "按年龄"]
    rows = book.get_sheet_by_name("按小区").to_python()
    line = next(r for r in rows if r and r[0] == x.name)
    assert line[1] == 3
    sections = book.get_sheet_by_name("条款").to_python()
    assert [r[2:5] for r in sections[3:6]] == [[3, 1, 75.0], [1, 0, 100.0], [0, 0, 0.0]]
