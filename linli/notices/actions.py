"""Drafting, reviewing, publishing, correcting and withdrawing notices; read receipts.

Every change checks its own permission, runs in one transaction and is audited. The review
follows ``linli.notices.workflow`` (three steps, three different people); publishing writes
one row per household of the audience, and the messages that leave the platform are sent
after the commit (``linli.notices.channels``).
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, bulk, photos
from linli.core.access import PermissionDenied, area_of, require
from linli.grids.models import Grid
from linli.notices import audience, live, workflow
from linli.notices.access import CHECK, DRAFT, EDIT, FOLLOW_UP, PUBLISH
from linli.notices.models import (
    AudienceGroup,
    Category,
    CommunityNoticeSetting,
    ElderContact,
    Notice,
    NoticeDocument,
    NoticeHousehold,
    NoticeImage,
    NoticeStep,
    NoticeVersion,
    Outcome,
    ReachCount,
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
CONFIRM_BATCH = 500  # confirmations in one call of the batch endpoint
COMMUNITY_CHARS = 17  # a fixed-width path's community: 31/01/15/099/001/
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


# --- how a community's elders are reached ----------------------------------------------------------------

@transaction.atomic
def do_set_elder_contact(community: Place, contact: str, *, acting_user: Any) -> CommunityNoticeSetting:
    """How the community's notices reach its elders' households from the next publishing on:
    the link like everyone, a voice call, or a grid worker's visit (instead of the link)."""
    if community.level != Level.COMMUNITY:
        raise _error("community", _("Choose a community."), "not_community")
    require(acting_user, PUBLISH, community)
    if contact not in ElderContact.values:
        raise _error("elder_contact", _("Choose how the elders' households are reached."), "elder_contact")
    setting, _made = CommunityNoticeSetting.objects.select_for_update().get_or_create(
        community=community, defaults={"path": community.path, "elder_contact": contact})
    before = setting.elder_contact if not _made else ""
    if setting.elder_contact != contact:
        setting.elder_contact = contact
        setting.save(update_fields=["elder_contact", "updated_at"])
    audit.record("notices.elder_contact", actor=acting_user, obj=setting, detail={"from": before, "to": contact})
    return setting


# --- pictures and attachments -------------------------------------------------------------------------

MAX_IMAGES = 4
MAX_DOCUMENTS = 2
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# what a form carrying every picture and file at once may weigh (refused by its length before it is read)
MAX_FILES_BODY = photos.body_limit(MAX_IMAGES) + MAX_DOCUMENTS * MAX_DOCUMENT_BYTES


def _document_name(name: str) -> str:
    base = clean_text(str(name or "").replace("\\", "/").rsplit("/", 1)[-1][-96:], "documents", 96) or "notice"
    return base if base.lower().endswith(".pdf") else f"{base}.pdf"


