"""The places where access used to be decided differently, and personal data left its scope.

Each test here failed before the policy layer (``linli.core.access``) decided them all.
"""

from __future__ import annotations

import datetime

from linli.core import audit
from linli.core.models import AuditEvent
from linli.people.models import Person, Relation, Residence


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
