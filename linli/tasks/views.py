"""Pages of pushed-down tasks (/tasks/) and home visits (/visits/), phone first."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from linli.core import photos
from linli.core.access import PermissionDenied, allows, get_or_404, may, restricted, route
from linli.core.http import denied
from linli.core.pagination import Pager
from linli.grids.models import Grid
from linli.places.models import Level, Place
from linli.tasks import actions, plans, queries
from linli.tasks.access import DO, MANAGE, PLAN, RECORD, VIEW, VISITS_VIEW
from linli.tasks.forms import LevelsForm, TaskForm, TickForm, VisitForm
from linli.tasks.models import ItemStatus, Photo, Task, TaskItem, TaskStatus, Visit, VisitPlan

ITEMS_PER_PAGE = 50


# --- tasks --------------------------------------------------------------------------------------------

@route(VIEW)
@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VIEW):
        return denied(request)
    visible = Task.objects.restrict(user, VIEW).select_related("area")
    open_rows = queries.task_rows(user, visible.filter(status=TaskStatus.OPEN).order_by("due_on", "pk")[:100])
    closed_rows = queries.task_rows(user, visible.filter(status=TaskStatus.CLOSED).order_by("-due_on", "-pk")[:20])
    return render(request, "tasks/list.html", {
        "open_rows": open_rows, "closed_rows": closed_rows, "today": timezone.localdate(),
        "can_create": may(user, MANAGE), "can_do": may(user, DO)})


@route(MANAGE)
@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    form = TaskForm(request.POST or None, areas=Place.objects.restrict(user, MANAGE),
                    grids=Grid.objects.restrict(user, MANAGE), show_groups=may(user, "people.view_groups"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = actions.do_create_task(actions.TaskInput(
                title=data["title"], description=data["description"], checklist=form.checklist_lines(),
                target_kind=data["target_kind"], groups=data.get("groups") or [], areas=list(data["areas"]),
                only_grids=list(data["only_grids"]), due_on=data["due_on"], repeat=data["repeat"] or ""),
                acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error(None, _("You may not push this task down to these areas or groups."))
        else:
            messages.success(request, _("The task was pushed down to %(grids)d grids: %(items)d households or places.")
                             % {"grids": task.grids.count(), "items": task.items.count()})
            return redirect("tasks:detail", pk=task.pk)
    return render(request, "tasks/new.html", {"form": form}, status=422 if form.errors else 200)


def _item_rows(user: Any, items: Any) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        person = item.person if item.person_id and allows(user, "people.view", item.path) else None
        rows.append({"item": item, "person": person, "can_tick": allows(user, DO, item)})
    return rows


@route(VIEW, model=Task)
@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    task = get_or_404(Task.objects.select_related("area", "created_by"), user, VIEW, pk=pk)
    today = timezone.localdate()
    progress = queries.progress(user, task, today)
    # What is still to do first, in address order (the round a grid worker walks).
    items = queries.visible_items(user, task).select_related("person").order_by(
        Case(When(status=ItemStatus.PENDING, then=0), default=1), "path")
    grid = request.GET.get("grid", "")
    status = request.GET.get("status", "")
    if grid == "none":
        items = items.filter(grid__isnull=True)
    elif grid.isdigit():
        items = items.filter(grid_id=int(grid))
    elif len(progress.grids) > 1:
        items = items.none()  # many grids: choose one in the table first
    if status in ItemStatus.values:
        items = items.filter(status=status)
    page = Pager(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tasks/detail.html", {
        "task": task, "progress": progress, "page": page, "rows": _item_rows(user, page.object_list),
        "grid": grid, "status": status, "statuses": ItemStatus.choices, "today": today,
        "choose_grid": len(progress.grids) > 1 and not grid,
        "open": task.status == TaskStatus.OPEN, "can_manage": allows(user, MANAGE, task)})


@route(MANAGE, model=Task)
@login_required
@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_or_404(Task.objects.all(), request.user, MANAGE, pk=pk)
    try:
        actions.do_close_task(task, acting_user=request.user, stop_repeating=request.POST.get("stop") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The task is closed."))
    return redirect("tasks:detail", pk=task.pk)


@route(DO, model=TaskItem)
@csrf_exempt  # checked below, once the size of the upload is known to be reasonable
@login_required
def item_tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick one household or place off: the quick "done" button of the list posts here too.
    A body larger than a photo may be is refused before anything reads it (the CSRF check
    would otherwise parse it, spooling the upload to disk)."""
    refused = photos.body_too_large(request, 1) if request.method == "POST" else None
    if refused is not None:
        item = get_or_404(TaskItem.objects.select_related("task", "person"), request.user, DO, pk=pk)
        form = TickForm(checklist=item.task.checklist, initial={"status": item.status, "note": item.note})
        context = {**_item_context(request.user, item, form), "refused": " ".join(refused.messages)}
        return render(request, "tasks/item.html", context, status=413)
    return _item_tick(request, pk)


