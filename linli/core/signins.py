"""Sign-ins, failures, lockouts and sign-outs go into the audit log (等保 2.0: identification
and audit). Filed under no place: only administrators read them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from linli.core import audit


def _record(action: str, request: Any, **kwargs: Any) -> None:
    # The address and channel come from the request context, set before any view runs.
    audit.record(action, path="", **kwargs)


@receiver(user_logged_in, dispatch_uid="linli_audit_login")
def _logged_in(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    _record("auth.login", request, actor=user, obj=user)


@receiver(user_logged_out, dispatch_uid="linli_audit_logout")
def _logged_out(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    if user is not None:
        _record("auth.logout", request, actor=user, obj=user)


@receiver(user_login_failed, dispatch_uid="linli_audit_login_failed")
def _login_failed(sender: Any, credentials: Any = None, request: Any = None, **_: Any) -> None:
    # The name tried, never the password (Django has already masked it in ``credentials``).
    name = str((credentials or {}).get("username", ""))[:150]
    _record("auth.login_failed", request, object_type="core.user", object_id=name[:64], outcome="denied")


def _locked_out(sender: Any, request: Any = None, username: Any = None, **_: Any) -> None:
    _record("auth.lockout", request, object_type="core.user", object_id=str(username or "")[:64],
            outcome="denied")


def connect_lockouts() -> None:
    """django-axes' signal, connected once its app is loaded."""
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="linli_audit_lockout")
