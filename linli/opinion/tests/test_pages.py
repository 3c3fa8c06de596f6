"""The opinion pages and API, as the personas."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.core.models import AuditEvent
from linli.opinion import actions
from linli.opinion.models import ChatImport, Demand, DemandStatus, OpinionReport, ReportStatus
from linli.opinion.tests.helpers import exports_for, month_start, upload

pytestmark = pytest.mark.django_db


def test_uploading_through_the_page_shows_the_result_and_the_lines_not_read(street):
    client = street.client_for(street.secretary)
    files = [SimpleUploadedFile(name, data) for name, data in exports_for(street.community, groups=2, per_group_day=3)]
    files.append(SimpleUploadedFile("broken.csv", b"when,who\n1,2\n"))
    response = client.post("/opinion/upload/", {"community": street.community.pk, "exports": files})
    made = ChatImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/opinion/uploads/{made.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert made.status == "done" and str(made.count("stored")) in page
    assert "broken.csv" in page
    analysis = client.get(f"/opinion/places/{street.community.pk}/")
    assert analysis.status_code == 200
    assert "opinion-data" in analysis.content.decode()


def test_an_upload_with_no_file_or_another_community_is_refused_with_a_message(street):
    client = street.client_for(street.secretary)
    response = client.post("/opinion/upload/", {"community": street.community.pk})
    assert response.status_code == 400 and not ChatImport.objects.exists()
    response = client.post("/opinion/upload/", {"community": street.other_community.pk,
                                                "exports": [SimpleUploadedFile("a.txt", b"x")]})
    assert response.status_code == 400 and not ChatImport.objects.exists()


def test_a_demand_is_filed_with_one_click_and_the_report_sent(street):
    upload(street)
    client = street.client_for(street.secretary)
    demand = Demand.objects.filter(community=street.community, compound__isnull=False).first()
    response = client.post(f"/opinion/demands/{demand.pk}/", {"do": "file"})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.REQUESTED and demand.ticket is not None
    response = client.post("/opinion/reports/", {"place": street.community.pk, "month": month_start().strftime("%Y-%m")})
    report = OpinionReport.objects.get()
    assert response.status_code == 302
    page = client.get(f"/opinion/reports/{report.pk}/").content.decode()
    assert demand.ticket.number in page
    xlsx = client.get(f"/opinion/reports/{report.pk}/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="opinion.report.download").exists()
    assert client.post(f"/opinion/reports/{report.pk}/send/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    # the street officer reads it
    officer = street.client_for(street.street_officer)
    assert "opinion-data" in officer.get(f"/opinion/reports/{report.pk}/").content.decode()


def test_only_the_community_is_offered_to_send_its_report_and_only_once(street):
    upload(street)
    report = actions.do_generate_report(street.community, month_start(), acting_user=street.secretary)
    url = f"/opinion/reports/{report.pk}/"
    button = f"/opinion/reports/{report.pk}/send/"
    # the street officer reads the community's draft, but it is not hers to send
    officer = street.client_for(street.street_officer)
    assert officer.get(url).status_code == 200 and button not in officer.get(url).content.decode()
    with pytest.raises(ValidationError) as refused:
        actions.do_send_report(report, acting_user=street.street_officer)
    assert refused.value.code == "not_community"
    officer.post(url + "send/")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    secretary = street.client_for(street.secretary)
    assert button in secretary.get(url).content.decode()
    assert secretary.post(url + "send/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT
    assert button not in secretary.get(url).content.decode()


def test_a_bad_month_is_a_form_error_not_a_crash(street):
    client = street.client_for(street.secretary)
    response = client.post("/opinion/reports/", {"place": street.community.pk, "month": "2026-13"})
    assert response.status_code == 400 and not OpinionReport.objects.exists()


def test_pages_are_refused_to_those_without_the_right(street):
    for user in (street.grid_worker, street.resident):
        client = street.client_for(user)
        assert client.get("/opinion/").status_code == 403
        assert client.get(f"/opinion/places/{street.community.pk}/").status_code == 404
    secretary = street.client_for(street.secretary)
    assert secretary.get(f"/opinion/places/{street.other_community.pk}/").status_code == 404


def test_the_api_gives_the_upload_the_month_and_files_a_demand(street):
    made = upload(street)
    client = street.client_for(street.secretary)
    body = client.get(f"/api/opinion/uploads/{made.pk}").json()
    assert body["status"] == "done" and body["counts"]["stored"] == made.count("stored")
    month = client.get(f"/api/opinion/places/{street.community.pk}/month?month={month_start():%Y-%m}").json()
    assert month["messages"] > 0 and month["topics"] and month["demands"]
    demand = next(d for d in month["demands"] if d["compound_id"])
    filed = client.post(f"/api/opinion/demands/{demand['id']}/file", json.dumps({}), content_type="application/json")
    assert filed.status_code == 200 and filed.json()["status"] == "requested" and filed.json()["ticket"]
    again = client.post(f"/api/opinion/demands/{demand['id']}/file", json.dumps({}), content_type="application/json")
    assert again.status_code == 422, again.content
    assert "already been decided" in again.content.decode() or "已" in again.content.decode()
    other = street.client_for(street.grid_worker)
    assert other.get(f"/api/opinion/uploads/{made.pk}").status_code in (403, 404)