@csrf_protect
def _item_tick(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_or_404(TaskItem.objects.select_related("task", "person", "photo"), user, DO, pk=pk)
    checklist = item.task.checklist
    form = TickForm(request.POST or None, request.FILES or None, checklist=checklist,
                    initial={"status": item.status if item.status != ItemStatus.PENDING else ItemStatus.DONE,
                             "note": item.note, "answers": [i for i, a in enumerate(item.answers) if a]})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("photo")
        try:
            data = None
            if upload is not None:
                photos.check_size(upload.size or 0)
                data = upload.read()
            actions.do_tick_item(item, form.cleaned_data["status"], acting_user=user, note=form.cleaned_data["note"],
                                 answers=form.answers_list(checklist), photo=data)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("%(address)s: %(status)s.") % {
                "address": item.address, "status": ItemStatus(form.cleaned_data["status"]).label})
            back = request.POST.get("back", "")
            return redirect(back if back.startswith("/tasks/") else f"/tasks/{item.task_id}/")
    return render(request, "tasks/item.html", _item_context(user, item, form), status=422 if form.errors else 200)


def _item_context(user: Any, item: TaskItem, form: TickForm) -> dict[str, Any]:
    person = item.person if item.person_id and allows(user, "people.view", item.path) else None
    return {"item": item, "task": item.task, "form": form, "person": person,
            "open": item.task.status == TaskStatus.OPEN}


@route(VIEW, model=Photo)
@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    picture = get_or_404(Photo.objects.all(), request.user, VIEW, pk=pk)
    return photos.serve(picture, viewer=request.user, action="task.photo.view")


# --- visits -----------------------------------------------------------------------------------------

@route(VISITS_VIEW)
@login_required
def visits_today(request: HttpRequest) -> HttpResponse:
    """The grid worker's list for today: overdue first, then due today; the next days on request."""
    user = request.user
    if not may(user, VISITS_VIEW):
        return denied(request)
    today = timezone.localdate()
    soon = request.GET.get("soon") == "1"
    due = queries.due_list(user, today, soon=soon)
    sections = [("overdue", _("Overdue"), due.overdue, _("Nobody is overdue.")),
                ("due-today", _("Due today"), due.today, _("Nobody else is due today."))]
    if soon:
        sections.append(("due-soon", _("Due in the next days"), due.soon, _("Nobody.")))
    pending = queries.my_pending_items(user).count() if may(user, DO) else 0
    return render(request, "visits/today.html", {
        "sections": [(key, title, [_visit_row(user, plan, today, due.shows_groups) for plan in plans_], empty)
                     for key, title, plans_, empty in sections],
        "due": due, "today": today, "pending_items": pending, "soon": soon,
        "soon_count": len(due.soon) if soon else queries.due_counts(user, today, queries.SOON_DAYS)[2],
        "listed": len(due.overdue) + len(due.today) + len(due.soon),
        "can_plan": may(user, PLAN), "limit": queries.LIST_LIMIT, "record_label": _("Record visit")})


