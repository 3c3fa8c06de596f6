"""The dry-run report links to a registered person the file collides with, when the reader may
see her: the people already registered, a second row for the same person, and a person she
sees but may not change. Someone outside her area stays unnamed."""

from __future__ import annotations

import re

from django.urls import reverse

from linli.core.models import AuditEvent, Role, RoleAssignment
from linli.imports.models import ImportBatch
from linli.imports.tests.helpers import address_of, person_row, xlsx_bytes
from linli.imports.tests.test_views import upload
from linli.people.models import Person
from linli.places.models import Level, Place


def _dry_run(client, area, rows):
    response = upload(client, area, xlsx_bytes(rows))
    page = client.get(response.url).content.decode()
    choices = dict(re.findall(r'name="(s0-c\d+)".*?<option value="(\w*)" selected>', page, re.S))
    client.post(response.url, choices)
    batch = ImportBatch.objects.latest("pk")
    return batch, client.get(reverse("imports:detail", args=[batch.pk])).content.decode()


def _house(building):
    return Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path")[0]


def test_people_already_registered_link_to_their_page(street):
    person = next(p for p in Person.objects.filter(path__startswith=street.grid_building.path).order_by("pk")
                  if p.id_number and p.phone.startswith("+861"))  # sealed fields: chosen here, not in SQL
    where = address_of(_house(street.grid_building))
    # the same person twice: by her ID number, and by her name and phone without it
    rows = [person_row(1, person.name, person.id_number, "", where),
            person_row(2, person.name, "", person.phone.removeprefix("+86"), where)]
    batch, html = _dry_run(street.client_for(street.grid_worker), street.community, rows)
    assert batch.counts["matched"] == 1 and batch.counts["rejected"] == 1
    matched = html.split('id="matched"')[1]
    assert f'<a href="/people/{person.pk}/">{person.name}</a>' in matched
    rejected = html.split('id="rejected"')[1].split('id="matched"')[0]
    assert f'href="/people/{person.pk}/"' in rejected  # the second row for the same person


def test_someone_she_sees_but_may_not_change_is_named_and_linked(street):
    # a grid worker who may also read (not change) the whole community
    role = Role.objects.create(code="reader", name="reader", actions=["people.view"])
    RoleAssignment.objects.create(user=street.grid_worker, role=role, place=street.community)
    other = Person.objects.exclude(id_number="").filter(path__startswith=street.other_grid_building.path).first()
    where = address_of(_house(street.grid_building))
    probes = AuditEvent.objects.filter(action="person.id_elsewhere").count()
    batch, html = _dry_run(street.client_for(street.grid_worker), street.community,
                           [person_row(1, "别名", other.id_number, "", where)])
    rejected = html.split('id="rejected"')[1]
    assert batch.counts["rejected"] == 1 and f'href="/people/{other.pk}/"' in rejected
    assert "不在您可修改的范围内" in rejected
    assert AuditEvent.objects.filter(action="person.id_elsewhere").count() == probes  # nothing to hide: no probe


def test_someone_outside_her_area_is_not_named(street):
    far = Person.objects.exclude(id_number="").filter(path__startswith=street.far_building.path).first()
    where = address_of(_house(street.grid_building))
    batch, html = _dry_run(street.client_for(street.grid_worker), street.community,
                           [person_row(1, "别名", far.id_number, "", where)])
    assert batch.counts["rejected"] == 1
    assert f"/people/{far.pk}/" not in html and far.name not in html and "街道" in html
