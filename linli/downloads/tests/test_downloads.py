"""Long lists and reports are made in the background: the page asks, the task worker makes the
file while the page shows how far it got, the author downloads it. Checked and audited as
before; nobody else sees it; a dead worker or an old file does not linger."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.utils import timezone

from linli.core import leases
from linli.core.models import AuditEvent
from linli.downloads import actions
from linli.downloads.models import Download, DownloadStatus
from linli.ledger import log


@pytest.fixture(autouse=True)
def fresh_ledger_caches():
    log.forget_tree()
    yield
    log.forget_tree()


def _ask(client, **data):
    response = client.post("/people/export/", {"kind": "people", "format": "xlsx", **data})
    assert response.status_code == 302, response.content.decode()[:300]
    return Download.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def test_a_street_list_is_made_in_the_background_with_its_progress_then_downloaded(street, monkeypatch):
    seen: list[tuple[str, int, int]] = []
    write = actions.Progress.__call__

    def spy(self, stage, done, total):
        seen.append((stage, done, total))
        write(self, stage, done, total)

    monkeypatch.setattr(actions.Progress, "__call__", spy)
    client = street.client_for(street.street_officer)
    download = _ask(client, scope=street.community.parent.code)
    assert download.status == DownloadStatus.READY and download.action == "people.export"
    stages = [stage for stage, _done, _total in seen]
    assert {"reading", "writing", "saving"} <= set(stages)
    assert any(done == total > 0 for stage, done, total in seen if stage == "reading")
    page = client.get(f"/downloads/{download.pk}/").content.decode()
    assert "文件已准备好" in page and f"/downloads/{download.pk}/file/" in page
    response = client.get(f"/downloads/{download.pk}/file/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    # the export's own audit, as the user, and each step of the file
    assert AuditEvent.objects.filter(action="people.export", actor=street.street_officer).exists()
    assert AuditEvent.objects.filter(action="download.request", object_id=str(download.pk)).exists()
    assert AuditEvent.objects.filter(action="download.fetch", object_id=str(download.pk)).exists()
    assert "可以下载" in client.get("/people/export/").content.decode().split('id="recent-files"')[1]


def test_the_page_polls_while_the_file_is_made(street):
    download = _ask(street.client_for(street.secretary), scope=street.community.code)
    Download.objects.filter(pk=download.pk).update(status=DownloadStatus.RUNNING, stage="writing",
                                                   progress_done=300, progress_total=1200,
                                                   lease_until=timezone.now() + datetime.timedelta(minutes=2))
    client = street.client_for(street.secretary)
    page = client.get(f"/downloads/{download.pk}/").content.decode()
    assert f'hx-get="/downloads/{download.pk}/status/"' in page and 'hx-trigger="every 1s"' in page
    assert "正在写入表格… 300 / 1200" in page and "ll-w-25" in page and "<noscript>" in page
    status = client.get(f"/downloads/{download.pk}/status/")
    assert status.status_code == 200 and "HX-Refresh" not in status
    Download.objects.filter(pk=download.pk).update(status=DownloadStatus.READY)
    assert client.get(f"/downloads/{download.pk}/status/")["HX-Refresh"] == "true"


def test_only_the_author_sees_her_file(street):
    download = _ask(street.client_for(street.secretary), scope=street.community.code)
    for user in (street.street_officer, street.grid_worker, street.health_officer, street.outsider):
        client = street.client_for(user)
        for path in ("", "status/", "file/"):
            assert client.get(f"/downloads/{download.pk}/{path}").status_code == 404, (user, path)


def test_refusals_are_said_where_she_asked_and_nothing_is_queued(street):
    client = street.client_for(street.secretary)
    assert client.post("/people/export/", {"scope": street.other_community.code, "kind": "people",
                                           "format": "csv"}).status_code == 404
    assert client.post("/people/export/", {"scope": street.community.code, "kind": "nope",
                                           "format": "csv"}).status_code == 422
    assert not Download.objects.exists()


def test_all_reports_are_made_in_the_background_report_by_report(street, monkeypatch):
    seen: list[tuple[str, int, int]] = []
    monkeypatch.setattr(actions.Progress, "__call__", lambda self, *args: seen.append(args))
    client = street.client_for(street.secretary)
    response = client.post("/reports/run/", {"scope": street.community.code, "template": "__all__"})
    download = Download.objects.get()
    assert response["Location"] == f"/downloads/{download.pk}/" and download.kind == "all_reports"
    total = seen[-1][2]
    assert total >= 6 and [done for _stage, done, _total in seen] == list(range(total + 1))
    assert all(stage for stage, done, _total in seen[:-1])  # each step names its report
    content = client.get(f"/downloads/{download.pk}/file/").content
    assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) == total
    assert "全部" in client.get("/reports/").content.decode().split('id="recent-files"')[1]


def test_a_health_report_with_names_is_read_under_the_health_right(street):
    client = street.client_for(street.health_officer)
    response = client.post("/reports/run/", {"scope": street.community.parent.code, "template": "health-arrivals-monitoring",
                                             "purpose": "核对返乡人员健康监测"})
    download = Download.objects.get()
    assert response.status_code == 302 and download.action == "health.report"
    assert client.get(f"/downloads/{download.pk}/file/").status_code == 200


def test_a_file_whose_worker_died_fails_and_an_old_file_is_deleted(street, monkeypatch):
    download = _ask(street.client_for(street.secretary), scope=street.community.code)
    Download.objects.filter(pk=download.pk).update(status=DownloadStatus.RUNNING,
                                                   lease_until=timezone.now() - datetime.timedelta(minutes=5))
    monkeypatch.setattr(leases, "renewed_until", lambda name: None)
    page = street.client_for(street.secretary).get(f"/downloads/{download.pk}/").content.decode()
    assert Download.objects.get(pk=download.pk).status == DownloadStatus.FAILED and "停止响应" in page
    again = _ask(street.client_for(street.secretary), scope=street.community.code)
    later = timezone.now() + datetime.timedelta(minutes=actions.keep_minutes() + 1)
    assert actions.purge_old(now=later) == 1
    again.refresh_from_db()
    assert again.status == DownloadStatus.PURGED and again.content == ""
    assert street.client_for(street.secretary).get(f"/downloads/{again.pk}/file/").status_code == 302


def test_a_failure_is_recorded_on_the_file_in_both_languages(street, monkeypatch):
    from linli.people import exports

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "export_list", broken)
    download = _ask(street.client_for(street.secretary), scope=street.community.code)
    assert download.status == DownloadStatus.FAILED and download.error["code"] == "error"
    assert "生成失败" in download.error["zh"] and "failed" in download.error["en"]
    assert AuditEvent.objects.filter(action="download.fail", object_id=str(download.pk)).exists()
