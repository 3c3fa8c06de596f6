"""Granting and revoking roles: checked, atomic and audited like every other change.

A user grants a role only where she holds ``roles.manage`` (her own scope), and only a role
at most as strong as the strongest she holds there (``ROLE_RANK`` for the built-in roles; a
site's own role only when she may herself do every action it names there). Nobody changes
her own roles. A revoked assignment is not deleted: it ends (``valid_until``), so the log of
who could see what, when, stays complete.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied, allows
from linli.core.models import Role, RoleAssignment, User
from linli.core.roles import ROLE_RANK
from linli.core.scope import clear_scope_cache

MANAGE = "roles.manage"


def _rank_at(user: Any, path: str) -> int:
    """The rank of the strongest role the user holds over ``path``."""
    held = RoleAssignment.objects.filter(user=user).current().select_related("role", "place", "grid")
    return max((ROLE_RANK.get(a.role.code, 0) for a in held
                if path.startswith((a.place or a.grid).path)), default=0)


def may_grant(granter: Any, role: Role, path: str, rank: int | None = None) -> bool:
    """The role is at most as strong as what the granter holds over ``path`` (``rank``: hers
    there, when the caller has it already)."""
    if not allows(granter, MANAGE, path):
        return False
    if granter.is_superuser:
        return True
    if role.code in ROLE_RANK:
        return ROLE_RANK[role.code] <= (_rank_at(granter, path) if rank is None else rank)
    return all(allows(granter, action, path) for action in role.actions)


def grantable_roles(granter: Any, path: str) -> list[Role]:
    rank = _rank_at(granter, path)  # once, not once per role
    return [role for role in Role.objects.order_by("code") if may_grant(granter, role, path, rank)]


def _check_dates(valid_from: datetime.datetime | None, valid_until: datetime.datetime | None) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise ValidationError({"valid_until": [ValidationError(
            _("The end must come after the start."), code="dates")]})
    if valid_until and valid_until <= timezone.now():
        raise ValidationError({"valid_until": [ValidationError(
            _("The end must lie in the future."), code="dates")]})


def do_grant_role(user: User, role: Role, *, acting_user: Any, place: Any = None, grid: Any = None,
                  valid_from: datetime.datetime | None = None,
                  valid_until: datetime.datetime | None = None) -> RoleAssignment:
    """Give ``user`` the role over a place or a grid, from ``valid_from`` (now) until
    ``valid_until`` (open-ended)."""
    if (place is None) == (grid is None):
        raise ValidationError(_("A role is held either in a place or in a grid."), code="scope")
    path = place.path if place is not None else grid.path
    if not may_grant(acting_user, role, path):
        audit.record("role.grant", actor=acting_user, obj=user, path=path, outcome="denied",
                     detail={"role": role.code})
        raise PermissionDenied(MANAGE)
    if user.pk == getattr(acting_user, "pk", None):
        raise ValidationError(_("Nobody grants roles to herself; ask the office above."), code="self")
    _check_dates(valid_from, valid_until)
    # The refusals above are audited outside the transaction, so that they stay written.
    with transaction.atomic():
        assignment = RoleAssignment(user=user, role=role, place=place, grid=grid, valid_from=valid_from,
                                    valid_until=valid_until, granted_by=acting_user)
        assignment.full_clean(exclude=["path"])
        assignment.save()
        audit.record("role.grant", actor=acting_user, obj=assignment, detail={
            "user": user.get_username(), "role": role.code, "valid_from": str(valid_from or ""),
            "valid_until": str(valid_until or "")})
    clear_scope_cache(user)
    return assignment


def do_revoke_role(assignment: RoleAssignment, *, acting_user: Any) -> RoleAssignment:
    """End an assignment now. The row stays, with its dates, for the record."""
    # One does not take away what one could not give.
    if not (allows(acting_user, MANAGE, assignment) and may_grant(acting_user, assignment.role, assignment.path)):
        audit.record("role.revoke", actor=acting_user, obj=assignment, outcome="denied",
                     detail={"role": assignment.role.code})
        raise PermissionDenied(MANAGE)
    if assignment.user_id == getattr(acting_user, "pk", None):
        raise ValidationError(_("Nobody revokes her own roles; ask the office above."), code="self")
    now = timezone.now()
    if assignment.valid_until is not None and assignment.valid_until <= now:
        raise ValidationError(_("This role has already ended."), code="ended")
    with transaction.atomic():
        assignment.valid_until = now
        assignment.save(update_fields=["valid_until"])
        audit.record("role.revoke", actor=acting_user, obj=assignment, detail={
            "user": assignment.user.get_username(), "role": assignment.role.code})
    clear_scope_cache(assignment.user)
    return assignment
