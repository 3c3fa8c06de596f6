"""Bad input to the web pages: a clear answer, never a 500."""

from __future__ import annotations

import pytest

HUGE = "9" * 30

URLS = [
    f"/places/{HUGE}/", f"/people/{HUGE}/", f"/grids/{HUGE}/", f"/people/{HUGE}/edit/",
    f"/grids/{HUGE}/edit/", f"/people/residence/{HUGE}/move-out/",
    f"/people/new/?house={HUGE}", "/people/new/?house=-1", "/people/new/?house=%00",
    f"/people/organizations/new/?place={HUGE}", "/people/organizations/new/?place=x",
    "/people/?q=王&page=abc", "/people/?q=王&page=-5", "/people/?q=王&page=" + HUGE,
    "/people/?q=" + "王" * 500, "/people/?q=%00%01", "/people/?q=1.10101E%2B17",
    "/people/organizations/?page=zz", "/audit/?page=-1", "/audit/?action=" + "x" * 500,
    "/audit/?action=%00", "/ledger/?type=%00a", "/ledger/?page=-3", "/ledger/subject/%00/",
]


@pytest.mark.parametrize("url", URLS)
def test_bad_urls_answer_without_500(street, url):
    response = street.client_for(street.street_officer).get(url)
    assert response.status_code in (200, 404), f"{url} gave {response.status_code}"


@pytest.mark.parametrize(("field", "status"), [("id_number", 422), ("phone", 422), ("name", 422),
                                               ("../../etc", 404)])
def test_reveal_with_bad_input(street, field, status):
    person = street.person_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    response = client.post(f"/people/{person.pk}/reveal/{field}/", {"purpose": ""})
    assert response.status_code == status


def test_posting_garbage_to_forms(street):
    client = street.client_for(street.grid_worker)
    house = street.house_in(street.grid_building)
    response = client.post("/people/new/", {"house": house.pk, "name": "\x00", "population_type": "nope",
                                            "relation": "x", "moved_in": "2026-13-45"})
    assert response.status_code == 422


def test_reveal_purpose_with_control_characters(street):
    person = street.person_in(street.grid_building)
    client = street.client_for(street.grid_worker)
    response = client.post(f"/people/{person.pk}/reveal/phone/", {"purpose": "核对\x00信息"})
    assert response.status_code == 422


def test_missing_ids_are_404_not_500(street):
    client = street.client_for(street.street_officer)
    for url in ["/people/999999999/", "/places/999999999/", "/grids/999999999/", "/people/abc/"]:
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/imports/", "/health/risk-areas/import/", "/health/tests/import/", "/exchange/"])
@pytest.mark.parametrize("body", [b"xx", b"--a\r\nContent-Disposition: form-data; name=\"area\"\r\n\r\n31"])
def test_a_malformed_upload_to_a_page_is_a_bilingual_400(street, url, body):
    """A multipart body without a boundary (or cut off) got Django's English-only page."""
    from linli.imports.models import ImportBatch

    response = street.client_for(street.admin).generic("POST", url, body, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求不完整或格式有误" in page and "multipart boundary" in page
    assert not ImportBatch.objects.exists()
