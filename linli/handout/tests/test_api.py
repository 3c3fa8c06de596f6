"""The hand-out API: rounds, reserving with bilingual refusals, results, pickup, the spreadsheet
out and back in."""

from __future__ import annotations

import io
import json

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from linli.handout.models import Reservation, Status
from linli.handout.tests.helpers import houses, open_round

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_reserve_results_and_pickup(street):
    round_ = open_round(street, households=2, held_back=1)
    resident = street.client_for(street.resident)
    listed = resident.get("/api/handout/rounds").json()
    assert [r["id"] for r in listed] == [round_.pk] and listed[0]["open"] and listed[0]["slots"]
    made = _post(resident, f"/api/handout/rounds/{round_.pk}/reservations", {})
    assert made.status_code == 201 and made.json()["status"] == "held" and made.json()["pickup_code"]
    again = _post(resident, f"/api/handout/rounds/{round_.pk}/reservations", {})
    assert again.status_code == 422
    body = json.dumps(again.json(), ensure_ascii=False)
    assert "already reserved" in body and "已" in body
    # a neighbour's house is not hers to reserve for: 404, as if it did not exist
    neighbour = houses(street.community, 1, exclude=(street.resident.person.current_house_id,))[0]
    assert _post(resident, f"/api/handout/rounds/{round_.pk}/reservations", {"house_id": neighbour.pk}).status_code == 404
    # the staff reserve on the neighbour's behalf
    staff = street.client_for(street.secretary)
    behalf = _post(staff, f"/api/handout/rounds/{round_.pk}/reservations", {"house_id": neighbour.pk})
    assert behalf.status_code == 201 and behalf.json()["via"] == "api"
    rows = staff.get(f"/api/handout/rounds/{round_.pk}/reservations").json()
    assert rows["count"] == 2 and "name" not in json.dumps(rows)
    results = resident.get(f"/api/handout/rounds/{round_.pk}/results").json()
    assert sum(results["totals"].values()) == 2 and results["shares"] == 2
    # the keeper hands out by the code
    picked = _post(staff, "/api/handout/pickups", {"code": made.json()["pickup_code"]})
    assert picked.status_code == 200 and picked.json()["status"] == "collected"
    assert _post(staff, "/api/handout/pickups", {"code": made.json()["pickup_code"]}).status_code == 422
    assert _post(staff, "/api/handout/pickups", {"code": "LLH1-ABCDEF0123"}).status_code == 422
    assert _post(resident, "/api/handout/pickups", {"code": made.json()["pickup_code"]}).status_code in (403, 404)


def test_other_community_is_out_of_reach(street):
    round_ = open_round(street, community=street.other_community, user=street.street_officer)
    resident = street.client_for(street.resident)
    assert resident.get(f"/api/handout/rounds/{round_.pk}/results").status_code == 404
    assert _post(resident, f"/api/handout/rounds/{round_.pk}/reservations", {}).status_code == 404
    assert resident.get("/api/handout/rounds").json() == []


def _xlsx(rows):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for n, row in enumerate(rows):
        sheet.write_row(n, 0, row)
    book.close()
    return buffer.getvalue()


def test_import_then_export(street):
    round_ = open_round(street, households=3)
    listed = houses(street.community, 4)
    data = _xlsx([["代为预约名单"], ["房屋编码", "备注"], *[[h.code, "独居老人"] for h in listed],
                  [listed[0].code, "重复"], ["999", "不存在"], ["", "空"]])
    staff = street.client_for(street.secretary)
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = staff.post(f"/api/handout/rounds/{round_.pk}/import",
                        {"file": SimpleUploadedFile("名单.xlsx", data)})
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert (result["held"], result["waiting"]) == (3, 1)
    assert [s["row"] for s in result["skipped"]] == [7, 8, 9]  # the repeat, an unknown code, an empty code
    assert Reservation.objects.filter(round=round_, via="import").count() == 4
    asked = staff.post(f"/api/handout/rounds/{round_.pk}/export")
    assert asked.status_code == 202 and asked.json()["status"] == "ready"  # tasks run at once in the tests
    exported = staff.get(f"/api/downloads/{asked.json()['id']}/file")
    assert exported.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(exported.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][:3] == ["预约号", "房屋编码", "地址"] and len(sheet) == 5
    assert {row[1] for row in sheet[1:]} == {h.code for h in listed}
    held = [row for row in sheet[1:] if row[11]]
    assert len(held) == 3 and all(str(row[11]).startswith("LLH") for row in held)
    # the exported list reads back in: every household is already there
    again = staff.post(f"/api/handout/rounds/{round_.pk}/import",
                       {"file": SimpleUploadedFile("back.xlsx", exported.content)}).json()
    assert again["held"] == 0 and len(again["skipped"]) == 4
    assert Reservation.objects.filter(round=round_, status=Status.HELD).count() == 3
    # a picture is refused with a clear message
    bad = staff.post(f"/api/handout/rounds/{round_.pk}/import", {"file": SimpleUploadedFile("x.xlsx", b"\x89PNG....")})
    assert bad.status_code in (400, 422)
    # a resident may do neither
    resident = street.client_for(street.resident)
    assert resident.post(f"/api/handout/rounds/{round_.pk}/export").status_code in (403, 404)
