"""Tasks and visits over the API: push a task down, follow its progress by grid, tick its
households off (with a photo), see who is due for a visit, record visits, set care levels.

Scoped like the pages: a grid worker lists and ticks her grid's share only; anything outside
the caller's scope is a 404.
"""

# No ``from __future__ import annotations``: ninja reads these annotations at import time.

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core import photos
from linli.core.access import PermissionDenied, allows, get_or_404, may, restricted, route
from linli.core.api_auth import ERRORS, Id, Pages, api_user, no_control_characters
from linli.grids.models import Grid
from linli.places.models import Level, Place
from linli.tasks import actions, plans, queries
from linli.tasks.access import DO, MANAGE, PLAN, RECORD, VIEW, VISITS_VIEW
from linli.tasks.models import ItemStatus, Task, TaskItem, Visit, VisitPlan

router = Router()
visits_router = Router()


Text = Annotated[str, no_control_characters("\n\r")]
DaysAhead = Annotated[int, Field(ge=0, le=14)]
Days = Annotated[int, Field(ge=1, le=366)]


# --- tasks --------------------------------------------------------------------------------------------

class TaskIn(Schema):
    title: Text = Field(max_length=200)
    description: Text = Field("", max_length=4000)
    checklist: list[Text] = Field(default_factory=list, max_length=actions.MAX_CHECKLIST)
    target_kind: Literal["group", "households", "buildings", "organizations"] = Field(
        description="group: households with someone in `groups`; households: every household living there; "
                    "buildings; organizations: the premises of every organisation")
    groups: list[str] = Field(default_factory=list, max_length=20, description="special-group codes, for `group`")
    areas: list[Id] = Field(min_length=1, max_length=500,
                            description="ids of streets, communities, compounds or buildings")
    only_grids: list[Id] = Field(default_factory=list, max_length=500,
                                 description="limit the task to these grids (empty: every grid of the areas)")
    due_on: datetime.date
    repeat: Literal["", "weekly", "fortnightly", "monthly"] = ""


class CountsOut(Schema):
    total: int
    done: int
    could_not: int
    pending: int
    percent: int


class GridProgressOut(CountsOut):
    grid_id: int | None = Field(description="null: places no grid covers")
    name: str


class ProgressOut(Schema):
    total: CountsOut
    overdue: bool = Field(description="open, past its deadline, with households still to do")
    grids: list[GridProgressOut]
    at: str


class TaskOut(Schema):
    id: int
    title: str
    description: str
    checklist: list[str]
    target_kind: str
    groups: list[str]
    area_id: int
    starts_on: datetime.date
    due_on: datetime.date
    repeat: str
    sequence: int
    status: str
    counts: CountsOut = Field(description="of the households and places the caller may see")


def _task_out(task: Task, counts: queries.Counts) -> dict[str, Any]:
    return {"id": task.pk, "title": task.title, "description": task.description, "checklist": task.checklist,
            "target_kind": task.target_kind, "groups": task.groups, "area_id": task.area_id,
            "starts_on": task.starts_on, "due_on": task.due_on, "repeat": task.repeat, "sequence": task.sequence,
            "status": task.status, "counts": counts.as_json()}


def _chosen(user: Any, ids: list[int], model: Any, name: str) -> list[Any]:
    """The rows named in a request body, all inside the caller's area; one that is missing or
    outside it is refused alike (nothing tells which)."""
    found = {row.pk: row for row in restricted(model.objects.filter(pk__in=ids), user, MANAGE)}
    if any(pk not in found for pk in ids):
        raise ValidationError({name: [ValidationError(
            _("Some of these do not exist or lie outside your area."), code="not_in_area")]})
    return [found[pk] for pk in dict.fromkeys(ids)]


@router.get("", response={200: list[TaskOut], **ERRORS}, summary="Tasks pushed down in my area or to my grid")
@route(VIEW)
def list_tasks(request: HttpRequest, status: Literal["", "open", "closed"] = "open") -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VIEW):
        raise PermissionDenied(VIEW)
    tasks = Task.objects.restrict(user, VIEW).order_by("due_on", "pk")
    if status:
        tasks = tasks.filter(status=status)
    return [_task_out(task, counts) for task, counts in queries.task_rows(user, tasks[:200])]


