"""The places where access used to be decided differently, and personal data left its scope.

Each test here failed before the policy layer (``linli.core.access``) decided them all.
"""

from __future__ import annotations

import datetime
import json

from linli.core import audit
from linli.core.models import AuditEvent
from linli.people.models import Person, Relation, Residence
from linli.web.tests.test_api_endpoints import fresh_id_number


def test_person_page_lists_only_the_residences_the_viewer_may_see(street):
    person = street.person_in(street.grid_building)
    far_house = street.house_in(street.far_building)
    Residence.objects.create(person=person, house=far_house, relation=Relation.TENANT, path=far_house.path,
                             moved_in=datetime.date(2015, 1, 1), moved_out=datetime.date(2018, 1, 1))
    page = street.client_for(street.grid_worker).get(f"/people/{person.pk}/").content.decode()
    assert far_house.full_name() not in page
    assert far_house.name not in page or far_house.name in person.current_house.full_name()
    # The street officer covers both houses and sees the history.
    page = street.client_for(street.street_officer).get(f"/people/{person.pk}/").content.decode()
    assert far_house.full_name() in page or far_house.name in page


def _event(action: str, path: str) -> AuditEvent:
    return audit.record(action, object_type="test", object_id="x", path=path)


def test_audit_log_shows_each_viewer_her_own_area_only(street):
    mine = _event("person.view", street.community.path)
    theirs = _event("person.view", street.other_community.path)
    nowhere = _event("token.create", "")
    page = street.client_for(street.secretary).get("/audit/").content.decode()
    shown = {e.pk for e in street.client_for(street.secretary).get("/audit/").context["page"]}
    assert mine.pk in shown and theirs.pk not in shown and nowhere.pk not in shown
    assert page  # rendered
    shown = {e.pk for e in street.client_for(street.street_officer).get("/audit/").context["page"]}
    assert {mine.pk, theirs.pk} <= shown and nowhere.pk not in shown
    shown = {e.pk for e in street.client_for(street.admin).get("/audit/").context["page"]}
    assert {mine.pk, theirs.pk, nowhere.pk} <= shown


def test_health_reads_in_the_audit_log_only_for_health_roles(street):
    read = _event("health.status_view", street.community.path)
    other = _event("person.view", street.community.path)
    shown = {e.pk for e in street.client_for(street.street_officer).get("/audit/").context["page"]}
    assert other.pk in shown and read.pk not in shown
    assert AuditEvent.objects.restrict(street.health_officer, "audit.view").filter(pk=read.pk).count() == 0  # no audit.view
    street.admin.is_superuser = True
    assert AuditEvent.objects.restrict(street.admin, "audit.view").filter(pk=read.pk).exists()


def test_events_are_filed_under_the_place_they_concern(street):
    person = street.person_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    client.get(f"/people/{person.pk}/")
    assert AuditEvent.objects.filter(action="person.view", object_id=str(person.pk)).last().path == person.path
    client.get("/people/?q=张")
    search = AuditEvent.objects.filter(action="people.search").last()
    assert search.path and street.grid_building.path.startswith(search.path)


def test_edit_form_shows_masked_values_and_keeps_them_when_left_empty(street):
    person = Person.objects.filter(path__startswith=street.grid_building.path).exclude(phone="").exclude(
        id_number="").first()
    client = street.client_for(street.grid_worker)
    page = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert person.id_number not in page
    assert person.phone.removeprefix("+86") not in page
    assert person.id_number[-4:] in page  # masked: 310***********1234
    response = client.post(f"/people/{person.pk}/edit/", {
        "name": person.name, "id_number": "", "phone": "", "population_type": person.population_type,
        "hukou_address": person.hukou_address, "community_roles": person.community_roles, "notes": "",
        "special_groups": person.special_groups})
    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.id_number, fresh.phone) == (person.id_number, person.phone)


def _create(client, number: str, house) -> object:
    return client.post("/api/people/persons", data=json.dumps({
        "name": "探测", "id_number": number, "house_id": house.pk}), content_type="application/json")


def test_an_id_registered_elsewhere_is_not_confirmed_and_the_attempt_is_audited(street):
    far = street.person_in(street.far_building)
    house = street.house_in(street.grid_building)
    response = _create(street.client_for(street.grid_worker), far.id_number, house)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["code"] == "id_not_here" and "already" not in error["msg"]
    assert error["msg_zh"] == "此身份证号无法在此登记；可请街道办核查。"
    probe = AuditEvent.objects.filter(action="person.id_elsewhere").last()
    assert probe.actor == street.grid_worker and probe.outcome == "denied" and probe.detail["count"] == 1
    # Inside her own area the duplicate is named as such.
    mine = street.person_in(street.grid_building)
    response = _create(street.client_for(street.grid_worker), mine.id_number, house)
    assert response.json()["detail"][0]["code"] == "duplicate"


def test_repeated_probes_are_rate_limited(street, settings):
    settings.LINLI_ID_PROBE_LIMIT = 3
    far = list(Person.objects.filter(path__startswith=street.far_building.path).exclude(id_number="")[:3])
    house = street.house_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    for person in far:
        assert _create(client, person.id_number, house).json()["detail"][0]["code"] == "id_not_here"
    # Now even a number nobody has is refused the same way: the answer tells nothing.
    response = _create(client, fresh_id_number(), house)
    assert response.status_code == 422 and response.json()["detail"][0]["code"] == "rate_limited"
    # Someone else is not held back.
    assert _create(street.client_for(street.secretary), fresh_id_number(), house).status_code == 201


def test_an_import_of_numbers_registered_elsewhere_is_limited_too(street, settings):
    from linli.imports import actions as imports
    from linli.imports.tests.test_import import address_of, houses, person_row, xlsx_bytes

    settings.LINLI_ID_PROBE_LIMIT = 2
    far = list(Person.objects.filter(path__startswith=street.far_building.path).exclude(id_number="")[:3])
    where = address_of(houses(street.grid_building, 1)[0])
    rows = [person_row(i + 1, "某人", p.id_number, "", where) for i, p in enumerate(far)]
    batch = imports.do_upload(acting_user=street.secretary, area=street.community, file_name="名单.xlsx",
                              data=xlsx_bytes(rows))
    imports.do_set_mapping(batch, {layout.name: layout.mapping for layout in imports.layouts_of(batch)},
                           acting_user=street.secretary)
    imports.start_dry_run(batch, acting_user=street.secretary)
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.error["code"] == "rate_limited"
    assert not batch.rows.exists()  # the report, which would name the rows, is withheld
    probe = AuditEvent.objects.filter(action="person.id_elsewhere", actor=street.secretary).last()
    assert (probe.detail["count"], probe.detail["source"]) == (3, "import")
