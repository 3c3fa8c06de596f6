"""The houses' QR stickers: the printed sheet (who may print it, and that it is audited) and
the door page its QR codes open, whose check-in accepts the code printed beside them."""

from __future__ import annotations

import re

import pytest
import segno
from django.urls import reverse

from linli.alerts.models import Alert, OnSiteMethod, State
from linli.alerts.stickers import group
from linli.alerts.tests.helpers import fall_in
from linli.conftest import Street
from linli.core.models import AuditEvent
from linli.places.models import Level, Place

pytestmark = pytest.mark.django_db


def _houses(area: Place) -> list[Place]:
    return list(Place.objects.filter(path__startswith=area.path, level=Level.HOUSE).order_by("path"))


def test_a_building_s_sheet_has_a_sticker_per_house_and_is_audited(street: Street) -> None:
    building = street.grid_building
    page = street.client_for(street.secretary).get(reverse("alerts:stickers", args=[building.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    houses = _houses(building)
    assert html.count('class="sticker"') == len(houses) > 0
    assert html.count("<svg") == len(houses)
    assert "alerts/stickers.css" in html and "alerts/stickers.js" in html
    printed = re.findall(r'font-monospace">([0-9a-f-]+)<', html)
    assert len(printed) == len(houses)
    event = AuditEvent.objects.get(action="alert.stickers", object_id=str(building.pk))
    assert event.detail["houses"] == len(houses)


def test_a_compound_s_sheet_covers_its_buildings(street: Street) -> None:
    compound = Place.objects.get(path=street.grid_building.path.rsplit("/", 2)[0] + "/")
    assert compound.level == Level.COMPOUND
    page = street.client_for(street.secretary).get(reverse("alerts:stickers", args=[compound.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('class="sticker"') == len(_houses(compound))


def test_only_staff_whose_scope_covers_the_building_print(street: Street) -> None:
    url = reverse("alerts:stickers", args=[street.grid_building.pk])
    for persona in (street.grid_worker, street.resident, street.health_officer):
        assert street.client_for(persona).get(url).status_code in (403, 404)
    far = reverse("alerts:stickers", args=[street.far_building.pk])
    assert street.client_for(street.secretary).get(far).status_code == 404
    house = street.house_in(street.grid_building)
    assert street.client_for(street.admin).get(reverse("alerts:stickers", args=[house.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="alert.stickers").exists()


def test_the_building_page_links_to_the_sheet_for_the_office_only(street: Street) -> None:
    url = reverse("places:detail", args=[street.grid_building.pk])
    link = reverse("alerts:stickers", args=[street.grid_building.pk])
    assert link in street.client_for(street.secretary).get(url).content.decode()
    assert link not in street.client_for(street.grid_worker).get(url).content.decode()


def test_the_printed_code_and_qr_check_the_worker_in_at_the_door(street: Street) -> None:
    alert = fall_in(street)
    house = alert.house
    sheet = street.client_for(street.secretary).get(reverse("alerts:stickers", args=[street.grid_building.pk]))
    [sticker] = [s for page in sheet.context["pages"] for s in page if s.house.pk == house.pk]
    # the QR code drawn is the house's door page, and the code printed beside it is the token in it
    assert sticker.svg == segno.make(sticker.url, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=True)
    assert sticker.url.endswith(reverse("alerts:door", args=[house.code, sticker.token]))
    assert f'font-monospace">{group(sticker.token)}<' in sheet.content.decode()

    worker = street.client_for(street.grid_worker)
    door = worker.get(sticker.url.split("testserver", 1)[1])
    assert door.status_code == 200
    html = door.content.decode()
    assert reverse("alerts:on_site", args=[alert.pk]) in html and f'value="{sticker.token}"' in html
    done = worker.post(reverse("alerts:on_site", args=[alert.pk]), {"method": "qr", "token": sticker.token})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.on_site_method, alert.on_site_by) == (State.ON_SITE, OnSiteMethod.QR,
                                                                     street.grid_worker)


def test_the_printed_code_typed_with_its_dashes_checks_in(street: Street) -> None:
    alert = fall_in(street)
    sheet = street.client_for(street.secretary).get(reverse("alerts:stickers", args=[street.grid_building.pk]))
    [sticker] = [s for page in sheet.context["pages"] for s in page if s.house.pk == alert.house_id]
    street.client_for(street.grid_worker).post(reverse("alerts:on_site", args=[alert.pk]),
                                               {"method": "qr", "token": f" {sticker.shown_token.upper()} "})
    assert Alert.objects.get(pk=alert.pk).state == State.ON_SITE


def test_another_house_s_sticker_is_refused_in_both_languages(street: Street) -> None:
    alert = fall_in(street)
    other = [h for h in _houses(street.grid_building) if h.pk != alert.house_id][0]
    sheet = street.client_for(street.secretary).get(reverse("alerts:stickers", args=[street.grid_building.pk]))
    [wrong] = [s for page in sheet.context["pages"] for s in page if s.house.pk == other.pk]
    worker = street.client_for(street.grid_worker)
    door = worker.get(reverse("alerts:door", args=[alert.house.code, wrong.token]))
    assert door.status_code == 200 and "这不是本户的二维码贴纸" in door.content.decode()
    worker.cookies.load({"django_language": "en"})
    door = worker.get(reverse("alerts:door", args=[alert.house.code, wrong.token]), HTTP_ACCEPT_LANGUAGE="en")
    assert "This is not the sticker of this house." in door.content.decode()
    assert reverse("alerts:on_site", args=[alert.pk]) not in door.content.decode()
    worker.post(reverse("alerts:on_site", args=[alert.pk]), {"method": "qr", "token": wrong.token})
    assert Alert.objects.get(pk=alert.pk).state == State.NEW
    far = fall_in(street, street.far_building)
    assert worker.get(reverse("alerts:door", args=[far.house.code, "x"])).status_code == 404
