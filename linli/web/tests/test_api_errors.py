"""Errors are JSON, bilingual and never a 500, whatever the input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.translation import gettext_lazy

from linli.conftest import Street
from linli.core.errors import api_errors
from linli.grids.models import Grid
from linli.people.models import Person

HOUSE = "{house}"  # replaced by a house inside the secretary's scope

BAD_GETS = [
    "/api/people/persons/abc", "/api/people/persons/-1", "/api/people/persons/0",
    "/api/people/persons/99999999999999999999999999", "/api/people/persons/1.5",
    "/api/people/persons/%00", "/api/people/persons/%EF%BC%91", "/api/people/persons/1e3",
    "/api/people/persons?page=-1", "/api/people/persons?page=0", "/api/people/persons?page=abc",
    "/api/people/persons?page=99999999999999999999", "/api/people/persons?page=100000",
    "/api/people/persons?page_size=0", "/api/people/persons?page_size=100000",
    "/api/people/persons?q=" + "张" * 101, "/api/people/persons?q=%00", "/api/people/persons?q=a%00b",
    "/api/people/persons?q=%FF%FE", "/api/people/persons?unknown=1&other=%00",
    "/api/people/persons?q=%27%20OR%201%3D1%20--", "/api/people/persons?q=%25", "/api/people/persons?q=_",
    "/api/people/persons?q=110101199003077777", "/api/people/persons?q=1234",
    "/api/people/persons?q=%2B8613800000000", "/api/people/persons?q=12345678901234567890",
    "/api/people/persons?q=%F0%9F%98%80", "/api/people/persons?page=1&page=2",
    "/api/places?parent=abc", "/api/places?parent=-5", "/api/places?parent=999999999999999999999999",
    "/api/places/abc", "/api/places/99999999999999999999", "/api/places/buildings/abc/layout",
    "/api/places/buildings/-1/layout", "/api/places/buildings/99999999999999999999/layout",
    "/api/grids/abc", "/api/grids/99999999999999999999", "/api/grids/-1",
    "/api/", "/api/nope", "/api/people/persons/1/nope", "/api/people/", "/api/people/persons/",
]

BAD_CREATE_BODIES: list[Any] = [
    "{bad", "", "null", "[]", "123", '"text"', b"\xff\xfe\x00",
    {}, {"name": None, "house_id": HOUSE}, {"name": 5, "house_id": HOUSE}, {"name": "x"},
    {"name": "x", "house_id": "abc"}, {"name": "x", "house_id": 1e30},
    {"name": "x", "house_id": 99999999999999999999999}, {"name": "x", "house_id": -1},
    {"name": "x", "house_id": [1]}, {"name": "\x00", "house_id": HOUSE},
    {"name": "x" * 10000, "house_id": HOUSE}, {"name": "x" * 65, "house_id": HOUSE},
    {"name": "  ", "house_id": HOUSE},
    {"name": "x", "house_id": HOUSE, "special_groups": "alone_elder"},
    {"name": "x", "house_id": HOUSE, "special_groups": ["x"] * 1000},
    {"name": "x", "house_id": HOUSE, "special_groups": ["nope"]},
    {"name": "x", "house_id": HOUSE, "community_roles": [None]},
    {"name": "x", "house_id": HOUSE, "population_type": "martian"},
    {"name": "x", "house_id": HOUSE, "relation": "enemy"},
    {"name": "x", "house_id": HOUSE, "moved_in": "2020-13-45"},
    {"name": "x", "house_id": HOUSE, "id_number": "１１０１０１１９９００３０７７７７"},
    {"name": "x", "house_id": HOUSE, "id_number": "1.10101199003077E+17"},
    {"name": "x", "house_id": HOUSE, "id_number": "x" * 64},
    {"name": "x", "house_id": HOUSE, "id_number": "9" * 1000},
    {"name": "x", "house_id": HOUSE, "phone": "+999 000"},
    {"name": "x", "house_id": HOUSE, "phone": "8613800138000"},
    {"name": "x", "house_id": HOUSE, "hukou_address": "\x00"},
]

BAD_REVEAL_BODIES: list[Any] = [
    "{bad", "", "[]", {}, {"field": "name", "purpose": "check"}, {"field": "phone"},
    {"field": "phone", "purpose": ""}, {"field": "phone", "purpose": "   "},
    {"field": "phone", "purpose": "\x00\x00\x00\x00"}, {"field": "phone", "purpose": "x" * 1000},
    {"field": None, "purpose": "check"}, {"field": ["phone"], "purpose": "check"},
]


@pytest.fixture
def secretary(street: Street) -> Client:
    return street.client_for(street.secretary)


def _fill(value: Any, street: Street) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, street) for k, v in value.items()}
    if value == HOUSE:
        return street.house_in(street.other_grid_building).pk
    return value


def _post(client: Client, url: str, body: Any, street: Street) -> Any:
    if isinstance(body, str | bytes):
        return client.post(url, data=body, content_type="application/json")
    return client.post(url, data=json.dumps(_fill(body, street)), content_type="application/json")


def _assert_clean_error(response: Any) -> None:
    assert response.status_code < 500, response.content
    assert response.status_code >= 400, response.content
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    if response.status_code == 422:
        assert detail and all(set(item) == {"loc", "code", "msg", "msg_zh"} for item in detail)
    else:
        assert detail and response.json()["detail_zh"]


@pytest.mark.parametrize("url", BAD_GETS)
def test_bad_urls_never_500(secretary: Client, url: str) -> None:
    response = secretary.get(url)
    if response.status_code == 200:  # harmless input (e.g. an odd search) is just a search
        assert "items" in response.json()
        return
    _assert_clean_error(response)


@pytest.mark.parametrize("body", BAD_CREATE_BODIES, ids=lambda b: repr(b)[:40])
def test_bad_create_bodies_never_500(street: Street, secretary: Client, body: Any) -> None:
    before = Person.objects.count()
    response = _post(secretary, "/api/people/persons", body, street)
    _assert_clean_error(response)
    assert Person.objects.count() == before  # and nothing half-written


@pytest.mark.parametrize("body", BAD_REVEAL_BODIES, ids=lambda b: repr(b)[:40])
def test_bad_reveal_bodies_never_500(street: Street, secretary: Client, body: Any) -> None:
    person = street.person_in(street.other_grid_building)
    _assert_clean_error(_post(secretary, f"/api/people/persons/{person.pk}/reveal", body, street))


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_wrong_method_is_not_500(street: Street, secretary: Client, method: str) -> None:
    person = street.person_in(street.other_grid_building)
    response = getattr(secretary, method)(f"/api/people/persons/{person.pk}")
    assert response.status_code == 405


def test_not_found_shape(secretary: Client) -> None:
    for url in ["/api/people/persons/987654321", "/api/nope", f"/api/grids/{Grid.objects.count() + 99}"]:
        response = secretary.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found", "detail_zh": "未找到"}


def test_pydantic_error_shape(secretary: Client) -> None:
    response = secretary.get("/api/people/persons/abc")
    assert response.status_code == 422
    assert response.json() == {"detail": [{
        "loc": ["path", "person_id"], "code": "int_parsing",
        "msg": "Input should be a valid integer, unable to parse string as an integer", "msg_zh": "应为整数。",
    }]}


def test_missing_body_field_shape(street: Street, secretary: Client) -> None:
    response = _post(secretary, "/api/people/persons", {"house_id": HOUSE}, street)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert (error["code"], error["msg_zh"]) == ("missing", "缺少此项。")


def test_django_validation_errors_render_in_both_languages() -> None:
    # Django ships Chinese for its own messages, so both renderings can be checked today.
    lazy = ValidationError({"email": [ValidationError(gettext_lazy("Enter a valid email address."),
                                                      code="invalid")]})
    plain = ValidationError({"email": ["Enter a valid email address."]})
    for exc in (lazy, plain):
        [error] = api_errors(exc)
        assert error["loc"] == ["body", "email"]
        assert error["msg"] == "Enter a valid email address."
        assert error["msg_zh"] != error["msg"] and "有效" in error["msg_zh"]
    [error] = api_errors(ValidationError(gettext_lazy("Ensure this value is less than or equal to "
                                                         "%(limit_value)s."),
                                            code="max_value", params={"limit_value": 7}))
    assert error["loc"] == ["body"] and error["code"] == "max_value"
    assert error["msg"] == "Ensure this value is less than or equal to 7."
    assert "7" in error["msg_zh"] and error["msg_zh"] != error["msg"]


def test_body_field_errors_name_the_field(street: Street, secretary: Client) -> None:
    response = _post(secretary, "/api/people/persons", {"name": "x", "house_id": HOUSE,
                                                         "special_groups": ["ok", 5]}, street)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "special_groups", 1] and error["code"] == "string_type"
    assert error["msg_zh"] == "应为文本。"


def test_a_multipart_upload_without_a_boundary_is_a_400(secretary: Client) -> None:
    """It was the only 5xx a schema fuzzer found over the whole API."""
    for body in (b"xx", b"--a\r\nContent-Disposition: form-data; name=\"area\"\r\n\r\n31"):
        response = secretary.generic("POST", "/api/imports", body, content_type="multipart/form-data")
        assert response.status_code == 400
        assert response.json()["detail_zh"].startswith("上传内容不是完整的 multipart 表单")


def test_a_json_body_over_the_upload_limit_is_a_413_in_both_languages(secretary: Client, settings: Any) -> None:
    """A base64 document larger than the server takes was a 500."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"kind": "licence", "document": "A" * 5000}).encode()
    response = secretary.generic("POST", "/api/suppliers/1/qualifications", body, content_type="application/json")
    assert response.status_code == 413
    assert "larger than the server takes" in response.json()["detail"]
    assert response.json()["detail_zh"].startswith("请求超过服务器允许的大小")
