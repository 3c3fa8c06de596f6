"""How programs and browsers authenticate to the JSON API, and plumbing the routers share.

Programs send ``Authorization: Bearer ll_…``; only the SHA-256 digest of a token is stored,
so a database dump cannot be replayed. Every token expires (``LINLI_API_TOKEN_DAYS``); its
owner lists and revokes hers on her account page. Browsers use their login session, with CSRF checks
on unsafe methods.
"""

from __future__ import annotations

import datetime
import re
import secrets
from typing import Annotated, Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.errors import AuthenticationError
from ninja.pagination import PageNumberPagination
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from linli.core import audit, dates, twofactor
from linli.core.errors import Bilingual
from linli.core.models import ApiToken, User
from linli.core.text import has_control_characters

TOKEN_PREFIX = "ll_"  # noqa: S105 - a public marker that makes leaked tokens easy to spot
PREFIX_LENGTH = 10  # "ll_" + 7 characters: enough to tell tokens apart in lists and logs
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours; do not even hash it
# Writing last_used_at on every request would turn each read into a write (and take
# SQLite's write lock); a few minutes of precision is enough to spot unused tokens.
LAST_USED_PRECISION = datetime.timedelta(minutes=5)
MAX_TOKEN_DAYS = 3650


def create_token(user: User, name: str = "", *, days: int | None = None) -> str:
    """Create a bearer token for ``user``, valid for ``days`` (``LINLI_API_TOKEN_DAYS``), and
    return it: this is the only time it is seen."""
    days = settings.LINLI_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValueError(f"a token is valid for 1 to {MAX_TOKEN_DAYS} days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + datetime.timedelta(days=days)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name[:64], prefix=token[:PREFIX_LENGTH],
                                      digest=ApiToken.digest_of(token), expires_at=expires)
        audit.record("token.create", actor=user, obj=row, path="",
                     detail={"prefix": row.prefix, "expires": expires.isoformat(timespec="minutes")})
    return token


def revoke_tokens(prefix: str, *, acting_user: Any = None) -> int:
    """Revoke the active tokens with this prefix (the first characters of a token, or the
    whole token); returns how many were revoked. For ``linli token revoke`` at the server."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(ApiToken.objects.select_for_update()
                    .filter(prefix=prefix[:PREFIX_LENGTH], revoked_at__isnull=True))
        for row in rows:
            ApiToken.objects.filter(pk=row.pk).update(revoked_at=now)
            audit.record("token.revoke", actor=acting_user, obj=row, path="", detail={"prefix": row.prefix})
    return len(rows)


def own_tokens(user: Any) -> Any:
    """The user's own tokens, newest first, revoked and expired ones included (her account page)."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


class ExpiredToken(AuthenticationError):
    """A token past its ``expires_at``: 401, saying so (not the generic "authentication required")."""

    def __init__(self, row: ApiToken) -> None:
        super().__init__(message="token expired")
        day = timezone.localtime(row.expires_at).strftime("%Y-%m-%d %H:%M")
        self.bilingual = Bilingual(
            f"This token ({row.prefix}…) expired on {day}: make a new one on your account page (/account/).",
            f"此令牌（{row.prefix}…）已于 {day} 过期：请在“我的账号”页面（/account/）新建令牌。")


class UnverifiedSession(AuthenticationError):
    """A browser session whose user must confirm a second factor and has not: 401."""

    bilingual = Bilingual(
        "Confirm the code of your authenticator app first: this session has not passed the second factor.",
        "请先输入身份验证器应用显示的动态验证码：本次登录尚未通过第二重验证。")

    def __init__(self) -> None:
        super().__init__(message="second factor required")


