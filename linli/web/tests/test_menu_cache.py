"""The menu on every page is kept a minute per user and set of roles (LINLI_MENU_CACHE_SECONDS):
a page after the first does not ask the database again for it, and a change of roles shows at
once because it changes the key."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.models import Role, RoleAssignment


def _menu(client) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    response = client.get("/people/")  # a page that asks nothing about gates itself
    assert response.status_code == 200
    return dict(response.context["menu"])


def test_the_menu_is_kept_and_follows_a_change_of_roles(street, settings):  # type: ignore[no-untyped-def]
    settings.LINLI_MENU_CACHE_SECONDS = 60
    cache.clear()
    worker = street.grid_worker
    client = street.client_for(worker)
    first = _menu(client)
    assert first["people"] and not first["overview"]
    with CaptureQueriesContext(connection) as fresh:
        cache.clear()
        assert _menu(client) == first
    with CaptureQueriesContext(connection) as kept:
        assert _menu(client) == first
    gates = [q["sql"] for q in fresh.captured_queries if 'FROM "gates_gate"' in q["sql"]]
    assert gates and not [q["sql"] for q in kept.captured_queries if 'FROM "gates_gate"' in q["sql"]]
    assert len(kept.captured_queries) < len(fresh.captured_queries)

    # Given the street officer's role, she sees the one-screen overview on her next page.
    RoleAssignment.objects.create(user=worker, role=Role.objects.get(code="street_officer"), place=street.community)
    assert _menu(client)["overview"] is True
    RoleAssignment.objects.filter(user=worker, role__code="street_officer").delete()
    assert _menu(client)["overview"] is False


def test_without_the_setting_the_menu_is_asked_on_every_page(street, settings):  # type: ignore[no-untyped-def]
    settings.LINLI_MENU_CACHE_SECONDS = 0
    client = street.client_for(street.grid_worker)
    _menu(client)
    with CaptureQueriesContext(connection) as again:
        _menu(client)
    assert [q["sql"] for q in again.captured_queries if 'FROM "gates_gate"' in q["sql"]]