@router.post("", response={201: TaskOut, **ERRORS}, summary="Push a task down to the grids of some areas")
@route(MANAGE)
def create_task(request: HttpRequest, payload: TaskIn) -> Status:
    user = api_user(request)
    if not may(user, MANAGE):
        raise PermissionDenied(MANAGE)
    areas = _chosen(user, payload.areas, Place, "areas")
    grids = _chosen(user, payload.only_grids, Grid, "only_grids")
    task = actions.do_create_task(actions.TaskInput(
        title=payload.title, description=payload.description, checklist=payload.checklist,
        target_kind=payload.target_kind, groups=payload.groups, areas=areas, only_grids=grids, due_on=payload.due_on,
        repeat=payload.repeat), acting_user=user)
    return Status(201, _task_out(task, queries.progress(user, task).total))


@router.get("/{task_id}", response={200: TaskOut, **ERRORS}, summary="One task")
@route(VIEW, model=Task, kwarg="task_id")
def get_task(request: HttpRequest, task_id: Id) -> dict[str, Any]:
    user = api_user(request)
    task = get_or_404(Task.objects.all(), user, VIEW, pk=task_id)
    return _task_out(task, queries.progress(user, task).total)


@router.get("/{task_id}/progress", response={200: ProgressOut, **ERRORS},
            summary="Completion by grid, of the households and places the caller may see (polled by the task page)")
@route(VIEW, model=Task, kwarg="task_id")
def task_progress(request: HttpRequest, task_id: Id) -> dict[str, Any]:
    user = api_user(request)
    task = get_or_404(Task.objects.all(), user, VIEW, pk=task_id)
    return queries.progress(user, task).as_json()


@router.post("/{task_id}/close", response={200: TaskOut, **ERRORS}, summary="Close a task (and stop it repeating)")
@route(MANAGE, model=Task, kwarg="task_id")
def close_task(request: HttpRequest, task_id: Id, stop_repeating: bool = False) -> dict[str, Any]:
    user = api_user(request)
    task = get_or_404(Task.objects.all(), user, MANAGE, pk=task_id)
    task = actions.do_close_task(task, acting_user=user, stop_repeating=stop_repeating)
    return _task_out(task, queries.progress(user, task).total)


class ItemOut(Schema):
    id: int
    task_id: int
    place_id: int
    grid_id: int | None
    address: str
    person_id: int | None
    person_name: str = Field(description="empty where the caller may not see residents")
    status: str
    answers: list[bool]
    note: str
    photo_url: str | None
    done_at: datetime.datetime | None


def _item_out(item: TaskItem, user: Any) -> dict[str, Any]:
    shown = item.person_id is not None and allows(user, "people.view", item.path)
    return {"id": item.pk, "task_id": item.task_id, "place_id": item.place_id, "grid_id": item.grid_id,
            "address": item.address, "person_id": item.person_id if shown else None,
            "person_name": item.person.name if shown and item.person else "", "status": item.status,
            "answers": item.answers, "note": item.note,
            "photo_url": f"/tasks/photos/{item.photo_id}/" if item.photo_id else None, "done_at": item.done_at}


@router.get("/{task_id}/items", response={200: list[ItemOut], **ERRORS},
            summary="The task's households and places the caller may see (a grid worker: her grid's share)")
@route(VIEW, model=Task, kwarg="task_id")
@paginate(Pages, page_size=50)
def task_items(request: HttpRequest, task_id: Id, status: Literal["", "pending", "done", "could_not"] = "",
               grid: Id | None = None) -> Any:
    user = api_user(request)
    task = get_or_404(Task.objects.all(), user, VIEW, pk=task_id)
    items = queries.visible_items(user, task).select_related("person").order_by("path")
    if status:
        items = items.filter(status=status)
    if grid is not None:
        items = items.filter(grid_id=grid)
    return [_item_out(item, user) for item in items]


class TickIn(Schema):
    status: Literal["pending", "done", "could_not"]
    note: Text = Field("", max_length=1000)
    answers: list[bool] = Field(default_factory=list, max_length=actions.MAX_CHECKLIST,
                                description="one yes/no for each line of the checklist (or none)")


@router.post("/items/{item_id}", response={200: ItemOut, **ERRORS},
             summary="Tick a household or place off: done, could not be done (say why), or back to to-do")
@route(DO, model=TaskItem, kwarg="item_id")
def tick_item(request: HttpRequest, item_id: Id, payload: TickIn) -> dict[str, Any]:
    user = api_user(request)
    item = get_or_404(TaskItem.objects.select_related("task"), user, DO, pk=item_id)
    item = actions.do_tick_item(item, payload.status, acting_user=user, note=payload.note, answers=payload.answers)
    return _item_out(item, user)


