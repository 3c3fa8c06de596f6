"""Checks for single objects, on top of ``restrict``: out of scope is "not found"."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from linli.core.scope import scope_for

M = TypeVar("M", bound=Model)


class PermissionDenied(Exception):
    """The user may not perform this action on this object (shown as 403 or 404)."""


def can(user: Any, action: str, path: str) -> bool:
    return scope_for(user, action).covers(path)


def require(user: Any, action: str, path: str) -> None:
    if not can(user, action, path):
        raise PermissionDenied(action)


def get_scoped_or_404(queryset: QuerySet[M], user: Any, action: str, **lookup: Any) -> M:
    """The object if it exists inside the user's scope; 404 either way otherwise, so a
    guessed id does not reveal that something exists outside the scope."""
    try:
        return queryset.restrict(user, action).get(**lookup)  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc
