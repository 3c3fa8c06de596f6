"""Granting and revoking roles, the second factor and API tokens: checked, atomic and audited
like every other change.

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
from django_otp.oath import TOTP

from linli.core import audit, twofactor
from linli.core.access import PermissionDenied, allows
from linli.core.api_auth import create_token
from linli.core.models import ApiToken, Role, RoleAssignment, User
from linli.core.roles import ROLE_RANK
from linli.core.scope import clear_scope_cache, needs_second_factor

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


# --- the second factor (decision 0022) -------------------------------------------------------------
# Sign-in events, filed under no place like the password's (only administrators read them).

RESET_SECOND_FACTOR = "users.reset_second_factor"


def _wrong_code() -> ValidationError:
    return ValidationError({"code": [ValidationError(
        _("This code is wrong or was used already. Enter the code your app shows now, or a backup code."),
        code="wrong_code")]})


def _wait(seconds: int) -> ValidationError:
    return ValidationError({"code": [ValidationError(
        _("Too many wrong codes. Wait %(seconds)d seconds, then try again."), code="throttled",
        params={"seconds": max(1, seconds)})]})


def do_verify_second_factor(code: str, *, acting_user: Any) -> Any:
    """Check a code from the user's authenticator (six digits) or one of her backup codes; the
    device that accepted it is returned for the session (``django_otp.login``). Each device
    waits 1, 2, 4, 8 … seconds after successive wrong codes; every try is audited."""
    text = twofactor.normalise(code)
    kind = "totp" if twofactor.looks_like_totp(text) else "backup"
    device = twofactor.totp_device(acting_user) if kind == "totp" else twofactor.backup_device(acting_user)
    token = text if kind == "totp" else twofactor.backup_digest(text)
    allowed, info, accepted = device is not None, None, False
    if device is not None:
        # The throttle's counter must be written whatever the outcome: no rollback around it.
        with transaction.atomic():
            device = type(device).objects.select_for_update().get(pk=device.pk)
            allowed, info = device.verify_is_allowed()
            accepted = allowed and bool(text) and device.verify_token(token)
    detail: dict[str, Any] = {"kind": kind}
    if not allowed and info:
        until = info.get("locked_until")
        seconds = int((until - timezone.now()).total_seconds()) + 1 if until else 1
        audit.record("auth.second_factor", actor=acting_user, obj=acting_user, path="", outcome="denied",
                     detail={**detail, "reason": "throttled"})
        raise _wait(seconds)
    if not accepted or device is None:
        audit.record("auth.second_factor", actor=acting_user, obj=acting_user, path="", outcome="denied",
                     detail={**detail, "reason": "wrong"})
        raise _wrong_code()
    if kind == "backup":
        detail["backup_codes_left"] = device.token_set.count()
    audit.record("auth.second_factor", actor=acting_user, obj=acting_user, path="", detail=detail)
    return device


def do_enrol_second_factor(key: bytes, code: str, *, acting_user: Any) -> tuple[Any, list[str]]:
    """Set up the authenticator holding ``key``, once the user shows it works by typing its
    current code; her earlier authenticator and backup codes stop working. Returns the device
    (for the session) and ten new backup codes, shown once. Replacing an authenticator takes a
    session that passed the old one: a password alone does not move someone's second factor."""
    if twofactor.totp_device(acting_user) is not None and not twofactor.session_verified(acting_user):
        raise PermissionDenied("second factor")
    text = twofactor.normalise(code)
    totp = TOTP(key, step=twofactor.STEP)
    if not twofactor.looks_like_totp(text) or not totp.verify(int(text), tolerance=twofactor.TOLERANCE):
        raise ValidationError({"code": [ValidationError(
            _("This is not the code your app shows for this key. Check that the phone's clock is right and "
              "enter the code shown now."), code="wrong_code")]})
    codes = twofactor.new_backup_codes()
    with transaction.atomic():
        replaced = twofactor.remove_devices(acting_user)
        device = twofactor.create_devices(acting_user, key, last_t=totp.t(), drift=totp.drift, backup_codes=codes)
        audit.record("auth.second_factor_enrol", actor=acting_user, obj=acting_user, path="",
                     detail={"replaced": replaced})
    return device, codes


def do_new_backup_codes(*, acting_user: Any) -> list[str]:
    """Ten new backup codes in place of the old ones (which stop working)."""
    if twofactor.totp_device(acting_user) is None:
        raise ValidationError(_("Set up an authenticator app first."), code="no_device")
    if not twofactor.session_verified(acting_user):
        raise PermissionDenied("second factor")
    codes = twofactor.new_backup_codes()
    with transaction.atomic():
        twofactor.replace_backup_codes(acting_user, codes)
        audit.record("auth.backup_codes", actor=acting_user, obj=acting_user, path="")
    return codes


def do_remove_second_factor(*, acting_user: Any) -> None:
    """Turn off a second factor one chose to use; a role that hands out full values keeps it."""
    if needs_second_factor(acting_user):
        raise ValidationError(_("Your role needs the second factor: you may move it to a new phone, not turn it off."),
                              code="required")
    if not twofactor.session_verified(acting_user):
        raise PermissionDenied("second factor")
    with transaction.atomic():
        removed = twofactor.remove_devices(acting_user)
        audit.record("auth.second_factor_remove", actor=acting_user, obj=acting_user, path="",
                     detail={"devices": removed})


def do_reset_second_factor(user: User, *, acting_user: Any, command_line: bool = False) -> int:
    """An administrator removes a user's authenticator and backup codes (a lost phone): at her
    next request she sets up a new one. ``command_line``: run by the operator at the server
    (``linli twofactor reset``), who holds the database anyway."""
    if not command_line and not allows(acting_user, RESET_SECOND_FACTOR, user):
        audit.record("auth.second_factor_reset", actor=acting_user, obj=user, path="", outcome="denied")
        raise PermissionDenied(RESET_SECOND_FACTOR)
    with transaction.atomic():
        removed = twofactor.remove_devices(user)
        audit.record("auth.second_factor_reset", actor=acting_user, obj=user, path="",
                     detail={"user": user.get_username(), "devices": removed,
                             "by": "command line" if command_line else "administrator"})
    return removed


# --- API tokens ------------------------------------------------------------------------------------

TOKENS = "tokens.manage"


def do_create_token(*, acting_user: Any, name: str, days: int | None = None) -> str:
    """A bearer token of one's own for a program, valid ``days`` (``LINLI_API_TOKEN_DAYS``);
    returned once, only its digest is kept. Audited."""
    if not getattr(acting_user, "is_authenticated", False) or not acting_user.is_active:
        raise PermissionDenied(TOKENS)
    return create_token(acting_user, name, days=days)


def do_revoke_token(token: ApiToken, *, acting_user: Any) -> ApiToken:
    """Revoke one of one's own tokens (an administrator: anyone's); it stays listed."""
    if not allows(acting_user, TOKENS, token):
        raise PermissionDenied(TOKENS)
    if token.revoked_at is not None:
        raise ValidationError(_("This token is revoked already."), code="revoked")
    with transaction.atomic():
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.revoked_at)
        audit.record("token.revoke", actor=acting_user, obj=token, path="", detail={"prefix": token.prefix})
    return token
