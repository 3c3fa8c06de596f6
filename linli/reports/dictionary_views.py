"""The data dictionary page: canonical fields and national code lists, and a JSON download."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.access import route
from linli.core.http import attachment
from linli.reports import dictionary as dd


@route(signed_in=True)
@login_required
def dictionary(request: HttpRequest) -> HttpResponse:
    """Any logged-in user may read the dictionary: it holds definitions, no personal data."""
    version = dd.dictionary_version()
    if request.GET.get("format") == "json":
        body = json.dumps(dd.as_json(), ensure_ascii=False, indent=2)
        return attachment(body.encode(), f"linli-data-dictionary-{version}.json",
                          "application/json; charset=utf-8")
    lists = dd.load_code_lists()
    return render(request, "reports/dictionary.html", {
        "version": version, "fields": dd.canonical_fields(),
        "code_lists": [lists[name] for name in sorted(lists)]})
