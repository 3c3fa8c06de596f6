"""The built-in roles and the actions each may perform.

Actions are registered by the apps (each app's ``access.py``) and checked through the policy
layer (``linli.core.access``). Built-in roles are kept in step with this table after every
migration (``sync_builtin_roles``); sites may add their own roles in the admin, naming only
registered actions. ``ROLE_RANK`` orders the roles for granting: a user grants only roles at
most as strong as her own.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

_STAFF = [
    "places.view", "places.change", "grids.view", "people.view", "people.change",
    "people.view_groups", "people.reveal", "people.export", "people.approve_export", "orgs.view", "orgs.change",
]

# Requests (诉求): filing on a resident's behalf, and handling what is assigned to one's grid.
_TICKETS = ["tickets.submit", "tickets.view", "tickets.handle"]

# Devices and alerts: offices run the devices, the chains and the rota; grid workers answer.
_ALERTS_OFFICE = ["devices.view", "devices.manage", "devices.events",
                  "alerts.view", "alerts.respond", "alerts.manage", "alerts.report"]

# Notices (通知公告): offices draft, fact-check, edit and publish (three different people per
# notice, linli.notices.workflow); grid workers knock on the doors a notice has not reached.
_NOTICES_OFFICE = ["notices.view", "notices.draft", "notices.check", "notices.edit", "notices.publish",
                   "notices.follow_up"]
# Field sites: offices keep the disinfection points and shelters; grid workers disinfect too.
_SITES = ["sites.view", "sites.manage", "sites.record"]
# Emergency materials: offices keep, count and approve the counts of their area's points.
_SUPPLIES = ["supplies.view", "supplies.keep", "supplies.count", "supplies.approve"]
# Opinion analysis of the community's chat groups: offices upload, read, file demands, report.
_OPINION = ["opinion.view", "opinion.import", "opinion.demand", "opinion.report"]

BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "street_officer": (gettext_noop("street officer"), [
        *_STAFF, "grids.change", "audit.view", "health.report", "ledger.view", "ledger.audit",
        "exchange.import", "gates.operate", "gates.manage", "gates.review", "roles.manage",
        *_TICKETS, "tickets.dispatch", "tickets.supervise", "tickets.catalogue", "tickets.hotline",
        "tasks.view", "tasks.manage", "visits.view", "visits.plan", *_ALERTS_OFFICE, "overview.view",
        *_NOTICES_OFFICE,
        *_SITES,
        *_SUPPLIES, "supplies.manage",
        *_OPINION,
    ]),
    "community_secretary": (gettext_noop("community secretary"), [
        *_STAFF, "grids.change", "audit.view", "health.report", "ledger.view", "gates.operate", "gates.manage",
        "gates.review", "roles.manage", *_TICKETS, "tickets.dispatch", "tickets.supervise", "tickets.hotline",
        "tasks.view", "tasks.manage", "visits.view", "visits.plan", *_ALERTS_OFFICE, "overview.view",
        *_NOTICES_OFFICE,
        *_SITES,
        *_SUPPLIES,
        *_OPINION,
    ]),
    "grid_worker": (gettext_noop("grid worker"), [
        "places.view", "grids.view", "people.view", "people.change", "people.view_groups",
        "people.reveal", "orgs.view", "health.view", "health.checkin", "gates.operate", *_TICKETS,
        "tasks.view", "tasks.do", "visits.view", "visits.record",
        "devices.view", "devices.events", "alerts.view", "alerts.respond",
        "notices.view", "notices.follow_up",
        "sites.view", "sites.record",
    ]),
    # Health officers see who lives where and health data, never special-group tags. They approve
    # a colleague's long health list with full values (four eyes, decision 0023).
    "health_officer": (gettext_noop("district health officer"), [
        "places.view", "people.view", "people.reveal", "health.view", "health.change", "health.checkin",
        "health.report", "people.approve_export", "ledger.view", "ledger.audit", "ledger.submit",
        "alerts.view", "alerts.respond",
    ]),
    # A resident's role is held on her own house: she sees her own household.
    "resident": (gettext_noop("resident"), ["places.view", "people.view", "tickets.submit", "tickets.follow"]),
    # A volunteer delivers for quarantined households of her community (decision 0018).
    "volunteer": (gettext_noop("volunteer"), ["places.view", "grids.view", "tickets.deliver"]),
    # A community worker (社区工作者) drafts, fact-checks and edits the community's notices.
    "community_worker": (gettext_noop("community worker"), [
        "places.view", "grids.view", "notices.view", "notices.draft", "notices.check", "notices.edit",
        "notices.follow_up", "opinion.view", "opinion.import", "opinion.demand",
    ]),
    # A third-party program filing requests through Open311 (a city app, a hotline system).
    "open311_client": (gettext_noop("Open311 client program"), ["tickets.submit"]),
}

# Who may grant what: a role may be granted by someone holding a role of at least its rank
# (and only inside her own scope for ``roles.manage``). Health roles are granted by the
# street office, which also answers for the health officers it hosts.
ROLE_RANK: dict[str, int] = {
    "resident": 1, "volunteer": 1, "open311_client": 2, "community_worker": 2, "grid_worker": 2, "health_officer": 3, "community_secretary": 3,
    "street_officer": 4,
}


def sync_builtin_roles(**_: object) -> None:
    from linli.core.models import Role

    for code, (name, actions) in BUILTIN_ROLES.items():
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions})