@router.post("/items/{item_id}/photo", response={200: ItemOut, **ERRORS},
             summary="Add a photo to a ticked household or place (JPEG, PNG or WebP; re-encoded, metadata removed)")
@route(DO, model=TaskItem, kwarg="item_id")
@decorate_view(photos.refuse_large_bodies(1))  # before the body is parsed (spooled to disk)
def item_photo(request: HttpRequest, item_id: Id, photo: File[UploadedFile]) -> dict[str, Any]:
    user = api_user(request)
    item = get_or_404(TaskItem.objects.select_related("task"), user, DO, pk=item_id)
    photos.check_size(photo.size or 0)
    status = item.status if item.status != ItemStatus.PENDING else ItemStatus.DONE
    item = actions.do_tick_item(item, status, acting_user=user, note=item.note, answers=item.answers,
                                photo=photo.read())
    return _item_out(item, user)


# --- visits -------------------------------------------------------------------------------------------

class PlanOut(Schema):
    id: int
    house_id: int
    grid_id: int | None
    address: str
    person_id: int | None
    person_name: str
    people_count: int
    reasons: list[str] = Field(description="special-group codes; empty without the right to see them")
    interval_days: int
    starts_on: datetime.date
    last_visit_on: datetime.date | None
    last_outcome: str
    next_due_on: datetime.date
    days_overdue: int


def _plan_out(plan: VisitPlan, user: Any, today: datetime.date) -> dict[str, Any]:
    shown = plan.person_id is not None and allows(user, "people.view", plan.path)
    return {"id": plan.pk, "house_id": plan.house_id, "grid_id": plan.grid_id, "address": plan.address,
            "person_id": plan.person_id if shown else None,
            "person_name": plan.person.name if shown and plan.person else "", "people_count": plan.people_count,
            "reasons": plan.reasons if allows(user, "people.view_groups", plan.path) else [],
            "interval_days": plan.interval_days, "starts_on": plan.starts_on, "last_visit_on": plan.last_visit_on,
            "last_outcome": plan.last_outcome, "next_due_on": plan.next_due_on,
            "days_overdue": max(0, (today - plan.next_due_on).days)}


@visits_router.get("/due", response={200: list[PlanOut], **ERRORS},
                   summary="Households overdue, due today and due in the next days (a grid worker: her grid)")
@route(VISITS_VIEW)
def due(request: HttpRequest, days_ahead: DaysAhead = 0) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VISITS_VIEW):
        raise PermissionDenied(VISITS_VIEW)
    today = timezone.localdate()
    rows = (queries.plans_for(user).filter(next_due_on__lte=today + datetime.timedelta(days=days_ahead))
            .select_related("person").order_by("next_due_on", "path")[:1000])
    return [_plan_out(plan, user, today) for plan in rows]


class VisitOut(Schema):
    id: int
    plan_id: int
    visited_on: datetime.date
    outcome: str
    observations: str
    needs_found: bool
    request_url: str | None = Field(description="the request form filled in from this visit, when needs were found")
    next_due_on: datetime.date


class PlanDetailOut(PlanOut):
    visits: list[VisitOut]


def _visit_out(visit: Visit, plan: VisitPlan) -> dict[str, Any]:
    return {"id": visit.pk, "plan_id": visit.plan_id, "visited_on": visit.visited_on, "outcome": visit.outcome,
            "observations": visit.observations, "needs_found": visit.needs_found,
            "request_url": actions.request_url(plan.house_id, plan.person_id) if visit.needs_found else None,
            "next_due_on": plan.next_due_on}


@visits_router.get("/plans/{plan_id}", response={200: PlanDetailOut, **ERRORS},
                   summary="A household's visit plan with its latest visits")
@route(VISITS_VIEW, model=VisitPlan, kwarg="plan_id")
def get_plan(request: HttpRequest, plan_id: Id) -> dict[str, Any]:
    user = api_user(request)
    plan = get_or_404(VisitPlan.objects.select_related("person"), user, VISITS_VIEW, pk=plan_id)
    visits = restricted(Visit.objects.filter(plan=plan), user, VISITS_VIEW)[:30]
    return {**_plan_out(plan, user, timezone.localdate()), "visits": [_visit_out(v, plan) for v in visits]}


class VisitIn(Schema):
    plan_id: Id
    outcome: Literal["met", "not_home", "refused"]
    observations: Text = Field("", max_length=2000)
    needs_found: bool = False
    visited_on: datetime.date | None = Field(None, description="default today; at most 7 days ago")


@visits_router.post("", response={201: VisitOut, **ERRORS},
                    summary="Record a visit (met or refused counts toward the plan; not at home keeps it due)")
