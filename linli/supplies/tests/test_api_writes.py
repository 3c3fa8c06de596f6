"""The supplies API's writes: the dispatch plan approved into shipments, each shipment sent,
received (with its count) and closed; stock-taking started, counted, submitted and decided by a
second person. Bad requests get a bilingual 4xx, objects outside the area 404, a caller without
the role 403."""

from __future__ import annotations

import json

import pytest

from linli.places.models import ElementType, Level, Place
from linli.supplies.models import Lot, PointKind, Shipment
from linli.supplies.tests.helpers import point_at, stock

pytestmark = pytest.mark.django_db


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _bilingual(response, *words):
    text = json.dumps(response.json(), ensure_ascii=False)
    assert 400 <= response.status_code < 500, response.status_code
    assert "msg_zh" in text or "detail_zh" in text
    for word in words:
        assert word in text, text


def _far_street() -> Place:
    city = Place.objects.get(level=Level.CITY)
    district = Place.objects.create(parent=city, level=Level.DISTRICT, element_type=ElementType.DISTRICT,
                                    code="310104", name="徐汇区", sort_key=104)
    return Place.objects.create(parent=district, level=Level.STREET, element_type=ElementType.SUBDISTRICT,
                                code="310104003", name="远方街道", sort_key=3)


def test_approve_a_plan_then_send_receive_and_close_its_shipment(street):
    source = point_at(street)
    stock(street, source, 100)
    destination = point_at(street, street.other_community, name="二社区物资室")
    street_place = street.community.parent
    officer = street.client_for(street.street_officer)
    url = f"/api/supplies/streets/{street_place.pk}/plan"
    line = {"source": street.community.path, "destination": street.other_community.path, "item": "mask-kn95",
            "quantity": 30, "explanation": "二社区缺口 30"}
    _bilingual(_post(officer, url, {"lines": [{**line, "item": "no-such"}]}), "catalogue")
    _bilingual(_post(officer, url, {"lines": [{**line, "quantity": 101}]}), "100")
    _bilingual(_post(officer, url, {"lines": [{**line, "destination": "99/99/"}]}))
    _bilingual(_post(officer, url, {"lines": []}))
    assert _post(street.client_for(street.secretary), url, {"lines": [line]}).status_code == 403
    assert _post(officer, f"/api/supplies/streets/{_far_street().pk}/plan", {"lines": [line]}).status_code == 404
    approved = _post(officer, url, {"lines": [line]})
    assert approved.status_code == 201
    [shipment] = approved.json()
    assert shipment["planned"] == 30 and shipment["status"] == "planned"
    assert shipment["source_point_id"] == source.pk and shipment["destination_point_id"] == destination.pk

    keeper = street.client_for(street.secretary)  # keeps the source, not the destination
    listed = keeper.get("/api/supplies/shipments").json()["items"]
    assert [s["id"] for s in listed] == [shipment["id"]]
    assert street.client_for(street.grid_worker).get("/api/supplies/shipments").status_code == 403
    send = f"/api/supplies/shipments/{shipment['id']}/send"
    receive = f"/api/supplies/shipments/{shipment['id']}/receive"
    close = f"/api/supplies/shipments/{shipment['id']}/close"
    _bilingual(_post(keeper, send, {"quantity": 31}), "30")
    _bilingual(_post(keeper, send, {"quantity": -1}))
    assert _post(street.client_for(street.grid_worker), send, {"quantity": 30}).status_code == 403
    sent = _post(keeper, send, {"quantity": 30, "note": "社区车辆送达"})
    assert sent.status_code == 200 and sent.json()["status"] == "sent" and sent.json()["sent"] == 30
    _bilingual(_post(keeper, receive, {"quantity": 30}), "other end")  # she is the sending end
    _bilingual(_post(officer, receive, {"quantity": 28}), "note")  # fewer than sent: say why
    received = _post(officer, receive, {"quantity": 28, "note": "两只破损"})
    assert received.status_code == 200 and received.json()["discrepancy"] == 2
    assert sum(Lot.objects.filter(point=destination).values_list("quantity", flat=True)) == 28
    assert _post(keeper, close).status_code == 403
    closed = _post(officer, close)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    _bilingual(_post(officer, close), "received")

    # a shipment between the street's warehouse and the other community lies outside her area
    warehouse = point_at(street, street_place, name="街道仓库", kind=PointKind.STREET_WAREHOUSE)
    stock(street, warehouse, 10, user=street.street_officer)
    _post(officer, url, {"lines": [{**line, "source": street_place.path, "quantity": 10}]})
    elsewhere = Shipment.objects.get(source_point=warehouse)
    for step in ("send", "receive"):
        assert _post(keeper, f"/api/supplies/shipments/{elsewhere.pk}/{step}", {"quantity": 1}).status_code == 404
    assert elsewhere.pk not in [s["id"] for s in keeper.get("/api/supplies/shipments").json()["items"]]


