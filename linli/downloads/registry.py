"""What can be made for download, registered by the apps that make it (people: lists of
residents; reports: a department's report, all of them in one zip).

A maker has two halves: ``check`` runs when the user asks (her rights, the parameters; it
says what the file will be), ``make`` runs in the task worker and makes the file, calling
``progress(stage, done, total)`` as it goes. Both raise ``ValidationError`` or
``PermissionDenied``; ``make`` checks and audits again, since rights may change meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Made:
    file_name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Asked:
    title: str  # what the file will be, for the page
    action: str  # the right it is made under: its author reads it while she holds that right
    # how many people's full ID numbers and phones it will hold: past LINLI_EXPORT_APPROVAL_THRESHOLD,
    # a second person approves it before it is made (decision 0023)
    full_values_of: int = 0
    # the rights (besides ``people.approve_export``) that the second person holds over the area:
    # those making the same file takes
    approver_needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Maker:
    check: Callable[[Any, Any, dict[str, Any]], Asked]  # (user, area, params)
    make: Callable[[Any, Any, dict[str, Any], ProgressFn], Made]


MAKERS: dict[str, Maker] = {}


def register(kind: str, maker: Maker) -> None:
    if MAKERS.get(kind, maker) is not maker:
        raise ImproperlyConfigured(f"download kind {kind!r} is registered twice")
    MAKERS[kind] = maker


def maker_for(kind: str) -> Maker:
    try:
        return MAKERS[kind]
    except KeyError:
        raise ImproperlyConfigured(f"no maker for downloads of kind {kind!r}") from None
