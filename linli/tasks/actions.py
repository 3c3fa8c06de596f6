"""Pushing tasks down, ticking them off, repeating them; care levels and visit records.

Every change checks its own permission and is audited. A task's targets are chosen from the
registry when it is pushed down (and again for each new occurrence of a repeating task, so a
household that joined a group since is on next week's list).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, photos
from linli.core.access import PermissionDenied, allows, area_of, may, require
from linli.core.text import has_control_characters, strip_invisible
from linli.grids.models import Grid
from linli.people.models import SpecialGroup
from linli.places.models import Level, Place
from linli.tasks import plans, schedule, targets
from linli.tasks.access import DO, MANAGE, PLAN, RECORD
from linli.tasks.models import (
    COUNTING_OUTCOMES,
    CareLevel,
    ItemStatus,
    Photo,
    Repeat,
    TargetKind,
    Task,
    TaskItem,
    TaskStatus,
    Visit,
    VisitOutcome,
    VisitPlan,
)

MAX_CHECKLIST = 12
MAX_TARGETS = 150_000  # every household of a large street
MAX_DAYS_AHEAD = 366
BACKDATE_DAYS = 7  # a visit may be recorded up to a week after it happened
BATCH = 2000
COMMUNITY_DEPTH = 5  # path segments down to the community
GROUPS = "people.view_groups"


def request_url(house_id: int, person_id: int | None) -> str:
    """The form for a resident's request, filled in from a visit that found needs."""
    person = f"&person={person_id}" if person_id else ""
    return f"/requests/new/?house={house_id}{person}&source=visit"


# --- text ------------------------------------------------------------------------------------------

def _error(field_name: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field_name: [ValidationError(message, code=code, params=params or None)]})


def clean_text(value: str, field_name: str, limit: int, *, required: bool = False, lines: bool = False) -> str:
    """Text as typed, without invisible characters; one line unless ``lines``."""
    text = strip_invisible(value or "").replace("\r\n", "\n").strip()
    if not lines:
        text = " ".join(text.split())
    if has_control_characters(text, allowed="\n" if lines else ""):
        raise _error(field_name, _("This text contains control characters; please retype it."), "control_chars")
    if required and not text:
        raise _error(field_name, _("This field is required."), "required")
    if len(text) > limit:
        raise _error(field_name, _("At most %(limit)d characters (this has %(length)d)."), "too_long",
                     limit=limit, length=len(text))
    return text


# --- pushing a task down ----------------------------------------------------------------------------

@dataclass
class TaskInput:
    title: str
    due_on: datetime.date
    target_kind: str
    areas: list[Place]
    description: str = ""
    checklist: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    only_grids: list[Grid] = field(default_factory=list)
    repeat: str = ""


def _office(user: Any, areas: list[Place]) -> Place:
    """The area of the office pushing the task down: the narrowest place holding the user's
    whole right to push tasks (her street, her community); for a user who may push anywhere,
    the narrowest street or community holding every chosen area."""
    path = area_of(user, MANAGE)
    if not path:
        parts = [area.path.split("/")[:-1] for area in areas]
        common = parts[0]
        for other in parts[1:]:
            n = 0
            while n < min(len(common), len(other)) and common[n] == other[n]:
                n += 1
            common = common[:n]
        path = "/".join(common[:COMMUNITY_DEPTH]) + "/"
    office = Place.objects.filter(path=path).first()
    if office is None:
        raise _error("areas", _("Choose areas inside one street."), "areas_spread")
    return office


