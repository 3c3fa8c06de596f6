"""The device pages: the list and its filters, a device's page, registering, consent, import."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.conftest import Street
from linli.core.models import AuditEvent
from linli.devices import ingest
from linli.devices.models import Device, DeviceStatus
from linli.devices.tests.helpers import active_device, at, incoming, register
from linli.people.models import Person


def test_list_and_filters(street: Street) -> None:
    door, _ = active_device(street)
    smoke, _ = active_device(street, "smoke")
    ingest.receive([incoming(door, {"id": "b", "ts": at(1), "type": "heartbeat", "battery": 9})], via="mqtt")
    client = street.client_for(street.grid_worker)
    page = client.get("/devices/")
    assert page.status_code == 200
    text = page.content.decode()
    assert door.uid in text and smoke.uid in text
    low = client.get("/devices/?low_battery=on").content.decode()
    assert door.uid in low and smoke.uid not in low
    smoke_only = client.get("/devices/?kind=smoke").content.decode()
    assert smoke.uid in smoke_only and door.uid not in smoke_only
    assert client.get("/devices/?kind=nonsense&status=zzz&page=999999").status_code == 200


def test_a_grid_worker_of_another_grid_gets_404(street: Street) -> None:
    far, _ = active_device(street, building=street.far_building)
    next_grid, _ = active_device(street, building=street.other_grid_building)
    mine, _ = active_device(street)
    client = street.client_for(street.grid_worker)
    listed = client.get("/devices/").content.decode()
    for other in (far, next_grid):
        assert client.get(f"/devices/{other.pk}/").status_code == 404
        assert other.uid not in listed
    assert mine.uid in listed and client.get(f"/devices/{mine.pk}/").status_code == 200
    assert street.client_for(street.resident).get("/devices/").status_code == 403


def test_device_page_shows_unreadable_messages_and_audits_events(street: Street) -> None:
    device, _ = active_device(street)
    ingest.receive([incoming(device, b"{oops"), incoming(device, {"id": "ok", "ts": at(2), "type": "door_open"})],
                   via="mqtt")
    client = street.client_for(street.grid_worker)
    page = client.get(f"/devices/{device.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert "消息不是有效的 JSON。" in text  # the latest reason, in the reader's language
    assert "开门" in text  # the grid worker holds devices.events
    assert AuditEvent.objects.filter(action="devices.read_events", object_id=str(device.pk),
                                     actor=street.grid_worker).exists()


def test_register_then_activate_on_the_pages(street: Street) -> None:
    resident = Person.objects.filter(current_house__isnull=False, path__startswith=street.grid_building.path).first()
    assert resident is not None
    client = street.client_for(street.secretary)
    page = client.post("/devices/new/", {"uid": "ＰＤ－０００１", "kind": "sos", "house": resident.current_house.code,
                                         "person": resident.name, "label": "卧室"})
    assert page.status_code == 200, page.content.decode()[:2000]
    device = Device.objects.get(uid="PD-0001")  # full-width typed, half-width kept
    assert device.person == resident and device.secret in page.content.decode()
    refused = client.post(f"/devices/{device.pk}/activate/", {"legal_basis": "《个人信息保护法》第十三条"})
    assert refused.status_code == 422
    device.refresh_from_db()
    assert device.status == DeviceStatus.REGISTERED
    done = client.post(f"/devices/{device.pk}/activate/", {
        "legal_basis": "《个人信息保护法》第十三条", "relation": "guardian", "consent_by": "李明",
        "consent_at": "2026-11-30T10:00"})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.status == DeviceStatus.ACTIVE
    assert client.post(f"/devices/{device.pk}/status/", {"do": "suspend"}).status_code == 302
    device.refresh_from_db()
    assert device.status == DeviceStatus.SUSPENDED


def test_register_refuses_a_house_outside_the_area(street: Street) -> None:
    client = street.client_for(street.secretary)
    far_house = street.house_in(street.far_building)
    page = client.post("/devices/new/", {"uid": "X-0001", "kind": "door", "house": far_house.code})
    assert page.status_code == 422 and not Device.objects.filter(uid="X-0001").exists()


def _csv(rows: list[list[str]]) -> SimpleUploadedFile:
    out = io.StringIO()
    for row in rows:
        out.write(",".join(row) + "\n")
    return SimpleUploadedFile("devices.csv", out.getvalue().encode("utf-8"), content_type="text/csv")


HEADER = ["序列号", "设备类型", "房屋编码", "姓名", "安装位置", "法律依据", "同意人", "同意日期"]


def test_import_with_a_bad_row_writes_nothing(street: Street) -> None:
    house = street.house_in(street.grid_building)
    client = street.client_for(street.secretary)
    page = client.post("/devices/import/", {"file": _csv([
        HEADER,
        ["ＭＣ－１００１", "门磁", house.code, "", "入户门", "社区养老服务协议", "本人 王芳", "2026-11-30"],
        ["MC-1002", "飞行器", house.code, "", "", "", "", ""],
    ])})
    assert page.status_code == 422
    assert "飞行器" in page.content.decode()
    assert not Device.objects.filter(uid__in=["MC-1001", "MC-1002"]).exists()


def test_import_all_rows(street: Street) -> None:
    house = street.house_in(street.grid_building)
    client = street.client_for(street.secretary)
    page = client.post("/devices/import/", {"file": _csv([
        HEADER,
        ["ＭＣ－２００１", "门磁", house.code, "", "入户门", "社区养老服务协议", "本人 王芳", "2026-11-30"],
        ["MC-2002", "smoke", house.code, "", "厨房", "《消防法》", "", ""],
        ["MC-2003", "水表", house.code, "", "", "", "", ""],
    ])})
    assert page.status_code == 200, page.content.decode()[-3000:]
    token = page.context["token"]
    assert token and not Device.objects.filter(uid="MC-2001").exists()  # a preview writes nothing
    done = client.post("/devices/import/", {"token": token})
    assert done.status_code == 200
    statuses = dict(Device.objects.filter(uid__startswith="MC-200").values_list("uid", "status"))
    assert statuses == {"MC-2001": "active", "MC-2002": "active", "MC-2003": "registered"}
    assert Device.objects.get(uid="MC-2001").consent_by == "self:王芳"
    again = client.post("/devices/import/", {"token": token})  # the same file twice: refused, nothing doubled
    assert again.status_code == 302 and Device.objects.filter(uid__startswith="MC-200").count() == 3


@pytest.mark.parametrize("user", ["grid_worker", "resident"])
def test_only_managers_register(street: Street, user: str) -> None:
    client = street.client_for(getattr(street, user))
    assert client.get("/devices/new/").status_code == 403
    assert client.get("/devices/import/").status_code == 403
    device, _ = register(street.admin, street.house_in(street.grid_building))
    assert client.get(f"/devices/{device.pk}/activate/").status_code == 404
