"""How programs and browsers authenticate to the JSON API, and plumbing the routers share.

Programs send ``Authorization: Bearer ll_…``; only the SHA-256 digest of a token is stored,
so a database dump cannot be replayed. Browsers use their login session, with CSRF checks
on unsafe methods.
"""

from __future__ import annotations

import datetime
import re
import secrets
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from linli.core import audit, dates
from linli.core.models import ApiToken, User

TOKEN_PREFIX = "ll_"  # noqa: S105 - a public marker that makes leaked tokens easy to spot
PREFIX_LENGTH = 10  # "ll_" + 7 characters: enough to tell tokens apart in lists and logs
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours; do not even hash it
# Writing last_used_at on every request would turn each read into a write (and take
# SQLite's write lock); a few minutes of precision is enough to spot unused tokens.
LAST_USED_PRECISION = datetime.timedelta(minutes=5)


def create_token(user: User, name: str = "") -> str:
    """Create a bearer token for ``user`` and return it: this is the only time it is seen."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name[:64], prefix=token[:PREFIX_LENGTH],
                                      digest=ApiToken.digest_of(token))
        audit.record("token.create", actor=user, obj=row, detail={"prefix": row.prefix})
    return token


def revoke_tokens(prefix: str, *, acting_user: Any = None) -> int:
    """Revoke the active tokens with this prefix (the first characters of a token, or the
    whole token); returns how many were revoked."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(ApiToken.objects.select_for_update()
                    .filter(prefix=prefix[:PREFIX_LENGTH], revoked_at__isnull=True))
        for row in rows:
            ApiToken.objects.filter(pk=row.pk).update(revoked_at=now)
            audit.record("token.revoke", actor=acting_user, obj=row, detail={"prefix": row.prefix})
    return len(rows)


def user_for_token(token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = (ApiToken.objects.select_related("user")
           .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True).first())
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


class BearerAuth(HttpBearer):
    """``Authorization: Bearer ll_…`` for programs (no CSRF: browsers never send it unasked)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The browser's login session, like ninja's ``django_auth``, CSRF-checked on unsafe
    methods. Unlike ``django_auth`` the CSRF check runs only when there is a logged-in
    session, so a request with no credentials at all gets 401, not a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


# --- shared by the routers ----------------------------------------------------------------

def api_user(request: HttpRequest) -> User:
    """The caller that the authentication above let in (ninja keeps it as ``request.auth``)."""
    return request.auth  # type: ignore[attr-defined, no-any-return]


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
