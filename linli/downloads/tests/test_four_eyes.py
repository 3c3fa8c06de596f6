"""Four eyes (四眼原则, decision 0023): a list with the full ID numbers and phones of more people
than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` is made only once someone else, who may make it too,
approved it. Never the requester herself, never someone whose area does not cover it; refused
with a reason, expired after a few days; every step audited; the same over the API."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.downloads import actions
from linli.downloads.models import Download
from linli.ledger import log
from linli.people.models import Person


@pytest.fixture(autouse=True)
def fresh_ledger_caches():
    log.forget_tree()
    yield
    log.forget_tree()


def _ask(client, scope, purpose_code="social_assistance", **data):
    response = client.post("/people/export/", {"scope": scope.code, "kind": "people", "format": "csv",
                                               "purpose_code": purpose_code, **data})
    assert response.status_code == 302, response.content.decode()[:500]
    return Download.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def _street(street):
    return street.community.parent


def test_a_street_list_with_full_values_waits_for_a_second_person(street):
    client = street.client_for(street.street_officer)
    download = _ask(client, _street(street), purpose="核对全街道低保户名单")
    residents = Person.objects.filter(path__under=_street(street).path, is_active=True).count()
    assert residents > 500
    assert (download.status, download.needs_approval, download.full_values_of) == ("pending", True, residents)
    assert download.content == "" and download.approve_by > timezone.now() + datetime.timedelta(days=2)
    page = client.get(f"/downloads/{download.pk}/").content.decode()
    assert 'id="approval-status"' in page and "四眼原则" in page and "download-file" not in page
    assert client.get(f"/downloads/{download.pk}/file/").status_code == 302  # nothing to download yet
    asked = AuditEvent.objects.get(action="download.request", object_id=str(download.pk))
    assert asked.purpose == "社会救助（低保、特困）：核对全街道低保户名单"
    assert asked.detail["needs_approval"] is True and asked.detail["full_values_of"] == residents
    assert not AuditEvent.objects.filter(action="people.export", outcome="ok").exists()  # no file made


def test_masked_lists_and_short_ones_are_made_at_once(street, settings):
    client = street.client_for(street.street_officer)
    masked = _ask(client, _street(street), purpose_code="")
    assert (masked.status, masked.needs_approval, masked.full_values_of) == ("ready", False, 0)
    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = 10_000
    full = _ask(client, _street(street))
    assert full.status == "ready" and not full.needs_approval and full.full_values_of > 500


def test_the_requester_cannot_approve_her_own(street):
    download = _ask(street.client_for(street.street_officer), _street(street))
    client = street.client_for(street.street_officer)
    assert client.post(f"/downloads/{download.pk}/approve/").status_code == 404
    assert "id=\"request-" not in client.get("/downloads/approvals/").content.decode()
    with pytest.raises(PermissionDenied):
        actions.do_approve_download(download, acting_user=street.street_officer)
    download.refresh_from_db()
    assert download.status == "pending"
    refused = AuditEvent.objects.filter(action="download.approve", outcome="denied").get()
    assert refused.actor_id == street.street_officer.pk and refused.detail["reason"] == "permission"


def test_an_approver_whose_area_does_not_cover_it_is_refused(street):
    download = _ask(street.client_for(street.street_officer), _street(street))
    secretary = street.client_for(street.secretary)  # may approve, in her community only
    assert secretary.post(f"/downloads/{download.pk}/approve/").status_code == 404
    assert secretary.post(f"/downloads/{download.pk}/refuse/", {"reason": "范围太大不批"}).status_code == 404
    for user in (street.grid_worker, street.resident):  # no right to approve at all
        assert street.client_for(user).post(f"/downloads/{download.pk}/approve/").status_code in (403, 404)
        assert street.client_for(user).get("/downloads/approvals/").status_code in (403, 404)
    # the health officer approves health reports, never a list she may not make herself
    health = street.client_for(street.health_officer)
    assert health.post(f"/downloads/{download.pk}/approve/").status_code == 404
    assert f'id="request-{download.pk}"' not in health.get("/downloads/approvals/").content.decode()
    with pytest.raises(PermissionDenied):
        actions.do_approve_download(download, acting_user=street.secretary)
    assert Download.objects.get(pk=download.pk).status == "pending"
    assert AuditEvent.objects.filter(action="download.approve", outcome="denied", actor=street.secretary).exists()


def test_the_file_is_made_only_after_approval_as_the_requester_asked(street, settings):
    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = 100
    requester = street.client_for(street.secretary)
    download = _ask(requester, street.community, purpose_code="epidemic_control")
    assert download.status == "pending"
    approver = street.client_for(street.street_officer)
    waiting = approver.get("/downloads/approvals/").content.decode()
    assert f'id="request-{download.pk}"' in waiting and "疫情防控" in waiting and "社区书记" in waiting
    assert "1 个完整信息导出待您审批" in approver.get("/").content.decode()  # on her home page too
    response = approver.post(f"/downloads/{download.pk}/approve/")
    assert response.status_code == 302 and response["Location"] == "/downloads/approvals/"
    download.refresh_from_db()
    assert (download.status, download.decided_by) == ("ready", street.street_officer)
    # the approver does not receive the file; the requester does, with full values
    assert approver.get(f"/downloads/{download.pk}/file/").status_code == 404
    text = requester.get(f"/downloads/{download.pk}/file/").content.decode("utf-8-sig")
    person = Person.objects.filter(path__under=street.community.path).exclude(id_number="").first()
    assert person.id_number in text
    assert "社区书记" not in approver.get("/downloads/approvals/").content.decode().split("decided-heading")[0]
    approved = AuditEvent.objects.get(action="download.approve", object_id=str(download.pk))
    assert approved.actor_id == street.street_officer.pk and approved.detail["requested_by"] == street.secretary.pk
    made = AuditEvent.objects.filter(action="people.export", outcome="ok").latest("seq")
    assert made.actor_id == street.secretary.pk and made.detail["full_values"] is True
    assert made.detail["purpose_code"] == "epidemic_control"
    assert approver.post(f"/downloads/{download.pk}/approve/").status_code == 302  # decided: said on the page
    assert AuditEvent.objects.filter(action="download.approve", outcome="ok").count() == 1


def test_a_refusal_needs_a_reason_which_the_requester_reads(street):
    download = _ask(street.client_for(street.street_officer), _street(street))
    with pytest.raises(ValidationError):
        actions.do_refuse_download(download, acting_user=street.admin, reason="....")
    actions.do_refuse_download(download, acting_user=street.admin, reason="全街道名单范围过大，请按社区分别申请")
    download.refresh_from_db()
    assert (download.status, download.decided_by, download.content) == ("refused", street.admin, "")
    page = street.client_for(street.street_officer).get(f"/downloads/{download.pk}/").content.decode()
    assert "全街道名单范围过大，请按社区分别申请" in page and "拒绝了该名单" in page
    with pytest.raises(ValidationError):
        actions.do_approve_download(download, acting_user=street.admin)
    refused = AuditEvent.objects.get(action="download.refuse", object_id=str(download.pk))
    assert refused.purpose == "全街道名单范围过大，请按社区分别申请" and refused.outcome == "ok"


def test_an_unapproved_request_expires(street):
    download = _ask(street.client_for(street.street_officer), _street(street))
    assert actions.expire_overdue(now=timezone.now() + datetime.timedelta(days=2)) == 0
    assert actions.expire_overdue(now=timezone.now() + datetime.timedelta(days=3, minutes=1)) == 1
    download.refresh_from_db()
    assert download.status == "expired"
    with pytest.raises(ValidationError):
        actions.do_approve_download(download, acting_user=street.admin)
    assert AuditEvent.objects.filter(action="download.expire", object_id=str(download.pk)).exists()
    page = street.client_for(street.street_officer).get(f"/downloads/{download.pk}/").content.decode()
    assert "未在期限内获批" in page


def test_the_same_over_the_api(street, settings):
    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = 100
    requester, approver = street.client_for(street.secretary), street.client_for(street.street_officer)

    def post(client, url, body=None):
        return client.post(url, data=json.dumps(body or {}), content_type="application/json")

    bad = post(requester, "/api/people/exports", {"scope": street.community.code, "kind": "people", "purpose": "x"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["msg_zh"].startswith("请用一句话说明目的")
    asked = post(requester, "/api/people/exports", {"scope": street.community.code, "kind": "people",
                                                    "format": "csv", "purpose_code": "care_visit"})
    assert asked.status_code == 202
    body = asked.json()
    assert (body["status"], body["needs_approval"], body["status_text_zh"]) == ("pending", True, "等待另一人审批")
    pk = body["id"]
    assert post(requester, f"/api/downloads/{pk}/approve").status_code == 404  # not her own
    assert requester.get(f"/api/downloads/{pk}/file").status_code == 422  # not made
    [waiting] = approver.get("/api/downloads/approvals").json()
    assert (waiting["id"], waiting["purpose_code"], waiting["purpose"]) == (pk, "care_visit", "走访关怀")
    short = post(approver, f"/api/downloads/{pk}/refuse", {"reason": "不"})
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "reason"]
    done = post(approver, f"/api/downloads/{pk}/approve")
    assert done.status_code == 200 and done.json()["decided_by"]
    assert requester.get(f"/api/downloads/{pk}").json()["status"] == "ready"
    file = requester.get(f"/api/downloads/{pk}/file")
    assert file.status_code == 200 and file["Content-Type"].startswith("text/csv")
    assert approver.get(f"/api/downloads/{pk}").status_code == 404  # the approver never reads the file
    assert approver.get("/api/downloads/approvals").json() == []


def test_the_demo_leaves_one_list_for_the_street_to_approve(street, settings):
    from linli.downloads.actions import waiting_for
    from linli.people.demo_approval import prepare_demo_approval

    settings.LINLI_EXPORT_APPROVAL_THRESHOLD = 5
    download = prepare_demo_approval()
    assert download is not None and (download.status, download.needs_approval) == ("pending", True)
    assert download.created_by == street.secretary and download.path == street.community.path
    assert list(waiting_for(street.street_officer)) == [download]
    assert prepare_demo_approval() is None  # once
