"""Generating the departments' reports: who may make which report, and how.

- A report without health data (民政, 公安, 妇联, 教育局 …) is an export of residents:
  ``people.export`` over the area.
- A report that names people with their health data (the health commission's arrivals, the
  CDC's contacts) is made only for health roles (``health.view`` and ``health.report`` over the
  area, which the district health officer holds) and only with a lawful purpose (decision
  0023), written to the audit log (PIPL art. 28).
- Street and community offices (``health.report`` without ``health.view``), and health roles
  who state no purpose, get the same selection counted per compound: counts, not people.
- A list chosen otherwise that has a health column (the education bureau's students with
  their health status) is an export; its health column is filled only for health roles who
  state a purpose, and left empty for everyone else.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core import audit, purposes
from linli.core.access import PermissionDenied, allows, may
from linli.core.purposes import StatedPurpose
from linli.places.models import Place
from linli.reports.engine import (
    HEALTH_COUNTS,
    HEALTH_LIST,
    LIST,
    LIST_WITH_HEALTH,
    Generated,
    ProgressFn,
    generate,
    generate_all,
    parse_spec,
    selects_by_health,
    uses_health_data,
)
from linli.reports.models import ReportTemplate

REPORT_ACTIONS = ("people.export", "health.report")


def mode_for(user: Any, template: ReportTemplate, scope: Place, purpose: StatedPurpose | None = None) -> str:
    """How ``user`` may make ``template`` for ``scope``; PermissionDenied if not at all."""
    spec = parse_spec(template.spec)
    names_health = purpose is not None and allows(user, "health.view", scope)
    if not selects_by_health(spec):
        if not allows(user, "people.export", scope):
            raise PermissionDenied("people.export")
        return LIST_WITH_HEALTH if uses_health_data(spec) and names_health else LIST
    if not allows(user, "health.report", scope):
        raise PermissionDenied("health.report")
    if names_health:
        return HEALTH_LIST
    return HEALTH_COUNTS


def may_make(user: Any, template: ReportTemplate, scope: Place) -> bool:
    try:
        mode_for(user, template, scope)
    except PermissionDenied:
        return False
    return True


def _refused(user: Any, template: ReportTemplate | None, scope: Place, reason: str, needs: str = "",
             purpose_code: str = "", purpose: str = "") -> None:
    audit.refused("report.generate", actor=user, reason=reason, purpose_code=purpose_code, purpose=purpose,
                  object_type="reports.reporttemplate", object_id=template.code if template else "__all__",
                  path=scope.path, detail={"needs": needs} if needs else {})


def _purpose(user: Any, template: ReportTemplate | None, scope: Place, purpose_code: str,
             purpose: str) -> StatedPurpose | None:
    """The lawful purpose stated for naming people with their health data, if any (decision
    0023); a purpose that is none is refused, and the refusal audited."""
    try:
        return purposes.state_if_any(purpose_code, purpose)
    except ValidationError:
        _refused(user, template, scope, "purpose", purpose_code=purpose_code, purpose=purpose)
        raise


def require_purpose(user: Any, template: ReportTemplate | None, scope: Place, *, people: int, purpose_code: str,
                    purpose: str) -> StatedPurpose:
    """A report naming more people with full values than the approval threshold waits for a
    second person, who reads why it is needed: a lawful purpose is then required (decision
    0023); its absence is refused, and the refusal audited."""
    stated = _purpose(user, template, scope, purpose_code, purpose)
    if stated is None:
        _refused(user, template, scope, "purpose", purpose_code=purpose_code, purpose=purpose)
        raise ValidationError({"purpose_code": [ValidationError(
            _("This names %(n)d people with full ID numbers or phones: choose the purpose, which the second "
              "person approving it reads."), code="required", params={"n": people})]})
    return stated


def check_report(template: ReportTemplate, *, scope: Place, acting_user: Any, purpose: str = "",
                 purpose_code: str = "") -> str:
    """How the user may make one report (its mode); PermissionDenied (audited) if not at all,
    ValidationError (audited) for a purpose that is none."""
    stated = _purpose(acting_user, template, scope, purpose_code, purpose)
    try:
        return mode_for(acting_user, template, scope, stated)
    except PermissionDenied as exc:
        _refused(acting_user, template, scope, "permission", str(exc), purpose_code, purpose)
        raise


def do_generate_report(template: ReportTemplate, *, scope: Place, acting_user: Any, purpose: str = "",
                       purpose_code: str = "", today: datetime.date | None = None) -> Generated:
    """One department's report for ``scope``; checked, audited (with the purpose) and recorded
    in the shared ledger. Raises PermissionDenied, or ValidationError for a bad purpose."""
    mode = check_report(template, scope=scope, acting_user=acting_user, purpose=purpose, purpose_code=purpose_code)
    return generate(template, scope=scope, acting_user=acting_user, mode=mode,
                    purpose=purposes.state_if_any(purpose_code, purpose), today=today)


def check_all_reports(*, scope: Place, acting_user: Any, purpose: str = "",
                      purpose_code: str = "") -> dict[ReportTemplate, str]:
    """Every active report the user may make for ``scope`` and its mode; PermissionDenied
    (audited) when there is none."""
    stated = _purpose(acting_user, None, scope, purpose_code, purpose)
    modes: dict[ReportTemplate, str] = {}
    for template in active_templates():
        try:
            modes[template] = mode_for(acting_user, template, scope, stated)
        except PermissionDenied:
            continue
    if not modes:
        _refused(acting_user, None, scope, "permission", "people.export", purpose_code, purpose)
        raise PermissionDenied("people.export")
    return modes


def do_generate_all_reports(*, scope: Place, acting_user: Any, purpose: str = "", purpose_code: str = "",
                            today: datetime.date | None = None, progress: ProgressFn | None = None) -> list[Generated]:
    """Every active report the user may make for ``scope``, each in its mode; PermissionDenied
    when there is none. ``progress(stage, done, total)`` hears of each report made."""
    modes = check_all_reports(scope=scope, acting_user=acting_user, purpose=purpose, purpose_code=purpose_code)
    return generate_all(modes, scope=scope, acting_user=acting_user,
                        purpose=purposes.state_if_any(purpose_code, purpose), today=today, progress=progress)


def active_templates() -> QuerySet[ReportTemplate]:
    return ReportTemplate.objects.filter(active=True).order_by("department", "code")


def may_report(user: Any) -> bool:
    """The user makes some report somewhere (the reports page and API)."""
    return any(may(user, action) for action in REPORT_ACTIONS)


def report_place(user: Any, code: str) -> Place | None:
    """The place with ``code`` if the user may make reports for it."""
    for action in REPORT_ACTIONS:
        place = Place.objects.restrict(user, action).filter(code=str(code)[:32]).first()
        if place is not None:
            return place
    return None


def report_places(user: Any) -> list[Place]:
    """The areas a user may make reports for: those of her role assignments holding either
    report action (an administrator: the streets and communities)."""
    from linli.people.exports import export_places

    return export_places(user, REPORT_ACTIONS)

