"""The scenario kept down the drill-down: the place pages opened from the screen with
``?scenario=`` hand it on to the buildings (一楼一图), households (一房一图) and the trail back
up, and link back to the screen in that scenario; without one they are as before."""

from __future__ import annotations

import re

from linli.places.models import Level, Place


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/places/\d+/[^"]*)"', html)


def test_the_scenario_travels_from_the_compound_to_the_household_and_back(street):
    client = street.client_for(street.street_officer)
    compound = street.grid_building.parent
    html = client.get(f"/places/{compound.pk}/", {"scenario": "flood"}).content.decode()
    assert f'href="/places/{street.grid_building.pk}/?scenario=flood"' in html  # down to a building
    assert all(link.endswith("?scenario=flood") for link in _links(html))
    back = f'href="/overview/{street.community.pk}/?scenario=flood"'
    assert back in html and "防汛" in html  # back to the community's screen, in the same scenario

    building = client.get(f"/places/{street.grid_building.pk}/", {"scenario": "flood"}).content.decode()
    houses = [link for link in _links(building) if Place.objects.get(pk=int(link.split("/")[2])).level == Level.HOUSE]
    assert houses and all(link.endswith("?scenario=flood") for link in houses)
    assert back in building

    house = street.house_in(street.grid_building)
    page = client.get(f"/places/{house.pk}/", {"scenario": "flood"}).content.decode()
    assert back in page
    ups = _links(page)
    assert ups == [f"/places/{street.grid_building.pk}/?scenario=flood"]  # up to the building, same scenario
    assert f'href="/places/{compound.pk}/?scenario=flood"' in building  # and from the building to the compound


def test_without_a_scenario_the_place_pages_are_as_before(street):
    client = street.client_for(street.street_officer)
    compound = street.grid_building.parent
    for query in ({}, {"scenario": "war"}):
        html = client.get(f"/places/{compound.pk}/", query).content.decode()
        main = html.split("<main")[1]
        assert "scenario=" not in main and "/overview/" not in main


def test_no_link_back_to_a_screen_she_may_not_open(street):
    client = street.client_for(street.grid_worker)  # reaches the building, has no screen
    html = client.get(f"/places/{street.grid_building.pk}/", {"scenario": "epidemic"}).content.decode()
    assert "overview-back" not in html
