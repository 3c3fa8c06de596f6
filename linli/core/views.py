from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core import audit
from linli.core.models import AuditEvent
from linli.core.scope import scope_for
from linli.core.validators import clean_query_text


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if scope_for(request.user, "audit.view").empty:
        return render(request, "core/denied.html", status=403)
    events = AuditEvent.objects.order_by("-seq")
    action = clean_query_text(request.GET.get("action", ""), 64)
    if action:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    audit.record("audit.view", actor=request.user, detail={"page": page.number})
    return render(request, "core/audit.html", {"page": page, "action": action})
