"""Roles are granted and revoked through audited actions, inside the granter's scope, never
stronger than her own; the admin only shows them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.access import PermissionDenied, may
from linli.core.actions import do_grant_role, do_revoke_role
from linli.core.admin import AssignmentInline
from linli.core.models import AuditEvent, Role, RoleAssignment, User
from linli.core.scope import scope_for
from linli.grids.models import Grid


@pytest.fixture
def newcomer(db):
    return User.objects.create_user("newcomer", password="a-long-password-1")


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def test_a_secretary_makes_a_newcomer_grid_worker_of_her_grid(street, newcomer):
    grid = Grid.objects.filter(community=street.community).first()
    assignment = do_grant_role(newcomer, role("grid_worker"), acting_user=street.secretary, grid=grid)
    assert assignment.path == street.community.path and assignment.granted_by == street.secretary
    assert may(newcomer, "people.view") and scope_for(newcomer, "people.view").grid_ids == {grid.pk}
    event = AuditEvent.objects.filter(action="role.grant").last()
    assert event.actor == street.secretary and event.path == street.community.path
    assert event.detail["user"] == "newcomer" and event.detail["role"] == "grid_worker"


def test_nobody_grants_above_her_own_rank_or_outside_her_scope_or_to_herself(street, newcomer):
    with pytest.raises(PermissionDenied):
        do_grant_role(newcomer, role("street_officer"), acting_user=street.secretary, place=street.community)
    with pytest.raises(PermissionDenied):
        do_grant_role(newcomer, role("volunteer"), acting_user=street.secretary, place=street.other_community)
    with pytest.raises(PermissionDenied):  # a grid worker manages no roles at all
        do_grant_role(newcomer, role("volunteer"), acting_user=street.grid_worker, place=street.community)
    with pytest.raises(ValidationError):
        do_grant_role(street.secretary, role("volunteer"), acting_user=street.secretary, place=street.community)
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    assert AuditEvent.objects.filter(action="role.grant", outcome="denied").count() == 3
    # The street officer may make a community secretary.
    do_grant_role(newcomer, role("community_secretary"), acting_user=street.street_officer,
                  place=street.other_community)


def test_revoking_ends_the_role_and_keeps_the_record(street, newcomer):
    assignment = do_grant_role(newcomer, role("volunteer"), acting_user=street.secretary, place=street.community)
    assert may(newcomer, "places.view")
    do_revoke_role(assignment, acting_user=street.secretary)
    fresh = User.objects.get(pk=newcomer.pk)
    assert not may(fresh, "places.view")
    assert RoleAssignment.objects.get(pk=assignment.pk).valid_until <= timezone.now()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(assignment.pk)).exists()
    with pytest.raises(ValidationError):
        do_revoke_role(RoleAssignment.objects.get(pk=assignment.pk), acting_user=street.secretary)


def test_a_role_starts_when_its_validity_starts(street, newcomer):
    start = timezone.now() + datetime.timedelta(days=1)
    do_grant_role(newcomer, role("volunteer"), acting_user=street.secretary, place=street.community,
                  valid_from=start, valid_until=start + datetime.timedelta(days=30))
    assert not may(newcomer, "places.view")
    with pytest.raises(ValidationError):
        do_grant_role(newcomer, role("volunteer"), acting_user=street.secretary, place=street.community,
                      valid_from=start, valid_until=start - datetime.timedelta(hours=1))


def test_the_roles_page_grants_and_revokes(street, newcomer):
    client = street.client_for(street.secretary)
    page = client.get("/roles/")
    assert page.status_code == 200
    offered = {r.code for r in page.context["form"].fields["role"].queryset}
    assert "grid_worker" in offered and "street_officer" not in offered
    response = client.post("/roles/", {"username": "newcomer", "role": role("volunteer").pk,
                                       "place": street.community.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment = RoleAssignment.objects.get(user=newcomer)
    # Outside her area: refused on the form, nothing written.
    response = client.post("/roles/", {"username": "newcomer", "role": role("volunteer").pk,
                                       "place": street.other_community.pk})
    assert response.status_code == 422 and RoleAssignment.objects.filter(user=newcomer).count() == 1
    assert client.post(f"/roles/{assignment.pk}/revoke/").status_code == 302
    assert RoleAssignment.objects.get(pk=assignment.pk).valid_until is not None
    # Another community's secretary's assignments are not hers to see or end.
    theirs = RoleAssignment.objects.filter(path__startswith=street.other_community.path).first()
    if theirs is not None:
        assert client.post(f"/roles/{theirs.pk}/revoke/").status_code == 404
    assert street.client_for(street.grid_worker).get("/roles/").status_code == 403


def test_the_admin_shows_assignments_but_does_not_edit_them():
    from django.contrib import admin

    inline = AssignmentInline(User, admin.site)
    assert not inline.has_add_permission(None) and not inline.has_change_permission(None)
    assert not inline.has_delete_permission(None)


def test_a_role_naming_an_unknown_action_is_refused(db):
    with pytest.raises(ValidationError):
        Role.objects.create(code="typo", name="typo", actions=["people.veiw"])
    from linli.core.checks import stored_roles_name_known_actions

    assert stored_roles_name_known_actions() == []


def test_serving_refuses_to_start_with_a_stored_role_naming_an_unknown_action(db):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    Role.objects.bulk_create([Role(code="stale", name="stale", actions=["people.view", "tickets.gone"])])
    with pytest.raises(SystemCheckError, match="tickets.gone"):
        call_command("serve", port=0)


def test_serving_refuses_to_start_on_a_database_older_than_the_code(db, monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from linli.web.management.commands import serve

    assert serve.unapplied_migrations() == []  # the test database is up to date
    monkeypatch.setattr(serve, "unapplied_migrations", lambda: ["tickets.0099_next"])
    with pytest.raises(CommandError, match="linli migrate"):
        call_command("serve", port=0)


def test_the_administrator_is_not_told_she_has_no_role(street):
    street.admin.is_superuser = True
    street.admin.save(update_fields=["is_superuser"])
    page = street.client_for(street.admin).get("/").content.decode()
    assert "还没有角色" not in page and "管理员" in page
