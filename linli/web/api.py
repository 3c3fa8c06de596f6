"""The JSON API: django-ninja under /api/, OpenAPI at /api/openapi.json, docs at /api/docs.

Every error is JSON and bilingual. A validation problem is a 422 naming the field
(``loc``), a machine-readable ``code`` and the message in English (``msg``) and Chinese
(``msg_zh``); anything the caller may not see is a 404, whether it exists or not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.types import DictStrAny

from linli.alerts.api import router as alerts_router
from linli.campaigns.api import router as campaigns_router
from linli.consult.api import router as consult_router
from linli.core.access import PermissionDenied, route
from linli.core.api import purposes_router
from linli.core.api import router as regions_router
from linli.core.api_auth import BearerAuth, BrowserSessionAuth
from linli.core.errors import BAD_UPLOAD, Bilingual, api_errors, api_item
from linli.core.text import strip_invisible_all
from linli.devices.api import router as devices_router
from linli.downloads.api import router as downloads_router
from linli.gates.api import router as gates_router
from linli.grids.api import router as grids_router
from linli.handout.api import router as handout_router
from linli.health.api import router as health_router
from linli.imports.api import router as imports_router
from linli.ledger.api import router as ledger_router
from linli.notices.api import router as notices_router
from linli.opinion.api import router as opinion_router
from linli.people.api import router as people_router
from linli.people.place_api import router as building_layout_router
from linli.places.api import router as places_router
from linli.reports.api import router as reports_router
from linli.rumours.api import router as rumours_router
from linli.sites.api import router as sites_router
from linli.suppliers.api import router as suppliers_router
from linli.supplies.api import router as supplies_router
from linli.tasks.api import router as tasks_router
from linli.tasks.api import visits_router
from linli.tickets.api import deliveries_router
from linli.tickets.api import router as tickets_router
from linli.tickets.catalogue_api import router as catalogue_router
from linli.tickets.hotline_api import router as hotline_router

logger = logging.getLogger(__name__)


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese as UTF-8 characters rather than \\u escapes: readable in logs and
    curl, and half the size for Chinese text."""

    json_dumps_params = {"ensure_ascii": False}