def _check_task(data: TaskInput, user: Any, today: datetime.date) -> dict[str, Any]:
    title = clean_text(data.title, "title", 100, required=True)
    description = clean_text(data.description, "description", 2000, lines=True)
    checklist = [clean_text(line, "checklist", 60) for line in data.checklist]
    checklist = [line for line in checklist if line]
    if len(checklist) > MAX_CHECKLIST:
        raise _error("checklist", _("At most %(n)d checklist lines."), "checklist_long", n=MAX_CHECKLIST)
    if data.target_kind not in TargetKind.values:
        raise _error("target_kind", _("Choose what the task is about."), "target_kind")
    if data.repeat not in Repeat.values:
        raise _error("repeat", _("Choose how the task repeats."), "repeat")
    groups = sorted(set(data.groups))
    if data.target_kind == TargetKind.GROUP_HOUSEHOLDS:
        if not groups or any(g not in SpecialGroup.values for g in groups):
            raise _error("groups", _("Choose at least one special group."), "groups")
    else:
        groups = []
    if not data.areas:
        raise _error("areas", _("Choose at least one area."), "areas")
    if any(area.level not in (Level.STREET, Level.COMMUNITY, Level.COMPOUND, Level.BUILDING) for area in data.areas):
        raise _error("areas", _("Choose streets, communities, compounds or buildings."), "area_level")
    for area in data.areas:
        require(user, MANAGE, area)
        if groups and not allows(user, GROUPS, area.path):
            # The list would tell who belongs to the group: only for those who may see the tags.
            raise PermissionDenied(GROUPS)
    for grid in data.only_grids:
        require(user, MANAGE, grid)
    if data.due_on < today:
        raise _error("due_on", _("The deadline is in the past."), "due_past")
    if data.due_on > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise _error("due_on", _("The deadline is more than a year away."), "due_far")
    if data.repeat and schedule.shifted(today, data.repeat, 1) <= data.due_on:
        raise _error("due_on", _("A repeating task must be due before its next occurrence starts."),
                     "due_after_next")
    return {"title": title, "description": description, "checklist": checklist, "groups": groups}


def _push_down(task: Task, areas: list[Place], only_grids: set[int] | None) -> list[int]:
    """Make the task's items; returns the grids they fell in."""
    chosen = targets.select(task.target_kind, areas, task.groups, only_grids)
    if not chosen:
        raise _error("areas", _("Nothing in the chosen areas matches: the task would have no household or place."),
                     "no_targets")
    if len(chosen) > MAX_TARGETS:
        raise _error("areas", _("%(n)d households or places: split the task (at most %(max)d)."), "too_many_targets",
                     n=len(chosen), max=MAX_TARGETS)
    items = [TaskItem(task=task, place_id=t.place_id, path=t.path, grid_id=t.grid_id, person_id=t.person_id,
                      address=t.address) for t in chosen]
    TaskItem.objects.bulk_create(items, batch_size=BATCH)
    grids = sorted({t.grid_id for t in chosen if t.grid_id is not None})
    task.grids.set(grids)
    return grids


@transaction.atomic
def do_create_task(data: TaskInput, *, acting_user: Any) -> Task:
    """Push a task down to the grids covering its targets."""
    if not may(acting_user, MANAGE):
        raise PermissionDenied(MANAGE)
    today = timezone.localdate()
    clean = _check_task(data, acting_user, today)
    office = _office(acting_user, data.areas)
    require(acting_user, MANAGE, office)
    task = Task.objects.create(area=office, path=office.path, target_kind=data.target_kind, starts_on=today,
                               due_on=data.due_on, repeat=data.repeat, created_by=acting_user, **clean)
    task.areas.set(data.areas)
    task.only_grids.set(data.only_grids)
    only = {g.pk for g in data.only_grids} or None
    grids = _push_down(task, data.areas, only)
    audit.record("task.create", actor=acting_user, obj=task, detail={
        "kind": task.target_kind, "groups": task.groups, "areas": [a.code for a in data.areas], "grids": len(grids),
        "items": task.items.count(), "due_on": task.due_on.isoformat(), "repeat": task.repeat})
    return task


# --- repeating tasks --------------------------------------------------------------------------------

def _may_still_push(task: Task) -> bool:
    """A series goes on only while its author may still push it down (and see the groups it names)."""
    user = task.created_by
    if user is None or not user.is_active:
        return False
    areas = list(task.areas.all())
    return bool(areas) and all(allows(user, MANAGE, a) for a in areas) and (
        not task.groups or all(allows(user, GROUPS, a.path) for a in areas))


