"""Requests over the API: a resident files and follows, the grid worker answers, errors in
both languages, nothing outside the scope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from linli.conftest import Street
from linli.core.api_auth import create_token
from linli.tickets.models import Ticket
from linli.tickets.tests.helpers import file

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'test')}"}


def post(user: Any, path: str, body: dict[str, Any]) -> Any:
    return Client().post(f"/api/requests{path}", json.dumps(body), content_type="application/json", **bearer(user))


def get(user: Any, path: str) -> Any:
    return Client().get(f"/api/requests{path}", **bearer(user))


def test_round_trip(street: Street) -> None:
    house = street.resident.person.current_house
    filed = post(street.resident, "", {"category": "repair-water", "place_id": house.pk,
                                       "description": "厨房水管漏水，楼下在滴水"})
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["status"] == "new" and body["level"] == "grid" and "由" in body["routing"]
    ticket_id = body["id"]
    assert [e["kind"] for e in body["events"]] == ["submitted", "routed"]
    assert post(street.grid_worker, f"/{ticket_id}/accept", {}).json()["status"] == "accepted"
    resolved = post(street.grid_worker, f"/{ticket_id}/resolve", {"outcome": "已更换水管接头"})
    assert resolved.json()["status"] == "resolved"
    mine = get(street.resident, "").json()
    assert [t["id"] for t in mine["items"]] == [ticket_id]
    rated = post(street.resident, f"/{ticket_id}/rate", {"rating": "partly", "comment": "还可以"})
    assert rated.json()["status"] == "closed" and rated.json()["rating"] == "partly"
    # The office's own notes stay with the office.
    assert all(e["actor"] is None for e in rated.json()["events"])


def test_errors_are_bilingual_and_write_nothing(street: Street) -> None:
    house = street.resident.person.current_house
    before = Ticket.objects.count()
    response = post(street.resident, "", {"category": "repair-water", "place_id": house.pk, "description": "漏"})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"] == ["body", "description"] and item["msg_zh"] and item["msg"]
    assert post(street.resident, "", {"category": "nope", "place_id": house.pk,
                                      "description": "厨房水管漏水"}).status_code == 422
    assert post(street.resident, "", {"category": "repair-water", "place_id": house.pk,
                                      "description": "漏水\u0000"}).status_code == 422
    assert Ticket.objects.count() == before


def test_nothing_outside_the_scope(street: Street) -> None:
    far = street.house_in(street.far_building)
    assert post(street.resident, "", {"category": "repair-water", "place_id": far.pk,
                                      "description": "厨房水管漏水"}).status_code == 404
    other = post(street.street_officer, "", {"category": "repair-water", "place_id": far.pk, "source": "phone",
                                             "description": "厨房水管漏水"}).json()
    assert get(street.resident, f"/{other['id']}").status_code == 404
    assert get(street.grid_worker, f"/{other['id']}").status_code == 404
    assert post(street.grid_worker, f"/{other['id']}/accept", {}).status_code == 404


def test_a_grid_worker_cannot_take_the_communitys_request(street: Street) -> None:
    house = street.resident.person.current_house
    filed = post(street.resident, "", {"category": "policy", "place_id": house.pk,
                                       "description": "咨询低保申请需要哪些材料"}).json()
    assert post(street.grid_worker, f"/{filed['id']}/accept", {}).status_code == 403
    assert post(street.secretary, f"/{filed['id']}/accept", {}).status_code == 200


def test_categories(street: Street) -> None:
    codes = {c["code"] for c in get(street.resident, "/categories").json()}
    assert {"repair-water", "noise", "utilities"} <= codes


def test_the_street_reads_supervision_and_the_three_rates_over_the_api(street: Street) -> None:
    """The same figures as the pages: overdue requests by community, and the three rates."""
    from linli.tickets.models import Ticket

    ticket = file(street.resident, street.resident.person.current_house, "repair-water")
    Ticket.objects.filter(pk=ticket.pk).update(overdue=True)
    officer = street.client_for(street.street_officer)
    supervision = officer.get("/api/requests/supervision").json()
    assert supervision["total"] == 1 and supervision["oldest"][0]["number"] == ticket.number
    assert supervision["by_community"] == [{"name": street.community.name, "overdue": 1, "oldest_days": 0}]
    rates = officer.get("/api/requests/rates?group=category&period=week").json()
    assert rates["overall"]["filed"] == 1 and rates["rows"][0]["now"]["name"] == ticket.category.name
    assert officer.get("/api/requests/rates?group=nonsense").status_code == 422
    # Residents and grid workers do not supervise.
    assert street.client_for(street.resident).get("/api/requests/supervision").status_code == 403
    assert street.client_for(street.grid_worker).get("/api/requests/rates").status_code == 403