def check_document_size(size: int) -> None:
    """Refuse a file by its size alone, before it is read."""
    if size > MAX_DOCUMENT_BYTES:
        raise _error("documents", _("The file is too large (%(size)s MB); at most %(max)s MB."), "document_too_large",
                     size=f"{size / 1024 / 1024:.1f}", max=MAX_DOCUMENT_BYTES // 1024 // 1024)


def _check_document(name: str, data: bytes) -> tuple[str, bytes]:
    check_document_size(len(data))
    if not data.startswith(b"%PDF-"):
        raise _error("documents", _("Attach PDF files only."), "not_pdf")
    return _document_name(name), data


@transaction.atomic
def do_attach(notice: Notice, *, acting_user: Any, images: Sequence[bytes] = (),
              documents: Sequence[tuple[str, bytes]] = ()) -> Notice:
    """Pictures (re-encoded, their metadata dropped) and PDF files for the notice's body, while
    it is a draft: all are kept, or none."""
    require(acting_user, DRAFT, notice)
    notice = _lock(notice)
    if notice.status != Status.DRAFT:
        raise _refused(workflow.Refused("wrong_status"))
    if not images and not documents:
        raise _error("images", _("Choose a picture or a PDF file."), "no_files")
    if notice.images.count() + len(images) > MAX_IMAGES:
        raise _error("images", _("A notice has at most %(n)d pictures."), "too_many_images", n=MAX_IMAGES)
    if notice.documents.count() + len(documents) > MAX_DOCUMENTS:
        raise _error("documents", _("A notice has at most %(n)d attached files."), "too_many_documents",
                     n=MAX_DOCUMENTS)
    clean = [photos.clean_photo(data) for data in images]
    checked = [_check_document(name, data) for name, data in documents]
    for picture in clean:
        NoticeImage.objects.create(notice=notice, path=notice.path, uploaded_by=acting_user, **picture.sealed_fields())
    for name, data in checked:
        NoticeDocument.objects.create(notice=notice, path=notice.path, uploaded_by=acting_user, name=name,
                                      data=base64.b64encode(data).decode("ascii"), size=len(data),
                                      sha256=hashlib.sha256(data).hexdigest())
    audit.record("notices.attach", actor=acting_user, obj=notice,
                 detail={"images": len(clean), "documents": [name for name, _ in checked]})
    return notice


@transaction.atomic
def do_detach(notice: Notice, *, acting_user: Any, image_id: int | None = None,
              document_id: int | None = None) -> Notice:
    """Take a picture or a file off a draft."""
    require(acting_user, DRAFT, notice)
    notice = _lock(notice)
    if notice.status != Status.DRAFT:
        raise _refused(workflow.Refused("wrong_status"))
    gone = 0
    if image_id is not None:
        gone += NoticeImage.objects.filter(notice=notice, pk=image_id).delete()[0]
    if document_id is not None:
        gone += NoticeDocument.objects.filter(notice=notice, pk=document_id).delete()[0]
    if not gone:
        raise _error("images", _("That file is not on this notice."), "no_such_file")
    audit.record("notices.detach", actor=acting_user, obj=notice,
                 detail={"image": image_id, "document": document_id})
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


def _elder_contacts(rows: list[audience.Household]) -> dict[str, str]:
    """community path → how its elders' households are reached (those set otherwise than the link)."""
    communities = {h.path[:COMMUNITY_CHARS] for h in rows if h.elder}
    return dict(CommunityNoticeSetting.objects.filter(path__in=communities).exclude(elder_contact=ElderContact.LINK)
                .values_list("path", "elder_contact"))


def _households(notice: Notice) -> tuple[int, int]:
    """One row per household of the audience, as the registry holds it at publishing, and one
    reach count per building and grid; returns (households, residents)."""
    rows = audience.households(list(notice.audience_places.all()), list(notice.audience_grids.all()),
                               notice.audience_group, timezone.localdate())
    contacts = _elder_contacts(rows)
    _insert_households(notice, rows, contacts)
    counts: dict[tuple[str, int | None], int] = {}
    for h in rows:
        counts[h.building_path, h.grid_id] = counts.get((h.building_path, h.grid_id), 0) + 1
    bulk.insert(ReachCount, [ReachCount(notice=notice, path=path, grid_id=grid, households=n)
                             for (path, grid), n in counts.items()])
    return len(rows), sum(h.residents for h in rows)


def _insert_households(notice: Notice, rows: list[audience.Household], contacts: dict[str, str]) -> None:
    """The households' rows written as plain tuples: a street's 90,000 model objects would cost
    more than the insert itself. Every column is given, as ``save()`` would give it."""
    db = connections[connection.alias]
    now = db.ops.adapt_datetimefield_value(timezone.now())
    names = [f.name for f in NoticeHousehold._meta.concrete_fields]
    fixed = {"created_at": now, "updated_at": now, "notice": notice.pk, "reached_at": None, "reached_via": "",
             "reached_version": 0, "reread": False, "attempts": 0, "last_outcome": ""}
    ids = bulk.reserve_ids(NoticeHousehold, len(rows))
    for start in range(0, len(rows), bulk.CHUNK):
        values = []
        for pk, h in zip(ids[start:start + bulk.CHUNK], rows[start:start + bulk.CHUNK], strict=True):
            contact = contacts.get(h.path[:COMMUNITY_CHARS], ElderContact.LINK) if h.elder else ElderContact.LINK
            row = {**fixed, "id": pk, "path": h.path, "house": h.house_id, "building_path": h.building_path,
                   "grid": h.grid_id, "address": h.address, "residents": h.residents, "priority": h.priority,
                   "contact": contact}
            values.append(tuple(row[name] for name in names))
        bulk.insert_rows(db, NoticeHousehold, names, values)


def refresh_reach_counts(notice: Notice) -> None:
    """Count the reach again from the households (after households were changed in bulk, as
    the demo does): the same figures the actions keep current one change at a time."""
    with transaction.atomic():
        ReachCount.objects.filter(notice=notice).delete()
        rows = (NoticeHousehold.objects.filter(notice=notice).values("building_path", "grid_id")
                .annotate(n=Count("pk"), reached=Count("pk", filter=Q(reached_at__isnull=False)),
                          reread=Count("pk", filter=Q(reread=True)),
                          **{via: Count("pk", filter=Q(reached_via=via)) for via in Via.values}))
        made = []
        for row in rows:
            counts: dict[str, Any] = dict(row)
            made.append(ReachCount(notice=notice, path=counts["building_path"], grid_id=counts["grid_id"],
                                   households=counts["n"], reached=counts["reached"], reread=counts["reread"],
                                   **{via: counts[via] for via in Via.values}))
        ReachCount.objects.bulk_create(made, batch_size=BATCH)


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
    n, notice.residents = _households(notice)
    notice.households = n
    notice.save()
    _step(notice, StepKind.PUBLISH, acting_user)
    contacts = dict(NoticeHousehold.objects.filter(notice=notice).exclude(contact=ElderContact.LINK)
                    .values("contact").annotate(n=Count("pk")).values_list("contact", "n"))
    audit.record("notices.publish", actor=acting_user, obj=notice,
                 detail={"households": n, "residents": notice.residents, "shortened": notice.shortened,
                         "channels": list(channels), "elders_called": contacts.get(ElderContact.CALL, 0),
                         "elders_visited": contacts.get(ElderContact.VISIT, 0)})
    for channel in channels:
        sending.send_after_commit(notice.pk, channel)
    if sending.CALL not in channels and NoticeHousehold.objects.filter(notice=notice, contact=ElderContact.CALL).exists():
        # elders' households their community has called instead of sent the link
        sending.send_after_commit(notice.pk, sending.CALL, contact=ElderContact.CALL)
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
    ReachCount.objects.filter(notice=notice).update(reread=F("reached"))
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
    _count_reached(notice.pk, [household], via)


def _count_reached(notice_id: int, households: list[NoticeHousehold], via: str) -> None:
    """Keep the reach counts of the households' buildings current: each newly reached one adds
    to its building's count (and to the channel's), each one that read a correction leaves the
    asked-to-reread count. ``households`` as they were before this change."""
    changes: dict[tuple[str, int | None], list[int]] = {}
    for household in households:
        change = changes.setdefault((household.building_path, household.grid_id), [0, 0])
        change[0] += household.reached_at is None
        change[1] += household.reread
    for (path, grid), (reached, reread) in changes.items():
        if reached or reread:
            fields = {"reread": F("reread") - reread} if reread else {}
            if reached:
                fields.update(reached=F("reached") + reached, **{via: F(via) + reached})
            ReachCount.objects.filter(Q(notice_id=notice_id, path=path), Q(grid_id=grid) if grid is not None
                                      else Q(grid__isnull=True)).update(**fields)
    live.reach_changed(notice_id, [(h.grid_id, h.building_path) for h in households])


@dataclass(frozen=True)
class Confirmed:
    """What came of one confirmation of a batch: its receipt (new, or the one it repeats), or
    why it was refused (``code``: ``unknown`` or ``withdrawn``)."""
    receipt: Receipt | None
    new: bool = False
    code: str = ""


def _confirm_many(household_ids: list[int], via: str, person: Any = None, acting_user: Any = None
                  ) -> list[Confirmed]:
    """The confirmations of ``household_ids`` by ``via``, in order, in one transaction: the
    households locked, new receipts and the reach counts written together, the audit events
    appended in one insert; each as ``do_confirm`` makes it on its own."""
    rows = {h.pk: h for h in NoticeHousehold.objects.select_for_update().filter(pk__in=set(household_ids))
            .order_by("pk")}
    notices = {n.pk: n for n in Notice.objects.filter(pk__in={h.notice_id for h in rows.values()})}
    existing = {(r.household_id, r.version): r for r in Receipt.objects.filter(
        household_id__in=list(rows), via=via, outcome=Outcome.INFORMED).order_by("pk")}
    now = timezone.now()
    made: dict[int, Receipt] = {}
    results = []
    for pk in household_ids:
        household = rows.get(pk)
        notice = notices.get(household.notice_id) if household is not None else None
        if household is None or notice is None:
            results.append(Confirmed(None, code="unknown"))
        elif notice.status != Status.PUBLISHED:
            results.append(Confirmed(None, code="withdrawn"))
        elif (pk, notice.version) in existing or pk in made:
            results.append(Confirmed(existing.get((pk, notice.version)) or made[pk]))
        else:
            made[pk] = Receipt(notice=notice, household=household, via=via, version=notice.version, person=person,
                               recorded_by=acting_user if person is not None else None, path=household.path,
                               created_at=now, updated_at=now)
            results.append(Confirmed(made[pk], new=True))
    if not made:
        return results
    bulk.insert(Receipt, list(made.values()))
    changed = [rows[pk] for pk in made]
    by_notice: dict[int, list[NoticeHousehold]] = {}
    for household in changed:
        by_notice.setdefault(household.notice_id, []).append(household)
    for notice_id, households in by_notice.items():
        _count_reached(notice_id, [copy.copy(h) for h in households], via)
    for household in changed:
        household.reached_at, household.reached_via = household.reached_at or now, household.reached_via or via
        household.reached_version, household.reread = notices[household.notice_id].version, False
    bulk.update(NoticeHousehold, changed, ["reached_at", "reached_via", "reached_version", "reread"])
    audit.record_many([audit.Entry("notices.confirm", actor=acting_user, obj=receipt,
                                   detail={"via": via, "notice": receipt.notice_id}) for receipt in made.values()])
    return results


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
    result = _confirm_many([household.pk], via, person, acting_user)[0]
    if result.receipt is None:
        raise ValidationError(_("This notice has been withdrawn."), code="withdrawn")
    return result.receipt


@transaction.atomic
def do_confirm_links(household_ids: list[int], *, limit: int = CONFIRM_BATCH) -> list[Confirmed]:
    """Many households' confirmations through their links at once (a relay that gathers the
    taps on the links, or a provider's replies to the texts, sends them in batches): each as
    ``do_confirm`` by the link, refused one by one for a withdrawn notice or an unknown household."""
    if len(household_ids) > limit:
        raise _error("tokens", _("At most %(n)d confirmations at a time."), "too_many", n=limit)
    return _confirm_many(household_ids, Via.LINK)


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
