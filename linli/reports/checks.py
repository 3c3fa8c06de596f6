"""Plausibility checks over the registry the department reports are made from.

A department that finds a pupil without a school, or someone who moved in before she was born,
stops trusting the whole list. These checks find such people first. They are warnings: the
reports are still made. Each is counted per kind, with a few examples (names masked) that the
worker can open and correct. The checks read only the people the user may export, only special
groups when she may see them and only health records when she may report them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.core.access import allows
from linli.core.dates import years_before
from linli.people.models import Person, Residence, SpecialGroup
from linli.people.search import group_token
from linli.places.models import Place

EXAMPLES = 3
SCHOOL_AGES = (6, 17)  # the education bureau's pupils (学生返校健康情况表)
MAX_AGE = 120


def _aged(today: datetime.date, low: int | None = None, high: int | None = None) -> Q:
    """Born so as to be ``low`` to ``high`` years old (whole years) on ``today``."""
    q = Q()
    if low is not None:
        q &= Q(birth_date__lte=years_before(today, low))
    if high is not None:
        q &= Q(birth_date__gt=years_before(today, high + 1))
    return q


def _moved_in(condition: Callable[[datetime.date], Q]) -> Callable[[QuerySet[Person], datetime.date], QuerySet[Person]]:
    def select(people: QuerySet[Person], today: datetime.date) -> QuerySet[Person]:
        return people.filter(Exists(Residence.objects.filter(condition(today), person=OuterRef("pk"),
                                                             moved_out__isnull=True)))
    return select


def _where(condition: Callable[[datetime.date], Q]) -> Callable[[QuerySet[Person], datetime.date], QuerySet[Person]]:
    return lambda people, today: people.filter(condition(today))


def _in_group(group: str, condition: Callable[[datetime.date], Q]) -> Callable[[QuerySet[Person], datetime.date],
                                                                                QuerySet[Person]]:
    return lambda people, today: people.filter(condition(today), special_groups_index__contains=group_token(group))


def _health_undecided(people: QuerySet[Person], today: datetime.date) -> QuerySet[Person]:
    from linli.health.models import HealthStatus

    undecided = HealthStatus.objects.filter(Q(colour="") | ~Q(error=""), person=OuterRef("pk"))
    return people.filter(_aged(today, *SCHOOL_AGES)).filter(Exists(undecided))


@dataclass(frozen=True)
class Check:
    code: str
    label: Promise
    fields: frozenset[str]  # the report fields it makes doubtful: shown beside the reports with one
    select: Callable[[QuerySet[Person], datetime.date], QuerySet[Person]]
    needs: str = ""  # "groups": only for those who may see special groups; "health": health records


CHECKS: tuple[Check, ...] = (
    Check("moved_in_before_birth", _("Moved in before being born"), frozenset({"moved_in", "days_since_moved_in"}),
          _moved_in(lambda today: Q(moved_in__lt=F("person__birth_date")))),
    Check("moved_in_future", _("Moved in on a day still to come"), frozenset({"moved_in", "days_since_moved_in"}),
          _moved_in(lambda today: Q(moved_in__gt=today))),
    Check("no_birth_date", _("No date of birth (left out of every report chosen by age)"),
          frozenset({"birth_date", "age", "is_60_plus"}), _where(lambda today: Q(birth_date__isnull=True))),
    Check("birth_implausible", _("Date of birth in the future or more than 120 years ago"),
          frozenset({"birth_date", "age", "is_60_plus"}),
          _where(lambda today: Q(birth_date__gt=today) | Q(birth_date__lt=years_before(today, MAX_AGE)))),
    Check("pupil_without_school", _("Pupil (6 to 17) without a school"), frozenset({"school"}),
          _where(lambda today: _aged(today, *SCHOOL_AGES) & Q(school=""))),
    Check("school_age_implausible", _("A school is given for someone over 30 or under 3"), frozenset({"school"}),
          _where(lambda today: ~Q(school="") & (Q(birth_date__lte=years_before(today, 31))
                                                 | Q(birth_date__gt=years_before(today, 3))))),
    Check("young_child_over_6", _("Marked as a young child but over 6"), frozenset({"special_groups"}),
          _in_group(SpecialGroup.INFANT, lambda today: _aged(today, low=7)), needs="groups"),
    Check("alone_elder_under_60", _("Marked as an elder living alone but under 60"), frozenset({"special_groups"}),
          _in_group(SpecialGroup.ALONE_ELDER, lambda today: _aged(today, high=59)), needs="groups"),
    Check("oldest_old_under_80", _("Marked as aged 80 or over but younger"), frozenset({"special_groups"}),
          _in_group(SpecialGroup.OLDEST_OLD, lambda today: _aged(today, high=79)), needs="groups"),
    Check("pupil_without_health_status", _("Pupil (6 to 17) whose health status could not be decided"),
          frozenset({"health_status"}), _health_undecided, needs="health"),
)
BY_CODE = {c.code: c for c in CHECKS}


@dataclass(frozen=True)
class Example:
    pk: int
    name: str  # masked
    house: str


@dataclass
class Finding:
    check: Check
    count: int
    examples: list[Example] = field(default_factory=list)


def _masked(name: str) -> str:
    from linli.health.queries import masked_name

    return masked_name(name)


def run_checks(user: Any, scope: Place, today: datetime.date) -> list[Finding]:
    """The checks that find someone among the people ``user`` may export in ``scope``, in the
    order of ``CHECKS``: each with its count and the first few people (two queries a check)."""
    people = Person.objects.restrict(user, "people.export").filter(path__under=scope.path, is_active=True)
    may = {"": True, "groups": allows(user, "people.view_groups", scope.path),
           "health": allows(user, "health.report", scope.path) and allows(user, "health.view", scope.path)}
    findings = []
    for check in CHECKS:
        if not may[check.needs]:
            continue
        found = check.select(people, today)
        count = found.count()
        if count:
            examples = [Example(pk, _masked(name), house or "") for pk, name, house in
                        found.order_by("path", "pk").values_list("pk", "name", "current_house__name")[:EXAMPLES]]
            findings.append(Finding(check, count, examples))
    return findings


def findings_for(findings: list[Finding], fields: set[str]) -> list[Finding]:
    """The findings that make a report with these fields doubtful."""
    return [f for f in findings if f.check.fields & fields]
