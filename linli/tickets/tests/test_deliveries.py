"""Deliveries for quarantined households: filed as a request, offered to the volunteers of the
community, taken by one, bought, left at the door and confirmed by the household (or for it by
the grid worker after a call), which resolves the request."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.api_auth import create_token
from linli.core.models import AuditEvent, Role, RoleAssignment, User
from linli.core.today import items_for
from linli.grids.models import Grid
from linli.tasks.tests.helpers import jpeg
from linli.tickets import actions
from linli.tickets.models import (
    Category,
    Delivery,
    DeliveryStatus,
    EventKind,
    Source,
    Status,
    Ticket,
)
from linli.tickets.tests.helpers import deliver_to_door, file, quarantine, quarantined_neighbour

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_ledger_caches() -> Any:
    # Quarantine orders go to the shared ledger, whose process-wide tree must not outlive a test's rows.
    from linli.ledger import log

    log.forget_tree()
    yield
    log.forget_tree()

GROCERIES = "quarantine-groceries"


def volunteer_on(grid: Grid, name: str, **assignment: Any) -> User:
    user = User.objects.create_user(name, password="x-volunteer-x")  # noqa: S106 - a test account
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="volunteer"), grid=grid, **assignment)
    return user


def other_grid_of_community(street: Street) -> Grid:
    return Grid.objects.filter(places=street.other_grid_building).get()


def resident_request(street: Street, **extra: Any) -> Ticket:
    """The demo resident, under home quarantine, asks for groceries from her phone."""
    quarantine(street, street.resident.person)
    return file(street.resident, street.resident.person.current_house, GROCERIES,
                description="家里没菜了，麻烦帮忙买点", **extra)


def neighbour_request(street: Street) -> Ticket:
    """The grid worker files a medicine request for a quarantined neighbour who phoned."""
    person = quarantined_neighbour(street)
    return file(street.grid_worker, person.current_house, "quarantine-medicine", source=Source.PHONE, person=person,
                description="降压药吃完了，需要代配", contact_phone="13912345678")


def delivery_of(ticket: Ticket) -> Delivery:
    return Delivery.objects.get(ticket=ticket)


# --- filing ----------------------------------------------------------------------------------------------------

def test_a_residents_delivery_request_becomes_a_delivery_for_the_volunteers(street: Street) -> None:
    ticket = resident_request(street, items=["  大米 5斤 ", "", "鸡蛋\u200b一盒"])
    delivery = delivery_of(ticket)
    assert delivery.status == DeliveryStatus.OPEN and delivery.volunteer is None
    assert delivery.items == ["大米 5斤", "鸡蛋一盒"]
    assert delivery.words == "家里没菜了，麻烦帮忙买点"
    house = street.resident.person.current_house
    assert delivery.path == house.path and delivery.address.endswith(house.name)
    assert "号楼" in delivery.address and street.resident.person.name not in delivery.address
    offered = ticket.events.get(kind=EventKind.OFFERED)
    assert offered.public and offered.detail["volunteers"] == 1  # the demo volunteer of the first grid
    assert AuditEvent.objects.filter(action="tickets.delivery.offer", object_id=str(delivery.pk)).exists()


def test_the_shopping_list_is_offered_to_a_quarantined_household_only(street: Street) -> None:
    client = street.client_for(street.resident)
    assert 'id="id_items"' not in client.get(reverse("tickets:new")).content.decode()
    quarantine(street, street.resident.person)
    form = client.get(reverse("tickets:new")).content.decode()
    assert 'id="id_items"' in form and "隔离户代购生活物资" in form
    house = street.resident.person.current_house
    response = client.post(reverse("tickets:new"), {
        "category": Category.objects.get(code=GROCERIES).pk, "place": house.pk,
        "description": "家里没菜了，麻烦帮忙买点", "items": "青菜\r\n\r\n豆腐 两块\r\n"})
    assert response.status_code == 302
    assert Delivery.objects.get(ticket__submitted_by=street.resident).items == ["青菜", "豆腐 两块"]


def test_the_office_files_for_a_caller_and_the_api_files_too(street: Street) -> None:
    assert delivery_of(neighbour_request(street)).status == DeliveryStatus.OPEN
    person = quarantined_neighbour(street, street.other_grid_building)
    response = Client().post("/api/requests", json.dumps({
        "category": GROCERIES, "place_id": person.current_house_id, "description": "需要买米和油",
        "source": "phone", "person_id": person.pk, "items": ["米", "油"]}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {create_token(street.secretary, 'test')}")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["delivery"]["status"] == "open" and body["delivery"]["items"] == ["米", "油"]
    assert "offered" in [e["kind"] for e in body["events"]]


def test_a_shopping_list_goes_with_a_delivery_only(street: Street) -> None:
    with pytest.raises(ValidationError) as refused:
        file(street.resident, street.resident.person.current_house, items=["大米"])
    assert refused.value.error_dict["items"][0].code == "not_delivery"
    quarantine(street, street.resident.person)
    with pytest.raises(ValidationError) as refused:
        file(street.resident, street.resident.person.current_house, GROCERIES, items=["米"] * 31)
    assert refused.value.error_dict["items"][0].code == "too_many_items"
    assert not Delivery.objects.exists()


# --- who sees it --------------------------------------------------------------------------------------------

def test_only_the_volunteers_of_its_community_see_it(street: Street) -> None:
    delivery = delivery_of(neighbour_request(street))
    same_community = volunteer_on(other_grid_of_community(street), "vol-same")
    elsewhere = volunteer_on(Grid.objects.filter(community=street.other_community).first(), "vol-far")
    ended = volunteer_on(other_grid_of_community(street), "vol-ended",
                         valid_until=timezone.now() - datetime.timedelta(days=1))

    def sees(user: User) -> bool:
        return Delivery.objects.restrict(user, "tickets.deliver").filter(pk=delivery.pk).exists()

    assert sees(street.volunteer) and sees(same_community)  # a role on any grid of the community
    assert not sees(elsewhere) and not sees(ended) and not sees(street.grid_worker) and not sees(street.resident)
    assert actions.volunteers_on_duty("/".join(delivery.path.split("/")[:5]) + "/").count() == 2
    actions.do_take_delivery(delivery, acting_user=same_community)
    assert sees(same_community) and not sees(street.volunteer)  # taken: hers only
    page = street.client_for(street.volunteer).get(reverse("deliveries:detail", args=[delivery.pk]))
    assert page.status_code == 404 and "其他志愿者" in page.content.decode()


def test_the_volunteer_reads_the_door_and_the_list_not_the_person(street: Street) -> None:
    ticket = neighbour_request(street)
    client = street.client_for(street.volunteer)
    page = client.get(reverse("deliveries:list")).content.decode()
    delivery = delivery_of(ticket)
    assert delivery.address in page and "降压药吃完了" in page
    assert "139****5678" in page and "13912345678" not in page
    assert ticket.person.name not in page and ticket.person.id_number[-6:] not in page
    assert AuditEvent.objects.filter(action="tickets.delivery.list", actor=street.volunteer).exists()
    detail = client.get(reverse("deliveries:detail", args=[delivery.pk])).content.decode()
    assert ticket.person.name not in detail and "网格员" in detail
    # the grid worker's own request page still names the resident
    assert ticket.person.name in street.client_for(street.grid_worker).get(
        reverse("tickets:detail", args=[ticket.pk])).content.decode()


# --- taking it: one volunteer only --------------------------------------------------------------------------

def test_two_volunteers_take_the_same_delivery_one_wins(street: Street) -> None:
    other = volunteer_on(other_grid_of_community(street), "vol-second")
    seen_by_first = delivery_of(neighbour_request(street))
    seen_by_second = Delivery.objects.get(pk=seen_by_first.pk)  # both pages showed it open
    actions.do_take_delivery(seen_by_first, acting_user=street.volunteer)
    with pytest.raises(ValidationError) as lost:
        actions.do_take_delivery(seen_by_second, acting_user=other)
    assert lost.value.code == "delivery_taken"
    assert "另一位志愿者刚刚接了这一单" in lost.value.messages[0]
    won = Delivery.objects.get(pk=seen_by_first.pk)
    assert won.volunteer == street.volunteer and won.status == DeliveryStatus.TAKEN
    assert won.ticket.events.filter(kind=EventKind.TAKEN).count() == 1
    with pytest.raises(ValidationError) as again:
        actions.do_take_delivery(seen_by_first, acting_user=street.volunteer)
    assert again.value.code == "delivery_yours"


def test_the_take_is_compare_and_set_even_without_a_row_lock(street: Street, monkeypatch: Any) -> None:
    """On a database whose lock did not hold the second taker back, her read still says open;
    the conditional update finds it taken and refuses."""
    other = volunteer_on(other_grid_of_community(street), "vol-second")
    delivery = delivery_of(neighbour_request(street))
    stale = Delivery.objects.get(pk=delivery.pk)
    actions.do_take_delivery(delivery, acting_user=street.volunteer)
    monkeypatch.setattr(actions, "_locked_delivery", lambda d: (actions._locked(d.ticket_id), stale))
    with pytest.raises(ValidationError) as lost:
        actions.do_take_delivery(stale, acting_user=other)
    assert lost.value.code == "delivery_taken"
    assert Delivery.objects.get(pk=delivery.pk).volunteer == street.volunteer


def test_the_second_taker_on_her_phone_is_told_it_is_gone(street: Street) -> None:
    other = volunteer_on(other_grid_of_community(street), "vol-second")
    delivery = delivery_of(neighbour_request(street))
    first = street.client_for(street.volunteer).post(reverse("deliveries:take", args=[delivery.pk]))
    assert first.status_code == 302 and first["Location"] == reverse("deliveries:detail", args=[delivery.pk])
    second = street.client_for(other).post(reverse("deliveries:take", args=[delivery.pk]))
    assert second.status_code == 404
    assert "另一位志愿者" in second.content.decode() or "其他志愿者" in second.content.decode()
    assert Delivery.objects.get(pk=delivery.pk).volunteer == street.volunteer


def test_taking_it_is_the_requests_first_response(street: Street) -> None:
    ticket = resident_request(street)
    actions.do_take_delivery(delivery_of(ticket), acting_user=street.volunteer)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED and ticket.responded_at is not None
    assert ticket.handler == street.grid_worker  # the grid worker still answers for it


# --- its steps ----------------------------------------------------------------------------------------------

def test_steps_in_order_only_and_by_her_only(street: Street) -> None:
    other = volunteer_on(other_grid_of_community(street), "vol-second")
    ticket = resident_request(street)
    delivery = delivery_of(ticket)
    with pytest.raises(ValidationError) as untaken:
        actions.do_pick_up(delivery, acting_user=street.volunteer)  # nobody took it yet
    assert untaken.value.code == "delivery_order"
    actions.do_take_delivery(delivery, acting_user=street.volunteer)
    with pytest.raises(ValidationError) as early:
        actions.do_leave_at_door(delivery, acting_user=street.volunteer)
    assert early.value.code == "delivery_order" and "按顺序" in early.value.messages[0]
    with pytest.raises(PermissionDenied):
        actions.do_pick_up(delivery, acting_user=other)
    with pytest.raises(ValidationError) as not_yet:
        actions.do_confirm_receipt(ticket, acting_user=street.resident)
    assert not_yet.value.error_dict["delivery"][0].code == "not_at_door"
    actions.do_pick_up(delivery, acting_user=street.volunteer)
    with pytest.raises(ValidationError):
        actions.do_pick_up(delivery, acting_user=street.volunteer)
    actions.do_leave_at_door(delivery, acting_user=street.volunteer, note="小票在袋子里")
    actions.do_confirm_receipt(ticket, acting_user=street.resident)
    with pytest.raises(ValidationError) as done:
        actions.do_leave_at_door(delivery, acting_user=street.volunteer)
    assert done.value.code == "delivery_done"


def test_the_household_confirms_and_the_request_is_resolved(street: Street) -> None:
    ticket = resident_request(street, items=["青菜", "鸡蛋"])
    volunteer = street.client_for(street.volunteer)
    delivery = delivery_of(ticket)
    assert volunteer.post(reverse("deliveries:take", args=[delivery.pk])).status_code == 302
    assert volunteer.post(reverse("deliveries:picked_up", args=[delivery.pk])).status_code == 302
    left = volunteer.post(reverse("deliveries:at_door", args=[delivery.pk]),
                          {"note": "小票在袋子里", "photo": _upload(jpeg(800, 600))})
    assert left.status_code == 302, left.content.decode()[:500]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.AT_DOOR and delivery.photo is not None and delivery.note == "小票在袋子里"

    resident = street.client_for(street.resident)
    mine = resident.get(reverse("tickets:list")).content.decode()
    assert "已放在您家门口" in mine or "放在门口" in mine
    photo = resident.get(reverse("deliveries:photo", args=[delivery.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    response = resident.post(reverse("tickets:received", args=[ticket.pk]))
    assert response.status_code == 302
    ticket.refresh_from_db()
    delivery.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None and ticket.outcome
    assert delivery.status == DeliveryStatus.RECEIVED and not delivery.on_behalf
    assert delivery.confirmed_by == street.resident
    public = list(actions.history(ticket, office=False).values_list("kind", flat=True))
    assert public == ["submitted", "routed", "offered", "taken", "picked_up", "at_door", "received"]
    page = resident.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "志愿者已接单" in page and "已放在门口" in page and "小票在袋子里" in page
    assert "满意" in page  # asked to rate, as for any resolved request


def test_the_grid_worker_confirms_for_the_household_after_a_call(street: Street) -> None:
    ticket = neighbour_request(street)
    deliver_to_door(delivery_of(ticket), street.volunteer)
    client = street.client_for(street.grid_worker)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert reverse("tickets:confirm_receipt", args=[ticket.pk]) in page
    response = client.post(reverse("tickets:confirm_receipt", args=[ticket.pk]), {"note": "电话联系户主，已取回家"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    delivery = delivery_of(ticket)
    assert ticket.status == Status.RESOLVED and delivery.on_behalf and delivery.confirmed_by == street.grid_worker
    event = ticket.events.get(kind=EventKind.RECEIVED)
    assert event.public and event.detail["on_behalf"] and event.actor == street.grid_worker
    assert event.note == "电话联系户主，已取回家" and "电话联系户主" in ticket.outcome
    assert AuditEvent.objects.filter(action="tickets.delivery.receive", actor=street.grid_worker).exists()
    later = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "社区电话确认" in later or "电话" in later


def test_a_resident_cannot_confirm_someone_elses_delivery(street: Street) -> None:
    ticket = neighbour_request(street)
    deliver_to_door(delivery_of(ticket), street.volunteer)
    response = street.client_for(street.resident).post(reverse("tickets:received", args=[ticket.pk]))
    assert response.status_code == 404
    assert delivery_of(ticket).status == DeliveryStatus.AT_DOOR


# --- not confirmed in time ------------------------------------------------------------------------------------

def test_a_delivery_not_confirmed_in_time_shows_to_the_grid_worker(street: Street, settings: Any) -> None:
    settings.LINLI_DELIVERY_CONFIRM_HOURS = 2
    ticket = neighbour_request(street)
    delivery = deliver_to_door(delivery_of(ticket), street.volunteer)

    def reminders() -> list[str]:
        return [i.text for i in items_for(street.grid_worker, timezone.localdate()) if i.urgent and "确认" in i.text]

    assert not reminders()
    Delivery.objects.filter(pk=delivery.pk).update(left_at=timezone.now() - datetime.timedelta(hours=3))
    assert reminders() == ["1 单放在门口的代购还未确认收到：请打电话问问住户"]
    page = street.client_for(street.grid_worker).get(reverse("deliveries:list")).content.decode()
    assert 'id="to-call"' in page and reverse("tickets:detail", args=[ticket.pk]) in page
    assert not [i for i in items_for(street.secretary, timezone.localdate()) if "确认" in i.text]  # not hers


def test_today_for_the_volunteer_and_the_household(street: Street) -> None:
    ticket = resident_request(street)
    today = timezone.localdate()
    texts = [i.text for i in items_for(street.volunteer, today)]
    assert "1 户隔离户在等待代购" in texts
    deliver_to_door(delivery_of(ticket), street.volunteer)
    urgent = [i.text for i in items_for(street.resident, today) if i.urgent]
    assert any("已收到" in text for text in urgent)


# --- the request's other ways out -------------------------------------------------------------------------

def test_the_office_cannot_resolve_while_a_volunteer_delivers(street: Street) -> None:
    ticket = neighbour_request(street)
    actions.do_take_delivery(delivery_of(ticket), acting_user=street.volunteer)
    with pytest.raises(ValidationError) as refused:
        actions.do_resolve(ticket, acting_user=street.grid_worker, outcome="已送达门口")
    assert refused.value.error_dict["outcome"][0].code == "delivery_under_way"
    actions.do_close_unfixed(ticket, acting_user=street.grid_worker, reason="隔离已解除，住户自行购买")
    assert delivery_of(ticket).status == DeliveryStatus.CANCELLED
    gone = street.client_for(street.volunteer).post(reverse("deliveries:picked_up", args=[delivery_of(ticket).pk]))
    assert gone.status_code == 302  # hers still: told it is over


def test_an_office_that_delivers_itself_resolves_an_untaken_delivery(street: Street) -> None:
    ticket = neighbour_request(street)
    actions.do_accept(ticket, acting_user=street.grid_worker)
    actions.do_resolve(ticket, acting_user=street.grid_worker, outcome="网格员已代配并送到门口")
    assert delivery_of(ticket).status == DeliveryStatus.CANCELLED
    assert not Delivery.objects.restrict(street.volunteer, "tickets.deliver").exists()


def test_a_reopened_delivery_request_is_delivered_again(street: Street) -> None:
    ticket = resident_request(street)
    deliver_to_door(delivery_of(ticket), street.volunteer)
    actions.do_confirm_receipt(ticket, acting_user=street.resident)
    actions.do_reopen(ticket, acting_user=street.resident, reason="少了一盒鸡蛋")
    rounds = list(ticket.deliveries.order_by("pk"))
    assert [d.status for d in rounds] == [DeliveryStatus.RECEIVED, DeliveryStatus.OPEN]
    assert rounds[1].words == "少了一盒鸡蛋"


def test_a_photo_too_large_is_refused_before_it_is_read(street: Street, monkeypatch: Any) -> None:
    from linli.core import photos

    ticket = neighbour_request(street)
    delivery = delivery_of(ticket)
    actions.do_take_delivery(delivery, acting_user=street.volunteer)
    actions.do_pick_up(delivery, acting_user=street.volunteer)
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    client = street.client_for(street.volunteer)
    client.handler.enforce_csrf_checks = True  # as a browser: the size is refused before the CSRF check reads it
    url = reverse("deliveries:at_door", args=[delivery.pk])
    response = client.post(url, {"photo": _upload(jpeg(600, 600, "green") + b"\0" * 80_000)})
    assert response.status_code == 413 and "MB" in response.content.decode()
    assert delivery_of(ticket).status == DeliveryStatus.PICKED_UP
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 10_000_000)
    assert client.post(url, {"note": "x"}).status_code == 403  # a reasonable body: the CSRF check runs
    client.handler.enforce_csrf_checks = False
    not_a_photo = client.post(url, {"photo": _upload(b"%PDF-1.4 not a photo")})
    assert not_a_photo.status_code == 422 and delivery_of(ticket).status == DeliveryStatus.PICKED_UP
    assert "不是照片" in not_a_photo.content.decode() or "JPEG" in not_a_photo.content.decode()


# --- over the API ---------------------------------------------------------------------------------------------

def test_a_volunteer_app_takes_and_delivers_over_the_api(street: Street) -> None:
    other = volunteer_on(other_grid_of_community(street), "vol-second")
    ticket = neighbour_request(street)

    def call(user: User, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'app')}"}
        if body is None:
            return Client().get(f"/api/deliveries{path}", **headers)
        return Client().post(f"/api/deliveries{path}", json.dumps(body), content_type="application/json", **headers)

    listed = call(street.volunteer, "?status=open").json()["items"]
    assert [d["request_id"] for d in listed] == [ticket.pk] and listed[0]["phone"] == "139****5678"
    delivery_id = listed[0]["id"]
    assert call(street.volunteer, f"/{delivery_id}/take", {}).json()["status"] == "taken"
    assert call(other, f"/{delivery_id}/take", {}).status_code == 404  # no longer offered to her
    refused = call(street.volunteer, f"/{delivery_id}/at-door", {})
    assert refused.status_code == 422 and refused.json()["detail"][0]["code"] == "delivery_order"
    assert call(street.volunteer, f"/{delivery_id}/picked-up", {}).json()["status"] == "picked_up"
    assert call(street.volunteer, f"/{delivery_id}/at-door", {"note": "放在门口鞋柜上"}).json()["status"] == "at_door"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(street.grid_worker, 'office')}"}
    confirmed = Client().post(f"/api/requests/{ticket.pk}/confirm-receipt", json.dumps({"note": "已电话确认收到"}),
                              content_type="application/json", **headers)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "resolved"
    assert confirmed.json()["delivery"]["on_behalf"] is True


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("bag.jpg", data, content_type="image/jpeg")


# --- the demo -----------------------------------------------------------------------------------------------------

def quarantine_households(street: Street, people: Any, count: int) -> None:
    """Put ``count`` households of ``people`` under home quarantine: one person of each house."""
    houses: dict[int, Any] = {}
    for person in people.filter(is_active=True, current_house__isnull=False).order_by("path"):
        houses.setdefault(person.current_house_id, person)
        if len(houses) == count:
            break
    for person in houses.values():
        quarantine(street, person)


def test_the_demo_shows_every_step_of_the_journey(street: Street, settings: Any) -> None:
    from linli.people.models import Person
    from linli.tickets.demo import prepare_demo_deliveries

    settings.LINLI_DELIVERY_CONFIRM_HOURS = 2
    quarantine_households(street, Person.objects.filter(path__startswith=street.community.path).exclude(
        current_house=street.resident.person.current_house), 5)
    assert prepare_demo_deliveries() == 5
    assert prepare_demo_deliveries() == 0  # once
    statuses = list(Delivery.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["at_door", "open", "taken", "at_door", "received"]
    household = User.objects.get(username="demo-quarantined")
    assert household.person is not None and household.display_name == household.person.name
    first = Delivery.objects.order_by("pk").first()
    assert first.ticket.submitted_by == household and first.volunteer == street.volunteer
    steps = first.ticket.events.order_by("at", "pk").values_list("kind", flat=True)
    assert list(steps) == ["submitted", "routed", "offered", "taken", "picked_up", "at_door"]
    assert first.created_at < first.taken_at < first.picked_up_at < first.left_at < timezone.now()
    today = timezone.localdate()
    assert any("已收到" in i.text for i in items_for(household, today))
    assert any("请打电话" in i.text for i in items_for(street.grid_worker, today))
    texts = [i.text for i in items_for(street.volunteer, today)]
    assert "1 单代购待您完成" in texts and "1 户隔离户在等待代购" in texts


def test_the_demo_files_for_quarantined_households_outside_the_first_grid(street: Street) -> None:
    """On a small street the community's quarantined households may all live outside the demo
    grid worker's grid: the secretary files for those, and the demo builds."""
    from linli.people.models import Person
    from linli.tickets.demo import prepare_demo_deliveries

    quarantine_households(street, Person.objects.filter(path__startswith=street.other_grid_building.path), 3)
    assert prepare_demo_deliveries() == 3
    filers = {t.submitted_by.username for t in Ticket.objects.filter(deliveries__isnull=False).exclude(
        submitted_by__username="demo-quarantined")}
    assert filers == {street.secretary.username}


def test_delivery_requests_go_with_the_epidemic_records(street: Street) -> None:
    """Once the emergency is over and the retention period has passed, a request for groceries
    says who was quarantined: it is counted, then deleted with its history and delivery."""
    from linli.health import retention
    from linli.health.models import DailyFigure

    ticket = neighbour_request(street)
    deliver_to_door(delivery_of(ticket), street.volunteer, photo=jpeg())
    other = file(street.resident, street.resident.person.current_house, "repair-water")
    long_ago = timezone.now() - datetime.timedelta(days=200)
    Ticket.objects.filter(pk__in=[ticket.pk, other.pk]).update(created_at=long_ago)
    done = retention.purge(timezone.localdate() - datetime.timedelta(days=180))
    assert done.deleted["delivery_requests"] >= 1
    assert not Ticket.objects.filter(pk=ticket.pk).exists() and not Delivery.objects.filter(ticket_id=ticket.pk).exists()
    assert Ticket.objects.filter(pk=other.pk).exists()  # a leaking pipe says nothing about health
    assert DailyFigure.objects.filter(measure__startswith="delivery_request_").exists()
