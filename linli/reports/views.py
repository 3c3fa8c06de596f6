from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, route
from linli.core.http import attachment
from linli.places.models import Place
from linli.reports.actions import (
    REPORT_ACTIONS,
    do_generate_all_reports,
    do_generate_report,
    may_make,
    may_report,
    report_place,
    report_places,
)
from linli.reports.engine import cells_saved, parse_spec, uses_health_data, zip_reports
from linli.reports.models import ReportTemplate


def _scope_from(request: HttpRequest) -> Place:
    """The area asked for, among the areas of the user's own reporting roles (or any place for
    an administrator); 404 otherwise."""
    scopes = report_places(request.user)
    code = request.POST.get("scope") or request.GET.get("scope") or (scopes[0].code if scopes else "")
    place = next((p for p in scopes if p.code == code), None) or report_place(request.user, code)
    if place is None:
        raise Http404
    return place


@route(*REPORT_ACTIONS)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not may_report(request.user):
        raise Http404
    scope = _scope_from(request)
    today = timezone.localdate()
    saving = cells_saved(request.user, scope, today)
    typed_cells, entered_once = saving.typed, saving.entered_once
    # Only the reports she may make here; the health ones say how (names with a purpose, or counts).
    templates = [(t, rows, cells, uses_health_data(parse_spec(t.spec))) for t, rows, cells in saving.templates
                 if may_make(request.user, t, scope)]
    return render(request, "reports/index.html", {
        "scope": scope, "scopes": report_places(request.user), "templates": templates, "typed_cells": typed_cells,
        "entered_once": entered_once, "saved": max(typed_cells - entered_once, 0),
        "may_name_health": allows(request.user, "health.view", scope)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@route(*REPORT_ACTIONS)
@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    scope = _scope_from(request)
    purpose = str(request.POST.get("purpose", ""))[:300]
    try:
        if request.POST.get("template") == "__all__":
            reports = do_generate_all_reports(scope=scope, acting_user=request.user, purpose=purpose)
            return attachment(zip_reports(reports), f"{scope.name}_全部部门报表_{timezone.localdate():%Y%m%d}.zip",
                             "application/zip")
        template = ReportTemplate.objects.filter(code=str(request.POST.get("template", ""))[:64], active=True).first()
        if template is None:
            messages.error(request, _("Choose a report."))
            return redirect(f"{reverse('reports:index')}?scope={scope.code}")
        report = do_generate_report(template, scope=scope, acting_user=request.user, purpose=purpose)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('reports:index')}?scope={scope.code}")
    return attachment(report.content, report.filename, XLSX)
