"""What the place-scoped endpoints answer, beyond their status (which the access matrix,
``test_access_matrix.py``, checks for every route and persona): the content of a permitted
answer by session and by bearer token, the error bodies, a list that never shows a row
outside the scope, and a missing object that looks just like one outside the scope.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from linli.conftest import Street
from linli.core.api_auth import create_token
from linli.core.validators import id_check_digit
from linli.grids.models import Grid
from linli.people import search
from linli.people.models import Person
from linli.places.models import Place


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: dict[str, Any] | None = None


def send(client: Client, call: Call, **headers: str) -> Any:
    if call.method == "GET":
        return client.get(call.url, headers=headers)
    return client.post(call.url, data=json.dumps(call.body or {}), content_type="application/json",
                       headers=headers)


def fresh_id_number(birth: str = "19850615") -> str:
    """A valid ID number nobody in the test street has."""
    for seq in range(1000):
        first17 = f"310115{birth}{seq:03d}"
        number = first17 + id_check_digit(first17)
        if not Person.objects.filter(id_hash=search.id_hashes(number)[0]).exists():
            return number
    raise AssertionError("no free ID number")


def first_grid(s: Street) -> Grid:
    return Grid.objects.filter(community=s.community).order_by("code")[0]


def second_grid(s: Street) -> Grid:
    return Grid.objects.filter(community=s.community).order_by("code")[1]


def item_ids(data: dict[str, Any]) -> set[int]:
    return {item["id"] for item in data["items"]}


@dataclass(frozen=True)
class Endpoint:
    route: str  # "METHOD /path" as in the OpenAPI document
    persona: str  # the Street persona whose role allows the call
    inside: Callable[[Street], Call]
    outside: Callable[[Street], Call]
    check: Callable[[Street, dict[str, Any]], None]  # what a permitted answer contains
    listing: bool = False
    status: int = 200
    # For a list: what must never appear when the call reaches outside the scope.
    absent: Callable[[Street], int] | None = None


def _check_search(s: Street, data: dict[str, Any]) -> None:
    assert s.person_in(s.grid_building).pk in item_ids(data)


def _check_person(s: Street, data: dict[str, Any]) -> None:
    person = s.person_in(s.grid_building)
    assert (data["id"], data["name"]) == (person.pk, person.name)
    assert data["residences"] and data["residences"][0]["house_id"] == person.current_house_id


def _create_call(building: str) -> Callable[[Street], Call]:
    return lambda s: Call("POST", "/api/people/persons", {
        "name": "接口测试", "id_number": fresh_id_number(), "phone": "13900001111",
        "house_id": s.house_in(getattr(s, building)).pk, "relation": "tenant",
    })


def _check_created(s: Street, data: dict[str, Any]) -> None:
    assert data["name"] == "接口测试"
    assert data["phone_masked"] == "139****1111"
    assert Person.objects.get(pk=data["id"]).current_house == s.house_in(s.other_grid_building)


def _reveal_call(building: str) -> Callable[[Street], Call]:
    return lambda s: Call("POST", f"/api/people/persons/{s.person_in(getattr(s, building)).pk}/reveal",
                          {"field": "id_number", "purpose_code": "verify_registration"})


def _check_reveal(s: Street, data: dict[str, Any]) -> None:
    assert data == {"field": "id_number", "value": s.person_in(s.grid_building).id_number}


def _check_children(s: Street, data: dict[str, Any]) -> None:
    units = set(Place.objects.filter(parent=s.grid_building).values_list("pk", flat=True))
    assert units and item_ids(data) == units


def _check_place(s: Street, data: dict[str, Any]) -> None:
    assert (data["id"], data["name"], data["level"]) == (s.grid_building.pk, s.grid_building.name, "building")
    assert data["children_count"] == s.grid_building.units_count


def _check_layout(s: Street, data: dict[str, Any]) -> None:
    assert data["building"]["id"] == s.grid_building.pk
    assert len(data["units"]) == s.grid_building.units_count
    assert data["totals"]["residents"] > 0


def _check_grid(s: Street, data: dict[str, Any]) -> None:
    assert data["id"] == first_grid(s).pk
    assert s.grid_building.pk in {p["id"] for p in data["places"]}
    assert data["leader"]["display_name"] == str(s.grid_worker)


def _get(url: Callable[[Street], str]) -> Callable[[Street], Call]:
    return lambda s: Call("GET", url(s))


ENDPOINTS = [
    Endpoint("GET /api/people/persons", "grid_worker",
             _get(lambda s: f"/api/people/persons?q={s.person_in(s.grid_building).name}"),
             _get(lambda s: f"/api/people/persons?q={s.person_in(s.other_grid_building).name}"),
             _check_search, listing=True, absent=lambda s: s.person_in(s.other_grid_building).pk),
    Endpoint("GET /api/people/persons/{person_id}", "grid_worker",
             _get(lambda s: f"/api/people/persons/{s.person_in(s.grid_building).pk}"),
             _get(lambda s: f"/api/people/persons/{s.person_in(s.other_grid_building).pk}"),
             _check_person),
    Endpoint("POST /api/people/persons", "secretary",
             _create_call("other_grid_building"), _create_call("far_building"), _check_created, status=201),
    Endpoint("POST /api/people/persons/{person_id}/reveal", "grid_worker",
             _reveal_call("grid_building"), _reveal_call("other_grid_building"), _check_reveal),
    Endpoint("GET /api/places", "grid_worker",
             _get(lambda s: f"/api/places?parent={s.grid_building.pk}"),
             _get(lambda s: f"/api/places?parent={s.other_grid_building.pk}"),
             _check_children, listing=True,
             absent=lambda s: Place.objects.filter(parent=s.other_grid_building).first().pk),
    Endpoint("GET /api/places/{place_id}", "grid_worker",
             _get(lambda s: f"/api/places/{s.grid_building.pk}"),
             _get(lambda s: f"/api/places/{s.other_grid_building.pk}"),
             _check_place),
    Endpoint("GET /api/places/buildings/{building_id}/layout", "grid_worker",
             _get(lambda s: f"/api/places/buildings/{s.grid_building.pk}/layout"),
             _get(lambda s: f"/api/places/buildings/{s.other_grid_building.pk}/layout"),
             _check_layout),
    Endpoint("GET /api/grids/{grid_id}", "grid_worker",
             _get(lambda s: f"/api/grids/{first_grid(s).pk}"),
             _get(lambda s: f"/api/grids/{second_grid(s).pk}"),
             _check_grid),
]
IDS = [e.route for e in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_anonymous_is_401(street: Street, endpoint: Endpoint) -> None:
    response = send(Client(), endpoint.inside(street))
    assert response.status_code == 401
    assert response.json()["detail_zh"]
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("auth", ["session", "bearer"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_permission(street: Street, endpoint: Endpoint, auth: str) -> None:
    user = getattr(street, endpoint.persona)
    if auth == "session":
        response = send(street.client_for(user), endpoint.inside(street))
    else:
        # A CSRF-enforcing client: a bearer token needs no CSRF token, even for POST.
        token = create_token(user, "test")
        response = send(Client(enforce_csrf_checks=True), endpoint.inside(street),
                        Authorization=f"Bearer {token}")
    assert response.status_code == endpoint.status, response.content
    endpoint.check(street, response.json())


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_permission_outside_scope(street: Street, endpoint: Endpoint) -> None:
    client = street.client_for(getattr(street, endpoint.persona))
    response = send(client, endpoint.outside(street))
    if endpoint.listing:
        assert response.status_code == 200
        assert endpoint.absent is not None
        assert endpoint.absent(street) not in item_ids(response.json())
    else:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found", "detail_zh": "未找到"}


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if not e.listing],
                         ids=[e.route for e in ENDPOINTS if not e.listing])
def test_missing_object_looks_like_out_of_scope(street: Street, endpoint: Endpoint) -> None:
    """A superuser asking for an id that does not exist gets the very same 404."""
    call = endpoint.inside(street)
    if call.body and "house_id" in call.body:
        call = Call(call.method, call.url, {**call.body, "house_id": 987654321})
    else:
        call = Call(call.method, _replace_first_id(call.url, 987654321), call.body)
    response = send(street.client_for(street.admin), call)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found", "detail_zh": "未找到"}


def _replace_first_id(url: str, new: int) -> str:
    parts = url.split("/")
    index = next(i for i, part in enumerate(parts) if part.isdigit())
    parts[index] = str(new)
    return "/".join(parts)
