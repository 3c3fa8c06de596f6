"""今日待办: what each user has to do today, gathered from the apps for her home page.

Each app registers a function ``todos(user) -> list[Todo]`` (in its ``AppConfig.ready``); the
home page shows them together, overdue first. Core knows nothing of requests, tasks or
visits: the apps bring their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Todo:
    label: str  # translated, e.g. "诉求待受理"
    count: int
    url: str
    overdue: bool = False  # shown in red, first


Provider = Callable[[Any], list[Todo]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def todos(user: Any) -> list[Todo]:
    """Everything the user has to do, overdue first; empty counts left out."""
    found = [todo for provider in _PROVIDERS for todo in provider(user) if todo.count]
    return sorted(found, key=lambda t: not t.overdue)
