from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, route
from linli.core.http import attachment
from linli.core.scope import scope_for
from linli.people.exports import export_places
from linli.places.models import Place
from linli.reports.engine import cells_saved, generate, generate_all, zip_reports
from linli.reports.models import ReportTemplate


def _scope_from(request: HttpRequest) -> Place:
    scopes = export_places(request.user)
    code = request.POST.get("scope") or request.GET.get("scope") or (scopes[0].code if scopes else "")
    place = next((p for p in scopes if p.code == code), None)
    if place is None:
        place = Place.objects.filter(code=str(code)[:32]).first()
        if place is None or not allows(request.user, "people.export", place.path):
            raise Http404
    return place


@route("people.export")
@login_required
def index(request: HttpRequest) -> HttpResponse:
    if scope_for(request.user, "people.export").empty:
        raise Http404
    scope = _scope_from(request)
    today = timezone.localdate()
    saving = cells_saved(request.user, scope, today)
    templates, typed_cells, entered_once = saving.templates, saving.typed, saving.entered_once
    return render(request, "reports/index.html", {
        "scope": scope, "scopes": export_places(request.user), "templates": templates, "typed_cells": typed_cells,
        "entered_once": entered_once, "saved": max(typed_cells - entered_once, 0)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@route("people.export")
@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    scope = _scope_from(request)
    try:
        if request.POST.get("template") == "__all__":
            reports = generate_all(scope=scope, acting_user=request.user)
            return attachment(zip_reports(reports), f"{scope.name}_全部部门报表_{timezone.localdate():%Y%m%d}.zip",
                             "application/zip")
        template = ReportTemplate.objects.filter(code=str(request.POST.get("template", ""))[:64], active=True).first()
        if template is None:
            raise Http404
        report = generate(template, scope=scope, acting_user=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    return attachment(report.content, report.filename, XLSX)
