from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from linli.core import twofactor
from linli.core.access import may
from linli.core.scope import grants_fingerprint
from linli.gates.actions import usable_gates
from linli.health.queries import health_menu
from linli.web.home import own_home_only
from linli.web.live import stream_url
from linli.web.views import FORGET_DEVICE


def supplies_menu(user: Any) -> bool:
    """Offices with the supplies in their roles, and the keepers named on a point."""
    from linli.supplies.queries import keeps_any

    return may(user, "supplies.view") or keeps_any(user)


def handout_menu(user: Any) -> bool:
    """Whoever sees or reserves in reservation rounds (offices, grid workers, residents)."""
    from linli.handout.queries import shown

    return shown(user)


def linli(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    elder = request.COOKIES.get("linli_elder") == "1" or bool(getattr(user, "elder_mode", False))
    session = getattr(request, "session", None)
    # The first page after signing out (the login page) clears the device, once (app.js).
    forget = session is not None and bool(session.pop(FORGET_DEVICE, False))
    menu: dict[str, bool] = {}
    if user is not None and user.is_authenticated and twofactor.pending(user):
        # She owes her second factor: the menu would only lead back to the code page.
        return {"elder_mode": elder, "menu": menu, "second_factor_owed": True, "forget_device": forget}
    resident = False
    if user is not None and user.is_authenticated:
        resident, menu = _cached_menu(user)
    # Staff pages open their live events' stream (live.js, decision 0026); a resident's do not.
    live = stream_url(request) if any(menu.values()) and not resident else ""
    return {"elder_mode": elder, "menu": menu, "forget_device": forget, "live_url": live}


def _cached_menu(user: Any) -> tuple[bool, dict[str, bool]]:
    """The menu, kept a minute (``LINLI_MENU_CACHE_SECONDS``) for the same user with the same
    roles: half of its answers need a query each (her home, an epidemic mode, a gate duty, a store
    she keeps), on every page. A change of roles changes the key, so it shows at once; the
    sections still check access on every request whatever the menu shows."""
    seconds = int(getattr(settings, "LINLI_MENU_CACHE_SECONDS", 0))
    if seconds <= 0:
        return _menu(user)
    key = f"linli:menu:{user.pk}:{grants_fingerprint(user)}:{getattr(user, 'person_id', None)}"
    found = cache.get(key)
    if found is None:
        found = _menu(user)
        cache.set(key, found, seconds)
    return found


def _menu(user: Any) -> tuple[bool, dict[str, bool]]:
    resident = own_home_only(user)
    return resident, {
        # A resident sees her own household: a search would find only herself.
        "people": may(user, "people.view") and not resident,
        "places": may(user, "places.view"),
        "grids": may(user, "grids.view"),
        "orgs": may(user, "orgs.view"),
        "ledger": may(user, "ledger.view"),
        "reports": may(user, "people.export"),
        "imports": may(user, "people.change"),
        "audit": may(user, "audit.view"),
        "roles": may(user, "roles.manage"),
        "health": health_menu(user),
        "gates": usable_gates(user).exists(),
        "tickets": may(user, "tickets.view") or may(user, "tickets.follow"),
        "deliveries": may(user, "tickets.deliver"),
        "tasks": may(user, "tasks.view"),
        "visits": may(user, "visits.view"),
        "alerts": may(user, "alerts.view"),
        "overview": may(user, "overview.view"),
        "devices": may(user, "devices.view"),
        "devices_manage": may(user, "devices.manage"),
        "notices": may(user, "notices.view"),
        "my_notices": resident and getattr(user, "person_id", None) is not None,
        "supplies": supplies_menu(user),
        "sites": may(user, "sites.view") or may(user, "sites.manage"),
        "rumours": may(user, "rumours.view"),
        "handout": handout_menu(user),
        "campaigns": may(user, "campaigns.view"),
        "opinion": may(user, "opinion.view"),
    }
