"""The reports made in the background (a street's reports take seconds): one department's
report, or all of them in one zip. The checks and the audit are the actions'. A report naming
more people with full values than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` waits for a second
person's approval first (decision 0023)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.access import allows
from linli.downloads.actions import approval_threshold
from linli.downloads.registry import Asked, Made, Maker, ProgressFn, register
from linli.places.models import Place
from linli.reports.actions import (
    check_all_reports,
    check_report,
    do_generate_all_reports,
    do_generate_report,
    require_purpose,
)
from linli.reports.engine import HEALTH_LIST, RIGHTS, full_values_of, zip_reports
from linli.reports.models import ReportTemplate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _template(params: dict[str, Any]) -> ReportTemplate:
    template = ReportTemplate.objects.filter(code=str(params.get("template", ""))[:64], active=True).first()
    if template is None:
        raise ValidationError(gettext_lazy("Choose a report."), code="template")
    return template


def _purpose(params: dict[str, Any]) -> dict[str, Any]:
    return {"purpose": str(params.get("purpose", ""))[:300], "purpose_code": str(params.get("purpose_code", ""))[:32]}


def check_one(user: Any, scope: Place, params: dict[str, Any]) -> Asked:
    template = _template(params)
    mode = check_report(template, scope=scope, acting_user=user, **_purpose(params))
    return _asked(user, scope, params, {template: mode}, f"{template.title} · {scope.name}", template)


def _asked(user: Any, scope: Place, params: dict[str, Any], modes: dict[ReportTemplate, str], title: str,
           template: ReportTemplate | None = None) -> Asked:
    """What the file will be. Naming more people with full ID numbers or phones than the
    approval threshold, it waits for a second person who may make the same reports there
    (decision 0023), and needs a lawful purpose for her to read."""
    people = full_values_of(modes, scope=scope, acting_user=user)
    if people > approval_threshold():
        require_purpose(user, template, scope, people=people, **_purpose(params))
    return Asked(title, _action(user, scope, list(modes.values())), full_values_of=people,
                 approver_needs=tuple(sorted({right for mode in modes.values() for right in RIGHTS[mode]})))


def make_one(user: Any, scope: Place, params: dict[str, Any], progress: ProgressFn) -> Made:
    template = _template(params)
    progress(template.title, 0, 1)
    report = do_generate_report(template, scope=scope, acting_user=user, **_purpose(params))
    progress(template.title, 1, 1)
    return Made(report.filename, XLSX, report.content)


def check_all(user: Any, scope: Place, params: dict[str, Any]) -> Asked:
    modes = check_all_reports(scope=scope, acting_user=user, **_purpose(params))
    return _asked(user, scope, params, modes,
                  _("All %(n)d department reports · %(area)s") % {"n": len(modes), "area": scope.name})


def _action(user: Any, scope: Place, modes: list[str]) -> str:
    """The right the file is read under: the health reports' when it names people with their
    health data (or she makes no export), the export right otherwise."""
    if HEALTH_LIST in modes or not allows(user, "people.export", scope):
        return "health.report"
    return "people.export"


def make_all(user: Any, scope: Place, params: dict[str, Any], progress: ProgressFn) -> Made:
    reports = do_generate_all_reports(scope=scope, acting_user=user, **_purpose(params), progress=progress)
    return Made(f"{scope.name}_全部部门报表_{timezone.localdate():%Y%m%d}.zip", "application/zip",
                zip_reports(reports))


def register_makers() -> None:
    register("report", Maker(check=check_one, make=make_one))
    register("all_reports", Maker(check=check_all, make=make_all))
