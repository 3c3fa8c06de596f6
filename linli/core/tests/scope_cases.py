"""A generic check for pages and endpoints: no permission, permission, outside the scope.

Each case names how to build the URL for an object inside the persona's scope and for an
object outside it; the check asserts 200 inside, 404 outside (existence must not leak),
and that a user without any role cannot reach the object either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.test import Client

from linli.conftest import Street


@dataclass(frozen=True)
class ScopeCase:
    name: str
    persona: str  # attribute of Street
    inside: Callable[[Street], str]
    outside: Callable[[Street], str]
    expect_text: Callable[[Street], str] | None = None


def check_scope_case(street: Street, case: ScopeCase) -> None:
    user = getattr(street, case.persona)
    client = street.client_for(user)
    inside = case.inside(street)
    response = client.get(inside)
    assert response.status_code == 200, f"{case.name}: {inside} gave {response.status_code}"
    if case.expect_text:
        assert case.expect_text(street) in response.content.decode()
    outside = case.outside(street)
    response = client.get(outside)
    assert response.status_code == 404, f"{case.name}: out-of-scope {outside} gave {response.status_code}"
    nobody = street.client_for(street.outsider)
    assert nobody.get(inside).status_code in (403, 404), f"{case.name}: user without role reached {inside}"
    anonymous = Client().get(inside)
    assert anonymous.status_code in (302, 401), f"{case.name}: anonymous reached {inside}"


def pk_url(prefix: str, getter: Callable[[Street], Any]) -> Callable[[Street], str]:
    return lambda s: f"{prefix}{getter(s).pk}/"
