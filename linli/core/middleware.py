from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse

from linli.core import context
from linli.core.proxies import client_ip, strip_untrusted

__all__ = ["ChineseFirstLocaleMiddleware", "ForwardedHeadersMiddleware", "RequestContextMiddleware",
           "SecondFactorMiddleware", "client_ip"]

logger = logging.getLogger(__name__)


class ForwardedHeadersMiddleware:
    """First in the chain: forwarded headers (X-Real-IP, X-Forwarded-For, X-Forwarded-Proto …)
    survive only on requests from ``LINLI_TRUSTED_PROXIES``, so neither the audit log nor
    Django's idea of HTTPS (``SECURE_PROXY_SSL_HEADER``) can be set by a client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        strip_untrusted(request.META, tuple(settings.LINLI_TRUSTED_PROXIES))
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A page's action read a row again under its lock and found it gone (another request
        removed it meanwhile): the page answers "not found", as it would a moment later, not
        a server error. Logged with its traceback, in case it is a bug instead."""
        if not isinstance(exception, ObjectDoesNotExist):
            return None
        logger.warning("%s %s: a row it needs is gone", request.method, request.path, exc_info=exception)
        return response_for_exception(request, Http404(str(exception)))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(context.RequestContext(ip=client_ip(request), channel=channel))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages that show personal data must not be kept by shared browsers or proxies.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise with the language switch (a cookie).

    The browser's Accept-Language is ignored on purpose: office and borrowed phones often
    run an English system, and community staff expect the Chinese interface.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class SecondFactorMiddleware:
    """A signed-in user who owes her second factor (decision 0022) reaches only the pages that
    settle it: the code page when she has an authenticator, the set-up page when her role needs
    one and she has none yet, and signing out, the language and large-text switches. Everything
    else sends her there, to come back afterwards. The API answers such a session 401 itself
    (``linli.core.api_auth.BrowserSessionAuth``), and the actions that hand out full values
    refuse it in the policy layer (``linli.core.scope.second_factor_passed``)."""

    OPEN = {"second_factor_verify", "second_factor_enrol", "logout", "set_language", "elder_mode"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path_info.startswith("/api/"):
            return self.get_response(request)
        from linli.core import twofactor

        owed = twofactor.pending(user)
        if not owed or self._open(request):
            return self.get_response(request)
        from urllib.parse import urlencode

        from django.shortcuts import redirect
        from django.urls import reverse

        target = reverse("second_factor_verify" if owed == twofactor.VERIFY else "second_factor_enrol")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    def _open(self, request: HttpRequest) -> bool:
        from django.urls import Resolver404, resolve

        try:
            return resolve(request.path_info).url_name in self.OPEN
        except Resolver404:
            return False