@transaction.atomic
def _next_occurrence(task: Task, today: datetime.date) -> Task | None:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not task.repeat or Task.objects.filter(previous=task).exists():
        return None
    periods = schedule.periods_to_today(task.starts_on, task.repeat, today)
    if periods == 0:
        return None
    if not _may_still_push(task):
        task.repeat = ""
        task.save(update_fields=["repeat", "updated_at"])
        audit.record("task.repeat_stopped", obj=task, detail={"reason": "author may no longer push it down"})
        return None
    new = Task.objects.create(
        area=task.area, path=task.path, title=task.title, description=task.description, checklist=task.checklist,
        target_kind=task.target_kind, groups=task.groups, repeat=task.repeat, created_by=task.created_by,
        starts_on=schedule.shifted(task.starts_on, task.repeat, periods),
        due_on=schedule.shifted(task.due_on, task.repeat, periods),
        series=task.series or task, previous=task, sequence=task.sequence + 1)
    areas = list(task.areas.all())
    new.areas.set(areas)
    only = list(task.only_grids.values_list("pk", flat=True))
    new.only_grids.set(only)
    try:
        _push_down(new, areas, set(only) or None)
    except ValidationError:
        pass  # nothing matches this time (the last elder moved away): an empty occurrence says so
    if task.status == TaskStatus.OPEN:
        task.status, task.closed_at = TaskStatus.CLOSED, timezone.now()
        task.save(update_fields=["status", "closed_at", "updated_at"])
    audit.record("task.repeat", obj=new, detail={"previous": task.pk, "sequence": new.sequence,
                                                 "items": new.items.count()})
    return new


def create_due_occurrences(today: datetime.date | None = None) -> int:
    """Start the next occurrence of every repeating task whose next period has begun; the
    occurrence before it is closed (what was not done stays as it was). Safe to run again."""
    today = today or timezone.localdate()
    latest = Task.objects.filter(repeat__gt="", next_occurrence__isnull=True).order_by("pk")
    made = 0
    for task in latest:
        if schedule.shifted(task.starts_on, task.repeat, 1) <= today and _next_occurrence(task, today):
            made += 1
    return made


# --- ticking off ------------------------------------------------------------------------------------

def _answers(raw: list[Any] | None, checklist: list[str]) -> list[bool]:
    if not raw:
        return []
    if len(raw) != len(checklist) or not all(isinstance(a, bool) for a in raw):
        raise _error("answers", _("Answer each line of the checklist with yes or no."), "answers")
    return list(raw)


def save_photo(data: bytes, path: str, user: Any) -> Photo:
    return Photo.objects.create(path=path, uploaded_by=user, **photos.clean_photo(data).sealed_fields())


@transaction.atomic
def do_tick_item(item: TaskItem, status: str, *, acting_user: Any, note: str = "", answers: list[Any] | None = None,
                 photo: bytes | None = None) -> TaskItem:
    """Tick a household or place off (done, or could not be done, with a note and a photo), or
    set it back to "to do"."""
    require(acting_user, DO, item)
    item = TaskItem.objects.select_for_update(of=("self",)).select_related("task").get(pk=item.pk)
    if item.task.status != TaskStatus.OPEN:
        raise _error("status", _("This task is closed: nothing can be ticked any more."), "task_closed")
    if status not in ItemStatus.values:
        raise _error("status", _("Choose done, could not be done, or to do."), "status")
    note = clean_text(note, "note", 500, lines=True)
    if status == ItemStatus.COULD_NOT and not note:
        raise _error("note", _("Say why it could not be done."), "note_required")
    checked = _answers(answers, item.task.checklist)
    if status == ItemStatus.PENDING:
        item.answers, item.note, item.photo, item.done_by, item.done_at = [], "", None, None, None
    else:
        item.answers, item.note, item.done_by, item.done_at = checked, note, acting_user, timezone.now()
        if photo is not None:
            item.photo = save_photo(photo, item.path, acting_user)
    item.status = status
    item.save()
    audit.record("task.tick", actor=acting_user, obj=item, detail={
        "task": item.task_id, "status": status, "photo": item.photo_id is not None})
    return item


