"""Bearer tokens, the browser session and the ``linli token`` command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from linli.conftest import Street
from linli.core.api_auth import PREFIX_LENGTH, create_token, revoke_tokens
from linli.core.models import ApiToken, AuditEvent

SEARCH = "/api/people/persons"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_is_stored_as_digest_only_and_audited(street: Street) -> None:
    token = create_token(street.grid_worker, "nightly export")
    assert token.startswith("ll_") and len(token) > 40
    row = ApiToken.objects.get(user=street.grid_worker)
    assert row.prefix == token[:PREFIX_LENGTH]
    assert row.digest == ApiToken.digest_of(token) != token
    assert row.name == "nightly export"
    event = AuditEvent.objects.filter(action="token.create").latest("seq")
    assert (event.actor_id, event.object_id) == (street.grid_worker.pk, str(row.pk))
    assert token not in json.dumps(event.detail)


def test_bearer_token_authenticates_and_marks_use(street: Street) -> None:
    token = create_token(street.grid_worker)
    response = Client().get(SEARCH, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["count"] > 0
    assert response["Cache-Control"] == "private, no-store"  # personal data: shared caches keep out
    assert ApiToken.objects.get(user=street.grid_worker).last_used_at is not None


def test_bearer_token_acts_with_its_owners_scope(street: Street) -> None:
    token = create_token(street.grid_worker)
    far = street.person_in(street.far_building)
    assert Client().get(f"{SEARCH}/{far.pk}", headers=bearer(token)).status_code == 404
    near = street.person_in(street.grid_building)
    assert Client().get(f"{SEARCH}/{near.pk}", headers=bearer(token)).status_code == 200


def test_revoked_token_is_refused(street: Street) -> None:
    token = create_token(street.grid_worker)
    assert revoke_tokens(token[:PREFIX_LENGTH], acting_user=street.admin) == 1
    response = Client().get(SEARCH, headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["detail_zh"]
    assert AuditEvent.objects.filter(action="token.revoke").exists()


def test_token_of_inactive_user_is_refused(street: Street) -> None:
    token = create_token(street.grid_worker)
    street.grid_worker.is_active = False
    street.grid_worker.save()
    assert Client().get(SEARCH, headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Bearer ll_not-a-token", "Bearer " + "x" * 5000, "Basic dXNlcjpwYXNz",
    "Token ll_abc", "Bearer ll_\x7f",
])
def test_bad_authorization_headers_are_401(street: Street, header: str) -> None:
    response = Client().get(SEARCH, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentication required")


def test_unauthenticated_post_is_401_not_csrf_403(street: Street) -> None:
    response = Client(enforce_csrf_checks=True).post(
        SEARCH, data="{}", content_type="application/json")
    assert response.status_code == 401


def test_session_post_needs_csrf_token(street: Street) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(street.grid_worker)
    person = street.person_in(street.grid_building)
    url = f"{SEARCH}/{person.pk}/reveal"
    body = json.dumps({"field": "phone", "purpose": "联系家属"})
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail_zh"].startswith("CSRF")
    secret = "k" * 32  # what a browser holds in its csrftoken cookie and echoes in the header
    client.cookies["csrftoken"] = secret
    response = client.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": secret})
    assert response.status_code == 200


def test_token_command_prints_a_working_token(street: Street) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", street.grid_worker.username, "--name", "ci", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("ll_") and "\n" not in token
    assert "只显示" in err.getvalue()
    assert ApiToken.objects.get(user=street.grid_worker).name == "ci"
    assert Client().get(SEARCH, headers=bearer(token)).status_code == 200

    call_command("token", "revoke", token[:PREFIX_LENGTH], stdout=io.StringIO())
    assert Client().get(SEARCH, headers=bearer(token)).status_code == 401
    assert ApiToken.objects.get(user=street.grid_worker).revoked_at <= timezone.now()


def test_token_command_unknown_user(street: Street) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("token", "create", "nobody-here", stdout=io.StringIO())
    message = str(caught.value)
    assert "No user named 'nobody-here'" in message
    assert "没有名为" in message


def test_token_command_revoke_unknown_prefix(street: Street) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("token", "revoke", "ll_nothing", stdout=io.StringIO())
    assert "没有" in str(caught.value)


def test_openapi_document_lists_the_paths(db: None) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert {"/api/people/persons", "/api/people/persons/{person_id}/reveal",
            "/api/places/buildings/{building_id}/layout", "/api/grids/{grid_id}"} <= set(document["paths"])
    assert "BearerAuth" in document["components"]["securitySchemes"]


def test_docs_page(db: None) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
