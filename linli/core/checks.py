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
