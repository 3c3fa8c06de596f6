"""Start-up checks: a role that names an action nobody registered is refused, not ignored."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from linli.core.access import unknown_actions


@checks.register()
def builtin_roles_name_known_actions(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    from linli.core.roles import BUILTIN_ROLES

    return [checks.Error(f"built-in role {code!r} names unknown actions: {', '.join(unknown)}",
                         id="linli.E001")
            for code, (_name, actions) in BUILTIN_ROLES.items() if (unknown := unknown_actions(actions))]


@checks.register(checks.Tags.database)
def stored_roles_name_known_actions(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """Roles edited in the database (or left from an older release) are checked at start-up
    (``linli serve`` and ``linli demo`` run this check)."""
    from linli.core.models import Role

    try:
        roles = list(Role.objects.values_list("code", "actions"))
    except DatabaseError:  # not migrated yet: nothing stored to check
        return []
    return [checks.Error(f"role {code!r} names unknown actions: {', '.join(unknown)}",
                         hint="Remove them in the role editor, or register the action in an app's access.py.",
                         id="linli.E002")
            for code, actions in roles if (unknown := unknown_actions(actions if isinstance(actions, list) else []))]


@checks.register(checks.Tags.security, deploy=True)
def https_behind_a_trusted_proxy(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """With LINLI_HTTPS, Linli learns that a request came in over HTTPS from the proxy's
    X-Forwarded-Proto, which it believes only from LINLI_TRUSTED_PROXIES: without any, every
    request looks like plain HTTP and is redirected again and again."""
    from django.conf import settings

    if getattr(settings, "LINLI_HTTPS", False) and not getattr(settings, "LINLI_TRUSTED_PROXIES", ()):
        return [checks.Warning(
            "LINLI_HTTPS is on but LINLI_TRUSTED_PROXIES is empty: requests forwarded by the HTTPS proxy look "
            "like plain HTTP and are redirected in a loop. / 已开启 LINLI_HTTPS 但未设置 LINLI_TRUSTED_PROXIES："
            "经 HTTPS 代理转发的请求会被当作 HTTP 而反复重定向。",
            hint="Set LINLI_TRUSTED_PROXIES to the proxy's address (e.g. 127.0.0.1) and have it send "
                 "X-Forwarded-Proto.", id="linli.W010")]
    return []
