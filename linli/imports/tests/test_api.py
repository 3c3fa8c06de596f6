"""The imports API: upload → dry-run report → fix the mapping → commit, and bad input."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from linli.core.models import AuditEvent
from linli.imports.models import BatchStatus, ImportBatch
from linli.imports.tests.helpers import address_of, make_id, person_row, xlsx_bytes
from linli.people.models import Person
from linli.places.models import Level, Place

IMPORTS = "/api/imports"


def _where(street: Any) -> Any:
    return address_of(Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE)
                      .order_by("path")[0])


def _upload(client: Any, area: Place, data: bytes, name: str = "roster.xlsx", **extra: str) -> Any:
    return client.post(IMPORTS, {"area": area.code, "file": SimpleUploadedFile(name, data), **extra})


def test_upload_returns_the_dry_run_report_and_commit_writes_all_rows(street):
    client = street.client_for(street.secretary)
    where = _where(street)
    rows = [person_row(1, "甲", make_id(seq=61), "13800000061", where),
            person_row(2, "乙", make_id(seq=63), "123", where),
            person_row(3, "丙", "110101192301050000", "13800000065", where)]
    response = _upload(client, street.community, xlsx_bytes(rows))
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["status"] == BatchStatus.READY and report["counts"]["new"] == 1
    assert report["counts"]["rejected"] == 2 and report["report_complete"] is True
    assert report["sheets"][0]["header_row"] == 3  # under the merged title and an empty row
    problems = {(p["row"], p["field"]) for p in report["rejected"]}
    assert problems == {(6, "phone"), (7, "id_number")}
    phone = next(p for p in report["rejected"] if p["field"] == "phone")
    assert phone["value"] == "123" and phone["zh"] and phone["en"] and phone["zh"] != phone["en"]
    assert AuditEvent.objects.filter(action="import.report_view", object_id=str(report["id"])).exists()

    refused = client.post(f"{IMPORTS}/{report['id']}/commit", json.dumps({}), content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["code"] == "rejected_rows" and refused.json()["detail"][0]["msg_zh"]

    before = Person.objects.count()
    done = client.post(f"{IMPORTS}/{report['id']}/commit", json.dumps({"allow_rejected": True}),
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == BatchStatus.COMMITTED
    assert Person.objects.count() == before + 1


def test_an_unrecognised_column_is_fixed_through_the_mapping(street):
    client = street.client_for(street.secretary)
    where = _where(street)
    headers = ["登记对象", "身份证号", "楼号", "单元", "房号", "小区"]  # 登记对象 is not a known header
    rows = [["丁", make_id(seq=67), where.building, where.unit, where.room, where.compound]]
    report = _upload(client, street.community, xlsx_bytes(rows, headers=headers)).json()
    assert report["status"] == BatchStatus.MAPPING and report["error"]["code"] == "mapping_name"
    assert "0" not in report["sheets"][0]["mapping"]

    sheet = report["sheets"][0]["name"]
    mapping = {sheet: {"0": "name", "1": "id_number", "2": "building", "3": "unit", "4": "room", "5": "compound"}}
    fixed = client.post(f"{IMPORTS}/{report['id']}/mapping", json.dumps({"sheets": mapping}),
                        content_type="application/json")
    assert fixed.status_code == 200 and fixed.json()["status"] == BatchStatus.READY
    assert fixed.json()["counts"]["new"] == 1 and fixed.json()["error"] is None

    unknown = client.post(f"{IMPORTS}/{report['id']}/mapping",
                          json.dumps({"sheets": {sheet: {"0": "name", "1": "shoe_size"}}}),
                          content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["code"] == "mapping_unknown"


def test_a_mapping_sent_with_the_upload_is_used(street):
    client = street.client_for(street.secretary)
    where = _where(street)
    headers = ["登记对象", "身份证号", "楼号", "单元", "房号", "小区"]
    rows = [["戊", make_id(seq=69), where.building, where.unit, where.room, where.compound]]
    mapping = {"居民": {"0": "name", "1": "id_number", "2": "building", "3": "unit", "4": "room", "5": "compound"}}
    report = _upload(client, street.community, xlsx_bytes(rows, headers=headers), mapping=json.dumps(mapping)).json()
    assert report["status"] == BatchStatus.READY and report["counts"]["new"] == 1

    bad = _upload(client, street.community, xlsx_bytes(rows, headers=headers), mapping="{not json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["code"] == "mapping_json"


def test_a_match_is_reported_with_its_differences_and_skipped_on_request(street):
    client = street.client_for(street.secretary)
    person = Person.objects.filter(path__startswith=street.grid_building.path).exclude(id_hash="").first()
    assert person is not None
    house = person.residences.filter(moved_out__isnull=True).first().house  # type: ignore[union-attr]
    row = person_row(1, person.name, person.id_number, "13900000001", address_of(house))
    report = _upload(client, street.community, xlsx_bytes([row])).json()
    assert report["counts"]["matched"] == 1 and report["matched"][0]["person_id"] == person.pk
    assert report["matched"][0]["by"] == "id"
    assert "phone" in {d["field"] for d in report["matched"][0]["differences"]}
    nothing = client.post(f"{IMPORTS}/{report['id']}/commit", json.dumps({"on_match": "skip"}),
                          content_type="application/json")
    assert nothing.status_code == 422 and nothing.json()["detail"][0]["code"] == "nothing"
    stopped = client.post(f"{IMPORTS}/{report['id']}/stop")
    assert stopped.status_code == 200 and stopped.json()["status"] == BatchStatus.STOPPED


def test_bad_files_and_places_are_clear_errors(street):
    client = street.client_for(street.secretary)
    empty = _upload(client, street.community, b"", name="empty.xlsx")
    assert empty.status_code == 422 and empty.json()["detail"][0]["msg_zh"]
    picture = _upload(client, street.community, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, name="photo.xlsx")
    assert picture.status_code == 422
    assert client.post(IMPORTS, {"area": street.community.code}).status_code == 422  # no file
    other = Place.objects.filter(level=Level.COMMUNITY).exclude(pk=street.community.pk).first()
    assert other is not None
    assert _upload(client, other, b"a,b\n").status_code == 404
    unknown = client.post(IMPORTS, {"area": "nope", "file": SimpleUploadedFile("a.csv", b"a")})
    assert unknown.status_code == 404
    assert ImportBatch.objects.count() == 0


def test_someone_elses_import_is_not_found(street):
    client = street.client_for(street.secretary)
    rows = [person_row(1, "己", make_id(seq=71), "", _where(street))]
    report = _upload(client, street.community, xlsx_bytes(rows)).json()
    other = street.client_for(street.street_officer)
    assert other.get(f"{IMPORTS}/{report['id']}").status_code == 404
    assert other.post(f"{IMPORTS}/{report['id']}/commit", json.dumps({}),
                      content_type="application/json").status_code == 404
    assert street.client_for(street.secretary).get(f"{IMPORTS}/99999999").status_code == 404
    assert Client().get(f"{IMPORTS}/{report['id']}").status_code == 401


def test_the_report_pages_with_limit_and_offset(street):
    client = street.client_for(street.secretary)
    where = _where(street)
    rows = [person_row(n, f"行{n}", make_id(seq=100 + n), "12345", where) for n in range(1, 6)]
    report = _upload(client, street.community, xlsx_bytes(rows)).json()
    assert report["counts"]["rejected"] == 5
    first = client.get(f"{IMPORTS}/{report['id']}", {"limit": 2}).json()
    assert len(first["rejected"]) == 2 and first["report_complete"] is False
    rest = client.get(f"{IMPORTS}/{report['id']}", {"limit": 2, "offset": 4}).json()
    assert len(rest["rejected"]) == 1 and rest["report_complete"] is True
    assert client.get(f"{IMPORTS}/{report['id']}", {"limit": 0}).status_code == 422
