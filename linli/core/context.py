"""Who is acting and from where, for the audit log, without threading ``request`` everywhere."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    channel: str = "cli"  # web, api, cli, task


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "linli_request_context", default=RequestContext()  # noqa: B039 - a frozen dataclass
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
