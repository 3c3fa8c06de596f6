"""Bearer tokens, the browser session and the ``linli token`` command."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from linli.conftest import Street, pass_second_factor
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
    pass_second_factor(client, street.grid_worker)
    person = street.person_in(street.grid_building)
    url = f"{SEARCH}/{person.pk}/reveal"
    body = json.dumps({"field": "phone", "purpose_code": "care_visit"})
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


# --- expiry, and the tokens on the owner's account page ----------------------------------------

def test_tokens_expire_after_the_configured_days(street: Street, settings) -> None:
    settings.LINLI_API_TOKEN_DAYS = 30
    token = create_token(street.grid_worker, "report")
    row = ApiToken.objects.get(prefix=token[:PREFIX_LENGTH])
    days = (row.expires_at - row.created_at).total_seconds() / 86400
    assert 29.99 < days < 30.01
    assert Client().get(SEARCH, headers=bearer(token)).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = Client().get(SEARCH, headers=bearer(token))
    assert response.status_code == 401
    body = response.json()
    assert "expired" in body["detail"] and "过期" in body["detail_zh"] and row.prefix in body["detail"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_account_page_lists_her_tokens_only(street: Street) -> None:
    mine = create_token(street.grid_worker, "nightly report")
    theirs = create_token(street.secretary, "someone else's")
    Client().get(SEARCH, headers=bearer(mine))  # marks it used
    old = create_token(street.grid_worker, "old program")
    revoke_tokens(old[:PREFIX_LENGTH])
    page = street.client_for(street.grid_worker).get("/account/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "nightly report" in text and mine[:PREFIX_LENGTH] in text and "old program" in text
    assert theirs[:PREFIX_LENGTH] not in text and "someone else" not in text
    row = ApiToken.objects.get(prefix=mine[:PREFIX_LENGTH])
    assert timezone.localtime(row.last_used_at).strftime("%Y-%m-%d %H:%M") in text
    assert timezone.localtime(row.expires_at).strftime("%Y-%m-%d") in text
    assert "已吊销" in text and "有效" in text  # statuses
    assert mine not in text  # never the token itself


def test_a_token_made_on_the_account_page_is_shown_once_and_works(street: Street) -> None:
    client = street.client_for(street.resident)
    assert client.post("/account/tokens/", {"name": ""}).status_code == 422  # say what it is for
    response = client.post("/account/tokens/", {"name": "家里的小程序"})
    assert response.status_code == 200
    token = re.search(r"ll_[A-Za-z0-9_-]{40,}", response.content.decode()).group(0)
    assert Client().get(SEARCH, headers=bearer(token)).status_code == 200
    assert token not in client.get("/account/").content.decode()
    event = AuditEvent.objects.filter(action="token.create").latest("seq")
    assert event.actor_id == street.resident.pk and "expires" in event.detail


def test_she_revokes_her_own_token_and_no_one_else_s(street: Street) -> None:
    token = create_token(street.grid_worker, "ci")
    row = ApiToken.objects.get(prefix=token[:PREFIX_LENGTH])
    assert street.client_for(street.secretary).post(f"/account/tokens/{row.pk}/revoke/").status_code == 404
    assert Client().get(SEARCH, headers=bearer(token)).status_code == 200
    response = street.client_for(street.grid_worker).post(f"/account/tokens/{row.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert Client().get(SEARCH, headers=bearer(token)).status_code == 401
    event = AuditEvent.objects.filter(action="token.revoke").latest("seq")
    assert (event.actor_id, event.object_id) == (street.grid_worker.pk, str(row.pk))


def test_token_command_takes_days(street: Street) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", street.grid_worker.username, "--days", "7", stdout=out, stderr=err)
    row = ApiToken.objects.get(prefix=out.getvalue().strip()[:PREFIX_LENGTH])
    assert 6.99 < (row.expires_at - row.created_at).total_seconds() / 86400 < 7.01
    assert "有效期至" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("token", "create", street.grid_worker.username, "--days", "0", stdout=io.StringIO())
