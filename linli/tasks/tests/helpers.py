"""Shared by the task and visit tests (and the access matrix): tasks, plans and photos made
through the actions in the test street."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.utils import timezone
from PIL import Image

from linli.conftest import Street
from linli.people.actions import PersonInput, do_create_person
from linli.people.models import Person
from linli.places.models import Level, Place
from linli.tasks import actions, plans
from linli.tasks.models import TargetKind, Task, TaskItem, VisitPlan


def jpeg(width: int = 40, height: int = 30, colour: str = "red", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="JPEG", **save)
    return out.getvalue()


def push_buildings(user: Any, area: Place, title: str = "消防检查", **fields: Any) -> Task:
    """A task for every building of ``area``, due in a week."""
    data = {"title": title, "due_on": timezone.localdate() + datetime.timedelta(days=6),
            "target_kind": TargetKind.BUILDINGS, "areas": [area], **fields}
    return actions.do_create_task(actions.TaskInput(**data), acting_user=user)


def item_in(task: Task, building: Place) -> TaskItem:
    return TaskItem.objects.get(task=task, path__startswith=building.path)


def elder_in(street: Street, house: Place, name: str = "独居老人", groups: tuple[str, ...] = ("alone_elder",)) -> Person:
    return do_create_person(PersonInput(name=name, special_groups=list(groups)), acting_user=street.admin, house=house)


def plan_for(house: Place) -> VisitPlan:
    community = Place.objects.get(path="/".join(house.path.split("/")[:5]) + "/", level=Level.COMMUNITY)
    plans.refresh_plans(community)
    return VisitPlan.objects.get(house=house)


def make_matrix_rows(street: Street, far: dict[str, Place]) -> None:
    """For the access matrix: a task, its items, a photo and a visit plan inside the grid
    worker's grid, and the same in the far district."""
    inside = push_buildings(street.secretary, street.community)
    actions.do_tick_item(item_in(inside, street.grid_building), "done", acting_user=street.grid_worker, photo=jpeg())
    outside = push_buildings(street.admin, far[Level.COMMUNITY])
    actions.do_tick_item(TaskItem.objects.get(task=outside), "done", acting_user=street.admin, photo=jpeg())
    for house in (street.house_in(street.grid_building), far[Level.HOUSE]):
        elder_in(street, house)
        plan_for(house)


def codes(error: Any) -> set[str]:
    """The codes of a ValidationError's messages, of every field."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}
