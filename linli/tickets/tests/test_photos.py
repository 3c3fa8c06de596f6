"""Photos of requests: a resident's and the office's when filing, the handler's of the fix; checked
and stripped like the photos of tasks, seen only where the request is, every view audited; over
the API as multipart; in Open311 only for the client that filed the request."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from linli.conftest import Street
from linli.core import photos
from linli.core.api_auth import create_token
from linli.core.models import AuditEvent
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tasks.tests.helpers import jpeg
from linli.tickets import actions
from linli.tickets.models import Category, EventKind, PhotoStage, Ticket, TicketEvent, TicketPhoto
from linli.tickets.tests.helpers import file

pytestmark = pytest.mark.django_db
WORDS = "厨房水管漏水，楼下在滴水。"


def upload(data: bytes | None = None, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if data is None else data, content_type="image/jpeg")


def phone_photo() -> bytes:
    """A phone's photo: GPS position, maker, and held upright (EXIF orientation 6)."""
    image = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 12.0, 30.0), 3: "E", 4: (121.0, 33.0, 10.0)}
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def new_request(client: Client, street: Street, *files: SimpleUploadedFile, **fields: Any) -> Any:
    house = street.resident.person.current_house
    water = Category.objects.get(code="repair-water")
    data = {"category": water.pk, "place": house.pk, "description": WORDS, "photo": list(files), **fields}
    return client.post(reverse("tickets:new"), data)


def english(client: Client) -> Client:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the pages -------------------------------------------------------------------------------------------

def test_a_resident_sends_photos_with_her_request(street: Street) -> None:
    client = street.client_for(street.resident)
    form = client.get(reverse("tickets:new")).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'accept="image/*"' in form and 'capture="environment"' in form
    response = new_request(client, street, upload(phone_photo()), upload(jpeg(30, 20, "green"), "b.png"))
    assert response.status_code == 302, response.content.decode()[:500]
    ticket = Ticket.objects.get(submitted_by=street.resident)
    kept = list(ticket.photos.order_by("pk"))
    assert [(p.stage, p.public, p.uploaded_by) for p in kept] == [(PhotoStage.REPORT, True, street.resident)] * 2
    assert all(p.path == ticket.path and p.event.kind == EventKind.SUBMITTED for p in kept)
    stored = base64.b64decode(kept[0].data)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (48, 64)  # turned upright
        assert not image.getexif()  # no GPS position, no maker
    assert b"PhoneMaker" not in stored
    page = client.get(response["Location"]).content.decode()
    url = reverse("tickets:photo", args=[kept[0].pk])
    assert f'<a href="{url}"><img src="{url}"' in page  # a small picture that opens full size
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg" and shown.content == stored
    assert "private" in shown["Cache-Control"]
    viewed = AuditEvent.objects.filter(action="tickets.photo.view", object_id=str(kept[0].pk))
    assert viewed.filter(actor=street.resident, path=ticket.path).exists()


def test_the_office_files_for_a_caller_with_a_photo(street: Street) -> None:
    client = street.client_for(street.grid_worker)
    house = street.house_in(street.grid_building)
    form = client.get(reverse("tickets:new") + f"?house={house.pk}").content.decode()
    assert 'name="photo"' in form
    water = Category.objects.get(code="repair-water")
    response = client.post(reverse("tickets:new") + f"?house={house.pk}", {
        "source": "phone", "category": water.pk, "place": house.pk, "description": WORDS, "house": house.pk,
        "photo": [upload()]})
    assert response.status_code == 302, response.content.decode()[:500]
    ticket = Ticket.objects.get(place=house, submitted_by=street.grid_worker)
    [picture] = ticket.photos.all()
    assert picture.uploaded_by == street.grid_worker
    url = reverse("tickets:photo", args=[picture.pk])
    assert street.client_for(street.secretary).get(url).status_code == 200  # the community's office
    assert url in street.client_for(street.secretary).get(response["Location"]).content.decode()


def test_an_anonymous_request_keeps_its_photo_without_a_name(street: Street) -> None:
    client = street.client_for(street.resident)
    house = street.resident.person.current_house
    noise = Category.objects.get(code="noise")
    response = client.post(reverse("tickets:new"), {"category": noise.pk, "place": house.pk, "anonymous": "on",
                                                     "description": "楼上每晚十二点后还在装修。", "photo": [upload()]})
    assert response.status_code == 302
    [picture] = Ticket.objects.get(submitted_by=street.resident, anonymous=True).photos.all()
    assert picture.uploaded_by is None


