from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from linli.places.models import Level, Place
from linli.places.rules import ancestor_paths, path_for


def test_paths_are_prefix_consistent():
    assert path_for("310000", Level.PROVINCE) == "31/"
    assert path_for("310115", Level.DISTRICT) == "31/01/15/"
    assert path_for("310115099001", Level.COMMUNITY) == "31/01/15/099/001/"
    house = path_for("310115099001001001010101", Level.HOUSE)
    assert house.startswith(path_for("310115099001", Level.COMMUNITY))
    assert ancestor_paths("31/01/15/") == ["31/", "31/01/"]


def test_place_tree_validation(street):
    community = street.community
    compound = Place(parent=community, level=Level.COMPOUND, element_type="compound", code=community.code + "099",
                     name="新小区")
    compound.full_clean()
    wrong_prefix = Place(parent=community, level=Level.COMPOUND, element_type="compound",
                         code=street.other_community.code + "099", name="x")
    with pytest.raises(ValidationError):
        wrong_prefix.full_clean()
    skip_level = Place(parent=community, level=Level.BUILDING, element_type="building",
                       code=community.code + "001001", name="x")
    with pytest.raises(ValidationError):
        skip_level.full_clean()
    street_place = community.parent
    bad_street_code = Place(parent=street_place, level=Level.COMMUNITY, element_type="residents_committee",
                            code=street_place.code + "450", name="x")
    with pytest.raises(ValidationError):
        bad_street_code.full_clean()


def test_house_needs_usage(street):
    unit = Place.objects.filter(level=Level.UNIT, path__startswith=street.grid_building.path).first()
    house = Place(parent=unit, level=Level.HOUSE, element_type="house", code=unit.code + "9901", name="9901室")
    with pytest.raises(ValidationError) as info:
        house.full_clean()
    assert "usage" in info.value.message_dict


def test_building_layout_shows_only_scope(street):
    import datetime

    from linli.people.layout import building_layout

    mine = building_layout(street.grid_building, street.grid_worker, datetime.date(2026, 11, 1))
    assert mine.totals["visible_houses"] == mine.totals["houses"] > 0
    assert mine.totals["residents"] > 0
    assert mine.shows_groups
    health = building_layout(street.grid_building, street.health_officer, datetime.date(2026, 11, 1))
    assert not health.shows_groups
    assert all(not c.groups and c.elders == 0 for c in health.cells.values())
    resident = street.resident
    own = building_layout(Place.objects.get(pk=resident.person.current_house.parent.parent_id), resident,
                          datetime.date(2026, 11, 1))
    assert own.totals["visible_houses"] == 1
