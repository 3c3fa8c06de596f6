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
# Consultations (协商): offices open them to their area, answer and moderate; residents take part.
_CONSULT_OFFICE = ["consult.view", "consult.manage", "consult.moderate"]
# Field sites: offices keep the disinfection points and shelters; grid workers disinfect too.
_SITES = ["sites.view", "sites.manage", "sites.record"]
# Rumours (辟谣库): offices keep the facts, review the queue, sign for the government and release
# the clarification as a notice; the expert and the communications roles sign for their parties.
_RUMOURS_OFFICE = ["rumours.view", "rumours.facts", "rumours.verify", "rumours.report", "rumours.review",
                   "rumours.draft", "rumours.sign_office", "rumours.release"]
# Emergency materials: offices keep, count and approve the counts of their area's points.
_SUPPLIES = ["supplies.view", "supplies.keep", "supplies.count", "supplies.approve"]
# Fair hand-out: offices open rounds and reserve on households' behalf; residents reserve for their own.
_HANDOUT = ["handout.view", "handout.reserve", "handout.manage"]

# Screening campaigns and surveys: offices run them and check uncertain answers; grid workers
# knock with the script (and record the check-ins they take at the door).
_CAMPAIGNS_OFFICE = ["campaigns.view", "campaigns.manage", "campaigns.review", "campaigns.work"]
# Opinion analysis of the community's chat groups: offices upload, read, file demands, report.
_OPINION = ["opinion.view", "opinion.import", "opinion.demand", "opinion.report"]

BUILTIN_ROLES: dict[str, tuple[str, list[str]]] = {
    "street_officer": (gettext_noop("street officer"), [
        *_STAFF, "grids.change", "audit.view", "health.report", "ledger.view", "ledger.audit",
        "exchange.import", "gates.operate", "gates.manage", "gates.review", "roles.manage",
        *_TICKETS, "tickets.dispatch", "tickets.supervise", "tickets.catalogue", "tickets.hotline",
        "tasks.view", "tasks.manage", "visits.view", "visits.plan", *_ALERTS_OFFICE, "overview.view",
        *_NOTICES_OFFICE, *_CONSULT_OFFICE,
        *_SITES,
        *_SUPPLIES, "supplies.manage", "suppliers.view", "suppliers.manage", *_HANDOUT,
        *_RUMOURS_OFFICE,
        *_CAMPAIGNS_OFFICE,
        *_OPINION,
    ]),
    "community_secretary": (gettext_noop("community secretary"), [
        *_STAFF, "grids.change", "audit.view", "health.report", "ledger.view", "gates.operate", "gates.manage",
        "gates.review", "roles.manage", *_TICKETS, "tickets.dispatch", "tickets.supervise", "tickets.hotline",
        "tasks.view", "tasks.manage", "visits.view", "visits.plan", *_ALERTS_OFFICE, "overview.view",
        *_NOTICES_OFFICE, *_CONSULT_OFFICE,
        *_SITES,
        *_SUPPLIES, "suppliers.view", *_HANDOUT,
        *_RUMOURS_OFFICE,
        *_CAMPAIGNS_OFFICE,
        *_OPINION,
    ]),
    "grid_worker": (gettext_noop("grid worker"), [
        "places.view", "grids.view", "people.view", "people.change", "people.view_groups",
        "people.reveal", "orgs.view", "health.view", "health.checkin", "gates.operate", *_TICKETS,
        "tasks.view", "tasks.do", "visits.view", "visits.record",
        "devices.view", "devices.events", "alerts.view", "alerts.respond",
        "notices.view", "notices.follow_up",
        "sites.view", "sites.record",
        "handout.view", "handout.reserve",
        "campaigns.view", "campaigns.work",
    ]),
    # Health officers see who lives where and health data, never special-group tags. They approve
    # a colleague's long health list with full values (four eyes, decision 0023).
    "health_officer": (gettext_noop("district health officer"), [
        "places.view", "people.view", "people.reveal", "health.view", "health.change", "health.checkin",
        "health.report", "people.approve_export", "ledger.view", "ledger.audit", "ledger.submit",
        "alerts.view", "alerts.respond",
    ]),
    # A resident's role is held on her own house: she sees her own household.
    "resident": (gettext_noop("resident"), ["places.view", "people.view", "tickets.submit", "tickets.follow",
                                              "consult.take_part", "handout.reserve"]),
    # A volunteer delivers for quarantined households of her community (decision 0018).
    "volunteer": (gettext_noop("volunteer"), ["places.view", "grids.view", "tickets.deliver"]),
    # A community worker (社区工作者) drafts, fact-checks and edits the community's notices.
    "community_worker": (gettext_noop("community worker"), [
        "places.view", "grids.view", "notices.view", "notices.draft", "notices.check", "notices.edit",
        "notices.follow_up", "consult.view", "consult.moderate", "rumours.view", "rumours.report", "rumours.review",
        "rumours.draft", "opinion.view", "opinion.import", "opinion.demand",
    ]),
    # A health or subject expert (卫生健康专家: the community health centre's doctor, the district's
    # expert panel) writes and signs off facts and signs clarifications for the experts (seed 003's
    # 三方发布). No personal data.
    "health_expert": (gettext_noop("health or subject expert"), [
        "places.view", "rumours.view", "rumours.facts", "rumours.verify", "rumours.draft", "rumours.sign_expert",
    ]),
    # Media and communications (融媒体中心, the street's publicity officer): words the clarification
    # and signs it for the media. No personal data.
    "communications_officer": (gettext_noop("media and communications officer"), [
        "places.view", "rumours.view", "rumours.draft", "rumours.sign_media",
    ]),
    # A third-party program filing requests through Open311 (a city app, a hotline system).
    "open311_client": (gettext_noop("Open311 client program"), ["tickets.submit"]),
}

# Who may grant what: a role may be granted by someone holding a role of at least its rank
# (and only inside her own scope for ``roles.manage``). Health roles are granted by the
# street office, which also answers for the health officers it hosts.
ROLE_RANK: dict[str, int] = {
    "resident": 1, "volunteer": 1, "open311_client": 2, "community_worker": 2, "health_expert": 2,
    "communications_officer": 2, "grid_worker": 2, "health_officer": 3, "community_secretary": 3,
    "street_officer": 4,
}


def sync_builtin_roles(**_: object) -> None:
    from linli.core.models import Role

    for code, (name, actions) in BUILTIN_ROLES.items():
        Role.objects.update_or_create(code=code, defaults={"name": name, "actions": actions})