def token_row(token: str) -> ApiToken | None:
    """The unrevoked token row of an active user, expired or not; None for anything else."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = (ApiToken.objects.select_related("user")
           .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True).first())
    if row is None or not row.user.is_active:
        return None
    return row


def user_for_token(token: str) -> User | None:
    """The active user owning an unrevoked, unexpired token, or None."""
    row = token_row(token)
    if row is None or row.expires_at <= timezone.now():
        return None
    _mark_used(row)
    return row.user


def _mark_used(row: ApiToken) -> None:
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)


class BearerAuth(HttpBearer):
    """``Authorization: Bearer ll_…`` for programs (no CSRF: browsers never send it unasked).
    An expired token gets a 401 that says it expired."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = token_row(token)
        if row is None:
            return None
        if row.expires_at <= timezone.now():
            raise ExpiredToken(row)
        _mark_used(row)
        user = row.user
        # A token stands in for the second factor (linli.core.scope.second_factor_passed).
        user.linli_bearer_token = True  # type: ignore[attr-defined]
        request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The browser's login session, like ninja's ``django_auth``, CSRF-checked on unsafe
    methods. Unlike ``django_auth`` the CSRF check runs only when there is a logged-in
    session, so a request with no credentials at all gets 401, not a CSRF 403. A session
    that still owes its second factor gets 401 too, saying so."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if twofactor.pending(request.user):
            raise UnverifiedSession()
        return super()._get_key(request)


# --- shared by the routers ----------------------------------------------------------------

def api_user(request: HttpRequest) -> User:
    """The caller that the authentication above let in (ninja keeps it as ``request.auth``)."""
    return request.auth  # type: ignore[attr-defined, no-any-return]


def no_control_characters(allowed: str = "") -> AfterValidator:
    """The check of an API request's text fields: no control characters but ``allowed`` (say
    "\n" for a field of several lines). PostgreSQL refuses NUL in text, and the others are never
    meant in a name, an address or a reason; a 422 names the field."""

    def check(value: str) -> str:
        if has_control_characters(value, allowed=allowed):
            raise ValueError("must not contain control characters")
        return value

    return AfterValidator(check)


# Text of one line in an API request (a name, a phone number, a reason).
Text = Annotated[str, no_control_characters()]
# Text that may run to several lines, as typed on Windows or pasted from a spreadsheet.
Lines = Annotated[str, no_control_characters("\t\n\r")]

# A database id: anything outside a positive 64-bit integer is a 422 rather than an overflow
# in the database driver (Django guards ``pk=`` lookups, not lookups through a foreign key).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _written_as_a_date(value: Any) -> Any:
    # pydantic would read 0 (or "0") as 1970-01-01, seconds since 1970.
    if not isinstance(value, datetime.date) and not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        raise PydanticCustomError("date_format", "Write the date as 2026-01-05.")
    return value


def _plausible(day: datetime.date) -> datetime.date:
    today = timezone.localdate()
    if not dates.within_bounds(day, today):
        raise PydanticCustomError(
            "date_range", "{date} is not a plausible date here: dates from {earliest} to {latest} are accepted.",
            {"date": day.isoformat(), "earliest": dates.EARLIEST.isoformat(), "latest": dates.latest(today).isoformat()})
    return day


Date = Annotated[datetime.date, BeforeValidator(_written_as_a_date), AfterValidator(_plausible),
                 WithJsonSchema({"type": "string", "format": "date"})]
# A lawful purpose (decision 0023): its code from GET /api/purposes, and the words for "other".
PurposeCode = Annotated[str, Field(max_length=32, description=(
    "why the full values are needed: a lawful purpose's code (GET /api/purposes lists them: epidemic_control, "
    "social_assistance, care_visit, emergency, authority_request, verify_registration … and other); written "
    "to the audit log. Empty with a purpose text: other"))]
PurposeText = Annotated[str, Field(max_length=300, description=(
    'the purpose in words: required for "other" (a sentence of at least 10 letters or digits), optional '
    "details otherwise; written to the audit log"))]
MAX_PAGE = 100_000  # far beyond any real list; keeps OFFSET inside a 64-bit integer


class Pages(PageNumberPagination):
    """Page-number pagination with bounded inputs (a huge page number is a 422, not an
    integer overflow in the database)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=100)


class ErrorOut(Schema):
    detail: str
    detail_zh: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    code: str
    msg: str
    msg_zh: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


ERRORS: dict[int | frozenset[int], Any] = {
    frozenset({401, 403, 404}): ErrorOut,
    422: ValidationErrorOut,
}
