"""The alert pages as the personas: 200 / 403 / 404, and the three steps through the forms."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.alerts import actions
from linli.alerts.models import Alert, State
from linli.alerts.tests.helpers import device, fall_in, feed
from linli.conftest import Street
from linli.core.models import AuditEvent
from linli.core.today import items_for
from linli.tickets.tests.helpers import quarantined_neighbour

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_area_s_open_alerts_critical_first(street: Street) -> None:
    fall = fall_in(street)
    quiet = street.house_in(street.grid_building)
    from linli.alerts import intake
    from linli.devices.models import Device

    intake.handle_silence([Device.objects.select_related("kind", "house").get(pk=device(quiet, "door").pk)])
    far = fall_in(street, street.far_building)
    page = street.client_for(street.grid_worker).get(reverse("alerts:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-alert="{fall.pk}"' in html and f'data-alert="{far.pk}"' not in html
    assert html.index(f'data-alert="{fall.pk}"') < html.index("data-alert=", html.index(f'data-alert="{fall.pk}"') + 1)
    assert "alerts/live.js" in html
    rows = street.client_for(street.grid_worker).get(reverse("alerts:rows"))
    assert rows.status_code == 200 and f'data-alert="{fall.pk}"' in rows.content.decode()
    for persona in (street.resident, street.outsider, street.volunteer):
        assert street.client_for(persona).get(reverse("alerts:list")).status_code == 403


def test_the_alert_page_and_the_three_steps(street: Street) -> None:
    alert = fall_in(street)
    client = street.client_for(street.grid_worker)
    page = client.get(reverse("alerts:detail", args=[alert.pk]))
    assert page.status_code == 200 and "设备报告跌倒" in page.content.decode()
    assert street.client_for(street.health_officer).get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
    far = fall_in(street, street.far_building)
    assert client.get(reverse("alerts:detail", args=[far.pk])).status_code == 404
    assert client.post(reverse("alerts:acknowledge", args=[far.pk])).status_code == 404
    client.post(reverse("alerts:acknowledge", args=[alert.pk]), {"next": "list"})
    client.post(reverse("alerts:on_site", args=[alert.pk]), {"method": "qr", "token": "bad"})
    alert.refresh_from_db()
    assert alert.state == State.ACKNOWLEDGED
    client.post(reverse("alerts:on_site", args=[alert.pk]), {"method": "location", "latitude": "31.2",
                                                             "longitude": "121.5"})
    client.post(reverse("alerts:resolve", args=[alert.pk]), {"outcome": "helped", "note": "扶起，无大碍"})
    alert.refresh_from_db()
    assert (alert.state, alert.outcome) == (State.RESOLVED, "helped")
    again = client.post(reverse("alerts:resolve", args=[alert.pk]), {"outcome": "helped"}, follow=True)
    shown = [str(m) for m in again.context["messages"]]
    assert any("已经关闭" in m or "already closed" in m for m in shown)
    assert any(m in again.content.decode() for m in shown)


def test_the_person_is_shown_masked_to_the_chain_only_and_audited(street: Street) -> None:
    person = quarantined_neighbour(street)
    feed(device(person.current_house, "wearable", person), ("temperature", 38.6))
    alert = Alert.objects.get(condition="fever")
    page = street.client_for(street.health_officer).get(reverse("alerts:detail", args=[alert.pk]))
    html = page.content.decode()
    assert person.name in html and (not person.phone or person.phone not in html)
    assert AuditEvent.objects.filter(action="alert.person_view", object_id=str(alert.pk)).exists()
    office = street.client_for(street.street_officer).get(reverse("alerts:detail", args=[alert.pk]))
    assert office.status_code == 200


def test_office_pages_and_the_figures(street: Street) -> None:
    alert = fall_in(street)
    actions.do_check_in_on_site(alert, acting_user=street.grid_worker, method="confirmed")
    office = street.client_for(street.secretary)
    for name in ("alerts:chains", "alerts:rota", "alerts:drill", "alerts:measures"):
        assert office.get(reverse(name)).status_code == 200
        assert street.client_for(street.grid_worker).get(reverse(name)).status_code == 403
    report = office.get(reverse("alerts:measures_csv"))
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) >= 2 and ",1," in lines[1]
    house = street.house_in(street.grid_building)
    drill = office.post(reverse("alerts:drill"), {"house": house.code, "note": "演练"})
    assert drill.status_code == 302 and Alert.objects.filter(is_drill=True, house=house).exists()
    assert office.post(reverse("alerts:drill"), {"house": "nope"}).status_code == 422


def test_the_home_page_lists_open_alerts_first(street: Street) -> None:
    fall_in(street)
    today = timezone.localdate()
    found = items_for(street.grid_worker, today)
    assert found and found[0].url == reverse("alerts:list") and found[0].urgent
    assert not [i for i in items_for(street.resident, today) if i.url == reverse("alerts:list")]


def test_the_api_lists_acknowledges_and_refuses_clearly(street: Street) -> None:
    alert = fall_in(street)
    far = fall_in(street, street.far_building)
    client = street.client_for(street.grid_worker)
    listed = client.get("/api/alerts")
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()}
    assert alert.pk in ids and far.pk not in ids
    assert client.get(f"/api/alerts/{far.pk}").status_code == 404
    done = client.post(f"/api/alerts/{alert.pk}/acknowledge")
    assert done.status_code == 200 and done.json()["state"] == "acknowledged"
    assert [e["kind"] for e in done.json()["timeline"]][-1] == "acknowledged"
    bad = client.post(f"/api/alerts/{alert.pk}/on-site", {"method": "qr", "token": "x"}, content_type="application/json")
    assert bad.status_code == 422 and "msg_zh" in bad.content.decode()
    client.post(f"/api/alerts/{alert.pk}/resolve", {"outcome": "false_alarm"}, content_type="application/json")
    closed = client.post(f"/api/alerts/{alert.pk}/resolve", {"outcome": "helped"}, content_type="application/json")
    assert closed.status_code == 422
    assert client.get("/api/alerts/figures").status_code == 403
    figures = street.client_for(street.secretary).get("/api/alerts/figures")
    assert figures.status_code == 200 and figures.json()[0]["alerts"] >= 1


def test_the_clock_command_ticks(street: Street) -> None:
    import datetime
    from io import StringIO
    from unittest import mock

    from django.core.management import call_command

    alert = fall_in(street)
    later = alert.next_step_at + datetime.timedelta(seconds=5)
    out = StringIO()
    with mock.patch("linli.alerts.actions.timezone.now", return_value=later):
        call_command("alerts", "clock", ticks=1, stdout=out)
    alert.refresh_from_db()
    assert alert.step == 1 and "paged 1" in out.getvalue()
