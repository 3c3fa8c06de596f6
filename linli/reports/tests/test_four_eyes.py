"""Four eyes for the departments' reports (decision 0023): a report naming more people with full
ID numbers or phones than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` is made only once someone else, who
may make the same report there, approved it; asked for on the page or over the API (202). Reports
without full values, or naming fewer people, are made as before."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.downloads import actions
from linli.downloads.models import Download
from linli.ledger import log
from linli.people.models import Person

POLICE = "police-floating-population"


@pytest.fixture(autouse=True)
def fresh_ledger_caches():
    log.forget_tree()
    yield
    log.forget_tree()


def _floating(place) -> int:
    return Person.objects.filter(path__under=place.path, is_active=True,
                                 population_type__in=["floating", "foreign"]).count()


def _ask(client, scope, template=POLICE, **data):
    response = client.post("/reports/run/", {"scope": scope.code, "template": template, **data})
    assert response.status_code == 302
    return response


def _asked(client, scope, template=POLICE, **data) -> Download:
    response = _ask(client, scope, template, **data)
    assert response["Location"].startswith("/downloads/"), response["Location"]
    return Download.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def _api(client, body):
    return client.post("/api/reports/generate", json.dumps(body), content_type="application/json")


@pytest.fixture
def low_threshold(street, settings):
    floating = _floating(street.community)
    assert floating > 2
    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = floating - 1
    return floating


def test_a_long_report_with_full_ids_waits_and_is_made_once_another_approves(street, low_threshold):
    requester = street.client_for(street.secretary)
    page = requester.get(f"/reports/?scope={street.community.code}").content.decode()
    assert f'id="held-{POLICE}"' in page and 'id="four-eyes-help"' in page
    download = _asked(requester, street.community, purpose_code="authority_request")
    assert (download.status, download.needs_approval, download.full_values_of) == ("pending", True, low_threshold)
    assert download.approver_needs == "people.export" and download.content == ""
    assert "四眼原则" in requester.get(f"/downloads/{download.pk}/").content.decode()
    assert "等待另一人审批" in requester.get(f"/reports/?scope={street.community.code}").content.decode()
    asked = AuditEvent.objects.get(action="download.request", object_id=str(download.pk))
    assert asked.detail["needs_approval"] is True and asked.detail["purpose_code"] == "authority_request"
    assert not AuditEvent.objects.filter(action="report.generate", outcome="ok").exists()  # nothing made

    approver = street.client_for(street.street_officer)
    assert f'id="request-{download.pk}"' in approver.get("/downloads/approvals/").content.decode()
    assert 'id="approvals-link"' in approver.get(f"/reports/?scope={street.community.code}").content.decode()
    assert approver.post(f"/downloads/{download.pk}/approve/").status_code == 302
    download.refresh_from_db()
    assert (download.status, download.decided_by) == ("ready", street.street_officer)
    assert approver.get(f"/downloads/{download.pk}/file/").status_code == 404  # the approver never reads it
    rows = CalamineWorkbook.from_filelike(io.BytesIO(requester.get(f"/downloads/{download.pk}/file/").content)) \
        .get_sheet_by_index(0).to_python()
    ids = {r[4] for r in rows[1:] if isinstance(r[0], float) and r[4]}
    assert ids and all(len(i) == 18 and "*" not in i for i in ids)  # full ID numbers, as the police receive them
    made = AuditEvent.objects.get(action="report.generate", outcome="ok")
    assert made.actor_id == street.secretary.pk and made.detail["purpose_code"] == "authority_request"
    assert AuditEvent.objects.filter(action="download.approve", outcome="ok", actor=street.street_officer).count() == 1


def test_a_long_report_with_full_ids_needs_a_purpose(street, low_threshold):
    client = street.client_for(street.secretary)
    response = _ask(client, street.community)
    assert response["Location"].startswith("/reports/")  # back to the page, with the reason
    assert "请选择用途" in client.get(response["Location"]).content.decode()
    assert not Download.objects.exists()
    refused = AuditEvent.objects.get(action="report.generate", outcome="denied")
    assert refused.detail["reason"] == "purpose" and refused.object_id == POLICE


def test_the_requester_cannot_approve_her_own(street, low_threshold):
    download = _asked(street.client_for(street.secretary), street.community, purpose_code="authority_request")
    assert street.client_for(street.secretary).post(f"/downloads/{download.pk}/approve/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.do_approve_download(download, acting_user=street.secretary)
    assert Download.objects.get(pk=download.pk).status == "pending"
    assert AuditEvent.objects.filter(action="download.approve", outcome="denied", actor=street.secretary).exists()


def test_an_approver_outside_the_area_or_without_the_report_right_is_refused(street, settings):
    street_area = street.community.parent
    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = _floating(street_area) - 1
    download = _asked(street.client_for(street.street_officer), street_area, purpose_code="authority_request")
    assert download.status == "pending"
    # the secretary may approve, in her community only; the health officer makes no police list
    for user in (street.secretary, street.health_officer):
        client = street.client_for(user)
        assert client.post(f"/downloads/{download.pk}/approve/").status_code == 404
        assert f'id="request-{download.pk}"' not in client.get("/downloads/approvals/").content.decode()
        with pytest.raises(PermissionDenied):
            actions.do_approve_download(download, acting_user=user)
    assert Download.objects.get(pk=download.pk).status == "pending"
    assert AuditEvent.objects.filter(action="download.approve", outcome="denied").count() == 2
    actions.do_refuse_download(download, acting_user=street.admin, reason="请按社区分别申请")
    page = street.client_for(street.street_officer).get(f"/downloads/{download.pk}/").content.decode()
    assert "请按社区分别申请" in page
    assert AuditEvent.objects.filter(action="download.refuse", object_id=str(download.pk)).exists()


def test_short_reports_and_reports_without_full_values_are_made_at_once(street, settings):
    client = street.client_for(street.secretary)
    download = _asked(client, street.community)  # the demo's floating population is under 500
    assert (download.status, download.needs_approval) == ("ready", False)
    assert download.full_values_of == _floating(street.community)
    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = 0
    for code in ("education-students-return", "womens-federation-women-children"):  # masked IDs; counts
        download = _asked(client, street.community, template=code)
        assert (download.status, download.full_values_of) == ("ready", 0)
    assert _api(client, {"template": "education-students-return", "scope": street.community.code}).status_code == 200


def test_the_api_answers_202_and_the_file_follows_approval(street, low_threshold):
    client = street.client_for(street.secretary)
    assert _api(client, {"template": POLICE, "scope": street.community.code}).status_code == 422  # no purpose
    response = _api(client, {"template": POLICE, "scope": street.community.code, "purpose_code": "other",
                             "purpose": "公安分局来函核查流动人口"})
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["needs_approval"], body["full_values_of"]) == ("pending", True, low_threshold)
    assert client.get(f"/api/downloads/{body['id']}").json()["status"] == "pending"
    zipped = _api(client, {"template": "__all__", "scope": street.community.code, "purpose_code": "emergency"})
    assert zipped.status_code == 202 and zipped.json()["kind"] == "all_reports"

    approver = street.client_for(street.street_officer)
    waiting = {d["id"]: d for d in approver.get("/api/downloads/approvals").json()}
    assert waiting[body["id"]]["purpose"] == "其他（请说明）：公安分局来函核查流动人口"
    assert client.post(f"/api/downloads/{body['id']}/approve").status_code == 404  # not her own
    assert approver.post(f"/api/downloads/{body['id']}/approve").status_code == 200
    assert client.get(f"/api/downloads/{body['id']}").json()["status"] == "ready"
    assert client.get(f"/api/downloads/{body['id']}/file").status_code == 200
    schema = client.get("/api/openapi.json").json()["paths"]["/api/reports/generate"]["post"]["responses"]
    assert "202" in schema


def _close_contacts(place, n):
    from linli.health.models import QuarantineOrder

    today = timezone.localdate()
    for person in Person.objects.filter(path__under=place.path, is_active=True).order_by("pk")[:n]:
        QuarantineOrder.objects.create(person=person, path=person.path, reason="close_contact", colour="yellow",
                                       start_date=today, start_basis="exposure", standard_days=7,
                                       end_date=today + datetime.timedelta(days=7))


def test_a_health_list_is_approved_by_a_health_role(street, settings):
    _close_contacts(street.community, 3)
    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = 2
    client = street.client_for(street.health_officer)
    download = _asked(client, street.community, template="cdc-close-contacts", purpose_code="epidemic_control")
    assert (download.status, download.full_values_of) == ("pending", 3)
    assert download.approver_needs == "health.report health.view"
    # the street officer makes the CDC's report as counts only: she may not approve the names
    assert street.client_for(street.street_officer).post(f"/downloads/{download.pk}/approve/").status_code == 404
    counted = _asked(client, street.community, template="cdc-close-contacts")  # no purpose: counts, at once
    assert counted.status == "ready" and counted.full_values_of == 0
    # a colleague of the district's health office approves it
    from linli.core.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=street.outsider, role=Role.objects.get(code="health_officer"),
                                  place=street.community)
    colleague = street.client_for(street.outsider)
    assert f'id="request-{download.pk}"' in colleague.get("/downloads/approvals/").content.decode()
    assert colleague.post(f"/downloads/{download.pk}/approve/").status_code == 302
    assert Download.objects.get(pk=download.pk).status == "ready"


def test_the_command_records_the_purpose(street, tmp_path: Path):
    call_command("reports", "generate", "--template", POLICE, "--scope", street.community.code, "--out",
                 str(tmp_path), "--user", street.secretary.username, "--purpose-code", "authority_request")
    made = AuditEvent.objects.get(action="report.generate", outcome="ok")
    assert made.detail["purpose_code"] == "authority_request" and made.purpose == "上级部门依法调取"