class CleanTextParser(Parser):
    """Every text of a request (JSON body, form fields, query) loses its invisible characters
    and direction controls before validation: the rule of the web forms and the importer."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return cast(DictStrAny, strip_invisible_all(super().parse_body(request)))

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> DictStrAny:
        return cast(DictStrAny, strip_invisible_all(super().parse_querydict(data, list_fields, request)))


api = NinjaAPI(
    title="Linli API",
    version="1",
    urls_namespace="api",
    description="Residents, places and grids of a street, limited to what the caller may see. "
                "Authenticate with `Authorization: Bearer <token>` (made on your account page, "
                "`/account/`, or with `linli token create USER`; tokens expire) or a browser session.",
    auth=[BearerAuth(), BrowserSessionAuth()],
    renderer=Utf8JSONRenderer(),
    parser=CleanTextParser(),
)

# Fixed protocol messages, in both languages at once: the API answers English and Chinese
# together whatever the caller's language, and these must not depend on a .po file.
NOT_FOUND = Bilingual("Not found", "未找到")
HTTP_MESSAGES: dict[int, Bilingual] = {
    400: Bilingual("The request body is not valid JSON.", "请求内容不是有效的 JSON。"),
    401: Bilingual("Authentication required: send a bearer token or log in.", "需要身份认证：请提供令牌或先登录。"),
    403: Bilingual("You may not do this.", "您无权进行此操作。"),
    404: NOT_FOUND,
    429: Bilingual("Too many requests.", "请求过于频繁。"),
}
TOO_BIG = Bilingual(f"The request is larger than the server takes ({settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024:,} KB): "
                   "send less at once, or a file through its upload form.",
                   f"请求超过服务器允许的大小（{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024:,} KB）：请分批发送，或通过上传表单提交文件。")
SERVER_ERROR = Bilingual("Something went wrong on the server; it has been logged.", "服务器出错，已记录。")
CSRF_FAILED = Bilingual("CSRF check failed: reload the page.", "CSRF 校验失败：请刷新页面后重试。")
# Chinese for pydantic's error types; anything else gets the generic "input is wrong".
PYDANTIC_ZH: dict[str, str] = {
    "missing": "缺少此项。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "bool_parsing": "应为布尔值。",
    "string_type": "应为文本。",
    "list_type": "应为列表。",
    "dict_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "literal_error": "不是允许的取值。",
    "enum": "不是允许的取值。",
    "greater_than_equal": "数值太小。",
    "greater_than": "数值太小。",
    "less_than_equal": "数值太大。",
    "less_than": "数值太大。",
    "string_too_long": "文本太长。",
    "string_too_short": "文本太短。",
    "too_long": "项目太多。",
    "date_from_datetime_parsing": "日期格式有误。",
    "date_parsing": "日期格式有误。",
    "date_format": "日期请写成 2026-01-05 这样的格式。",
    "date_range": "{date} 不是此处可接受的日期：只接受 {earliest} 至 {latest} 之间的日期。",
    "json_invalid": "JSON 格式有误。",
}
GENERIC_ZH = "输入有误。"
BODY_PARAMETER = "payload"


def _error(request: HttpRequest, status: int, message: Bilingual) -> HttpResponse:
    return api.create_response(request, {"detail": message.en, "detail_zh": message.zh}, status=status)


def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": api_errors(exc)}, status=422)


def _loc(raw: tuple[Any, ...]) -> list[str | int]:
    loc = [part if isinstance(part, int) else str(part) for part in raw]
    # Handlers name their body parameter "payload"; drop it so a field is ["body", "name"]
    # here as in the errors raised by actions.
    return ["body", *loc[2:]] if loc[:2] == ["body", BODY_PARAMETER] else loc


def _zh(error: dict[str, Any]) -> str:
    text = PYDANTIC_ZH.get(str(error.get("type")), GENERIC_ZH)
    try:
        return text.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return text


def on_ninja_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    detail = [
        api_item(_loc(tuple(error.get("loc", ()))), str(error.get("type", "invalid")),
                 Bilingual(str(error.get("msg", "Invalid input.")), _zh(error)))
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, HTTP_MESSAGES[403])


def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, NOT_FOUND)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = getattr(exc, "bilingual", None) or HTTP_MESSAGES.get(exc.status_code, Bilingual(str(exc), GENERIC_ZH))
    if exc.status_code == 403 and "CSRF" in str(exc):
        message = CSRF_FAILED
    response = _error(request, exc.status_code, message)
    if isinstance(exc, AuthenticationError):
        response["WWW-Authenticate"] = "Bearer"
    return response


def on_bad_upload(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _error(request, 400, BAD_UPLOAD)


def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, TOO_BIG)


def on_gone_meanwhile(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    """A row found a moment ago and gone when the action read it again under its lock: another
    request removed it meanwhile, so it is not found now. Logged with its traceback, in case it
    is a bug instead."""
    logger.warning("API %s %s: a row it needs is gone", request.method, request.path, exc_info=exc)
    return _error(request, 404, NOT_FOUND)


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Still a bug, and still logged with its traceback; but the caller gets JSON.
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return _error(request, 500, SERVER_ERROR)


HANDLERS: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
    DjangoValidationError: on_django_validation_error,
    NinjaValidationError: on_ninja_validation_error,
    PermissionDenied: on_permission_denied,
    Http404: on_not_found,
    ObjectDoesNotExist: on_gone_meanwhile,
    HttpError: on_http_error,
    MultiPartParserError: on_bad_upload,
    RequestDataTooBig: on_too_big,
    Exception: on_unexpected,
}
for exc_class, handler in HANDLERS.items():
    api.add_exception_handler(exc_class, handler)

api.add_router("/people", people_router, tags=["people"])
api.add_router("/places", places_router, tags=["places"])
api.add_router("/places", building_layout_router, tags=["places"])
api.add_router("/grids", grids_router, tags=["grids"])
api.add_router("/ledger", ledger_router, tags=["ledger"])
api.add_router("/reports", reports_router, tags=["reports"])
api.add_router("/imports", imports_router, tags=["imports"])
api.add_router("/health", health_router, tags=["health"])
api.add_router("/gates", gates_router, tags=["gates"])
api.add_router("/requests/hotline", hotline_router, tags=["requests"])  # before /requests/{ticket_id}
api.add_router("/requests", catalogue_router, tags=["requests"])  # before /requests/{ticket_id}
api.add_router("/requests", tickets_router, tags=["requests"])
api.add_router("/deliveries", deliveries_router, tags=["deliveries"])
api.add_router("/regions", regions_router, tags=["regions"])
api.add_router("/purposes", purposes_router, tags=["purposes"])
api.add_router("/downloads", downloads_router, tags=["downloads"])
api.add_router("/tasks", tasks_router, tags=["tasks"])
api.add_router("/notices", notices_router, tags=["notices"])
api.add_router("/consultations", consult_router, tags=["consultations"])
api.add_router("/visits", visits_router, tags=["visits"])
api.add_router("/alerts", alerts_router, tags=["alerts"])
api.add_router("/devices", devices_router, tags=["devices"])
api.add_router("/supplies", supplies_router, tags=["supplies"])
api.add_router("/sites", sites_router, tags=["sites"])
api.add_router("/rumours", rumours_router, tags=["rumours"])
api.add_router("/suppliers", suppliers_router, tags=["suppliers"])
api.add_router("/handout", handout_router, tags=["handout"])
api.add_router("/campaigns", campaigns_router, tags=["campaigns"])
api.add_router("/opinion", opinion_router, tags=["opinion"])

# Last, so it only catches what no route above matched: an unknown /api/ URL is a JSON
# 404 like every other error, not Django's HTML page.
fallback = Router()
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@fallback.api_operation(ANY_METHOD, "/", auth=None, include_in_schema=False)
@route(public=True)
def api_root(request: HttpRequest) -> HttpResponse:
    raise Http404


@fallback.api_operation(ANY_METHOD, "/{path:rest}", auth=None, include_in_schema=False)
@route(public=True)
def unknown_url(request: HttpRequest, rest: str) -> HttpResponse:
    raise Http404


api.add_router("", fallback)
