"""The request pages, as the resident, the grid worker, the secretary and the street use them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.conftest import Street
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import actions
from linli.tickets.models import Category, Status, Ticket
from linli.tickets.tests.helpers import file

pytestmark = pytest.mark.django_db


def test_a_resident_reports_a_leak_from_her_phone(street: Street) -> None:
    client = street.client_for(street.resident)
    page = client.get(reverse("tickets:new"))
    assert page.status_code == 200
    house = street.resident.person.current_house
    text = page.content.decode()
    assert "（我家）" in text  # her own house is offered and named as hers
    assert "隔离户代购生活物资" not in text  # deliveries are for quarantined households
    water = Category.objects.get(code="repair-water")
    response = client.post(reverse("tickets:new"), {"category": water.pk, "place": house.pk,
                                                     "description": "厨房水管漏水，楼下在滴水。"})
    ticket = Ticket.objects.get(submitted_by=street.resident)
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert ticket.description == "厨房水管漏水，楼下在滴水。"  # full-width punctuation kept
    detail = client.get(response["Location"]).content.decode()
    assert ticket.number in detail and "由" in detail  # says who answers, and why


def test_the_red_mark_shows_as_soon_as_the_limit_passes(street: Street) -> None:
    """Before the five-minute sweep has marked it, a request past its limit is red on the page."""
    ticket = file(street.resident, street.resident.person.current_house)
    client = street.client_for(street.grid_worker)
    detail = reverse("tickets:detail", args=[ticket.pk])
    assert "ticket-overdue" not in client.get(reverse("tickets:list")).content.decode()
    assert "text-danger fw-semibold" not in client.get(detail).content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(respond_by=timezone.now() - datetime.timedelta(minutes=1))
    assert not Ticket.objects.get(pk=ticket.pk).overdue  # the sweep has not run
    assert "text-danger fw-semibold" in client.get(detail).content.decode()
    assert "ticket-overdue" in client.get(reverse("tickets:list")).content.decode()
    overdue_tab = client.get(reverse("tickets:list") + "?view=overdue").content.decode()
    assert ticket.number in overdue_tab


def test_the_form_says_what_is_missing(street: Street) -> None:
    client = street.client_for(street.resident)
    house = street.resident.person.current_house
    response = client.post(reverse("tickets:new"), {"place": house.pk, "description": "漏"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "这个字段是必填项" in text or "此项为必填项" in text or "必填" in text
    assert not Ticket.objects.filter(submitted_by=street.resident).exists()


def test_a_forged_place_is_refused_without_a_trace(street: Street) -> None:
    client = street.client_for(street.resident)
    far = Place.objects.filter(path__startswith=street.far_building.path, level=PlaceLevel.HOUSE).first()
    water = Category.objects.get(code="repair-water")
    response = client.post(reverse("tickets:new"), {"category": water.pk, "place": far.pk,
                                                     "description": "厨房水管漏水，楼下在滴水。"})
    assert response.status_code == 200  # the choice is not offered: a form error
    assert not Ticket.objects.filter(place=far).exists()


def test_the_grid_worker_accepts_and_resolves_on_her_phone(street: Street) -> None:
    ticket = file(street.resident, street.resident.person.current_house)
    client = street.client_for(street.grid_worker)
    queue = client.get(reverse("tickets:list") + "?view=mine").content.decode()
    assert ticket.number in queue
    home = client.get(reverse("home")).content.decode()
    assert "条诉求待受理" in home
    client.post(reverse("tickets:accept", args=[ticket.pk]))
    client.post(reverse("tickets:resolve", args=[ticket.pk]), {"outcome": "已上门更换水管接头"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.outcome == "已上门更换水管接头"
    # The resident rates it from her page.
    resident = street.client_for(street.resident)
    assert "等待您的评价" in resident.get(reverse("home")).content.decode()
    resident.post(reverse("tickets:rate", args=[ticket.pk]), {"rating": "satisfied", "comment": "很快"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating) == (Status.CLOSED, "satisfied")


def test_a_refused_move_explains_itself(street: Street) -> None:
    ticket = file(street.resident, street.resident.person.current_house)
    client = street.client_for(street.grid_worker)
    response = client.post(reverse("tickets:resolve", args=[ticket.pk]), {"outcome": "已修好"}, follow=True)
    assert "不能办结" in response.content.decode()  # not accepted yet
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_the_resident_sees_public_history_only(street: Street) -> None:
    ticket = file(street.resident, street.resident.person.current_house)
    actions.do_note(ticket, acting_user=street.grid_worker, note="内部备注：此户曾多次报修", public=False)
    actions.do_note(ticket, acting_user=street.grid_worker, note="明天上午上门查看")
    page = street.client_for(street.resident).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "明天上午上门查看" in page and "内部备注" not in page
    office = street.client_for(street.grid_worker).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "内部备注" in office


def test_someone_elses_request_is_not_found(street: Street) -> None:
    ticket = file(street.street_officer, street.house_in(street.far_building), source="phone")
    assert street.client_for(street.resident).get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
    assert street.client_for(street.grid_worker).get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404


def test_the_street_supervises_overdue_requests(street: Street) -> None:
    ticket = file(street.resident, street.resident.person.current_house)
    actions.sweep(ticket.respond_by)
    page = street.client_for(street.street_officer).get(reverse("tickets:supervision")).content.decode()
    assert ticket.number in page and street.community.name in page
    assert street.client_for(street.grid_worker).get(reverse("tickets:supervision")).status_code == 403


def test_the_office_files_for_a_caller_from_the_residents_page(street: Street) -> None:
    person = street.person_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    page = client.get(reverse("tickets:new") + f"?person={person.pk}")
    assert page.status_code == 200 and person.name in page.content.decode()
    elderly = Category.objects.get(code="elderly")
    response = client.post(reverse("tickets:new") + f"?person={person.pk}", {
        "source": "phone", "category": elderly.pk, "place": person.current_house_id, "person": person.pk,
        "description": "老人腿脚不便，需要代配降压药", "contact_phone": "13800138000"})
    assert response.status_code == 302
    ticket = Ticket.objects.get(person=person)
    assert ticket.source == "phone" and ticket.submitted_by == street.grid_worker
    assert ticket.contact_phone == "+8613800138000"


def test_the_administrator_edits_the_catalogue_in_the_admin(street: Street) -> None:
    client = street.client_for(street.admin)
    for page in ("/admin/tickets/category/", "/admin/tickets/calendarday/", "/admin/tickets/dutyitem/",
                 "/admin/tickets/dutyitem/add/"):
        assert client.get(page).status_code == 200, page
    water = Category.objects.get(code="repair-water")
    assert client.get(f"/admin/tickets/category/{water.pk}/change/").status_code == 200


def test_the_residents_home_offers_to_report(street: Street) -> None:
    home = street.client_for(street.resident).get(reverse("home")).content.decode()
    assert reverse("tickets:new") in home and "我要反映" in home
