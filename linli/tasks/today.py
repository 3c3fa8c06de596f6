"""Today's to-dos (今日待办) from tasks and visits, for the home pages: ``todos(user)``.

Each entry says what is waiting, how many, where to do it, and whether it is late. Only
entries with something waiting are returned, most urgent first. A grid worker gets her own
share (households to tick, visits due today and overdue); an office that pushes tasks down
gets its tasks past their deadline and the households overdue for a visit in its area.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.access import may
from linli.core.today import Item
from linli.tasks import queries
from linli.tasks.access import DO, MANAGE, RECORD, VISITS_VIEW
from linli.tasks.models import ItemStatus, Task, TaskItem, TaskStatus


@dataclass(frozen=True)
class Todo:
    label: str
    count: int
    url: str
    overdue: bool = False


def _task_todos(user: Any, today: datetime.date) -> list[Todo]:
    found = []
    if may(user, DO):
        pending = queries.my_pending_items(user)
        late = pending.filter(task__due_on__lt=today).count()
        due = pending.filter(task__due_on__gte=today).count()
        if late:
            found.append(Todo(_("Task households and places past their deadline"), late, reverse("tasks:list"), True))
        if due:
            found.append(Todo(_("Task households and places to tick off"), due, reverse("tasks:list")))
    if may(user, MANAGE):
        waiting = TaskItem.objects.filter(task=OuterRef("pk"), status=ItemStatus.PENDING)
        late_tasks = (Task.objects.restrict(user, MANAGE).filter(status=TaskStatus.OPEN, due_on__lt=today)
                      .filter(Exists(waiting)).count())
        if late_tasks:
            found.append(Todo(_("Tasks pushed down and not finished by their deadline"), late_tasks,
                              reverse("tasks:list"), True))
    return found


def _visit_todos(user: Any, today: datetime.date) -> list[Todo]:
    if not may(user, VISITS_VIEW):
        return []
    due, overdue, _soon = queries.due_counts(user, today)
    url = reverse("visits:today")
    found = []
    if overdue:
        label = _("Visits overdue") if may(user, RECORD) else _("Households overdue for a visit in your area")
        found.append(Todo(label, overdue, url, True))
    if due and may(user, RECORD):
        found.append(Todo(_("Visits due today"), due, url))
    return found


def todos(user: Any) -> list[Todo]:
    """What is waiting for ``user`` in tasks and visits, late first."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    found = _task_todos(user, today) + _visit_todos(user, today)
    return sorted(found, key=lambda todo: not todo.overdue)


def items(user: Any, day: datetime.date) -> list[Item]:
    """The same entries for the home page's list (``linli.core.today``)."""
    return [Item(_("%(what)s: %(n)s") % {"what": todo.label, "n": todo.count}, todo.url, count=todo.count,
                 urgent=todo.overdue, order=30) for todo in todos(user)]
