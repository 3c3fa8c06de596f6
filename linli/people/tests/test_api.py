"""The residents API: search within the scope, masking, special groups, reveal, register."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from linli.conftest import Street
from linli.core.models import AuditEvent
from linli.people.actions import visible_people
from linli.people.models import Person, Residence
from linli.web.tests.test_api_endpoints import fresh_id_number

SEARCH = "/api/people/persons"


def searched_ids(client: Client, q: str) -> set[int]:
    """Every id the search returns, over all pages."""
    ids: set[int] = set()
    page = 1
    while True:
        data = client.get(SEARCH, {"q": q, "page": page, "page_size": 100}).json()
        ids |= {item["id"] for item in data["items"]}
        if page * 100 >= data["count"]:
            assert len(ids) == data["count"]
            return ids
        page += 1


def target_in(building: Any) -> Person:
    """A person with both an ID number and a phone in the building."""
    person = (Person.objects.filter(path__startswith=building.path).exclude(id_hash="").exclude(phone_hash="")
              .order_by("pk").first())
    assert person is not None
    return person


def queries_for(person: Person) -> dict[str, str]:
    return {
        "name": person.name,
        "pinyin initials": person.name_initials,
        "full pinyin": person.name_pinyin,
        "last four ID digits": person.id_number[-4:],
        "full ID number": person.id_number,
        "phone": person.phone.removeprefix("+86"),
        "phone with +86": "+86" + person.phone.removeprefix("+86"),
    }


@pytest.mark.parametrize("kind", list(queries_for(Person(name="x", id_number="1", phone="1"))))
def test_search_finds_the_person_and_stays_in_scope(street: Street, kind: str) -> None:
    client = street.client_for(street.grid_worker)
    near = target_in(street.grid_building)
    found = searched_ids(client, queries_for(near)[kind])
    assert near.pk in found
    in_scope = set(visible_people(street.grid_worker).values_list("pk", flat=True))
    assert found <= in_scope
    for building in (street.other_grid_building, street.far_building):
        away = target_in(building)
        assert away.pk not in searched_ids(client, queries_for(away)[kind])


def test_search_without_query_lists_exactly_the_scope(street: Street) -> None:
    client = street.client_for(street.grid_worker)
    expected = set(visible_people(street.grid_worker).values_list("pk", flat=True))
    assert expected and searched_ids(client, "") == expected
    paths = Person.objects.filter(pk__in=expected).values_list("path", flat=True)
    assert all(path.startswith(street.grid_building.path) for path in paths)


def test_secretary_sees_the_other_grid_but_not_the_other_community(street: Street) -> None:
    client = street.client_for(street.secretary)
    other_grid, far = target_in(street.other_grid_building), target_in(street.far_building)
    assert other_grid.pk in searched_ids(client, other_grid.name)
    assert far.pk not in searched_ids(client, far.name)
    assert far.pk not in searched_ids(client, far.id_number)


def test_search_is_paginated_by_twenty(street: Street) -> None:
    data = street.client_for(street.street_officer).get(SEARCH).json()
    assert len(data["items"]) == 20 and data["count"] > 1000
    second = street.client_for(street.street_officer).get(SEARCH, {"page": 2}).json()
    assert not {i["id"] for i in data["items"]} & {i["id"] for i in second["items"]}


def test_search_is_audited_without_its_text(street: Street) -> None:
    person = target_in(street.grid_building)
    street.client_for(street.grid_worker).get(SEARCH, {"q": person.id_number})
    event = AuditEvent.objects.filter(action="people.search").latest("seq")
    assert event.actor_id == street.grid_worker.pk and event.detail["kind"] == "id"
    assert person.id_number not in json.dumps(event.detail)


def _assert_nothing_plain(text: str, people: list[Person]) -> None:
    assert people
    for person in people:
        if person.id_number:
            assert person.id_number not in text
            assert person.id_number[:17] not in text
        if person.phone:
            assert person.phone.removeprefix("+86") not in text
            assert person.phone.lstrip("+") not in text


def test_list_and_detail_are_masked(street: Street) -> None:
    client = street.client_for(street.admin)  # sees everything, may reveal everything
    listing = client.get(SEARCH, {"page_size": 100})
    ids = [item["id"] for item in listing.json()["items"]]
    _assert_nothing_plain(listing.content.decode(), list(Person.objects.filter(pk__in=ids)))
    for item in listing.json()["items"][:5]:
        assert "*" in item["id_masked"] or not item["id_masked"]
    person = target_in(street.grid_building)
    detail = client.get(f"{SEARCH}/{person.pk}")
    members = [m["id"] for m in detail.json()["household"]]
    assert members, "the test person should live with someone"
    _assert_nothing_plain(detail.content.decode(), list(Person.objects.filter(pk__in=[person.pk, *members])))
    assert detail.json()["id_masked"] == person.id_number[:6] + "*" * 8 + person.id_number[-4:]


def test_detail_is_audited(street: Street) -> None:
    person = target_in(street.grid_building)
    street.client_for(street.grid_worker).get(f"{SEARCH}/{person.pk}")
    event = AuditEvent.objects.filter(action="person.view").latest("seq")
    assert (event.actor_id, event.object_id) == (street.grid_worker.pk, str(person.pk))


def test_detail_lists_the_household(street: Street) -> None:
    person = target_in(street.grid_building)
    data = street.client_for(street.grid_worker).get(f"{SEARCH}/{person.pk}").json()
    residence = Residence.objects.get(person=person, moved_out__isnull=True)
    together = set(Residence.objects.filter(household=residence.household, moved_out__isnull=True)
                   .exclude(person=person).values_list("person_id", flat=True))
    assert {m["id"] for m in data["household"]} == together
    assert data["residences"][0]["household_id"] == residence.household_id
    assert data["address"].endswith(person.current_house.name)
    assert data["can_reveal"] is True


def test_health_officer_does_not_see_special_groups(street: Street) -> None:
    person = Person.objects.filter(path__startswith=street.community.path).exclude(special_groups_index="").first()
    health = street.client_for(street.health_officer)
    items = health.get(SEARCH, {"q": person.name}).json()["items"]
    assert items and all(item["special_groups"] is None for item in items)
    detail = health.get(f"{SEARCH}/{person.pk}").json()
    assert detail["special_groups"] is None
    assert all(m["special_groups"] is None for m in detail["household"])
    assert not any(group in json.dumps(detail) for group in person.special_groups)
    secretary = street.client_for(street.secretary).get(f"{SEARCH}/{person.pk}").json()
    assert secretary["special_groups"] == sorted(person.special_groups)


def _reveal(client: Client, person: Person, body: dict[str, Any]) -> Any:
    return client.post(f"{SEARCH}/{person.pk}/reveal", data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_reveal_returns_the_value_and_writes_the_purpose(street: Street, field: str) -> None:
    person = target_in(street.grid_building)
    response = _reveal(street.client_for(street.grid_worker), person, {"field": field, "purpose_code": "social_assistance"})
    assert response.status_code == 200
    assert response.json() == {"field": field, "value": getattr(person, field)}
    event = AuditEvent.objects.filter(action="person.reveal").latest("seq")
    assert (event.actor_id, event.object_id, event.purpose, event.outcome) == (
        street.grid_worker.pk, str(person.pk), "社会救助（低保、特困）", "ok")
    assert event.detail == {"field": field, "channel": "api", "purpose_code": "social_assistance"}


def test_reveal_needs_a_purpose(street: Street) -> None:
    person = target_in(street.grid_building)
    before = AuditEvent.objects.filter(action="person.reveal").count()
    response = _reveal(street.client_for(street.grid_worker), person, {"field": "phone"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "purpose_code"]
    assert error["msg"] == "Choose the purpose you need the full values for."
    assert error["msg_zh"] == "请选择需要查看完整信息的目的。"
    # the refusal is in the audit log, as the finding (decision 0003) asked
    refused = AuditEvent.objects.filter(action="person.reveal").latest("seq")
    assert AuditEvent.objects.filter(action="person.reveal").count() == before + 1
    assert (refused.outcome, refused.detail["reason"]) == ("denied", "purpose")


def test_reveal_is_403_for_a_role_that_may_only_view(street: Street) -> None:
    person = street.resident.person  # the resident sees her own household, may not reveal
    response = _reveal(street.client_for(street.resident), person, {"field": "phone", "purpose": "我自己的号码"})
    assert response.status_code == 403
    assert response.json()["detail_zh"] == "您无权进行此操作。"
    event = AuditEvent.objects.filter(action="person.reveal").latest("seq")
    assert (event.actor_id, event.outcome) == (street.resident.pk, "denied")


def _create(client: Client, body: dict[str, Any]) -> Any:
    return client.post(SEARCH, data=json.dumps(body), content_type="application/json")


def test_create_registers_and_answers_masked(street: Street) -> None:
    house = street.house_in(street.grid_building)
    number = fresh_id_number()
    response = _create(street.client_for(street.grid_worker), {
        "name": "新 住户", "id_number": number, "phone": "+86 139 0000 2222", "house_id": house.pk,
        "relation": "tenant", "population_type": "floating", "special_groups": ["disabled"],
        "community_roles": ["volunteer"], "moved_in": "2026-10-01",
    })
    assert response.status_code == 201, response.content
    data = response.json()
    person = Person.objects.get(pk=data["id"])
    assert (person.name, person.id_number, person.phone) == ("新 住户", number, "+8613900002222")
    sex = "M" if int(number[16]) % 2 else "F"
    assert (data["sex"], data["population_type"], data["special_groups"]) == (sex, "floating", ["disabled"])
    assert data["residences"][0]["relation"] == "tenant"
    assert data["residences"][0]["moved_in"] == "2026-10-01"
    _assert_nothing_plain(response.content.decode(), [person])
    assert AuditEvent.objects.filter(action="person.create", object_id=str(person.pk)).exists()


def test_create_keeps_a_landline_as_a_landline(street: Street) -> None:
    response = _create(street.client_for(street.grid_worker), {
        "name": "王䶮", "phone": "(010) 8888 8888", "house_id": street.house_in(street.grid_building).pk})
    assert response.status_code == 201, response.content
    assert response.json()["phone_masked"] == "010-****8888"
    assert Person.objects.get(pk=response.json()["id"]).phone == "+861088888888"


def test_create_rejects_bad_id_and_phone_field_by_field(street: Street) -> None:
    number = fresh_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = _create(street.client_for(street.grid_worker), {
        "name": "", "id_number": wrong, "phone": "12345", "house_id": street.house_in(street.grid_building).pk,
    })
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e for e in response.json()["detail"]}
    assert set(errors) == {("body", "name"), ("body", "id_number"), ("body", "phone")}
    assert errors[("body", "id_number")]["code"] == "id_checksum"
    assert errors[("body", "id_number")]["msg"] == f"The check digit should be {number[17]}, not {wrong[17]}."
    assert errors[("body", "phone")]["code"].startswith("phone")
    assert errors[("body", "id_number")]["msg_zh"] == f"校验码应为 {number[17]}，而不是 {wrong[17]}。"
    assert all(e["msg_zh"] and e["msg_zh"] != e["msg"] for e in errors.values())
    assert not Person.objects.filter(name="").exists()


def test_create_refuses_a_duplicate_id(street: Street) -> None:
    existing = target_in(street.grid_building)
    response = _create(street.client_for(street.grid_worker), {
        "name": "重复", "id_number": existing.id_number, "house_id": street.house_in(street.grid_building).pk})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "id_number"] and "already registered" in error["msg"]


def test_create_needs_a_house_not_a_building(street: Street) -> None:
    response = _create(street.client_for(street.grid_worker), {"name": "x", "house_id": street.grid_building.pk})
    assert response.status_code == 404


def test_create_by_a_role_that_may_only_view_is_404(street: Street) -> None:
    # The health officer sees residents but may not register them: no house is "hers" to use.
    response = _create(street.client_for(street.health_officer), {
        "name": "x", "house_id": street.house_in(street.grid_building).pk})
    assert response.status_code == 404


@pytest.mark.parametrize(("moved_in", "code"), [(0, "date_format"), ("0", "date_format"), ("0001-01-01", "date_range"),
                                                ("9999-12-31", "date_range"), ("1899-12-31", "date_range")])
def test_a_date_that_is_no_real_date_is_refused_with_its_bounds(street: Street, moved_in: Any, code: str) -> None:
    """0 became 1970-01-01; years 1 and 9999 were stored."""
    response = _create(street.client_for(street.grid_worker), {
        "name": "新住户", "house_id": street.house_in(street.grid_building).pk, "moved_in": moved_in})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["code"]) == (["body", "moved_in"], code)
    if code == "date_range":
        assert "1900-01-01" in error["msg"] and "1900-01-01" in error["msg_zh"] and "只接受" in error["msg_zh"]
    assert not Person.objects.filter(name="新住户").exists()
