"""The notices API: scoped lists and reach, the follow-up list, attempts and public
confirmation with bilingual errors."""

from __future__ import annotations

import json

from django.test import Client

from linli.notices import tokens
from linli.notices.models import NoticeHousehold
from linli.notices.tests.helpers import published


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_reach_and_follow_up_through_the_api(street):
    notice = published(street, [street.grid_building, street.other_grid_building])
    secretary = street.client_for(street.secretary)
    assert any(n["id"] == notice.pk for n in secretary.get("/api/notices").json())
    reach = secretary.get(f"/api/notices/{notice.pk}/reach").json()
    assert reach["total"]["households"] == notice.households and len(reach["grids"]) == 2
    worker = street.client_for(street.grid_worker)
    mine = worker.get(f"/api/notices/{notice.pk}/households?page_size=100").json()
    assert 0 < mine["count"] < notice.households
    first = mine["items"][0]
    assert first["priority"] >= mine["items"][-1]["priority"]
    answer = _post(worker, f"/api/notices/households/{first['id']}/attempts", {"via": "knock", "outcome": "informed"})
    assert answer.status_code == 201, answer.content
    bad = _post(worker, f"/api/notices/households/{first['id']}/attempts", {"via": "fax", "outcome": "informed"})
    assert bad.status_code == 422
    other = NoticeHousehold.objects.filter(notice=notice, path__startswith=street.other_grid_building.path).first()
    assert _post(worker, f"/api/notices/households/{other.pk}/attempts",
                 {"via": "knock", "outcome": "informed"}).status_code == 404
    assert worker.get(f"/api/notices/{notice.pk}/reach").json()["total"]["reached"] == 1


def test_public_confirmation_is_idempotent_and_explains_a_bad_token(street):
    notice = published(street, [street.grid_building])
    household = NoticeHousehold.objects.filter(notice=notice).first()
    anonymous = Client()
    token = tokens.household_token(household.pk)
    first = _post(anonymous, "/api/notices/confirm", {"token": token})
    second = _post(anonymous, "/api/notices/confirm", {"token": token})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    bad = _post(anonymous, "/api/notices/confirm", {"token": token[:-1] + ("1" if token.endswith("0") else "0")})
    assert bad.status_code == 422
    detail = bad.json()["detail"][0]
    assert detail["code"] == "bad_token" and detail["msg"] and detail["msg_zh"] != detail["msg"]
    assert anonymous.get(f"/api/notices/{notice.pk}").status_code == 401
