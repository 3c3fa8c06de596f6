from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, may, route
from linli.downloads.access import APPROVE
from linli.downloads.actions import approval_threshold, do_request_download, recent, waiting_for
from linli.places.models import Place
from linli.reports.actions import (
    REPORT_ACTIONS,
    may_make,
    may_report,
    mode_for,
    report_place,
    report_places,
)
from linli.reports.checks import findings_for, run_checks
from linli.reports.engine import (
    LIST,
    cells_saved,
    full_value_columns,
    full_values_of,
    parse_spec,
    selects_by_health,
    uses_health_data,
)


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
    # Only the reports she may make here; the health ones say how (names with a purpose, or counts).
    # A list of more people with full values than the threshold waits for a second person (0023).
    threshold, may_name_health = approval_threshold(), allows(request.user, "health.view", scope)
    # Plausibility warnings: the reports are made all the same; beside each, those that concern it.
    findings = run_checks(request.user, scope, today)
    templates = [(t, rows, cells, uses_health_data(parse_spec(t.spec)),
                  rows > threshold and bool(full_value_columns(t, LIST))
                  and (may_name_health or not selects_by_health(parse_spec(t.spec))),
                  findings_for(findings, {c.field for c in parse_spec(t.spec).columns}))
                 for t, rows, cells in saving.templates if may_make(request.user, t, scope)]
    # What the page saves her, in one figure she can check: the cells of the reports listed here.
    typed_cells = sum(cells for _t, _rows, cells, *_rest in templates)
    # All of them in one zip: the people named with full values in any of them (without a purpose).
    modes = {t: mode_for(request.user, t, scope) for t, *_rest in templates}
    held_all = any(held for *_rest, held, _doubts in templates) or \
        full_values_of(modes, scope=scope, acting_user=request.user) > threshold
    may_approve = may(request.user, APPROVE)
    return render(request, "reports/index.html", {
        "scope": scope, "scopes": report_places(request.user), "templates": templates, "typed_cells": typed_cells,
        "may_name_health": may_name_health, "threshold": threshold,
        "held": held_all, "may_approve": may_approve, "findings": findings,
        "may_open_people": allows(request.user, "people.view", scope.path),
        "waiting": waiting_for(request.user).count() if may_approve else 0,
        "recent": recent(request.user, ("report", "all_reports"))})


@route(*REPORT_ACTIONS)
@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    """Ask for one report or all of them: a street's take seconds, so the task worker makes
    them while the next page shows how far it got."""
    scope = _scope_from(request)
    every = request.POST.get("template") == "__all__"
    params = {"purpose": str(request.POST.get("purpose", ""))[:300],
              "purpose_code": str(request.POST.get("purpose_code", ""))[:32]}
    if not every:
        params["template"] = str(request.POST.get("template", ""))[:64]
    try:
        download = do_request_download("all_reports" if every else "report", scope=scope, params=params,
                                       acting_user=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('reports:index')}?scope={scope.code}")
    return redirect("downloads:detail", pk=download.pk)
