"""The hotline import's pages and API, as the community secretary and the street office use them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from linli.conftest import Street
from linli.core.api_auth import create_token
from linli.core.models import AuditEvent
from linli.tickets import hotline_actions as steps
from linli.tickets.models import Category, HotlineBatch, HotlineStatus, Source, Ticket
from linli.tickets.tests.hotline_helpers import houses, order, where, xlsx_export

pytestmark = pytest.mark.django_db


def _file(street: Street) -> bytes:
    mine = houses(street.grid_building, 2)
    return xlsx_export([order(1, where(mine[0]).address(0)), order(2, where(mine[1]).address(1)),
                        order(3, "火星小区1号楼101室", kind="环境保护-噪声污染"),
                        order(4, where(houses(street.far_building, 1)[0]).address())])


def test_the_secretary_imports_a_file_from_her_phone(street: Street) -> None:
    client = street.client_for(street.secretary)
    queue = client.get(reverse("tickets:list")).content.decode()
    assert reverse("tickets:hotline") in queue  # linked from the requests queue
    page = client.get(reverse("tickets:hotline"))
    assert page.status_code == 200 and "12345" in page.content.decode()
    upload = SimpleUploadedFile("热线工单.xlsx", _file(street))
    response = client.post(reverse("tickets:hotline"), {"street": street.community.parent.pk, "file": upload})
    batch = HotlineBatch.objects.get(created_by=street.secretary)
    assert response.status_code == 302 and response["Location"] == reverse("tickets:hotline_detail", args=[batch.pk])
    # First time: the columns and the categories are confirmed on their page.
    assert "确认" in client.get(response["Location"]).content.decode()
    columns = client.get(reverse("tickets:hotline_columns", args=[batch.pk])).content.decode()
    assert "诉求地址" in columns and "城乡建设-房屋漏水" in columns and "漏水、水管维修" in columns
    form = {f"c{i}": code for i, code in steps.columns_of(batch).items()}
    texts = steps.category_texts(batch)
    form.update({f"k{n}": str(t.category_id or "") for n, t in enumerate(texts)})
    response = client.post(reverse("tickets:hotline_columns", args=[batch.pk]), form)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == HotlineStatus.PREVIEW
    assert batch.counts == {"rows": 4, "ready": 2, "attention": 2, "imported": 0, "skipped": 0, "office": 0}
    preview = client.get(reverse("tickets:hotline_detail", args=[batch.pk])).content.decode()
    assert "火星小区" in preview and "牡丹居民区" in preview  # the rows needing attention first, with why
    ready = client.get(reverse("tickets:hotline_detail", args=[batch.pk]) + "?show=ready").content.decode()
    assert "玉兰苑 1号楼1单元101室" in ready and "网格" in ready
    assert AuditEvent.objects.filter(action="tickets.hotline_view", actor=street.secretary).exists()
    # She types where the third order is, and skips the fourth (another community's).
    place = houses(street.grid_building, 3)[2]
    w = where(place)
    response = client.post(reverse("tickets:hotline_places", args=[batch.pk]), {
        "rows": "5,6", "p5": f"{w.compound} {w.building}{w.unit}{w.room}室", "s6": "on", "show": "attention"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.count("ready"), batch.count("skipped")) == (3, 1)
    response = client.post(reverse("tickets:hotline_commit", args=[batch.pk]), {"fingerprint": batch.fingerprint})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == HotlineStatus.COMMITTED and batch.count("created") == 3
    assert Ticket.objects.filter(source=Source.HOTLINE, place=place, external_ref="20261203000003").exists()
    done = client.get(reverse("tickets:hotline_detail", args=[batch.pk])).content.decode()
    ticket = Ticket.objects.get(external_ref="20261203000001")
    assert ticket.number in done and "王女士" not in done  # the callers' names are gone with the file
    detail = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "20261203000001" in detail  # the office sees the hotline's order number


def test_a_typed_place_that_matches_nothing_is_said_and_nothing_changes(street: Street) -> None:
    batch = steps.do_hotline_upload(acting_user=street.secretary, street=street.community.parent,
                                    file_name="x.xlsx", data=_file(street))
    batch = steps.do_hotline_set_mapping(batch, acting_user=street.secretary, columns=steps.columns_of(batch),
                                         categories={t.text: Category.objects.get(pk=t.category_id)
                                                     for t in steps.category_texts(batch)})
    client = street.client_for(street.secretary)
    response = client.post(reverse("tickets:hotline_places", args=[batch.pk]), {"rows": "5", "p5": "月球基地"},
                           follow=True)
    assert "5" in response.content.decode() and "玉兰苑 3号楼 1单元 502室" in response.content.decode()
    batch.refresh_from_db()
    assert batch.choices == {}


def test_a_stale_preview_is_not_imported(street: Street) -> None:
    batch = steps.do_hotline_upload(acting_user=street.secretary, street=street.community.parent,
                                    file_name="x.xlsx", data=_file(street))
    batch = steps.do_hotline_set_mapping(batch, acting_user=street.secretary, columns=steps.columns_of(batch),
                                         categories={t.text: Category.objects.get(pk=t.category_id)
                                                     for t in steps.category_texts(batch)})
    client = street.client_for(street.secretary)
    response = client.post(reverse("tickets:hotline_commit", args=[batch.pk]), {"fingerprint": "0" * 64},
                           follow=True)
    assert "没有导入" in response.content.decode() or "nothing was imported" in response.content.decode()
    assert not Ticket.objects.filter(source=Source.HOTLINE, external_ref__startswith="2026").exists()


def test_who_reaches_the_pages(street: Street) -> None:
    batch = steps.do_hotline_upload(acting_user=street.secretary, street=street.community.parent,
                                    file_name="x.xlsx", data=_file(street))
    for user in (street.grid_worker, street.resident, street.outsider):
        client = street.client_for(user)
        assert client.get(reverse("tickets:hotline")).status_code == 403
        assert client.get(reverse("tickets:hotline_detail", args=[batch.pk])).status_code == 404
    officer = street.client_for(street.street_officer)
    assert officer.get(reverse("tickets:hotline")).status_code == 200
    assert officer.get(reverse("tickets:hotline_detail", args=[batch.pk])).status_code == 404  # not hers
    assert officer.post(reverse("tickets:hotline_stop", args=[batch.pk])).status_code == 404
    grid_queue = street.client_for(street.grid_worker).get(reverse("tickets:list")).content.decode()
    assert reverse("tickets:hotline") not in grid_queue


def test_a_bad_file_is_a_clear_error_on_the_page(street: Street) -> None:
    client = street.client_for(street.secretary)
    upload = SimpleUploadedFile("工单.xlsx", b"PK\x03\x04 not really a workbook")
    response = client.post(reverse("tickets:hotline"), {"street": street.community.parent.pk, "file": upload})
    assert response.status_code == 422
    assert "Excel" in response.content.decode() and not HotlineBatch.objects.exists()


# --- the API ------------------------------------------------------------------------------------------------

def _api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_token(user, 'test')}")


def test_the_api_round_trip(street: Street) -> None:
    client = _api(street.secretary)
    street_code = street.community.parent.code
    upload = SimpleUploadedFile("工单.xlsx", _file(street))
    response = client.post("/api/requests/hotline", {"street": street_code, "file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "mapping" and body["rows"] == []
    assert {c["header"]: c["field"] for c in body["columns"]}["诉求地址"] == "address"
    assert {c["text"]: c["category"] for c in body["categories"]}["环境保护-噪声污染"] == "noise"
    mapping = {"columns": {str(c["index"]): c["field"] for c in body["columns"] if c["field"]},
               "categories": {c["text"]: c["category"] for c in body["categories"]}}
    response = client.post(f"/api/requests/hotline/{body['id']}/mapping", json.dumps(mapping),
                           content_type="application/json")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "preview", body
    rows = {r["row"]: r for r in body["rows"]}
    assert rows[3]["status"] == "ready" and rows[3]["destination"] == "grid" and rows[3]["place"]
    assert rows[5]["problems"][0]["code"] == "place_unmatched" and rows[5]["problems"][0]["en"]
    assert rows[6]["problems"][0]["code"] == "place_outside_scope"
    place = houses(street.grid_building, 3)[2]
    response = client.post(f"/api/requests/hotline/{body['id']}/choices",
                           json.dumps({"rows": {"5": {"place_id": place.pk}, "6": {"skip": True}}}),
                           content_type="application/json")
    body = response.json()
    assert body["counts"]["ready"] == 3 and body["counts"]["skipped"] == 1
    response = client.post(f"/api/requests/hotline/{body['id']}/commit",
                           json.dumps({"fingerprint": body["fingerprint"]}), content_type="application/json")
    body = response.json()
    assert body["status"] == "committed" and body["counts"]["created"] == 3
    assert all(r["request"] for r in body["rows"] if r["status"] == "ready")
    # The same file again: everything is already imported.
    again = client.post("/api/requests/hotline", {"street": street_code,
                                                   "file": SimpleUploadedFile("工单.xlsx", _file(street))}).json()
    assert again["status"] == "preview" and again["counts"]["imported"] == 3


def test_the_api_refuses_what_it_must(street: Street) -> None:
    street_code = street.community.parent.code
    grid = _api(street.grid_worker).post("/api/requests/hotline", {
        "street": street_code, "file": SimpleUploadedFile("工单.xlsx", _file(street))})
    assert grid.status_code in (403, 404)
    client = _api(street.secretary)
    bad = client.post("/api/requests/hotline", {"street": street_code,
                                                "file": SimpleUploadedFile("a.csv", b"name\n")})
    assert bad.status_code == 422 and bad.json()["detail"][0]["msg_zh"]
    batch = steps.do_hotline_upload(acting_user=street.secretary, street=street.community.parent,
                                    file_name="x.xlsx", data=_file(street))
    missing = client.post(f"/api/requests/hotline/{batch.pk}/mapping", json.dumps({"columns": {"1": "external_ref"}}),
                          content_type="application/json")
    assert missing.status_code == 422 and missing.json()["detail"][0]["code"] == "mapping_missing"
    far = houses(street.far_building, 1)[0]
    chosen = client.post(f"/api/requests/hotline/{batch.pk}/choices",
                         json.dumps({"rows": {"5": {"place_id": far.pk}}}), content_type="application/json")
    assert chosen.status_code == 404  # a place outside her area looks like none
    assert _api(street.street_officer).get(f"/api/requests/hotline/{batch.pk}").status_code == 404
