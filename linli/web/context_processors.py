from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from linli.core.scope import user_can
from linli.gates.actions import usable_gates
from linli.health.queries import health_menu


def linli(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    elder = request.COOKIES.get("linli_elder") == "1" or bool(getattr(user, "elder_mode", False))
    menu: dict[str, bool] = {}
    if user is not None and user.is_authenticated:
        menu = {
            "people": user_can(user, "people.view"),
            "places": user_can(user, "places.view"),
            "grids": user_can(user, "grids.view"),
            "orgs": user_can(user, "orgs.view"),
            "ledger": user_can(user, "ledger.view"),
            "reports": user_can(user, "people.export"),
            "imports": user_can(user, "people.change"),
            "audit": user_can(user, "audit.view"),
            "health": health_menu(user),
            "gates": usable_gates(user).exists(),
        }
    return {"elder_mode": elder, "menu": menu}