def _visit_row(user: Any, plan: VisitPlan, today: datetime.date, groups: bool) -> dict[str, Any]:
    """One household of the list, its words made here: a grid with a hundred households overdue
    renders in a fraction of the time the same words take as template tags."""
    late = (today - plan.next_due_on).days
    if late > 0:
        when = ngettext("%(n)d day overdue", "%(n)d days overdue", late) % {"n": late}
    elif late < 0:
        when = _("due %(day)s") % {"day": plan.next_due_on.strftime("%m-%d")}
    else:
        when = ""
    last = (_("last visit %(day)s") % {"day": plan.last_visit_on.isoformat()} if plan.last_visit_on
            else _("not visited yet"))
    if plan.last_outcome == "not_home" and plan.last_attempt_on:
        last += " · " + _("not at home on %(day)s") % {"day": plan.last_attempt_on.strftime("%m-%d")}
    name = plan.person.name if plan.person_id and plan.person else ""
    if name and plan.people_count > 1:
        more = plan.people_count - 1
        name += " " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
    return {"pk": plan.pk, "address": plan.address, "name": name, "when": when, "late": late > 0, "last": last,
            "reasons": queries.reasons_shown(user, plan) if groups else []}


@route(VISITS_VIEW, model=VisitPlan)
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = get_or_404(VisitPlan.objects.select_related("person", "grid"), user, VISITS_VIEW, pk=pk)
    visits = restricted(Visit.objects.filter(plan=plan), user, VISITS_VIEW).select_related("recorded_by")[:30]
    person = plan.person if plan.person_id and allows(user, "people.view", plan.path) else None
    return render(request, "visits/plan.html", {
        "plan": plan, "visits": visits, "person": person, "reasons": queries.reasons_shown(user, plan),
        "can_record": allows(user, RECORD, plan), "today": timezone.localdate()})


@route(RECORD, model=VisitPlan)
@login_required
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = get_or_404(VisitPlan.objects.select_related("person"), user, RECORD, pk=pk)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = actions.do_record_visit(plan, data["outcome"], acting_user=user, observations=data["observations"],
                                            needs_found=data["needs_found"], visited_on=data["visited_on"])
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("Visit recorded: %(address)s.") % {"address": plan.address})
            if visit.needs_found:
                return redirect(actions.request_url(plan.house_id, plan.person_id))
            return redirect("visits:today")
    person = plan.person if plan.person_id and allows(user, "people.view", plan.path) else None
    return render(request, "visits/record.html", {"plan": plan, "form": form, "person": person},
                  status=422 if form.errors else 200)


@route(PLAN, model=Place, kwarg="community", query=True, where=Q(level=Level.COMMUNITY))
@login_required
def care_levels(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, PLAN):
        return denied(request)
    communities = Place.objects.restrict(user, PLAN).filter(level=Level.COMMUNITY).order_by("path")
    chosen = request.GET.get("community", "")
    if chosen:
        community = get_or_404(communities, user, PLAN, pk=chosen)
    else:
        community = communities.first()
        if community is None:
            return render(request, "visits/levels.html", {"community": None, "communities": communities})
    levels = plans.levels_of(community)
    form = LevelsForm(request.POST or None, levels=levels)
    if request.method == "POST":
        try:
            if request.POST.get("refresh") == "1":
                result = actions.do_refresh_plans(community, acting_user=user)
            elif form.is_valid():
                result = actions.do_set_care_levels(community, form.levels(), acting_user=user)
            else:
                result = None
        except ValidationError as exc:
            form.add_action_errors(exc)
            result = None
        if result is not None:
            messages.success(request, _("Visit plans updated: %(active)d households, %(added)d added, %(ended)d "
                                        "no longer on the plan.")
                             % {"active": result.active, "added": result.added, "ended": result.ended})
            return redirect(f"{request.path}?community={community.pk}")
    counts = VisitPlan.objects.restrict(user, PLAN).filter(path__under=community.path, active=True)
    return render(request, "visits/levels.html", {
        "community": community, "communities": communities, "form": form, "plans": counts.count(),
        "defaults": plans.DEFAULT_LEVELS}, status=422 if form.errors else 200)


@route(VISITS_VIEW)
@login_required
def workload(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, VISITS_VIEW):
        return denied(request)
    try:
        days = int(request.GET.get("days", WORKLOAD_DAYS[1]))
    except ValueError:
        days = WORKLOAD_DAYS[1]
    days = days if days in WORKLOAD_DAYS else WORKLOAD_DAYS[1]
    return render(request, "visits/workload.html", {
        "loads": queries.workload(user, days), "days": days, "periods": WORKLOAD_DAYS,
        "shows_requests": may(user, queries.TICKETS_VIEW)})


WORKLOAD_DAYS = (7, 30, 90)
