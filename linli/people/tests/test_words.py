"""A person has a 姓名, not a 名称 (which is for places and organisations)."""

from __future__ import annotations

import re

from linli.places.models import Level, Place


def test_a_persons_name_is_labelled_xingming(street):
    client = street.client_for(street.secretary)
    house = Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE).first()
    html = client.get(f"/people/new/?house={house.pk}").content.decode()
    label = re.search(r'<label[^>]*for="id_name"[^>]*>([^<]*)<', html)
    assert label is not None and label.group(1).strip() == "姓名"
    person = street.person_in(street.grid_building)
    edit = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert "名称" not in edit.split('id="main"')[1]
    org = client.get(f"/people/organizations/new/?place={street.community.pk}").content.decode()
    assert re.search(r'<label[^>]*for="id_name"[^>]*>名称', org)  # an organisation keeps 名称