@transaction.atomic
def do_close_task(task: Task, *, acting_user: Any, stop_repeating: bool = False) -> Task:
    require(acting_user, MANAGE, task)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.CLOSED and not (stop_repeating and task.repeat):
        raise _error("status", _("This task is already closed."), "task_closed")
    if task.status == TaskStatus.OPEN:
        task.status, task.closed_at = TaskStatus.CLOSED, timezone.now()
    if stop_repeating:
        task.repeat = ""
    task.save()
    audit.record("task.close", actor=acting_user, obj=task, detail={"stop_repeating": stop_repeating})
    return task


# --- visits -------------------------------------------------------------------------------------------

@transaction.atomic
def do_set_care_levels(community: Place, levels: Mapping[str, int], *, acting_user: Any) -> plans.Refreshed:
    """Set how often each special group is visited in ``community``, and redo its plans."""
    require(acting_user, PLAN, community)
    if community.level != Level.COMMUNITY:
        raise _error("community", _("Care levels are set for a community."), "not_community")
    for group, days in levels.items():
        if group not in SpecialGroup.values:
            raise _error("levels", _("Unknown special group: %(group)s."), "unknown_group", group=group)
        if days not in plans.INTERVAL_CHOICES:
            raise _error(group, _("Choose every week, two weeks, month or three months, or no visits."),
                         "interval")
    before = plans.levels_of(community)
    for group, days in levels.items():
        CareLevel.objects.update_or_create(community=community, group=group, defaults={
            "interval_days": days, "path": community.path, "updated_by": acting_user})
    result = plans.refresh_plans(community)
    audit.record("visits.levels", actor=acting_user, obj=community, detail={
        "changed": {g: [before.get(g), d] for g, d in levels.items() if before.get(g) != d},
        "plans": {"added": result.added, "changed": result.changed, "ended": result.ended}})
    return result


@transaction.atomic
def do_refresh_plans(community: Place, *, acting_user: Any) -> plans.Refreshed:
    """Redo a community's plans now (they are redone every night anyway)."""
    require(acting_user, PLAN, community)
    if community.level != Level.COMMUNITY:
        raise _error("community", _("Care levels are set for a community."), "not_community")
    result = plans.refresh_plans(community)
    audit.record("visits.refresh", actor=acting_user, obj=community, detail={
        "added": result.added, "changed": result.changed, "ended": result.ended})
    return result


@transaction.atomic
def do_record_visit(plan: VisitPlan, outcome: str, *, acting_user: Any, observations: str = "",
                    needs_found: bool = False, visited_on: datetime.date | None = None) -> Visit:
    """Record a visit; met or refused counts toward the plan, not at home keeps it due."""
    require(acting_user, RECORD, plan)
    plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
    today = timezone.localdate()
    visited_on = visited_on or today
    if visited_on > today:
        raise _error("visited_on", _("A visit cannot be recorded for a day still to come."), "visit_future")
    if visited_on < today - datetime.timedelta(days=BACKDATE_DAYS):
        raise _error("visited_on", _("Record a visit within %(days)d days of it."), "visit_too_old",
                     days=BACKDATE_DAYS)
    if outcome not in VisitOutcome.values:
        raise _error("outcome", _("Choose met, not at home or refused."), "outcome")
    observations = clean_text(observations, "observations", 1000, lines=True)
    visit = Visit.objects.create(plan=plan, path=plan.path, grid_id=plan.grid_id, person_id=plan.person_id,
                                 visited_on=visited_on, outcome=outcome, observations=observations,
                                 needs_found=bool(needs_found), recorded_by=acting_user)
    if plan.last_attempt_on is None or visited_on >= plan.last_attempt_on:
        plan.last_attempt_on, plan.last_outcome = visited_on, outcome
    if outcome in COUNTING_OUTCOMES and (plan.last_visit_on is None or visited_on > plan.last_visit_on):
        plan.last_visit_on = visited_on
    plan.save()  # the next due date follows
    audit.record("visit.record", actor=acting_user, obj=visit, detail={
        "plan": plan.pk, "outcome": outcome, "needs_found": visit.needs_found, "visited_on": visited_on.isoformat()})
    return visit
