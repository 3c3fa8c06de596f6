"""The exchange page: the street office imports a community's signed file and reads it."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from linli.core.models import AuditEvent
from linli.exchange.demo import prepare_demo_exchange
from linli.exchange.models import ExchangeSnapshot


def _upload(client: Any, data: bytes, name: str = "up.jsonl") -> Any:
    return client.post("/exchange/", {"file": SimpleUploadedFile(name, data)})


def test_the_street_imports_the_demo_communitys_file(street, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        path = prepare_demo_exchange()
        assert path is not None and path.exists()
        client = street.client_for(street.street_officer)
        page = client.get("/exchange/")
        assert page.status_code == 200 and "上报交换" in page.content.decode()

        response = _upload(client, path.read_bytes(), path.name)
        shot = ExchangeSnapshot.objects.get()
        assert response.status_code == 302 and response.url == f"/exchange/{shot.pk}/"
        detail = client.get(response.url)
        html = detail.content.decode()
        assert detail.status_code == 200 and "实有人口" in html and shot.scope_code in html
        assert AuditEvent.objects.filter(action="exchange.view", object_id=str(shot.pk)).exists()

        again = _upload(client, path.read_bytes(), path.name)
        assert again.status_code == 302 and ExchangeSnapshot.objects.count() == 1  # idempotent

        flipped = bytearray(path.read_bytes())
        flipped[len(flipped) // 2] ^= 0x01
        refused = _upload(client, bytes(flipped))
        assert refused.status_code == 422 and ExchangeSnapshot.objects.count() == 1
        assert "invalid-feedback" in refused.content.decode()
        assert _upload(client, b"").status_code == 422


def test_the_street_sends_its_own_figures_up(street, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        prepare_demo_exchange()
        client = street.client_for(street.street_officer)
        street_code = street.community.parent.code
        response = client.post("/exchange/send/", {"scope": street_code})
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        assert b'"signature"' in response.content
        assert client.post("/exchange/send/", {"scope": "999"}).status_code == 404


def test_who_may_see_the_exchange_page(street, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        prepare_demo_exchange()
        shot_page = "/exchange/1/"
        assert street.client_for(street.grid_worker).get("/exchange/").status_code == 404
        assert street.client_for(street.health_officer).get("/exchange/").status_code == 404
        secretary = street.client_for(street.secretary)
        page = secretary.get("/exchange/")  # she may send her community's figures up, not import
        assert page.status_code == 200 and 'enctype="multipart/form-data"' not in page.content.decode()
        assert secretary.get(shot_page).status_code == 404


def test_sending_without_an_area_says_so(street, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        prepare_demo_exchange()
        client = street.client_for(street.secretary)
        response = client.post("/exchange/send/", {})
        assert response.status_code == 302 and response.url == "/exchange/"
        assert "请选择您辖区内的一个区域" in client.get(response.url).content.decode()
        assert street.client_for(street.grid_worker).post("/exchange/send/", {}).status_code == 404


def test_the_figures_page_says_why_a_count_is_withheld_and_speaks_words(street, tmp_path):
    """A large count withheld to protect a small one is not shown as "< k", and the code-list
    keys of the file read as words."""
    with override_settings(DATA_DIR=tmp_path):
        path = prepare_demo_exchange()
        client = street.client_for(street.street_officer)
        shot = ExchangeSnapshot.objects.get(pk=_upload(client, path.read_bytes(), path.name).url.split("/")[-2])
        figures = shot.figures.all()
        below = figures.filter(withheld="below_k").first()
        complementary = figures.filter(withheld="complementary").exclude(breakdown="unknown").first()
        assert below is not None and complementary is not None
        html = client.get(f"/exchange/{shot.pk}/").content.decode()
        assert "不公布*" in html and "&lt; 5" in html and "&lt; k" not in html
        assert "本身不小" in html  # the legend explains the starred cells
        for key in ("registered", "alone_elder", "owner", "unknown", "total", ">F:", ">M:"):
            assert key not in html, key
        assert "户籍人口" in html and "自住" in html and "未登记" in html and "合计" in html
        client.cookies["django_language"] = "en"
        english = client.get(f"/exchange/{shot.pk}/").content.decode()
        assert "withheld*" in english and "owner-occupied" in english