def test_a_count_is_started_counted_submitted_and_decided_by_someone_else(street):
    point = point_at(street)
    stock(street, point, 100)
    stock(street, point, 40, code="disinfectant-84")
    keeper = street.client_for(street.secretary)
    started = _post(keeper, f"/api/supplies/points/{point.pk}/counts")
    assert started.status_code == 201
    sheet = started.json()
    lines = {line["item"]: line["id"] for line in sheet["lines"]}
    assert sheet["status"] == "open" and {line["expected"] for line in sheet["lines"]} == {100, 40}
    _bilingual(_post(keeper, f"/api/supplies/points/{point.pk}/counts"), "under way")
    far = point_at(street, street.other_community, name="别处")
    assert _post(keeper, f"/api/supplies/points/{far.pk}/counts").status_code == 404
    assert _post(street.client_for(street.grid_worker), f"/api/supplies/points/{point.pk}/counts").status_code == 403
    url = f"/api/supplies/counts/{sheet['id']}/lines"
    _bilingual(_post(keeper, url, {"lines": [{"line_id": lines["mask-kn95"], "counted": -1}]}))
    _bilingual(_post(keeper, url, {"lines": [{"line_id": 99999999, "counted": 1}]}), "sheet")
    _bilingual(_post(keeper, url, {"lines": [{"line_id": lines["mask-kn95"], "counted": 1}] * 2}), "once")
    _bilingual(_post(keeper, url, {"lines": [{"line_id": lines["mask-kn95"], "counted": 96}], "submit": True}),
               "Count every line")
    counted = _post(keeper, url, {"lines": [{"line_id": lines["mask-kn95"], "counted": 96}]})
    assert counted.status_code == 200 and {line["variance"] for line in counted.json()["lines"]} == {-4, None}
    submit = f"/api/supplies/counts/{sheet['id']}/submit"
    _bilingual(_post(keeper, submit), "Count every line")
    _post(keeper, url, {"lines": [{"line_id": lines["disinfectant-84"], "counted": 40}]})
    assert _post(street.client_for(street.grid_worker), submit).status_code == 403
    submitted = _post(keeper, submit)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    decide = f"/api/supplies/counts/{sheet['id']}/decision"
    assert _post(keeper, decide, {"approve": True}).status_code == 403  # never one's own count
    assert _post(street.client_for(street.grid_worker), decide, {"approve": True}).status_code == 403
    officer = street.client_for(street.street_officer)
    _bilingual(_post(officer, decide, {"approve": False}), "note")  # sent back: say why
    approved = _post(officer, decide, {"approve": True, "note": "复核无误"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert sum(Lot.objects.filter(point=point, item__code="mask-kn95").values_list("quantity", flat=True)) == 96
    assert keeper.get(f"/api/supplies/counts/{sheet['id']}").json()["decided_by_id"] == street.street_officer.pk
    far_sheet = _post(officer, f"/api/supplies/points/{far.pk}/counts").json()
    assert keeper.get(f"/api/supplies/counts/{far_sheet['id']}").status_code == 404
    assert _post(keeper, f"/api/supplies/counts/{far_sheet['id']}/lines", {"lines": []}).status_code == 404
    assert _post(keeper, f"/api/supplies/counts/{far_sheet['id']}/decision", {"approve": True}).status_code == 404
