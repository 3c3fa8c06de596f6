"""An ID number already registered: inside the user's area the page links to the person; outside
it, the neutral message stays and nothing about the person is shown."""

from __future__ import annotations

from linli.people.models import Person


def _post(client, house, id_number, path="/people/new/"):
    return client.post(path, {"house": house.pk, "name": "重复登记", "id_number": id_number,
                              "population_type": "registered", "relation": "family"})


def test_a_duplicate_inside_her_area_links_to_the_person(street):
    existing = Person.objects.exclude(id_number="").filter(path__startswith=street.grid_building.path).first()
    client = street.client_for(street.grid_worker)
    response = _post(client, street.house_in(street.grid_building), existing.id_number)
    html = response.content.decode()
    assert response.status_code == 422
    assert "已登记" in html and f'href="/people/{existing.pk}/"' in html and existing.name in html
    assert 'id="existing-person"' in html


def test_a_duplicate_outside_her_area_stays_neutral(street):
    far = Person.objects.exclude(id_number="").filter(path__startswith=street.far_building.path).first()
    client = street.client_for(street.grid_worker)
    response = _post(client, street.house_in(street.grid_building), far.id_number)
    html = response.content.decode()
    assert response.status_code == 422 and "街道" in html  # "the street office can check"
    assert f"/people/{far.pk}/" not in html and far.name not in html and 'id="existing-person"' not in html


def test_editing_to_a_registered_number_links_to_the_other_person(street):
    people = list(Person.objects.exclude(id_number="").filter(path__startswith=street.grid_building.path)
                  .order_by("pk")[:2])
    client = street.client_for(street.grid_worker)
    response = client.post(f"/people/{people[0].pk}/edit/", {
        "name": people[0].name, "id_number": people[1].id_number, "population_type": people[0].population_type})
    assert response.status_code == 422
    assert f'href="/people/{people[1].pk}/"' in response.content.decode()
