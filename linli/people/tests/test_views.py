from __future__ import annotations

import pytest

from linli.core.validators import id_check_digit
from linli.people.models import Person, Residence


def valid_id(body17="44052419800101001"):
    return body17 + id_check_digit(body17)


def test_grid_worker_registers_a_resident(street):
    house = street.house_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    assert client.get("/people/new/", {"house": house.pk}).status_code == 200
    response = client.post("/people/new/", {
        "house": house.pk, "name": "李 小 红", "id_number": valid_id(), "phone": "139 1234 5678",
        "population_type": "floating", "relation": "tenant", "special_groups": ["disabled"],
        "community_roles": ["volunteer"], "moved_in": "2026-10-01"})
    assert response.status_code == 302
    person = Person.objects.get(name="李 小 红")
    assert person.special_groups == ["disabled"] and person.phone == "+8613912345678"
    assert Residence.objects.get(person=person).moved_in.isoformat() == "2026-10-01"


def test_a_resident_whose_only_phone_is_a_landline_is_registered(street):
    """The form refused 021-58881234 as 'only mobile numbers are accepted'."""
    house = street.house_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    response = client.post("/people/new/", {
        "house": house.pk, "name": "王䶮", "id_number": valid_id("44052419800101003"), "phone": "021-58881234-801",
        "population_type": "registered", "relation": "owner"})
    assert response.status_code == 302
    person = Person.objects.get(name="王䶮")
    assert person.phone == "+862158881234;ext=801"
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "021-****1234" in page and "58881234" not in page


