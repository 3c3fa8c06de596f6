from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download whose Chinese file name survives every browser (RFC 6266 filename*)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def denied(request: HttpRequest) -> HttpResponse:
    """The page a user gets for a page her roles do not include (403)."""
    return render(request, "core/denied.html", status=403)
