"""What the audit log's codes mean, in words: the action codes (``people.search``) and the
fixed purposes the platform itself states ("quarantine list"). People read the words; the
codes stay in the log (and in its hash chain) unchanged. A purpose a user typed is hers and
is shown as she typed it.

A test scans the code for every ``audit.record`` action and fixed purpose and fails when one
has no words here."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, Promise] = {
    "alert.acknowledge": _("acknowledged an alert"),
    "alert.chain": _("set a community's escalation chain"),
    "alert.clear": _("an alert cleared itself when its condition ended"),
    "alert.drill": _("raised a drill alert"),
    "alert.escalate": _("an unacknowledged alert was escalated"),
    "alert.note": _("added a note to an alert"),
    "alert.on_site": _("checked in at the door of an alert's house"),
    "alert.person_view": _("saw the person an alert is about"),
    "alert.raise": _("a device's events raised an alert"),
    "alert.report": _("downloaded the alerts' 15-minute report"),
    "alert.resolve": _("resolved an alert"),
    "alert.rota": _("put staff on the alert on-call rota"),
    "alert.stickers": _("printed the houses' QR stickers of a building or compound"),
    "alert.swap": _("handed an on-call shift to a colleague"),
    "alert.swap_accept": _("accepted a colleague's on-call shift"),
    "alert.swap_cancel": _("cancelled an on-call shift swap offer"),
    "alert.swap_decline": _("declined a colleague's on-call shift"),
    "alert.swap_offer": _("offered an on-call shift to a colleague"),
    "audit.anchor": _("wrote the audit log's head to the shared ledger"),
    "audit.key_rotated": _("changed the audit log's integrity key"),
    "audit.verify": _("verified the audit log"),
    "audit.view": _("read the audit log"),
    "auth.backup_codes": _("made new backup codes"),
    "auth.lockout": _("account locked after wrong passwords"),
    "auth.login": _("signed in"),
    "auth.login_failed": _("wrong password"),
    "auth.logout": _("signed out"),
    "auth.second_factor": _("entered a second-factor code"),
    "auth.second_factor_enrol": _("set up an authenticator app"),
    "auth.second_factor_remove": _("turned off the second factor"),
    "auth.second_factor_reset": _("reset someone's second factor"),
    "building.view": _("opened a building view"),
    "campaigns.answer": _("recorded a household's answers to a campaign, or an attempt"),
    "campaigns.create": _("drafted a screening campaign or a survey"),
    "campaigns.finish": _("finished a screening campaign or a survey"),
    "campaigns.review": _("checked an answer a screening call left uncertain"),
    "campaigns.start": _("started a screening campaign or a survey"),
    "devices.activate": _("recorded a device's legal basis and consent and activated it"),
    "devices.import": _("imported devices from the installer's list"),
    "devices.purge_events": _("deleted devices' raw events past their retention"),
    "devices.read_events": _("read the raw events of a device watching a person"),
    "devices.register": _("registered a device"),
    "devices.retire": _("retired a device"),
    "devices.rotate_secret": _("made a new signing secret for a device"),
    "devices.suspend": _("suspended a device"),
    "download.approve": _("approved another's export of full values (four eyes)"),
    "download.expire": _("an export of full values expired unapproved"),
    "download.fail": _("a list or report asked for could not be made"),
    "download.refuse": _("refused another's export of full values (four eyes)"),
    "download.fetch": _("downloaded a list or reports made earlier"),
    "download.request": _("asked for a list or reports to be made"),
    "exchange.export": _("sent figures up"),
    "exchange.import": _("imported figures from a lower office"),
    "exchange.trust": _("trusted a lower office's key"),
    "exchange.view": _("read figures received"),
    "gate.correction": _("entered gate records late (a correction)"),
    "gate.create": _("set up a gate"),
    "gate.records": _("read gate records"),
    "gate.shift_add": _("put someone on gate duty"),
    "gate.shift_remove": _("took someone off gate duty"),
    "gate.sync": _("gate records uploaded"),
    "gateway.app_push": _("sent an app notification to a phone"),
    "gateway.call": _("placed an automated phone call"),
    "gateway.sms": _("sent a text message (SMS)"),
    "grid.save": _("saved a grid"),
    "grid.team": _("changed a grid team"),
    "health.arrival": _("recorded an arrival"),
    "health.arrivals_list": _("read the arrivals list"),
    "health.building_arrivals": _("read a building's arrival marks"),
    "health.case": _("recorded a confirmed case"),
    "health.case_list": _("read the confirmed cases"),
    "health.checkin": _("daily health check-in"),
    "health.checkin_form": _("opened a check-in form"),
    "health.checkin_list": _("read the daily check-in list"),
    "health.demo": _("built the demo epidemic"),
    "health.epidemic_mode": _("switched epidemic mode"),
    "health.follow_up": _("recorded a quarantine follow-up"),
    "health.follow_up_list": _("read the quarantine follow-ups"),
    "health.monitoring_device": _("registered a monitoring device"),
    "health.order_view": _("read a quarantine order"),
    "health.orders_print": _("printed quarantine orders"),
    "health.purge": _("deleted expired health data"),
    "health.quarantine_auto_extend": _("quarantine extended automatically"),
    "health.quarantine_end": _("ended a quarantine"),
    "health.quarantine_extend": _("extended a quarantine"),
    "health.quarantine_list": _("read the quarantine list"),
    "health.quarantine_order": _("ordered a home quarantine"),
    "health.record_form": _("opened a health record form"),
    "health.risk_area": _("changed a risk area"),
    "health.risk_area_import": _("imported risk areas"),
    "health.rules_publish": _("published health code rules"),
    "health.status_view": _("read a health code"),
    "health.test_import": _("imported test results"),
    "health.test_result": _("recorded a test result"),
    "health.trace": _("traced contacts"),
    "health.trace_view": _("read a contact trace"),
    "house.usage": _("changed a house's usage"),
    "household.view": _("opened a household view"),
    "import.commit": _("import committed"),
    "import.dry_run": _("import checked"),
    "import.fail": _("import failed"),
    "import.report_view": _("read an import report"),
    "import.stop": _("import stopped"),
    "import.upload": _("uploaded a file to import"),
    "notices.check": _("fact-checked a notice"),
    "notices.confirm": _("a household confirmed it had read a notice"),
    "notices.correct": _("corrected a published notice"),
    "notices.draft": _("drafted a notice"),
    "notices.edit": _("edited a notice"),
    "notices.follow_up": _("recorded a door-knock or call about a notice"),
    "notices.publish": _("approved and published a notice"),
    "notices.revise": _("revised a notice's draft"),
    "notices.send_back": _("sent a notice back to its writer"),
    "notices.submit": _("sent a notice for review"),
    "notices.withdraw": _("withdrew a notice"),
    "organization.create": _("registered an organisation"),
    "people.export": _("exported a list of residents"),
    "people.list": _("listed residents"),
    "people.search": _("searched residents"),
    "person.create": _("registered a resident"),
    "person.id_elsewhere": _("tried an ID number registered elsewhere"),
    "person.reveal": _("revealed a full ID number or phone"),
    "person.update": _("changed a resident's record"),
    "person.view": _("opened a resident's record"),
    "report.generate": _("generated a department report"),
    "residence.move_out": _("recorded a move-out"),
    "role.grant": _("granted a role"),
    "role.revoke": _("revoked a role"),
    "sites.point.add": _("added a disinfection point"),
    "sites.point.disinfect": _("recorded the disinfection of a point"),
    "sites.shelter.add": _("added an emergency shelter"),
    "task.close": _("closed a task pushed down"),
    "task.create": _("pushed a task down to grids"),
    "task.photo.view": _("looked at a photo taken at a household"),
    "task.repeat": _("started the next round of a recurring task"),
    "task.repeat_stopped": _("stopped a recurring task"),
    "task.tick": _("ticked off a household or place of a task"),
    "supplies.count_approve": _("approved a stock-taking's variances"),
    "supplies.count_reject": _("sent a stock-taking back"),
    "supplies.count_record": _("recorded counts of a stock-taking"),
    "supplies.count_start": _("started a stock-taking"),
    "supplies.count_submit": _("submitted a stock-taking for approval"),
    "supplies.issue": _("issued emergency materials"),
    "supplies.loss": _("wrote off emergency materials"),
    "supplies.plan_approve": _("approved a dispatch plan"),
    "supplies.point_create": _("created a storage point"),
    "supplies.receive": _("received emergency materials"),
    "supplies.ship_close": _("closed a shipment"),
    "supplies.ship_receive": _("received a shipment"),
    "supplies.ship_send": _("sent a shipment"),
    "supplies.target_set": _("set a reserve target"),
    "supplies.transfer": _("transferred emergency materials"),
    "tickets.accept": _("accepted a request"),
    "tickets.assign": _("assigned a request"),
    "tickets.calendar_add": _("corrected a day of the working calendar"),
    "tickets.calendar_change": _("changed a correction of the working calendar"),
    "tickets.calendar_remove": _("removed a correction of the working calendar"),
    "tickets.category_activate": _("offered a request category again"),
    "tickets.category_add": _("added a request category"),
    "tickets.category_change": _("changed a request category"),
    "tickets.category_deactivate": _("stopped offering a request category"),
    "tickets.category_remove": _("deleted an unused request category"),
    "tickets.close_unfixed": _("closed a request without a fix"),
    "tickets.demo": _("built the demo's requests"),
    "tickets.delivery.at_door": _("left a delivery at a quarantined household's door"),
    "tickets.delivery.cancel": _("cancelled a delivery for a quarantined household"),
    "tickets.delivery.list": _("looked at the deliveries for quarantined households"),
    "tickets.delivery.offer": _("offered a delivery to the volunteers on duty"),
    "tickets.delivery.photo.view": _("looked at the photo of a delivery at a door"),
    "tickets.delivery.pick_up": _("bought the goods of a delivery"),
    "tickets.delivery.receive": _("confirmed receipt of a delivery"),
    "tickets.delivery.take": _("took a delivery for a quarantined household"),
    "tickets.delivery.view": _("looked at a delivery for a quarantined household"),
    "tickets.duty_add": _("added a line to a grid role's duty lists"),
    "tickets.duty_change": _("changed a line of a grid role's duty lists"),
    "tickets.duty_remove": _("removed a line from a grid role's duty lists"),
    "tickets.hotline_choose": _("chose places for hotline orders"),
    "tickets.hotline_commit": _("filed the 12345 hotline's orders"),
    "tickets.hotline_mapping": _("confirmed the columns of a hotline export"),
    "tickets.hotline_stop": _("stopped a hotline import"),
    "tickets.hotline_upload": _("uploaded a 12345 hotline export"),
    "tickets.hotline_view": _("read a hotline import's orders"),
    "tickets.merge": _("merged a request into another"),
    "tickets.note": _("added a progress note to a request"),
    "tickets.open311_client": _("created an Open311 client"),
    "tickets.photo.view": _("looked at a photo of a request"),
    "tickets.rate": _("rated a request"),
    "tickets.reopen": _("reopened a request"),
    "tickets.resolve": _("resolved a request"),
    "tickets.return": _("returned a request"),
    "tickets.submit": _("filed a request"),
    "tickets.sweep": _("checked requests' time limits"),
    "tickets.transfer": _("transferred a request"),
    "token.create": _("created an API token"),
    "token.revoke": _("revoked an API token"),
    "visit.record": _("recorded a home visit"),
    "visits.levels": _("set the visit levels of a community"),
    "visits.refresh": _("rebuilt the visit plans of a community"),
}

PURPOSES: dict[str, Promise] = {
    "arrival list": _("arrivals list"),
    "arrival marks of a building": _("arrival marks of a building"),
    "campaign questions to households (摸排、问卷)": _("campaign questions to households"),
    "check-in on behalf of a resident": _("check-in on behalf of a resident"),
    "confirmed cases": _("confirmed cases"),
    "daily check-in list": _("daily check-in list"),
    "daily quarantine follow-ups": _("daily quarantine follow-ups"),
    "demo data": _("demo data"),
    "health record of a person": _("health record of a person"),
    "own daily check-in": _("own daily check-in"),
    "own health code": _("own health code"),
    "printed pass for a resident": _("printed pass for a resident"),
    "printing quarantine orders": _("printing quarantine orders"),
    "quarantine list": _("quarantine list"),
    "quarantine order": _("quarantine order"),
    "recording health data of a person": _("recording health data of a person"),
    "review of a contact trace": _("review of a contact trace"),
    "screening campaign (摸排)": _("screening campaign calls"),
    "upward exchange": _("upward exchange"),
}


def action_words(code: str) -> str:
    """The action in words; an unknown code (from a newer or older version) as it is."""
    words = ACTIONS.get(code)
    return str(words) if words is not None else code


def purpose_words(purpose: str, code: str = "") -> str:
    """A fixed purpose in words; a lawful purpose chosen from the list (``code``) by its name in
    the reader's language, with the words the user added (decision 0023)."""
    if code:
        from linli.core.purposes import words as lawful_words

        return lawful_words(purpose, code)
    words = PURPOSES.get(purpose)
    return str(words) if words is not None else purpose


OBJECT_TYPES: dict[str, Promise] = {
    "exchange.file": _("exchange file"),
}


def object_words(object_type: str) -> str:
    """``people.person`` reads as the model's name (居民); other codes by the table above."""
    from django.apps import apps

    if object_type in OBJECT_TYPES:
        return str(OBJECT_TYPES[object_type])
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


# Who acted when no account did: the audit log names the way in (``RequestContext.channel``).
CHANNELS: dict[str, Promise] = {
    "cli": _("the command line"),
    "task": _("a background task"),
    "web": _("the web (not signed in)"),
    "api": _("the API (not signed in)"),
}


def actor_words(actor_name: str, has_account: bool) -> str:
    """The account name as it is, or the way in, in words, for an event no account caused."""
    words = None if has_account else CHANNELS.get(actor_name)
    return str(words) if words is not None else actor_name
