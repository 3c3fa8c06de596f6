"""The demo's visits and tasks on the test street: plans for every special-group household,
a history that leaves some overdue, the cold-wave task with progress, the weekly fire check
in its second week; running it twice adds nothing."""

from __future__ import annotations

import datetime

from django.utils import timezone

from linli.people.models import Person
from linli.people.search import group_token
from linli.tasks.demo import COLD_WAVE, FIRE_CHECK, prepare_demo_work
from linli.tasks.models import ItemStatus, Task, TaskItem, TaskStatus, Visit, VisitPlan


def test_the_demo_work_on_the_test_street(street):
    figures = prepare_demo_work(seed=3)
    assert figures is not None
    today = timezone.localdate()
    # every household with an elder living alone is on the plan, weekly
    alone = set(Person.objects.filter(is_active=True, special_groups_index__contains=group_token("alone_elder"))
                .values_list("current_house_id", flat=True))
    weekly = set(VisitPlan.objects.filter(active=True, interval_days=7).values_list("house_id", flat=True))
    assert alone and alone == weekly
    # 90 days of history: nothing in the future, nothing before the plans began; some overdue, some on time
    assert Visit.objects.count() == figures["visits"] > figures["plans"]
    assert not Visit.objects.filter(visited_on__gt=today).exists()
    assert not Visit.objects.filter(visited_on__lt=today - datetime.timedelta(days=90)).exists()
    assert 0 < figures["overdue"] < figures["plans"]
    assert VisitPlan.objects.filter(active=True, next_due_on__gte=today).exists()
    # the cold-wave task reached every grid with an elder living alone, partly done
    cold = Task.objects.get(title=COLD_WAVE)
    items = TaskItem.objects.filter(task=cold)
    assert items.count() == len(alone)
    assert 0 < items.exclude(status=ItemStatus.PENDING).count() < items.count()
    assert cold.starts_on == today - datetime.timedelta(days=3)
    # the weekly fire check: last week's closed, this week's open and pushed down again
    fire = list(Task.objects.filter(title=FIRE_CHECK).order_by("sequence"))
    assert [t.status for t in fire] == [TaskStatus.CLOSED, TaskStatus.OPEN]
    assert fire[1].previous == fire[0] and fire[1].starts_on == today
    assert fire[1].items.count() == fire[0].items.count() > 0
    assert prepare_demo_work(seed=3) is None
