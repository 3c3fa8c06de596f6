"""The pages' side of live events (decision 0026): where a signed-in page opens its stream, and the
Content-Security-Policy that lets it connect there.

The stream is served by the push server (``linli push``, ``linli.web.push_server``), not by the
WSGI servers: each open stream would hold one of their threads. Behind a reverse proxy that sends
``/live/`` to the push server, ``LINLI_PUSH_PUBLIC_URL=/live/`` keeps it on the site's own
origin. Without one (the demo, a plain ``linli serve``), the push server listens on the next port
and pages connect to it on the host they were loaded from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


def _hostname(request: HttpRequest) -> str:
    host = request.get_host()
    if host.endswith("]") or ":" not in host:
        return host
    return host.rpartition(":")[0]


def stream_url(request: HttpRequest) -> str:
    """Where this page's live stream is, or "" when no push server runs."""
    public = settings.LINLI_PUSH_PUBLIC_URL
    if public:
        return str(public)
    port = settings.LINLI_PUSH_PORT
    if not port:
        return ""
    return f"{request.scheme}://{_hostname(request)}:{port}/live/"


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.partition('/')[0]}" if rest else ""


class LiveStreamPolicyMiddleware:
    """Adds the push server's origin to the page's ``connect-src`` when it is another origin
    (another port), for this request's host only, on signed-in pages (the only ones with a stream)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if not response.get("Content-Type", "").startswith("text/html") or not getattr(user, "is_authenticated", False):
            return response
        try:
            origin = _origin(stream_url(request))
        except DisallowedHost:  # already answered as a bad request
            return response
        if origin:
            update: dict[str, Any] = dict(getattr(response, "_csp_update", None) or {})
            sources = update.get("connect-src", [])
            sources = [sources] if isinstance(sources, str) else list(sources)
            update["connect-src"] = [*sources, origin]
            response._csp_update = update  # type: ignore[attr-defined]
        return response
