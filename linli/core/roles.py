"""The built-in roles and the actions each may perform.

Actions are plain strings checked by ``restrict(user, action)``. Built-in roles are kept in
step with this table after every migration (``sync_builtin_roles``); sites may add their own
roles in the admin.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

# action → what it allows (shown in the admin's role editor)
ACTIONS: dict[str, str] = {
    "places.view": gettext_noop("see places, buildings and houses"),
    "places.change": gettext_noop("add and edit places"),
    "grids.view": gettext_noop("see grids and their teams"),
    "grids.change": gettext_noop("edit grids and their teams"),
    "people.view": gettext_noop("see residents (ID and phone masked)"),
    "people.change": gettext_noop("add and edit residents and households"),
    "people.view_groups": gettext_noop("see special-group tags (elders alone, disability …)"),
    "people.reveal": gettext_noop("reveal a full ID number or phone, stating a purpose"),
    "people.export": gettext_noop("export lists of residents"),
    "orgs.view": gettext_noop("see organisations"),
    "orgs.change": gettext_noop("add and edit organisations"),
    # Health data is sensitive personal information (PIPL art. 28): health roles and the
    # person's own grid worker only; street and community staff see counts, not people.
    "health.view": gettext_noop("see health-relevant data"),
    "health.change": gettext_noop("record health-relevant data"),
    "health.checkin": gettext_noop("record daily check-ins and quarantine follow-ups on a resident's behalf"),
    "health.report": gettext_noop("generate the health departments' reports (arrivals, contacts) for one's area"),
    "audit.view": gettext_noop("read the audit log"),
    "ledger.view": gettext_noop("see the shared ledger's entries in one's area"),
    "ledger.audit": gettext_noop("read the whole shared ledger to audit it"),
    "ledger.submit": gettext_noop("submit ledger entries signed by one's department"),
    "exchange.import": gettext_noop("import the signed figures lower offices send up"),
}

_STAFF = [
    "places.view", "places.change", "grids.view", "people.view", "people.change",
    "people.view_groups", "people.reveal", "people.export", "orgs.view", "orgs.change",
]

BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "street_officer": (gettext_noop("street officer"), [*_STAFF, "grids.change", "audit.view", "health.report",
                                                        "ledger.view", "ledger.audit", "exchange.import"]),
    "community_secretary": (gettext_noop("community secretary"), [*_STAFF, "grids.change", "health.report",
                                                                  "ledger.view"]),
    "grid_worker": (gettext_noop("grid worker"), [
        "places.view", "grids.view", "people.view", "people.change", "people.view_groups",
        "people.reveal", "orgs.view", "health.view", "health.checkin",
    ]),
    # Health officers see who lives where and health data, never special-group tags.
    "health_officer": (gettext_noop("district health officer"), [
        "places.view", "people.view", "people.reveal", "health.view", "health.change", "health.checkin",
        "ledger.view", "ledger.audit", "ledger.submit",
    ]),
    # A resident's role is held on her own house: she sees her own household.
    "resident": (gettext_noop("resident"), ["places.view", "people.view"]),
    "volunteer": (gettext_noop("volunteer"), ["places.view", "grids.view"]),
}


def sync_builtin_roles(**_: object) -> None:
    from linli.core.models import Role

    for code, (name, actions) in BUILTIN_ROLES.items():
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions})