@pytest.mark.parametrize(("data", "code", "zh", "en"), [
    (b"name,phone\n", "not_image", "不是照片", "not a photo"),  # a CSV named IMG_0001.jpg
    (b"GIF89a" + b"\0" * 50, "not_image", "不是照片", "not a photo"),
])
def test_anything_but_a_photo_is_refused_in_both_languages(street: Street, data: bytes, code: str, zh: str,
                                                            en: str) -> None:
    client = street.client_for(street.resident)
    page = new_request(client, street, upload(data)).content.decode()
    assert zh in page
    assert en in new_request(english(street.client_for(street.resident)), street, upload(data)).content.decode()
    assert not Ticket.objects.filter(submitted_by=street.resident).exists() and not TicketPhoto.objects.exists()


def test_too_many_photos_or_pixels_are_refused(street: Street, monkeypatch: pytest.MonkeyPatch) -> None:
    client = street.client_for(street.resident)
    page = new_request(client, street, *[upload() for _ in range(4)]).content.decode()
    assert "一次最多 3 张照片" in page
    monkeypatch.setattr(photos, "MAX_PIXELS", 100)  # a small file that unpacks to many pixels
    page = new_request(client, street, upload(jpeg(20, 20))).content.decode()
    assert "照片像素过多" in page
    assert "too many pixels" in new_request(english(client), street, upload(jpeg(20, 20))).content.decode()
    assert not Ticket.objects.filter(submitted_by=street.resident).exists() and not TicketPhoto.objects.exists()


