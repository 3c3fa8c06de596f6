from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core import audit, audit_words, regions
from linli.core.access import area_of, may, route
from linli.core.models import AuditEvent
from linli.core.pagination import Pager
from linli.core.text import clean_query_text


@route("audit.view")
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The events of the viewer's own area (each event is filed under the place it concerns);
    reads of health data only for those who hold a health role there."""
    if not may(request.user, "audit.view"):
        return render(request, "core/denied.html", status=403)
    events = AuditEvent.objects.restrict(request.user, "audit.view").order_by("-seq")
    action = clean_query_text(request.GET.get("action", ""), 64)
    if action:
        events = events.filter(action=action)
    page = Pager(events, 50).get_page(request.GET.get("page"))
    # Read the page before this read is logged: the count was taken without it.
    page.object_list = list(page.object_list)
    audit.record("audit.view", actor=request.user, detail={"page": page.number},
                 path=area_of(request.user, "audit.view"))
    for event in page.object_list:
        event.action_words = audit_words.action_words(event.action)
        event.actor_words = audit_words.actor_words(event.actor_name, event.actor_id is not None)
        event.purpose_words = audit_words.purpose_words(
            event.purpose, str(event.detail.get("purpose_code", "")) if isinstance(event.detail, dict) else "")
        event.object_words = audit_words.object_words(event.object_type) if event.object_type else ""
    choices = sorted(((code, str(words)) for code, words in audit_words.ACTIONS.items()), key=lambda c: c[1])
    return render(request, "core/audit.html", {"page": page, "action": action, "choices": choices})


_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,40}")


@route(signed_in=True)
@login_required
def region_choices(request: HttpRequest) -> HttpResponse:
    """The regions of the GB/T 2260 list matching what is typed in a form's region field, as
    radio buttons named after the form's code field (the live search of ``RegionField``)."""
    field, source = request.GET.get("field", ""), request.GET.get("from", "")
    field = field if _FIELD_NAME.fullmatch(field) else "region_code"  # names chosen by the form, nothing else
    source = source if _FIELD_NAME.fullmatch(source) else "q"
    query = clean_query_text(request.GET.get(source, ""), regions.MAX_QUERY)
    return render(request, "core/_region_choices.html",
                  {"regions": regions.search(query, limit=8) if query else [], "name": field, "query": query})
