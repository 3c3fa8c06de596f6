"""The web flow: upload → columns → dry-run report → decision, and garbage uploads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.imports.models import BatchStatus, ImportBatch
from linli.imports.tests.helpers import address_of, make_id, person_row, xlsx_bytes
from linli.people.models import Person
from linli.places.models import Level, Place


def _where(street: Any) -> Any:
    return address_of(Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE)
                      .order_by("path")[0])


def upload(client: Any, area: Place, data: bytes, name: str = "roster.xlsx") -> Any:
    return client.post(reverse("imports:index"), {"area": area.pk, "file": SimpleUploadedFile(name, data)})


def test_the_whole_flow(street):
    client = street.client_for(street.secretary)
    headers = ["姓名", "证件", "楼号", "单元", "房号", "小区", "电话"]  # 证件 is not a known header
    where = _where(street)
    rows = [["甲", make_id(seq=51), where.building, where.unit, where.room, where.compound, "13800000051"],
            ["乙", make_id(seq=53), where.building, where.unit, where.room, where.compound, "123"]]
    page = client.get(reverse("imports:index"))
    assert page.status_code == 200 and street.community.name in page.content.decode()
    response = upload(client, street.community, xlsx_bytes(rows, headers=headers))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:mapping", args=[batch.pk])

    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'name="s0-c1".*?<option value="" selected>', html, re.S)  # 证件: not recognised
    assert re.search(r'name="s0-c0".*?<option value="name" selected>', html, re.S)
    choices = {f"s0-c{i}": f for i, f in enumerate(["name", "id_number", "building", "unit", "room", "compound",
                                                    "phone"])}
    response = client.post(page.request["PATH_INFO"], choices)
    assert response.status_code == 302 and response.url == reverse("imports:detail", args=[batch.pk])

    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.counts["new"] == 1 and batch.counts["rejected"] == 1
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200 and "123" in html and "手机" in html  # the reason, in the reader's language
    assert "mobile" not in html.split('id="main"')[1]
    client.cookies["django_language"] = "en"
    assert "mobile" in client.get(response.url).content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert AuditEvent.objects.filter(action="import.report_view", object_id=str(batch.pk)).exists()

    response = client.post(reverse("imports:commit", args=[batch.pk]), {})
    assert response.status_code == 302
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.READY  # rejected rows not acknowledged
    before = Person.objects.count()
    response = client.post(reverse("imports:commit", args=[batch.pk]), {"allow_rejected": "on"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and Person.objects.count() == before + 1
    assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 200


def test_status_endpoint_polls_and_reloads_when_done(street):
    client = street.client_for(street.secretary)
    upload(client, street.community, xlsx_bytes([person_row(1, "甲", make_id(seq=55), "", _where(street))]))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.CHECKING, progress_done=40, progress_total=80)
    page = client.get(reverse("imports:detail", args=[batch.pk]))
    assert 'hx-trigger="every 1s"' in page.content.decode() and "50%" in page.content.decode()
    running = client.get(reverse("imports:status", args=[batch.pk]))
    assert running.status_code == 200 and "HX-Refresh" not in running and "40 / 80" in running.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.READY)
    done = client.get(reverse("imports:status", args=[batch.pk]))
    assert done["HX-Refresh"] == "true"


def test_stop_deletes_the_file(street):
    client = street.client_for(street.secretary)
    upload(client, street.community, xlsx_bytes([person_row(1, "甲", make_id(seq=57), "", _where(street))]))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:stop", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.STOPPED and batch.content == ""


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.xlsx", b"", "empty"),
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), "not a real Excel workbook"),
    ("blank.xlsx", None, "no rows below it"),
    ("nothing.xlsx", "no-header", "No sheet has a header row"),
    ("huge.csv", "huge", "malformed"),
    ("bin.csv", b"\x00\x01\x02\x03" * 50, "not a text"),
])
def test_garbage_uploads_are_explained_not_500(street, name, data, message):
    if data is None:
        data = xlsx_bytes([])
    elif data == "no-header":
        data = xlsx_bytes([["a", "b"]], headers=["x", "y"], title=None)
    elif data == "huge":
        data = ("姓名,身份证号\n\"" + "长" * 200_000 + "\",1\n").encode()
    client = street.client_for(street.secretary)
    client.cookies["django_language"] = "en"
    response = upload(client, street.community, data, name)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_huge_cells_are_rejected_per_row(street):
    where = _where(street)
    client = street.client_for(street.secretary)
    upload(client, street.community, xlsx_bytes([person_row(1, "甲" * 30000, make_id(seq=59), "", where)]))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]),
                {f"s0-c{i}": f for i, f in batch.sheets[0]["mapping"].items()})
    batch.refresh_from_db()
    assert batch.counts["rejected"] == 1
    assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 200


def test_permissions(street):
    assert street.client_for(street.outsider).get(reverse("imports:index")).status_code == 403
    assert street.client_for(street.health_officer).get(reverse("imports:index")).status_code == 403
    grid = street.client_for(street.grid_worker)
    response = upload(grid, street.other_community, xlsx_bytes([person_row(1, "甲", make_id(seq=61), "",
                                                                           _where(street))]))
    assert response.status_code == 422 and not ImportBatch.objects.exists()  # not a choice she has
    secretary = street.client_for(street.secretary)
    upload(secretary, street.community, xlsx_bytes([person_row(1, "甲", make_id(seq=63), "", _where(street))]))
    batch = ImportBatch.objects.get()
    for name in ("detail", "mapping", "status"):
        assert grid.get(reverse(f"imports:{name}", args=[batch.pk])).status_code == 404
    for name in ("commit", "stop", "rerun"):
        assert grid.post(reverse(f"imports:{name}", args=[batch.pk])).status_code == 404
    assert street.client_for(street.admin).get(reverse("imports:detail", args=[batch.pk])).status_code == 200


def test_live_progress_of_a_commit_is_shown(street):
    """A commit writes in one transaction; its progress reaches the page through the task
    queue's store, not the batch row."""
    from linli.imports.progress import BatchProgress, clear_live, read_live

    client = street.client_for(street.secretary)
    upload(client, street.community, xlsx_bytes([person_row(1, "甲", make_id(seq=65), "", _where(street))]))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.COMMITTING)
    BatchProgress(batch.pk)("writing", 300, 1200)
    assert read_live(batch.pk) == {"stage": "writing", "done": 300, "total": 1200}
    html = client.get(reverse("imports:status", args=[batch.pk])).content.decode()
    assert "300 / 1200" in html and "25%" in html
    clear_live(batch.pk)
    assert read_live(batch.pk) is None
