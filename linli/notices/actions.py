"""Drafting, reviewing, publishing, correcting and withdrawing notices; read receipts.

Every change checks its own permission, runs in one transaction and is audited. The review
follows ``linli.notices.workflow`` (three steps, three different people); publishing writes
one row per household of the audience, and the messages that leave the platform are sent
after the commit (``linli.notices.channels``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied, area_of, require
from linli.grids.models import Grid
from linli.notices import audience, workflow
from linli.notices.access import CHECK, DRAFT, EDIT, FOLLOW_UP, PUBLISH
from linli.notices.models import (
    AudienceGroup,
    Category,
    Notice,
    NoticeHousehold,
    NoticeStep,
    NoticeVersion,
    Outcome,
    Receipt,
    Status,
    StepKind,
    Urgency,
    VersionKind,
    Via,
)
from linli.places.models import Level, Place
from linli.tasks.actions import clean_text

MAX_BODY = 5000
MAX_DEADLINE_DAYS = 366
BATCH = 2000
AREA_LEVELS = (Level.STREET, Level.COMMUNITY, Level.COMPOUND, Level.BUILDING)

REFUSALS = {
    "wrong_status": _("This notice is not at that step any more; reload the page."),
    "own_notice": _("You wrote this notice: someone else must review it."),
    "two_steps": _("You already took another review step of this notice: each step needs a different person."),
}
STEP_ACTION = {workflow.CHECK: CHECK, workflow.EDIT: EDIT, workflow.PUBLISH: PUBLISH}


def _error(field_name: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code, params=params or None)]})


@dataclass
class NoticeInput:
    title: str
    body: str
    category: str
    urgency: str = Urgency.NORMAL
    deadline: datetime.datetime | None = None
    places: list[Place] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    group: str = ""


def _check_input(data: NoticeInput, user: Any) -> dict[str, Any]:
    title = clean_text(data.title, "title", 100, required=True)
    body = clean_text(data.body, "body", MAX_BODY, required=True, lines=True)
    if data.category not in Category.values:
        raise _error("category", _("Choose a category."), "category")
    if data.urgency not in Urgency.values:
        raise _error("urgency", _("Choose how urgent the notice is."), "urgency")
    if data.group not in AudienceGroup.values:
        raise _error("group", _("Choose a group from the list."), "group")
    if data.deadline is not None:
        if timezone.is_naive(data.deadline):
            raise _error("deadline", _("Give the deadline with its time zone."), "naive")
        now = timezone.now()
        if data.deadline <= now or data.deadline > now + datetime.timedelta(days=MAX_DEADLINE_DAYS):
            raise _error("deadline", _("The deadline must lie within the coming year."), "deadline")
    if not data.places and not data.grids:
        raise _error("places", _("Choose at least one area or grid."), "audience")
    for place in data.places:
        if place.level not in AREA_LEVELS:
            raise _error("places", _("Choose streets, communities, compounds or buildings."), "area_level")
        require(user, DRAFT, place)
    for grid in data.grids:
        require(user, DRAFT, grid)
    return {"title": title, "body": body}


def _office(user: Any, data: NoticeInput) -> Place:
    return office_of(user, DRAFT, data.places, data.grids)


def office_of(user: Any, action: str, places: list[Place], grids: list[Grid]) -> Place:
    """The office whose area the work lies in: the user's own area for ``action``, or for a
    user who may act anywhere, the community (or street) of the first chosen area."""
    path = area_of(user, action)
    if not path:
        first = places[0].path if places else grids[0].path
        parts = first.split("/")
        path = "/".join(parts[:5]) + "/" if len(parts) > 5 else first
    office = Place.objects.filter(path=path).first()
    if office is None:
        raise _error("places", _("Choose areas inside one street."), "areas_spread")
    return office


def _history(notice: Notice) -> workflow.History:
    writers = NoticeVersion.objects.filter(notice=notice, kind=VersionKind.DRAFT).values_list("written_by_id", flat=True)
    steps = []
    for kind, at_step, by in notice.steps.values_list("kind", "at_step", "by_id"):
        if by is not None:
            steps.append((at_step if kind == StepKind.SEND_BACK else kind, by))
    return workflow.History.of((w for w in writers if w is not None), steps)


def _refused(exc: workflow.Refused) -> ValidationError:
    return ValidationError(REFUSALS[exc.code], code=exc.code)


def _lock(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().get(pk=notice.pk)


def _step(notice: Notice, kind: str, user: Any, comment: str = "", at_step: str = "") -> NoticeStep:
    return NoticeStep.objects.create(notice=notice, kind=kind, at_step=at_step, version=notice.version,
                                     comment=comment, by=user, path=notice.path)


def _version(notice: Notice, kind: str, user: Any, note: str = "") -> NoticeVersion:
    return NoticeVersion.objects.create(notice=notice, number=notice.version, kind=kind, title=notice.title,
                                        body=notice.body, note=note, written_by=user, path=notice.path)


def _set_audience(notice: Notice, data: NoticeInput) -> None:
    notice.audience_places.set(data.places)
    notice.audience_grids.set(data.grids)
    reached = audience.count(data.places, data.grids, data.group)
    notice.households, notice.residents = reached.households, reached.residents
    notice.save(update_fields=["households", "residents", "updated_at"])


# --- drafting ------------------------------------------------------------------------------------------

@transaction.atomic
def do_draft_notice(data: NoticeInput, *, acting_user: Any) -> Notice:
    clean = _check_input(data, acting_user)
    office = _office(acting_user, data)
    require(acting_user, DRAFT, office)
    notice = Notice.objects.create(area=office, path=office.path, category=data.category, urgency=data.urgency,
                                   deadline=data.deadline, audience_group=data.group, created_by=acting_user,
                                   **clean)
    _set_audience(notice, data)
    _version(notice, VersionKind.DRAFT, acting_user)
    audit.record("notices.draft", actor=acting_user, obj=notice, detail={"households": notice.households})
    return notice


@transaction.atomic
def do_revise_draft(notice: Notice, data: NoticeInput, *, acting_user: Any) -> Notice:
    require(acting_user, DRAFT, notice)
    notice = _lock(notice)
    if notice.status != Status.DRAFT:
        raise _refused(workflow.Refused("wrong_status"))
    clean = _check_input(data, acting_user)
    changed = (clean["title"], clean["body"]) != (notice.title, notice.body)
    for name, value in {**clean, "category": data.category, "urgency": data.urgency, "deadline": data.deadline,
                        "audience_group": data.group}.items():
        setattr(notice, name, value)
    if changed:
        notice.version += 1
    notice.save()
    _set_audience(notice, data)
    if changed:
        _version(notice, VersionKind.DRAFT, acting_user)
    audit.record("notices.revise", actor=acting_user, obj=notice, detail={"version": notice.version})
    return notice


@transaction.atomic
def do_submit(notice: Notice, *, acting_user: Any, shortened_reason: str = "") -> Notice:
    """Send the draft to review. An urgent notice may take the shortened path (no editing
    step), with a reason that stays on record."""
    require(acting_user, DRAFT, notice)
    notice = _lock(notice)
    reason = clean_text(shortened_reason, "shortened_reason", 200)
    if reason and notice.urgency != Urgency.URGENT:
        raise _error("shortened_reason", _("Only an urgent notice may skip the editing step."), "not_urgent")
    if notice.households == 0:
        raise _error("places", _("Nobody lives in the chosen audience: choose other areas or another group."),
                     "empty_audience")
    try:
        notice.status = workflow.take(notice.status, workflow.SUBMIT, acting_user.pk, _history(notice))
    except workflow.Refused as exc:
        raise _refused(exc) from exc
    notice.shortened, notice.shortened_reason = bool(reason), reason
    notice.save(update_fields=["status", "shortened", "shortened_reason", "updated_at"])
    _step(notice, StepKind.SUBMIT, acting_user, comment=reason)
    audit.record("notices.submit", actor=acting_user, obj=notice, detail={"shortened": notice.shortened})
    return notice


# --- review ----------------------------------------------------------------------------------------------

def _review(notice: Notice, step: str, user: Any) -> Notice:
    require(user, STEP_ACTION[step], notice)
    notice = _lock(notice)
    try:
        notice.status = workflow.take(notice.status, step, user.pk, _history(notice), shortened=notice.shortened)
    except workflow.Refused as exc:
        raise _refused(exc) from exc
    return notice


@transaction.atomic
def do_check(notice: Notice, *, acting_user: Any, comment: str = "") -> Notice:
    """核实: the facts, dates and figures of the notice are right."""
    comment = clean_text(comment, "comment", 500)
    notice = _review(notice, workflow.CHECK, acting_user)
    notice.save(update_fields=["status", "updated_at"])
    _step(notice, StepKind.CHECK, acting_user, comment)
    audit.record("notices.check", actor=acting_user, obj=notice, detail={"version": notice.version})
    return notice


@transaction.atomic
def do_edit(notice: Notice, *, acting_user: Any, title: str | None = None, body: str | None = None,
            comment: str = "") -> Notice:
    """编辑: the wording; a changed text is a new version."""
    comment = clean_text(comment, "comment", 500)
    new_title = clean_text(title, "title", 100, required=True) if title is not None else None
    new_body = clean_text(body, "body", MAX_BODY, required=True, lines=True) if body is not None else None
    notice = _review(notice, workflow.EDIT, acting_user)
    changed = (new_title or notice.title, new_body or notice.body) != (notice.title, notice.body)
    if changed:
        notice.title, notice.body = new_title or notice.title, new_body or notice.body
        notice.version += 1
        _version(notice, VersionKind.EDIT, acting_user, note=comment)
    notice.save()
    _step(notice, StepKind.EDIT, acting_user, comment)
    audit.record("notices.edit", actor=acting_user, obj=notice, detail={"version": notice.version, "changed": changed})
    return notice


@transaction.atomic
def do_send_back(notice: Notice, *, acting_user: Any, comment: str) -> Notice:
    """Return the notice to its writers with what to change (at the step it waits for)."""
    comment = clean_text(comment, "comment", 500, required=True)
    require(acting_user, "notices.view", notice)
    notice = _lock(notice)
    at_step = workflow.WAITING_FOR.get(notice.status, "")
    require(acting_user, STEP_ACTION.get(at_step, PUBLISH), notice)
    try:
        notice.status = workflow.take(notice.status, workflow.SEND_BACK, acting_user.pk, _history(notice))
    except workflow.Refused as exc:
        raise _refused(exc) from exc
    notice.save(update_fields=["status", "updated_at"])
    _step(notice, StepKind.SEND_BACK, acting_user, comment, at_step=at_step)
    audit.record("notices.send_back", actor=acting_user, obj=notice, detail={"at": at_step})
    return notice


def _households(notice: Notice) -> int:
    """One row per household of the audience, as the registry holds it at publishing."""
    rows = audience.households(list(notice.audience_places.all()), list(notice.audience_grids.all()),
                               notice.audience_group, timezone.localdate())
    made = [NoticeHousehold(notice=notice, house_id=h.house_id, path=h.path, building_path=h.building_path,
                            grid_id=h.grid_id, address=h.address, residents=h.residents, priority=h.priority)
            for h in rows]
    NoticeHousehold.objects.bulk_create(made, batch_size=BATCH)
    return len(made)


@transaction.atomic
def do_publish(notice: Notice, *, acting_user: Any, channels: tuple[str, ...] = ()) -> Notice:
    """发布: publish to the audience; ``channels`` ("sms", "call") are sent after the commit."""
    from linli.notices import channels as sending

    unknown = [c for c in channels if c not in sending.CHANNELS]
    if unknown:
        raise _error("channels", _("Choose text messages or voice calls."), "channels")
    notice = _review(notice, workflow.PUBLISH, acting_user)
    if notice.deadline is not None and notice.deadline <= timezone.now():
        raise _error("deadline", _("The deadline has passed: send the notice back for a new one."), "deadline")
    notice.published_at = timezone.now()
    n = _households(notice)
    notice.households = n
    notice.residents = sum(NoticeHousehold.objects.filter(notice=notice).values_list("residents", flat=True))
    notice.save()
    _step(notice, StepKind.PUBLISH, acting_user)
    audit.record("notices.publish", actor=acting_user, obj=notice,
                 detail={"households": n, "residents": notice.residents, "shortened": notice.shortened,
                         "channels": list(channels)})
    for channel in channels:
        sending.send_after_commit(notice.pk, channel)
    return notice


# --- after publishing ----------------------------------------------------------------------------------

@transaction.atomic
def do_correct(notice: Notice, *, acting_user: Any, title: str, body: str, reason: str,
               channels: tuple[str, ...] = ()) -> Notice:
    """A corrected text: a new version; households that had read an earlier one are asked to
    read it again (and sent it again by ``channels``)."""
    from linli.notices import channels as sending

    require(acting_user, PUBLISH, notice)
    reason = clean_text(reason, "reason", 200, required=True)
    new_title = clean_text(title, "title", 100, required=True)
    new_body = clean_text(body, "body", MAX_BODY, required=True, lines=True)
    notice = _lock(notice)
    try:
        workflow.transition(notice.status, workflow.CORRECT)
    except workflow.Refused as exc:
        raise _refused(exc) from exc
    if (new_title, new_body) == (notice.title, notice.body):
        raise _error("body", _("The correction does not change the text."), "unchanged")
    notice.title, notice.body = new_title, new_body
    notice.version += 1
    notice.corrected_at = timezone.now()
    notice.save()
    _version(notice, VersionKind.CORRECTION, acting_user, note=reason)
    asked = NoticeHousehold.objects.filter(notice=notice, reached_at__isnull=False).update(reread=True)
    _step(notice, StepKind.CORRECT, acting_user, reason)
    audit.record("notices.correct", actor=acting_user, obj=notice,
                 detail={"version": notice.version, "asked_to_reread": asked})
    for channel in channels:
        sending.send_after_commit(notice.pk, channel, only_reread=True)
    return notice


@transaction.atomic
def do_withdraw(notice: Notice, *, acting_user: Any, reason: str) -> Notice:
    require(acting_user, PUBLISH, notice)
    reason = clean_text(reason, "reason", 200, required=True)
    notice = _lock(notice)
    try:
        notice.status = workflow.transition(notice.status, workflow.WITHDRAW)
    except workflow.Refused as exc:
        raise _refused(exc) from exc
    notice.withdrawn_at, notice.withdraw_reason = timezone.now(), reason
    notice.save()
    _step(notice, StepKind.WITHDRAW, acting_user, reason)
    audit.record("notices.withdraw", actor=acting_user, obj=notice, detail={"reason": reason})
    return notice


# --- receipts ----------------------------------------------------------------------------------------------

def _live(household: NoticeHousehold) -> Notice:
    notice = Notice.objects.get(pk=household.notice_id)
    if notice.status != Status.PUBLISHED:
        raise ValidationError(_("This notice has been withdrawn."), code="withdrawn")
    return notice


def _reached(household: NoticeHousehold, notice: Notice, via: str, at: datetime.datetime) -> None:
    NoticeHousehold.objects.filter(pk=household.pk).update(
        reached_at=household.reached_at or at, reached_via=household.reached_via or via,
        reached_version=notice.version, reread=False)


@transaction.atomic
def do_confirm(household: NoticeHousehold, *, via: str, person: Any = None, acting_user: Any = None) -> Receipt:
    """已知晓: someone of the household confirms (the link, the poster, the page). Idempotent:
    a second confirmation of the same version by the same channel adds nothing."""
    if via not in (Via.LINK, Via.POSTER, Via.PAGE):
        raise _error("via", _("Not a way of confirming."), "via")
    if via == Via.PAGE:
        # on Linli: a resident of the household, signed in
        if person is None or getattr(acting_user, "person_id", None) != person.pk \
                or person.current_house_id != household.house_id:
            raise PermissionDenied("notices.confirm")
    household = NoticeHousehold.objects.select_for_update().get(pk=household.pk)
    notice = _live(household)
    existing = Receipt.objects.filter(household=household, via=via, version=notice.version,
                                      outcome=Outcome.INFORMED).first()
    if existing is not None:
        return existing
    receipt = Receipt.objects.create(notice=notice, household=household, via=via, version=notice.version,
                                     person=person, recorded_by=acting_user if person is not None else None,
                                     path=household.path)
    _reached(household, notice, via, receipt.created_at)
    audit.record("notices.confirm", actor=acting_user, obj=receipt, detail={"via": via, "notice": notice.pk})
    return receipt


@transaction.atomic
def do_record_attempt(household: NoticeHousehold, *, via: str, outcome: str, acting_user: Any,
                      note: str = "") -> Receipt:
    """A grid worker's door-knock or call, with its outcome; "informed" reaches the household."""
    require(acting_user, FOLLOW_UP, household)
    if via not in (Via.KNOCK, Via.CALL):
        raise _error("via", _("Choose a door-knock or a phone call."), "via")
    if outcome not in Outcome.values:
        raise _error("outcome", _("Choose what came of it."), "outcome")
    note = clean_text(note, "note", 200)
    household = NoticeHousehold.objects.select_for_update().get(pk=household.pk)
    notice = _live(household)
    receipt = Receipt.objects.create(notice=notice, household=household, via=via, outcome=outcome,
                                     version=notice.version, recorded_by=acting_user, note=note,
                                     path=household.path)
    NoticeHousehold.objects.filter(pk=household.pk).update(attempts=F("attempts") + 1, last_outcome=outcome)
    if outcome == Outcome.INFORMED:
        _reached(household, notice, via, receipt.created_at)
    audit.record("notices.follow_up", actor=acting_user, obj=receipt,
                 detail={"via": via, "outcome": outcome, "notice": notice.pk})
    return receipt
