"""The stock file is made in the background (linli.downloads): the page asks and follows its
progress, the API answers 202; the file is its author's, filed at the area of her points."""

from __future__ import annotations

import pytest

from linli.core.models import AuditEvent, User
from linli.downloads import actions as downloads
from linli.downloads.models import Download, DownloadStatus
from linli.imports.reading import read_file
from linli.suppliers.tests.helpers import point_in
from linli.supplies.tests.helpers import stock

pytestmark = pytest.mark.django_db


def test_the_page_asks_shows_progress_and_offers_the_file(street, monkeypatch):
    seen = []
    write = downloads.Progress.__call__

    def spy(self, stage, done, total):
        seen.append((stage, done, total))
        write(self, stage, done, total)

    monkeypatch.setattr(downloads.Progress, "__call__", spy)
    stock(street, point_in(street), 40)
    client = street.client_for(street.secretary)
    assert 'action="/supplies/stock/export/"' in client.get("/supplies/").content.decode()
    assert client.get("/supplies/stock/export/").status_code == 405
    asked = client.post("/supplies/stock/export/")
    download = Download.objects.get(pk=int(asked["Location"].strip("/").split("/")[-1]))
    assert (download.kind, download.action, download.status) == ("stock", "supplies.view", DownloadStatus.READY)
    assert download.scope.path.startswith(street.community.path[:3]) and street.community.path.startswith(
        download.scope.path)  # her area: the narrowest place holding the points she sees
    assert {"writing", "saving"} <= {stage for stage, _d, _t in seen}
    page = client.get(asked["Location"]).content.decode()
    assert f"/downloads/{download.pk}/file/" in page and 'href="/supplies/"' in page
    assert AuditEvent.objects.filter(action="suppliers.stock_export", actor=street.secretary).exists()
    assert f"/downloads/{download.pk}/" in client.get("/supplies/").content.decode()  # her recent files


def test_the_api_answers_202_and_the_file_is_the_authors_alone(street):
    stock(street, point_in(street), 40)
    staff = street.client_for(street.secretary)
    asked = staff.post("/api/suppliers/stock/export")
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert body["kind"] == "stock" and body["status"] == "ready"
    assert staff.get(f"/api/downloads/{body['id']}").status_code == 200
    [sheet] = read_file(staff.get(f"/api/downloads/{body['id']}/file").content, "stock.xlsx")
    assert len(sheet.rows) == 2
    for other in (street.street_officer, street.grid_worker, street.resident, street.outsider):
        client = street.client_for(other)
        assert client.get(f"/api/downloads/{body['id']}").status_code == 404
        assert client.get(f"/api/downloads/{body['id']}/file").status_code == 404
        assert client.get(f"/downloads/{body['id']}/file/").status_code == 404
    for other in (street.grid_worker, street.resident, street.outsider):
        assert street.client_for(other).post("/api/suppliers/stock/export").status_code in (403, 404)
    assert staff.get("/api/downloads/999999/file").status_code == 404
    assert staff.get("/downloads/999999/").status_code == 404


def test_a_keeper_without_a_role_reads_her_own_stock_file_while_she_keeps_the_point(street):
    point = point_in(street)
    stock(street, point, 12)
    keeper = User.objects.create_user("pharmacy-clerk", password="x-clerk-password-x")  # noqa: S106 - test account
    point.keepers.add(keeper)
    client = street.client_for(keeper)
    asked = client.post("/supplies/stock/export/")
    assert asked.status_code == 302, asked
    download = Download.objects.get(pk=int(asked["Location"].strip("/").split("/")[-1]))
    assert download.status == DownloadStatus.READY and download.scope.path == point.path
    assert client.get(f"/downloads/{download.pk}/file/").status_code == 200
    point.keepers.remove(keeper)  # no longer her point: no longer her file
    assert client.get(f"/downloads/{download.pk}/file/").status_code == 404
