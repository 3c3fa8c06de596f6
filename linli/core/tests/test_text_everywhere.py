"""One text-cleaning rule for every way text comes in: web forms, the API, imports. Zero-width
characters and direction controls are removed before anything validates or stores the text."""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest
from django import forms

import linli
from linli.core.forms import CleanTextMixin
from linli.core.models import AuditEvent
from linli.health.models import CheckIn, RiskArea
from linli.people.models import Person

RLO, ZWSP, LRI, PDI = "\u202e", "\u200b", "\u2066", "\u2069"


def _all_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(linli.__path__, "linli."):
        if ".tests" not in module.name and module.name.rsplit(".", 1)[-1] in ("forms", "views", "roles"):
            importlib.import_module(module.name)
    found, todo = [], [forms.Form]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("linli.") and ".tests" not in cls.__module__:
            found.append(cls)
    return found


def test_every_form_of_linli_cleans_its_text():
    found = _all_forms()
    assert len(found) > 20
    assert [f"{f.__module__}.{f.__name__}" for f in found if not issubclass(f, CleanTextMixin)] == []


def test_a_form_removes_them_from_every_field(street):
    house = street.house_in(street.grid_building)
    response = street.client_for(street.grid_worker).post("/people/new/", {
        "house": house.pk, "name": f"王{ZWSP}五", "population_type": "registered", "relation": "family",
        "hukou_address": f"上海市{RLO}浦东", "notes": f"门口{LRI}写着{PDI}东字"})
    assert response.status_code == 302
    person = Person.objects.get(name="王五")
    assert (person.hukou_address, person.notes) == ("上海市浦东", "门口写着东字")  # notes kept them


def test_a_health_form_removes_them(street):
    officer = street.client_for(street.health_officer)
    response = officer.post("/health/risk-areas/", {"region_code": "420100", "name": f"武汉{RLO}市", "level": "high",
                                                    "valid_from": "2026-11-01"})
    assert response.status_code == 302
    assert RiskArea.objects.get(region_code="420100").name == "武汉市"


def test_the_api_removes_them_from_bodies(street):
    client = street.client_for(street.grid_worker)
    response = client.post("/api/people/persons", data=json.dumps({
        "name": f"李{RLO}四", "notes": f"行动{ZWSP}不便", "house_id": street.house_in(street.grid_building).pk}),
        content_type="application/json")
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert (person.name, person.notes) == ("李四", "行动不便")
    checkin = client.post("/api/health/checkins", data=json.dumps({
        "person_id": person.pk, "temperature": "36.5", "whereabouts": f"在家{RLO}休息"}), content_type="application/json")
    assert checkin.status_code == 201, checkin.content
    assert CheckIn.objects.get(person=person).whereabouts == "在家休息"


def test_a_stated_purpose_loses_them(street):
    person = street.person_in(street.grid_building)
    street.client_for(street.grid_worker).post(f"/people/{person.pk}/reveal/phone/", {"purpose": f"核实{ZWSP}低保{RLO}申请"})
    assert AuditEvent.objects.filter(action="person.reveal").latest("seq").purpose == "核实低保申请"


@pytest.mark.parametrize("hidden", [RLO, ZWSP])
def test_a_risk_area_file_loses_them(street, hidden):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = f"420100,武汉{hidden}市,高,2026-11-01,\n".encode()
    response = street.client_for(street.health_officer).post(
        "/health/risk-areas/import/", {"file": SimpleUploadedFile("areas.csv", data, content_type="text/csv")})
    assert response.status_code == 302
    assert RiskArea.objects.get(region_code="420100").name == "武汉市"
