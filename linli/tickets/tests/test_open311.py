"""Open311 GeoReport v2: the specification's endpoints, formats, errors and location privacy.
(A real client over a socket: tests/browser/test_open311.py.)"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own test output

import pytest
from django.core.management import call_command
from django.test import Client

from linli.conftest import Street
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets.models import Source, Ticket
from linli.tickets.tests.helpers import file

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def api_key(street: Street, capsys: pytest.CaptureFixture[str]) -> str:
    street_place = Place.objects.get(level=PlaceLevel.STREET)
    call_command("open311_client", "city-app", "--scope", street_place.code)
    return capsys.readouterr().out.strip().rsplit(" ", 1)[-1]


def test_services_in_json_and_xml(street: Street) -> None:
    services = Client().get(f"{BASE}/services.json").json()
    water = next(s for s in services if s["service_code"] == "repair-water")
    assert water["service_name"] == "漏水、水管维修" and water["metadata"] is True and water["type"] == "realtime"
    xml = ET.fromstring(Client().get(f"{BASE}/services.xml").content)  # noqa: S314
    assert xml.tag == "services" and xml.find("service/service_code") is not None
    definition = Client().get(f"{BASE}/services/repair-water.json").json()
    assert definition["service_code"] == "repair-water"
    assert definition["attributes"][0]["code"] == "house_code"
    assert Client().get(f"{BASE}/services/nope.json").status_code == 404
    assert Client().get(f"{BASE}/services.html").status_code == 404


def test_post_by_house_code_then_read_back(street: Street, api_key: str) -> None:
    house = street.house_in(street.grid_building)
    response = Client().post(f"{BASE}/requests.json", {
        "api_key": api_key, "service_code": "repair-water", "attribute[house_code]": house.code,
        "description": "厨房水管漏水，楼下在滴水", "first_name": "秀英", "last_name": "王", "phone": "13800138000"})
    assert response.status_code == 201, response.content
    [created] = response.json()
    ticket = Ticket.objects.get(number=created["service_request_id"])
    assert ticket.source == Source.OPEN311 and ticket.place == house and ticket.contact_name == "王秀英"
    assert ticket.grid is not None  # routed by address like any other request
    assert Client().get(f"{BASE}/tokens/{created['token']}.json").json() == [
        {"service_request_id": ticket.number, "token": ticket.token}]
    public = Client().get(f"{BASE}/requests/{ticket.number}.json").json()[0]
    compound = house.parent.parent.parent
    # Location privacy: the compound, not the house; no description, no name, no phone.
    assert public["address"] == compound.name and public["address_id"] == compound.code
    assert public["description"] == "" and "王" not in str(public) and "138" not in str(public)
    assert public["status"] == "open" and public["service_code"] == "repair-water"
    own = Client().get(f"{BASE}/requests/{ticket.number}.json", {"api_key": api_key}).json()[0]
    assert own["description"] == "厨房水管漏水，楼下在滴水"  # the client reads what it filed


def test_post_by_address_string_and_by_point(street: Street, api_key: str) -> None:
    house = street.house_in(street.grid_building)
    unit, building = house.parent, house.parent.parent
    compound = building.parent
    words = f"上海市{compound.name}{building.name}{unit.name}{house.name}"
    made = Client().post(f"{BASE}/requests.json", {"api_key": api_key, "service_code": "noise",
                                                   "address_string": words, "description": "楼上深夜装修"})
    assert made.status_code == 201, made.content
    assert Ticket.objects.get(number=made.json()[0]["service_request_id"]).place == house
    if compound.latitude is not None:
        point = Client().post(f"{BASE}/requests.json", {
            "api_key": api_key, "service_code": "environment", "lat": compound.latitude,
            "long": compound.longitude, "description": "小区门口垃圾没人清运"})
        assert point.status_code == 201, point.content
        assert Ticket.objects.get(number=point.json()[0]["service_request_id"]).place == compound


def test_errors_follow_the_specification(street: Street, api_key: str) -> None:
    house = street.house_in(street.grid_building)
    before = Ticket.objects.count()
    cases = [
        ({"service_code": "repair-water", "address_id": house.code, "description": "漏水漏水"}, 403),
        ({"api_key": "ll_wrong", "service_code": "repair-water", "address_id": house.code,
          "description": "漏水漏水"}, 403),
        ({"api_key": api_key, "service_code": "nope", "address_id": house.code, "description": "漏水漏水"}, 400),
        ({"api_key": api_key, "service_code": "repair-water", "description": "漏水漏水"}, 400),
        ({"api_key": api_key, "service_code": "repair-water", "address_id": house.code, "description": "漏"}, 400),
        ({"api_key": api_key, "service_code": "repair-water", "lat": "abc", "long": "1",
          "description": "漏水漏水"}, 400),
    ]
    for data, status in cases:
        response = Client().post(f"{BASE}/requests.json", data)
        assert response.status_code == status, (data, response.content)
        [error] = response.json()
        assert error["code"] == status and " / " in error["description"]  # English / 中文
    xml = Client().post(f"{BASE}/requests.xml", cases[2][0])
    assert ET.fromstring(xml.content).find("error/code").text == "400"  # noqa: S314
    assert Ticket.objects.count() == before
    assert Client().get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert Client().get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert Client().get(f"{BASE}/requests/0.json").status_code == 404
    assert Client().get(f"{BASE}/tokens/nope.json").status_code == 404


def test_a_client_files_only_in_its_area(street: Street, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("open311_client", "community-app", "--scope", street.community.code)
    key = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    far = street.house_in(street.far_building)
    response = Client().post(f"{BASE}/requests.json", {"api_key": key, "service_code": "repair-water",
                                                       "address_id": far.code, "description": "漏水漏水漏水"})
    assert response.status_code == 403


def test_list_filters(street: Street) -> None:
    house = street.resident.person.current_house
    water = file(street.resident, house, "repair-water")
    noise = file(street.resident, house, "noise")
    listed = Client().get(f"{BASE}/requests.json", {"service_code": "noise"}).json()
    numbers = {r["service_request_id"] for r in listed}
    assert noise.number in numbers and water.number not in numbers
    both = Client().get(f"{BASE}/requests.json", {"service_request_id": f"{water.number},{noise.number}"}).json()
    assert {r["service_request_id"] for r in both} == {water.number, noise.number}
    assert all(r["status"] == "open" for r in Client().get(f"{BASE}/requests.json", {"status": "open"}).json())
    root = ET.fromstring(Client().get(f"{BASE}/requests.xml").content)  # noqa: S314
    assert root.tag == "service_requests" and root.find("request/service_request_id") is not None