def test_a_large_upload_is_refused_before_it_is_read(street: Street, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    client = street.client_for(street.resident)
    client.handler.enforce_csrf_checks = True  # as a browser: the size is refused before the CSRF check reads it
    response = new_request(client, street, *[upload(jpeg(600, 600, "green") + b"\0" * 80_000) for _ in range(3)])
    assert response.status_code == 413
    assert "照片合计过大" in response.content.decode()
    assert not Ticket.objects.filter(submitted_by=street.resident).exists()
    assert new_request(client, street).status_code == 403  # a reasonable body still meets the CSRF check
    client.handler.enforce_csrf_checks = False
    big = upload(jpeg(600, 600, "green") + b"\0" * 4_000)  # alone, within the body's limit but not the photo's
    page = new_request(client, street, big).content.decode()
    assert "照片太大" in page and not Ticket.objects.filter(submitted_by=street.resident).exists()


# --- the handler's photos, and who sees what ----------------------------------------------------------------

def test_the_resident_sees_the_photo_of_the_fix(street: Street) -> None:
    ticket = file(street.resident, street.resident.person.current_house)
    worker = street.client_for(street.grid_worker)
    detail = worker.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'capture="environment"' in detail  # the handler may photograph the fix
    worker.post(reverse("tickets:accept", args=[ticket.pk]))
    worker.post(reverse("tickets:note", args=[ticket.pk]), {"note": "物业说漏点在楼上", "photo": [upload()]})
    worker.post(reverse("tickets:resolve", args=[ticket.pk]), {"outcome": "已更换水管接头", "photo": [upload()]})
    office_note, fix = TicketPhoto.objects.filter(ticket=ticket).order_by("pk")
    assert (office_note.public, office_note.stage, office_note.event.kind) == (False, PhotoStage.FIX, EventKind.NOTE)
    assert (fix.public, fix.stage, fix.event.kind) == (True, PhotoStage.FIX, EventKind.RESOLVED)
    resident = street.client_for(street.resident)
    page = resident.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert reverse("tickets:photo", args=[fix.pk]) in page
    assert reverse("tickets:photo", args=[office_note.pk]) not in page
    assert resident.get(reverse("tickets:photo", args=[fix.pk])).status_code == 200
    assert resident.get(reverse("tickets:photo", args=[office_note.pk])).status_code == 404  # the office's own note
    assert worker.get(reverse("tickets:photo", args=[office_note.pk])).status_code == 200


def test_the_fix_takes_three_photos_at_most(street: Street) -> None:
    ticket = file(street.resident, street.resident.person.current_house)
    actions.do_accept(ticket, acting_user=street.grid_worker)
    actions.do_note(ticket, acting_user=street.grid_worker, note="开始维修", photos=[jpeg(), jpeg()])
    worker = street.client_for(street.grid_worker)
    response = worker.post(reverse("tickets:resolve", args=[ticket.pk]),
                           {"outcome": "已更换水管接头", "photo": [upload(), upload()]}, follow=True)
    assert "此诉求已有 2 张办理照片，最多 3 张" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "accepted" and ticket.photos.count() == 2  # nothing half-written
    assert 'capture="environment"' in response.content.decode()  # one more may still come


def test_a_photo_is_not_found_outside_the_requests_scope(street: Street) -> None:
    ticket = file(street.resident, street.resident.person.current_house, photos=[jpeg()])
    far_house = Place.objects.filter(path__startswith=street.far_building.path, level=PlaceLevel.HOUSE).first()
    far = file(street.admin, far_house, source="phone", photos=[jpeg()])
    mine, theirs = ticket.photos.get(), far.photos.get()
    for user in (street.outsider, street.volunteer, street.health_officer):
        assert street.client_for(user).get(reverse("tickets:photo", args=[mine.pk])).status_code in (403, 404)
    assert street.client_for(street.resident).get(reverse("tickets:photo", args=[theirs.pk])).status_code == 404
    assert street.client_for(street.grid_worker).get(reverse("tickets:photo", args=[theirs.pk])).status_code == 404
    assert street.client_for(street.street_officer).get(reverse("tickets:photo", args=[mine.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="tickets.photo.view", object_id=str(theirs.pk)).exists()
    assert Client().get(reverse("tickets:photo", args=[mine.pk])).status_code == 302  # to the login page


# --- the API --------------------------------------------------------------------------------------------------

def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_filing_with_photos_over_the_api(street: Street) -> None:
    token = create_token(street.resident, "test")
    house = street.resident.person.current_house
    fields = {"category": "repair-water", "place_id": str(house.pk), "description": WORDS, "anonymous": "false"}
    filed = Client().post("/api/requests", {**fields, "photo": [upload(phone_photo()), upload()]}, **bearer(token))
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert [p["stage"] for p in body["photos"]] == ["report", "report"] and body["status"] == "new"
    first = body["photos"][0]
    assert first["url"] == f"/api/requests/{body['id']}/photos/{first['id']}" and first["width"] == 48
    shown = Client().get(first["url"], **bearer(token))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg" and b"PhoneMaker" not in shown.content
    assert AuditEvent.objects.filter(action="tickets.photo.view", object_id=str(first["id"])).exists()
    assert Client().get(first["url"], **bearer(create_token(street.volunteer, "x"))).status_code == 404
    other = file(street.grid_worker, street.house_in(street.grid_building), source="phone")
    worker = bearer(create_token(street.grid_worker, "x"))
    assert Client().get(f"/api/requests/{other.pk}/photos/{first['id']}", **worker).status_code == 404  # not its
    assert Client().get(first["url"], **worker).status_code == 200
    assert Client().get(f"/api/requests/{body['id']}", **bearer(token)).json()["photos"] == body["photos"]
    # The handler resolves with a photo of the fix, as multipart too.
    Client().post(f"/api/requests/{body['id']}/accept", **worker)
    resolved = Client().post(f"/api/requests/{body['id']}/resolve", {"outcome": "已更换水管接头", "photo": upload()},
                             **worker)
    assert resolved.status_code == 200 and [p["stage"] for p in resolved.json()["photos"]][-1] == "fix"


def test_api_upload_errors_are_bilingual(street: Street, monkeypatch: pytest.MonkeyPatch) -> None:
    token = create_token(street.resident, "test")
    house = street.resident.person.current_house
    fields = {"category": "repair-water", "place_id": str(house.pk), "description": WORDS}
    refused = Client().post("/api/requests", {**fields, "photo": upload(b"<html>not a photo</html>")},
                            **bearer(token))
    assert refused.status_code == 422
    [item] = refused.json()["detail"]
    assert item["loc"] == ["body", "photo"] and item["code"] == "not_image"
    assert "not a photo" in item["msg"] and "不是照片" in item["msg_zh"]
    many = Client().post("/api/requests", {**fields, "photo": [upload() for _ in range(4)]}, **bearer(token))
    assert many.status_code == 422 and many.json()["detail"][0]["code"] == "too_many_photos"
    cut = Client().post("/api/requests", "--x\r\nContent-Disposition: form-data; name=", content_type="multipart/form-data",
                        **bearer(token))
    assert cut.status_code == 400 and "multipart" in cut.json()["detail_zh"]
    missing = Client().post("/api/requests", {"category": "repair-water", "photo": upload()}, **bearer(token))
    assert missing.status_code == 422 and ["body", "place_id"] in [i["loc"] for i in missing.json()["detail"]]
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    large = Client().post("/api/requests", {**fields, "photo": [upload(jpeg() + b"\0" * 70_000) for _ in range(3)]},
                          **bearer(token))
    assert large.status_code == 413
    assert large.json()["code"] == "photos_too_large" and "照片合计过大" in large.json()["detail_zh"]
    assert not Ticket.objects.filter(submitted_by=street.resident).exists()


def test_a_task_photo_too_large_for_the_api_is_refused_unread(street: Street,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from linli.tasks.tests.helpers import item_in, push_buildings

    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    item = item_in(push_buildings(street.secretary, street.community), street.grid_building)
    response = Client().post(f"/api/tasks/items/{item.pk}/photo", {"photo": upload(jpeg() + b"\0" * 80_000)},
                             **bearer(create_token(street.grid_worker, "x")))
    assert response.status_code == 413 and "照片太大" in response.json()["detail_zh"]


# --- Open311 ------------------------------------------------------------------------------------------------------

@pytest.fixture
def api_key(street: Street, capsys: pytest.CaptureFixture[str]) -> str:
    call_command("open311_client", "city-app", "--scope", Place.objects.get(level=PlaceLevel.STREET).code)
    return capsys.readouterr().out.strip().rsplit(" ", 1)[-1]


def test_open311_media_url_is_kept_as_text_and_given_to_the_filer_only(street: Street, api_key: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    house = street.house_in(street.grid_building)
    link = "http://169.254.169.254/latest/meta-data/photo.jpg"  # never fetched, whatever it names
    made = Client().post("/open311/v2/requests.json", {
        "api_key": api_key, "service_code": "repair-water", "attribute[house_code]": house.code,
        "description": WORDS, "media_url": link})
    assert made.status_code == 201, made.content
    ticket = Ticket.objects.get(number=made.json()[0]["service_request_id"])
    note = TicketEvent.objects.get(ticket=ticket, detail__media_url=True)
    assert note.note == link and not note.public and not ticket.photos.exists()
    page = street.client_for(street.grid_worker).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert link in page and f'href="{link}"' not in page  # text for the office, not a link to follow
    number = ticket.number
    public = Client().get(f"/open311/v2/requests/{number}.json").json()[0]
    assert public["media_url"] == ""
    assert Client().get(f"/open311/v2/requests/{number}.json", {"api_key": api_key}).json()[0]["media_url"] == ""
    actions.do_accept(ticket, acting_user=street.grid_worker)
    actions.do_note(ticket, acting_user=street.grid_worker, note="办公室内部记录", public=False, photos=[jpeg()])
    actions.do_resolve(ticket, acting_user=street.grid_worker, outcome="已更换水管接头", photos=[jpeg()])
    fix = ticket.photos.get(public=True)
    # Public answers (the list and one request) never carry a photo: it may show a home's inside.
    assert all(r["media_url"] == "" for r in Client().get("/open311/v2/requests.json").json())
    assert Client().get(f"/open311/v2/requests/{number}.xml").content.count(b"<media_url />") == 1
    own = Client().get(f"/open311/v2/requests/{number}.json", {"api_key": api_key}).json()[0]
    assert own["media_url"] == f"http://testserver/api/requests/{ticket.pk}/photos/{fix.pk}"  # not the office's note
    listed = Client().get("/open311/v2/requests.json", {"api_key": api_key}).json()
    assert [r["media_url"] for r in listed if r["service_request_id"] == number] == [own["media_url"]]
    fetched = Client().get(own["media_url"].removeprefix("http://testserver"), **bearer(api_key))
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/jpeg"
    call_command("open311_client", "other-app", "--scope", Place.objects.get(level=PlaceLevel.STREET).code)
    other = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert Client().get(f"/open311/v2/requests/{number}.json", {"api_key": other}).json()[0]["media_url"] == ""
    assert Client().get(own["media_url"].removeprefix("http://testserver"), **bearer(other)).status_code == 404


@pytest.mark.parametrize("link", ["file:///etc/passwd", "javascript:alert(1)", "http://a b/c.jpg",
                                  "https://example.org/" + "x" * 600])
def test_open311_refuses_a_media_url_that_is_not_a_web_link(street: Street, api_key: str, link: str) -> None:
    house = street.house_in(street.grid_building)
    refused = Client().post("/open311/v2/requests.json", {
        "api_key": api_key, "service_code": "repair-water", "attribute[house_code]": house.code,
        "description": WORDS, "media_url": link})
    assert refused.status_code == 400 and "media_url" in refused.json()[0]["description"]
    assert not Ticket.objects.filter(place=house).exists()


def test_open311_takes_no_photo_upload(street: Street, api_key: str) -> None:
    house = street.house_in(street.grid_building)
    refused = Client().post("/open311/v2/requests.json", {
        "api_key": api_key, "service_code": "repair-water", "attribute[house_code]": house.code,
        "description": WORDS, "media": upload(jpeg(200, 200) + b"\0" * 70_000)})
    assert refused.status_code == 413 and "media_url" in refused.json()[0]["description"]
    assert not Ticket.objects.filter(place=house).exists()
