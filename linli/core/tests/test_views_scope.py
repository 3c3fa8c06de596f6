from __future__ import annotations

import pytest
from django.test import Client

from linli.core.tests.scope_cases import ScopeCase, check_scope_case, pk_url
from linli.grids.models import Grid

CASES = [
    ScopeCase("person page, grid worker", "grid_worker",
              pk_url("/people/", lambda s: s.person_in(s.grid_building)),
              pk_url("/people/", lambda s: s.person_in(s.other_grid_building)),
              lambda s: s.person_in(s.grid_building).name),
    ScopeCase("person page, secretary", "secretary",
              pk_url("/people/", lambda s: s.person_in(s.other_grid_building)),
              pk_url("/people/", lambda s: s.person_in(s.far_building))),
    ScopeCase("building view, grid worker", "grid_worker",
              pk_url("/places/", lambda s: s.grid_building),
              pk_url("/places/", lambda s: s.other_grid_building),
              lambda s: s.grid_building.name),
    ScopeCase("building view, secretary", "secretary",
              pk_url("/places/", lambda s: s.other_grid_building),
              pk_url("/places/", lambda s: s.far_building)),
    ScopeCase("household view, grid worker", "grid_worker",
              pk_url("/places/", lambda s: s.house_in(s.grid_building)),
              pk_url("/places/", lambda s: s.house_in(s.far_building))),
    ScopeCase("community page, secretary", "secretary",
              pk_url("/places/", lambda s: s.community),
              pk_url("/places/", lambda s: s.other_community)),
    ScopeCase("grid page, grid worker", "grid_worker",
              pk_url("/grids/", lambda s: Grid.objects.filter(community=s.community).order_by("code")[0]),
              pk_url("/grids/", lambda s: Grid.objects.filter(community=s.community).order_by("code")[1])),
    ScopeCase("grid page, secretary", "secretary",
              pk_url("/grids/", lambda s: Grid.objects.filter(community=s.community).order_by("code")[1]),
              pk_url("/grids/", lambda s: Grid.objects.filter(community=s.other_community).first())),
    ScopeCase("own household, resident", "resident",
              pk_url("/places/", lambda s: s.resident.person.current_house),
              pk_url("/places/", lambda s: s.house_in(s.other_grid_building))),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_scope(street, case):
    check_scope_case(street, case)


@pytest.mark.parametrize("url", ["/", "/people/?q=a", "/grids/", "/audit/", "/places/1/", "/people/1/"])
def test_pages_need_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_missing_ids_are_404_not_500(street):
    client = street.client_for(street.street_officer)
    for url in ["/people/999999999/", "/places/999999999/", "/grids/999999999/", "/people/abc/"]:
        assert client.get(url).status_code == 404


def test_search_never_leaves_the_grid(street):
    client = street.client_for(street.grid_worker)
    outside = street.person_in(street.other_grid_building)
    inside = street.person_in(street.grid_building)
    body = client.get("/people/", {"q": outside.name}).content.decode()
    assert f"/people/{outside.pk}/" not in body
    body = client.get("/people/", {"q": inside.name}).content.decode()
    assert f"/people/{inside.pk}/" in body


def test_audit_page_only_for_auditors(street):
    assert street.client_for(street.grid_worker).get("/audit/").status_code == 403
    assert street.client_for(street.street_officer).get("/audit/").status_code == 200


def test_health_officer_sees_no_special_groups(street):
    client = street.client_for(street.health_officer)
    from linli.people.models import Person
    person = next(p for p in Person.objects.filter(path__startswith=street.community.path) if p.special_groups)
    body = client.get(f"/people/{person.pk}/").content.decode()
    assert "badge-group" not in body
    building = client.get(f"/places/{street.grid_building.pk}/").content.decode()
    assert 'class="badge-group" title' not in building


def test_elder_mode_toggle(street):
    client = street.client_for(street.grid_worker)
    client.post("/elder-mode/", {"next": "/"})
    street.grid_worker.refresh_from_db()
    assert street.grid_worker.elder_mode is True
    assert 'class="elder"' in client.get("/").content.decode()
    response = client.post("/elder-mode/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
