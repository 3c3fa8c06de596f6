"""The supplies API: scoped reads, movements with bilingual refusals, the street's plan."""

from __future__ import annotations

import json

import pytest

from linli.supplies import actions
from linli.supplies.models import Lot
from linli.supplies.tests.helpers import item, point_at, stock

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_points_and_movements(street):
    point = point_at(street)
    far = point_at(street, street.other_community, name="远处")
    stock(street, point, 100)
    client = street.client_for(street.secretary)
    points = client.get("/api/supplies/points").json()
    assert [p["id"] for p in points] == [point.pk]
    assert points[0]["stock"] == [{"item": "mask-kn95", "name": "KN95 口罩", "unit": "只", "quantity": 100}]
    issued = _post(client, f"/api/supplies/points/{point.pk}/movements", {"kind": "issue", "item": "mask-kn95",
                                                                           "quantity": 30, "note": "隔离户"})
    assert issued.status_code == 201 and issued.json()[0]["balance_after"] == 70
    refused = _post(client, f"/api/supplies/points/{point.pk}/movements", {"kind": "issue", "item": "mask-kn95",
                                                                            "quantity": 71})
    assert refused.status_code in (400, 422)
    body = json.dumps(refused.json(), ensure_ascii=False)
    assert "库存不足" in body and "Not enough in stock" in body
    assert Lot.objects.get(point=point).quantity == 70
    assert _post(client, f"/api/supplies/points/{far.pk}/movements",
                 {"kind": "receipt", "item": "mask-kn95", "quantity": 5}).status_code == 404
    assert client.get(f"/api/supplies/points/{far.pk}/movements").status_code == 404
    ledger = client.get(f"/api/supplies/points/{point.pk}/movements").json()
    assert [m["quantity"] for m in ledger["items"]] == [-30, 100]
    assert _post(client, f"/api/supplies/points/{point.pk}/movements",
                 {"kind": "receipt", "item": "no-such", "quantity": 5}).status_code in (400, 422)


def test_the_street_plan(street):
    actions.do_set_target(street.other_community, item(), per_resident=1, acting_user=street.street_officer)
    stock(street, point_at(street), 50)
    street_id = street.community.parent.pk
    plan = street.client_for(street.street_officer).get(f"/api/supplies/streets/{street_id}/plan").json()
    assert plan["lines"][0]["quantity"] == 50 and "→" in plan["lines"][0]["explanation_zh"]
    assert street.client_for(street.secretary).get(f"/api/supplies/streets/{street_id}/plan").status_code == 403