@route(RECORD, model=VisitPlan, kwarg="plan_id")
def record_visit(request: HttpRequest, payload: VisitIn) -> Status:
    user = api_user(request)
    plan = get_or_404(VisitPlan.objects.all(), user, RECORD, pk=payload.plan_id)
    visit = actions.do_record_visit(plan, payload.outcome, acting_user=user, observations=payload.observations,
                                    needs_found=payload.needs_found, visited_on=payload.visited_on)
    plan.refresh_from_db()
    return Status(201, _visit_out(visit, plan))


class LevelsOut(Schema):
    community_id: int
    levels: dict[str, int] = Field(description="special group → days between visits (0: no planned visits)")
    choices: list[int]
    plans: int = Field(description="households on the plan now")


class LevelsIn(Schema):
    community: Id
    levels: dict[str, Literal[7, 14, 30, 90, 0]]


def _levels_out(user: Any, community: Place) -> dict[str, Any]:
    count = VisitPlan.objects.restrict(user, PLAN).filter(path__under=community.path, active=True).count()
    return {"community_id": community.pk, "levels": plans.levels_of(community), "choices": list(plans.INTERVAL_CHOICES),
            "plans": count}


COMMUNITY = Q(level=Level.COMMUNITY)


@visits_router.get("/levels", response={200: LevelsOut, **ERRORS}, summary="A community's care levels")
@route(PLAN, model=Place, kwarg="community", query=True, where=COMMUNITY)
def get_levels(request: HttpRequest, community: Id) -> dict[str, Any]:
    user = api_user(request)
    place = get_or_404(Place.objects.filter(COMMUNITY), user, PLAN, pk=community)
    return _levels_out(user, place)


@visits_router.post("/levels", response={200: LevelsOut, **ERRORS},
                    summary="Set how often special groups are visited in a community; the plans follow")
@route(PLAN, model=Place, kwarg="community", where=COMMUNITY)
def set_levels(request: HttpRequest, payload: LevelsIn) -> dict[str, Any]:
    user = api_user(request)
    place = get_or_404(Place.objects.filter(COMMUNITY), user, PLAN, pk=payload.community)
    actions.do_set_care_levels(place, dict(payload.levels), acting_user=user)
    return _levels_out(user, place)


class RequestFiguresOut(Schema):
    handled: int = Field(description="requests she resolved, or closed without a fix, in the period")
    resolved_late: int = Field(description="of those, resolved after the resolution limit")
    overdue_now: int = Field(description="requests she holds that are past a limit now")
    responses: int = Field(description="first responses she gave in the period")
    responses_in_time: int = Field(description="of those, within the first-response limit")
    satisfied: int = Field(description="ratings of the requests she handled in the period: satisfied")
    partly: int = Field(description="… basically satisfied")
    unsatisfied: int = Field(description="… not satisfied")
    rated_share: int | None = Field(description="percent of the requests she handled that residents rated")


class WorkerOut(Schema):
    user_id: int
    display_name: str
    role: str = Field(description="leader or member of the grid team")
    visits: int
    counted: int = Field(description="visits that counted toward the plans: met or refused")
    needs_found: int
    items_ticked: int
    requests: RequestFiguresOut | None = Field(description="absent for a viewer who does not see requests")


class GridLoadOut(Schema):
    grid_id: int
    name: str
    plans: int
    due: int = Field(description="visits the grid's plans ask for in the period")
    visits: int = Field(description="visits that counted in the period")
    overdue: int = Field(description="households overdue now")
    workers: list[WorkerOut]


@visits_router.get("/workload", response={200: list[GridLoadOut], **ERRORS},
                   summary="Visits done against visits due, overdue households, ticked task items and requests handled, "
                           "by grid worker")
@route(VISITS_VIEW)
def get_workload(request: HttpRequest, days: Days = 30) -> list[dict[str, Any]]:
    user = api_user(request)
    if not may(user, VISITS_VIEW):
        raise PermissionDenied(VISITS_VIEW)
    return [{"grid_id": load.grid.pk, "name": load.grid.name, "plans": load.plans, "due": load.due,
             "visits": load.visits, "overdue": load.overdue,
             "workers": [{"user_id": w.user.pk, "display_name": str(w.user), "role": w.role, "visits": w.visits,
                          "counted": w.counted, "needs_found": w.needs_found, "items_ticked": w.items_ticked,
                          "requests": w.requests.as_json() if w.requests is not None else None}
                         for w in load.workers]}
            for load in queries.workload(user, days)]