def test_bad_input_shows_errors_and_writes_nothing(street):
    house = street.house_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    count = Person.objects.count()
    bad = valid_id()[:-1] + ("1" if valid_id()[-1] != "1" else "2")
    response = client.post("/people/new/", {"house": house.pk, "name": "王五", "id_number": bad,
                                            "phone": "1234", "population_type": "registered", "relation": "family"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "校验码应为" in body  # the Chinese message, naming the right check digit
    assert Person.objects.count() == count


def test_cannot_register_outside_scope(street):
    client = street.client_for(street.grid_worker)
    assert client.get("/people/new/", {"house": street.house_in(street.far_building).pk}).status_code == 404
    assert client.get("/people/new/", {"house": "abc"}).status_code == 404
    health = street.client_for(street.health_officer)
    assert health.get("/people/new/", {"house": street.house_in(street.grid_building).pk}).status_code == 404


def test_edit_and_move_out(street):
    person = street.person_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    page = client.get(f"/people/{person.pk}/edit/")
    assert page.status_code == 200 and person.id_number not in page.content.decode()  # masked, see test_leaks
    response = client.post(f"/people/{person.pk}/edit/", {
        "name": person.name + "改", "id_number": person.id_number, "phone": "", "remove_phone": "on",
        "population_type": "registered", "special_groups": person.special_groups, "community_roles": []})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name.endswith("改") and person.phone == ""
    residence = Residence.objects.filter(person=person, moved_out__isnull=True).first()
    response = client.post(f"/people/residence/{residence.pk}/move-out/", {"moved_out": "1990-01-01"})
    assert response.status_code == 422  # before moving in
    response = client.post(f"/people/residence/{residence.pk}/move-out/", {"moved_out": "2026-11-01"})
    assert response.status_code == 302
    residence.refresh_from_db()
    assert str(residence.moved_out) == "2026-11-01"


def test_edit_outside_scope_is_404(street):
    client = street.client_for(street.grid_worker)
    assert client.get(f"/people/{street.person_in(street.far_building).pk}/edit/").status_code == 404
    volunteer = street.client_for(street.volunteer)
    assert volunteer.get(f"/people/{street.person_in(street.grid_building).pk}/edit/").status_code == 404


def test_broad_search_is_capped_and_says_so(street, monkeypatch):
    from linli.core.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 5)
    body = street.client_for(street.street_officer).get("/people/", {"q": "w"}).content.decode()
    assert "5" in body and ("More than" in body or "超过" in body)
    assert body.count("result-card") == 6  # one more than the cap is counted, the page shows up to 20


def test_the_person_page_and_the_building_view_show_what_they_are_about(street):
    client = street.client_for(street.grid_worker)
    person = street.person_in(street.grid_building)
    assert person.name in client.get(f"/people/{person.pk}/").content.decode()
    assert street.grid_building.name in client.get(f"/places/{street.grid_building.pk}/").content.decode()


def test_breadcrumbs_link_the_places_the_viewer_may_open(street):
    house = street.house_in(street.grid_building)
    compound = street.grid_building.parent
    secretary = street.client_for(street.secretary).get(f"/places/{house.pk}/").content.decode()
    for place in (street.community, compound, street.grid_building):
        assert f'<a href="/places/{place.pk}/">{place.name}</a>' in secretary
    assert street.client_for(street.secretary).get(f"/places/{compound.pk}/").status_code == 200


def test_search_never_leaves_the_grid(street):
    client = street.client_for(street.grid_worker)
    outside = street.person_in(street.other_grid_building)
    inside = street.person_in(street.grid_building)
    body = client.get("/people/", {"q": outside.name}).content.decode()
    assert f"/people/{outside.pk}/" not in body
    body = client.get("/people/", {"q": inside.name}).content.decode()
    assert f"/people/{inside.pk}/" in body


def test_health_officer_sees_no_special_groups(street):
    client = street.client_for(street.health_officer)
    person = next(p for p in Person.objects.filter(path__startswith=street.community.path) if p.special_groups)
    body = client.get(f"/people/{person.pk}/").content.decode()
    assert "badge-group" not in body
    building = client.get(f"/places/{street.grid_building.pk}/").content.decode()
    assert 'class="badge-group" title' not in building


def test_revealing_needs_the_right_to_reveal_before_any_input_is_checked(street):
    # The resident sees her housemates, masked; she may not reveal them, whatever she sends.
    resident = street.resident.person
    housemate = Person.objects.filter(current_house=resident.current_house).exclude(pk=resident.pk).first() \
        or resident
    client = street.client_for(street.resident)
    assert client.get(f"/people/{housemate.pk}/").status_code == 200
    assert client.post(f"/people/{housemate.pk}/reveal/nonsense/", {"purpose": ""}).status_code == 404
    assert client.post(f"/people/{housemate.pk}/reveal/id_number/", {"purpose": "核对身份信息以便办理"}).status_code == 404


def test_an_export_without_an_area_is_a_form_error(street):
    response = street.client_for(street.secretary).post("/people/export/", {"kind": "people", "format": "csv"})
    assert response.status_code == 422 and "请选择您辖区内的一个区域" in response.content.decode()


def test_registering_someone_in_a_vacant_house_ends_its_vacancy_and_usage_can_be_set(street):
    from linli.core.models import AuditEvent
    from linli.people.actions import PersonInput, do_create_person
    from linli.places.models import Level, Place, Usage
    from linli.web.tests.test_api_endpoints import fresh_id_number

    house = Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE).order_by("path").last()
    Place.objects.filter(pk=house.pk).update(usage=Usage.VACANT)
    house.refresh_from_db()
    do_create_person(PersonInput(name="新业主", id_number=fresh_id_number()), acting_user=street.grid_worker,
                     house=house, relation="owner")
    house.refresh_from_db()
    assert house.usage == Usage.OWNER_OCCUPIED
    assert AuditEvent.objects.filter(action="house.usage", object_id=str(house.pk)).last().detail["to"] == "owner"
    client = street.client_for(street.grid_worker)
    assert 'name="usage"' in client.get(f"/places/{house.pk}/").content.decode()
    assert client.post(f"/places/{house.pk}/usage/", {"usage": "rented"}).status_code == 302
    house.refresh_from_db()
    assert house.usage == Usage.RENTED
    client.post(f"/places/{house.pk}/usage/", {"usage": "castle"})
    house.refresh_from_db()
    assert house.usage == Usage.RENTED
    far = street.house_in(street.far_building)
    assert client.post(f"/places/{far.pk}/usage/", {"usage": "vacant"}).status_code == 404


@pytest.mark.parametrize("moved_in", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_move_in_date_outside_sane_bounds_is_refused_with_the_bounds(street, moved_in):
    """The form stored years 1 and 9999."""
    house = street.house_in(street.grid_building)
    response = street.client_for(street.grid_worker).post("/people/new/", {
        "house": house.pk, "name": "赵年", "population_type": "registered", "relation": "family", "moved_in": moved_in})
    assert response.status_code == 422
    assert "1900-01-01" in response.content.decode()
    assert not Person.objects.filter(name="赵年").exists()


def test_the_relation_to_the_head_is_in_full_width_brackets_in_chinese(street):
    """户主 in Chinese brackets on a Chinese page (it printed "业主 (户主)"), ASCII ones in English."""
    residence = Residence.objects.filter(path__under=street.grid_building.path, relation_to_head="户主",
                                         moved_out__isnull=True).order_by("pk").first()
    client = street.client_for(street.grid_worker)
    url = f"/people/{residence.person_id}/"
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "（户主）" in chinese and "(户主)" not in chinese
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "(户主)" in english and "（户主）" not in english
