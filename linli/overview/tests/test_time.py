"""The screen's 14 days: a past day's counters and colours from the providers that answer for a
day (the others keep today's number, marked), the per-day series against direct counts, "< 5"
on a street's series, a day outside the 14 days refused in both languages, and the registry's
``day`` keyword leaving the providers without it untouched."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.conftest import Street
from linli.health import actions as health
from linli.health.models import RiskArea
from linli.overview import registry
from linli.people.models import Person
from linli.places.models import Level, Place
from linli.tickets.models import Ticket
from linli.tickets.tests.helpers import file


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


def _data(client: Client, place: Place, scenario: str, day: datetime.date | None = None) -> dict[str, Any]:
    query = {"scenario": scenario, **({"day": day.isoformat()} if day else {})}
    response = client.get(f"/overview/{place.pk}/data.json", query)
    assert response.status_code == 200, response.content
    return response.json()


def _counters(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in data["counters"]}


def _arrive(street: Street, people: list[Person], origin: str, day: datetime.date) -> None:
    for person in people:
        health.do_register_arrival(person, acting_user=street.health_officer, origin_code=origin,
                                   origin_name="", arrived_on=day)


def test_a_past_day_counts_that_day_and_colours_compounds_by_its_14_days(street):
    today = timezone.localdate()
    five_ago, sixteen_ago = today - datetime.timedelta(days=5), today - datetime.timedelta(days=16)
    RiskArea.objects.create(region_code="420100", name="武汉市", level="high", valid_from=today - datetime.timedelta(days=30))
    compound = street.grid_building.parent
    people = list(Person.objects.filter(path__startswith=compound.path, is_active=True)[:6])
    _arrive(street, people[:2], "420100", five_ago)
    _arrive(street, people[2:5], "420100", sixteen_ago)  # in five_ago's 14 days, not in today's
    _arrive(street, people[5:6], "420100", today)
    client = street.client_for(street.secretary)

    now = _data(client, street.community, "epidemic")
    then = _data(client, street.community, "epidemic", five_ago)
    assert (now["day"], then["day"]) == (today.isoformat(), five_ago.isoformat())
    assert _counters(now)["health.arrivals_today"]["value"] == 1
    assert _counters(then)["health.arrivals_today"]["value"] == 2
    assert _counters(now)["health.arrivals_watched"]["value"] == 3
    assert _counters(then)["health.arrivals_watched"]["value"] == 5
    # a counter that cannot answer for a day keeps today's number and says so
    assert _counters(then)["health.missing_checkins"]["today_only"] is True
    assert _counters(then)["health.arrivals_today"]["today_only"] is False
    assert not any(c["today_only"] for c in now["counters"])

    def coloured(data: dict[str, Any]) -> dict[int, int]:
        layer = next(la for la in data["layers"] if la["name"] == "health.arrivals")
        return {f["properties"]["place"]: f["properties"]["value"] for f in layer["features"]}

    assert coloured(now) == {compound.pk: 3}
    assert coloured(then) == {compound.pk: 5}


def test_requests_open_at_the_end_of_a_past_day(street):
    today = timezone.localdate()
    three_ago = today - datetime.timedelta(days=3)
    old = file(street.secretary, street.house_in(street.grid_building))
    file(street.secretary, street.house_in(street.other_grid_building))
    at = timezone.make_aware(datetime.datetime.combine(three_ago, datetime.time(10)))
    Ticket.objects.filter(pk=old.pk).update(created_at=at)
    client = street.client_for(street.secretary)
    then = _counters(_data(client, street.community, "normal", three_ago))
    assert then["tickets.open"]["value"] == 1  # the other one was filed today
    assert then["tickets.new_today"]["value"] == 1
    assert then["tickets.overdue"]["today_only"] is True


def test_the_series_count_each_day_in_grouped_queries(street, django_assert_max_num_queries):
    today = timezone.localdate()
    people = list(Person.objects.filter(path__startswith=street.community.path, is_active=True)[:9])
    _arrive(street, people[:6], "110101", today - datetime.timedelta(days=2))
    _arrive(street, people[6:8], "110101", today)
    _arrive(street, people[8:9], "110101", today - datetime.timedelta(days=20))  # before the 14 days
    ticket = file(street.secretary, street.house_in(street.grid_building))
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=13), datetime.time(23, 30))))
    file(street.secretary, street.house_in(street.grid_building))

    data = _data(street.client_for(street.secretary), street.community, "normal")
    series = {s["name"]: s for s in data["series"]["series"]}
    assert len(data["series"]["days"]) == 14 and data["series"]["days"][-1] == today.isoformat()
    assert series["health.arrivals"]["values"][-3] == 6 and series["health.arrivals"]["values"][-1] == 2
    assert sum(series["health.arrivals"]["values"]) == 8
    assert series["tickets.filed"]["values"][0] == 1 and series["tickets.filed"]["values"][-1] == 1
    assert sum(series["tickets.filed"]["values"]) == 2
    assert set(series) >= {"health.arrivals", "tickets.filed", "alerts.raised"}

    # on the street's screen a day's 1 to 4 arrivals are "< 5"; 6 stay 6
    street_place = Place.objects.get(level=Level.STREET)
    shown = next(s for s in _data(street.client_for(street.street_officer), street_place, "normal")["series"]["series"]
                 if s["name"] == "health.arrivals")
    assert shown["texts"][-1] == "< 5" and shown["values"][-1] is None and shown["texts"][-3] == "6"

    # one grouped query per series, whatever the number of days or compounds
    user = street.secretary
    user.is_verified = lambda: True  # type: ignore[attr-defined]
    for entry in registry.registered_series().values():
        with django_assert_max_num_queries(3):
            entry.provider(user, street.community, today - datetime.timedelta(days=13), today)


@pytest.mark.parametrize("bad", ["yesterday", "2020-01-01", "2999-01-01"])
def test_a_day_outside_the_14_days_is_refused_in_both_languages(street, bad):
    client = street.client_for(street.secretary)
    response = client.get(f"/overview/{street.community.pk}/data.json", {"day": bad})
    assert response.status_code == 400
    item = response.json()["detail"][0]
    assert item["loc"] == ["query", "day"] and "14" in item["msg"] and "14" in item["msg_zh"]
    assert "YYYY-MM-DD" in item["msg"] and "天" in item["msg_zh"]
    page = client.get(f"/overview/{street.community.pk}/", {"day": bad})
    assert page.status_code == 200 and page.context["day"] == timezone.localdate()  # today, with the message


def test_only_providers_that_answer_for_a_day_get_it(street, monkeypatch):
    monkeypatch.setattr(registry, "_COUNTERS", dict(registry._COUNTERS))
    calls: list[Any] = []

    def by_day(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> registry.Count:
        calls.append(day)
        return registry.Count(7)

    registry.register_counter("test.by_day", by_day, scenarios=(registry.FLOOD,), label="x", people=False, day=True)
    registry.register_counter("test.today", lambda user, place, today: registry.Count(3), scenarios=(registry.FLOOD,),
                              label="y", people=False)
    two_ago = timezone.localdate() - datetime.timedelta(days=2)
    client = street.client_for(street.secretary)
    counters = _counters(_data(client, street.community, "flood", two_ago))
    assert calls == [two_ago]
    assert counters["test.today"]["value"] == 3 and counters["test.today"]["today_only"] is True
    _data(client, street.community, "flood")
    assert calls == [two_ago, None]  # today: called as before, without the keyword
