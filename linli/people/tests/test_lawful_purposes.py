"""Purposes mean something (decision 0023): a reveal or an export of full values names a lawful
purpose from the list, or says in a sentence why; ``x`` and ``....`` are refused in both
languages, and every refusal (no right, outside the scope, a purpose that is none) is in the
audit log, as decision 0003 promised."""

from __future__ import annotations

import json

import pytest

from linli.core.models import AuditEvent
from linli.downloads.models import Download
from linli.people.models import Person


def _refusals(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, outcome="denied").order_by("seq"))


def _person(street, building=None):
    return Person.objects.filter(path__under=(building or street.grid_building).path, is_active=True) \
        .exclude(phone="").order_by("pk").first()


@pytest.mark.parametrize("purpose", ["x", "....", "          "])
def test_a_reveal_for_no_purpose_is_refused_on_the_page_and_audited(street, purpose):
    person = _person(street)
    response = street.client_for(street.grid_worker).post(f"/people/{person.pk}/reveal/phone/", {"purpose": purpose})
    assert response.status_code == 422
    page = response.content.decode()
    assert person.phone not in page
    assert ("请选择需要查看完整信息的目的" if not purpose.strip() else "请用一句话说明目的") in page
    [refused] = _refusals("person.reveal")
    assert (refused.actor_id, refused.object_id, refused.path) == (street.grid_worker.pk, str(person.pk), person.path)
    assert refused.detail["reason"] == "purpose" and refused.detail["field"] == "phone"
    assert refused.purpose == purpose.strip()  # what she sent, for whoever reads the log


def test_other_with_a_short_text_is_refused_and_a_real_sentence_or_a_listed_purpose_passes(street):
    person = _person(street)
    client = street.client_for(street.grid_worker)
    url = f"/people/{person.pk}/reveal/phone/"
    assert client.post(url, {"purpose_code": "other", "purpose": "核对一下"}).status_code == 422
    assert client.post(url, {"purpose_code": "curiosity"}).status_code == 422
    assert len(_refusals("person.reveal")) == 2
    answer = client.post(url, {"purpose_code": "other", "purpose": "协助派出所联系走失老人的家属"})
    assert answer.status_code == 200 and "reveal-value" in answer.content.decode()
    assert client.post(url, {"purpose_code": "care_visit"}).status_code == 200
    shown = list(AuditEvent.objects.filter(action="person.reveal", outcome="ok").order_by("seq"))
    assert [(e.purpose, e.detail["purpose_code"]) for e in shown] == [
        ("其他（请说明）：协助派出所联系走失老人的家属", "other"), ("走访关怀", "care_visit")]


def test_the_reveal_form_offers_the_list(street):
    person = _person(street)
    page = street.client_for(street.grid_worker).get(f"/people/{person.pk}/").content.decode()
    assert 'name="purpose_code"' in page and '<option value="social_assistance">社会救助（低保、特困）</option>' in page
    assert "data-purpose-other hidden" in page  # the sentence field shows only for "other"


def test_a_reveal_outside_the_scope_is_refused_and_audited_where_she_works(street):
    far = _person(street, street.far_building)
    client = street.client_for(street.grid_worker)
    assert client.post(f"/people/{far.pk}/reveal/id_number/", {"purpose_code": "care_visit"}).status_code == 404
    api = client.post(f"/api/people/persons/{far.pk}/reveal", data=json.dumps({"field": "phone", "purpose": "x"}),
                      content_type="application/json")
    assert api.status_code == 404
    page, program = _refusals("person.reveal")
    assert (page.object_id, page.detail["reason"], page.detail["purpose_code"]) == (str(far.pk), "scope", "care_visit")
    assert program.detail["channel"] == "api" and program.purpose == "x"
    # filed under her own grid's community, not under the person she may not reach
    assert not far.path.startswith(page.path) and street.grid_building.path.startswith(page.path)


def test_a_reveal_by_a_role_that_may_not_is_audited(street):
    person = street.resident.person
    response = street.client_for(street.resident).post(
        f"/api/people/persons/{person.pk}/reveal", data=json.dumps({"field": "phone", "purpose_code": "care_visit"}),
        content_type="application/json")
    assert response.status_code == 403
    [refused] = _refusals("person.reveal")
    assert refused.detail["reason"] == "permission" and refused.object_id == str(person.pk)


@pytest.mark.parametrize("purpose", ["x", "...."])
def test_the_api_refuses_no_purpose_in_both_languages(street, purpose):
    person = _person(street)
    response = street.client_for(street.grid_worker).post(
        f"/api/people/persons/{person.pk}/reveal", data=json.dumps({"field": "id_number", "purpose": purpose}),
        content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["code"]) == (["body", "purpose"], "too_short")
    assert error["msg"].startswith("Describe the purpose") and error["msg_zh"].startswith("请用一句话说明目的")
    assert _refusals("person.reveal")[-1].purpose == purpose


def test_the_street_export_with_purpose_x_is_refused_and_audited(street):
    """The finding: a street's list with the full values of its residents went out for ``x``."""
    client = street.client_for(street.street_officer)
    street_code = street.community.parent.code
    for sent in ({"purpose": "x"}, {"purpose": "...."}, {"purpose_code": "other", "purpose": "导出名单"},
                 {"purpose_code": "whatever"}):
        response = client.post("/people/export/", {"scope": street_code, "kind": "people", "format": "csv", **sent})
        assert response.status_code == 422, sent
        assert "请" in response.content.decode().split('role="alert"')[1][:200]
    assert not Download.objects.exists()
    refusals = _refusals("people.export")
    assert [e.detail["reason"] for e in refusals] == ["purpose"] * 4
    assert [e.purpose for e in refusals][:2] == ["x", "...."]
    assert refusals[0].path == street.community.parent.path and refusals[0].detail["kind"] == "people"


def test_an_export_outside_her_areas_or_without_the_right_is_audited(street):
    secretary = street.client_for(street.secretary)
    assert secretary.post("/people/export/", {"scope": street.other_community.code, "kind": "people",
                                              "format": "csv", "purpose_code": "care_visit"}).status_code == 404
    worker = street.client_for(street.grid_worker)  # exports nothing at all
    assert worker.post("/people/export/", {"scope": street.community.code, "kind": "people",
                                           "format": "csv"}).status_code == 404
    api = secretary.post("/api/people/exports", data=json.dumps({"scope": street.other_community.code,
                                                                 "kind": "people"}),
                         content_type="application/json")
    assert api.status_code == 404
    scope, permission, program = _refusals("people.export")
    assert (scope.object_id, scope.detail["reason"], scope.actor_id) == (street.other_community.code, "scope",
                                                                         street.secretary.pk)
    assert scope.path == street.community.path  # where she works: her office sees the attempt
    assert (permission.detail["reason"], permission.actor_id) == ("permission", street.grid_worker.pk)
    assert program.detail["channel"] == "api" and program.detail["reason"] == "scope"
    assert not Download.objects.exists()


def test_the_export_page_keeps_what_she_chose_after_a_refusal(street):
    response = street.client_for(street.secretary).post("/people/export/", {
        "scope": street.community.code, "kind": "groups", "format": "csv", "purpose_code": "other",
        "purpose": "核对"})
    page = response.content.decode()
    assert response.status_code == 422
    assert '<option value="other" selected>' in page and 'value="核对" required' in page
    assert 'id="kind-groups" value="groups" checked' in page and 'id="fmt-csv" value="csv" checked' in page
