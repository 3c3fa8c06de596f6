"""Signing out leaves nothing of Linli on the device: the finding was that after logout the gate
page kept visitors' names and phones in localStorage and its service worker served the previous
user's gate screen offline. The answer to the sign-out asks the browser to clear them
(Clear-Site-Data), and the next page asks app.js to do it where the header is ignored. The
browser side is tested in tests/browser/test_gate.py."""

from __future__ import annotations

from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from linli.conftest import Street


def test_logout_clears_the_sites_storage_and_caches(street: Street) -> None:
    client = street.client_for(street.volunteer)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert {part.strip() for part in response["Clear-Site-Data"].split(",")} == {'"cache"', '"storage"'}


def test_the_page_after_logout_runs_the_fallback_once(street: Street) -> None:
    client = street.client_for(street.volunteer)
    client.post("/logout/")
    first = client.get("/login/").content.decode()
    assert "data-forget-device" in first
    with translation.override("zh-hans"):  # the page says what was removed
        assert gettext("You have logged out. What Linli kept on this device (gate records, offline pages) has been "
                       "removed from it.") in first
    assert "data-forget-device" not in client.get("/login/").content.decode()


def test_the_login_page_alone_clears_nothing() -> None:
    """A gate whose session ran out sends her to the login page: her queue must survive that."""
    assert "data-forget-device" not in Client().get("/login/").content.decode()


def test_the_logout_form_warns_of_records_not_uploaded(street: Street) -> None:
    page = street.client_for(street.volunteer).get("/").content.decode()
    assert 'data-logout data-unsent="' in page and "%(count)s" in page
