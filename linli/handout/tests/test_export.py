"""The round's list is made in the background (linli.downloads): the page asks and follows its
progress, the API answers 202 with the file's id; the file is its author's alone."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from linli.core.models import AuditEvent
from linli.downloads import actions as downloads
from linli.downloads.models import Download, DownloadStatus
from linli.handout import actions
from linli.handout.models import Via
from linli.handout.tests.helpers import houses, open_round

pytestmark = pytest.mark.django_db


def _round_with_reservations(street, n=3):
    round_ = open_round(street)
    for house in houses(street.community, n):
        actions.do_reserve(round_, house, acting_user=street.secretary, via=Via.STAFF)
    return round_


def test_the_page_asks_shows_progress_and_offers_the_file(street, monkeypatch):
    seen = []
    write = downloads.Progress.__call__

    def spy(self, stage, done, total):
        seen.append((stage, done, total))
        write(self, stage, done, total)

    monkeypatch.setattr(downloads.Progress, "__call__", spy)
    round_ = _round_with_reservations(street)
    client = street.client_for(street.secretary)
    page = client.get(f"/handout/rounds/{round_.pk}/").content.decode()
    assert f'action="/handout/rounds/{round_.pk}/export/"' in page
    assert client.get(f"/handout/rounds/{round_.pk}/export/").status_code == 405  # asking makes a file: POST
    answer = client.post(f"/handout/rounds/{round_.pk}/export/")
    assert answer.status_code == 302 and answer["Location"].startswith("/downloads/")
    download = Download.objects.get(pk=int(answer["Location"].strip("/").split("/")[-1]))
    assert (download.kind, download.action, download.status) == ("handout_list", "handout.manage",
                                                                 DownloadStatus.READY)
    assert download.scope == round_.community and download.params == {"round": round_.pk}
    assert {"reading", "writing", "saving"} <= {stage for stage, _d, _t in seen}
    detail = client.get(answer["Location"]).content.decode()
    assert f"/downloads/{download.pk}/file/" in detail and f'href="/handout/rounds/{round_.pk}/"' in detail
    file = client.get(f"/downloads/{download.pk}/file/")
    assert file.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(file.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "预约号" and len(sheet) == 4
    assert AuditEvent.objects.filter(action="handout.export", actor=street.secretary,
                                     object_id=str(round_.pk)).exists()
    # the round's page lists the file she asked for
    assert f"/downloads/{download.pk}/" in client.get(f"/handout/rounds/{round_.pk}/").content.decode()


def test_the_api_answers_202_and_follows_the_file(street):
    round_ = _round_with_reservations(street, 2)
    staff = street.client_for(street.secretary)
    asked = staff.post(f"/api/handout/rounds/{round_.pk}/export")
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert body["kind"] == "handout_list" and body["status"] == "ready" and body["area"] == round_.community.code
    status = staff.get(f"/api/downloads/{body['id']}")
    assert status.status_code == 200 and status.json()["file_name"].endswith(".xlsx")
    assert staff.get(f"/api/downloads/{body['id']}/file").status_code == 200


def test_a_file_is_its_authors_alone_and_bad_ids_are_404(street):
    round_ = _round_with_reservations(street, 1)
    staff = street.client_for(street.secretary)
    file_id = staff.post(f"/api/handout/rounds/{round_.pk}/export").json()["id"]
    # someone else who manages the same community (the street office) does not read it
    officer = street.client_for(street.street_officer)
    assert officer.get(f"/api/downloads/{file_id}").status_code == 404
    assert officer.get(f"/api/downloads/{file_id}/file").status_code == 404
    assert officer.get(f"/downloads/{file_id}/file/").status_code == 404
    for other in (street.resident, street.grid_worker, street.outsider):
        client = street.client_for(other)
        assert client.get(f"/downloads/{file_id}/").status_code == 404
        assert client.post(f"/api/handout/rounds/{round_.pk}/export").status_code in (403, 404)
        assert client.post(f"/handout/rounds/{round_.pk}/export/").status_code in (403, 404)
    # ids that name nothing, or nothing of hers
    assert staff.post("/api/handout/rounds/999999/export").status_code == 404
    assert staff.post("/handout/rounds/999999/export/").status_code == 404
    assert staff.get("/api/downloads/999999").status_code == 404
    assert staff.get("/api/downloads/999999/file").status_code == 404
    assert staff.get("/downloads/999999/").status_code == 404
    assert staff.get(f"/api/downloads/{'9' * 30}").status_code in (404, 422)


def test_the_maker_checks_the_round_again_and_refuses_a_forged_one(street):
    from linli.core.access import PermissionDenied
    from linli.downloads.actions import do_request_download

    round_ = _round_with_reservations(street, 1)
    for params in ({"round": "1"}, {"round": -1}, {}, {"round": round_.pk + 10_000}):
        with pytest.raises(PermissionDenied):
            do_request_download("handout_list", scope=round_.community, params=params, acting_user=street.secretary)
    # a round of another community under this community's name
    with pytest.raises(PermissionDenied):
        do_request_download("handout_list", scope=street.other_community, params={"round": round_.pk},
                            acting_user=street.admin)
