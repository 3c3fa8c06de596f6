"""Tasks pushed down to grids (任务下派) and household visits (走访).

A task is pushed down by an office (the street or a community, its ``area``) to the grids
covering its targets: one item per household or place, each ticked off by a grid worker
of that grid. Visit plans follow from the households' special groups and the care level
the community secretary set for each group; a visit record counts toward its plan.

Every row carries the path of the place it concerns (the task: the office's area; an item,
a plan, a visit, a photo: the house or place), so scoping is the usual prefix filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedJSONListField, EncryptedTextField
from linli.core.models import PlaceScopedModel, SealedPhoto, path_index
from linli.tasks import schedule


class Repeat(models.TextChoices):
    NONE = "", _("does not repeat")
    WEEKLY = schedule.WEEKLY, _("every week")
    FORTNIGHTLY = schedule.FORTNIGHTLY, _("every two weeks")
    MONTHLY = schedule.MONTHLY, _("every month")


class TargetKind(models.TextChoices):
    GROUP_HOUSEHOLDS = "group", _("households with someone in the chosen special groups")
    HOUSEHOLDS = "households", _("every household living there")
    BUILDINGS = "buildings", _("every building")
    ORGANIZATIONS = "organizations", _("the premises of every organisation (shops, services)")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Task(PlaceScopedModel):
    """``path`` is the area of the office that pushed the task down (its street or community)."""

    area = models.ForeignKey("places.Place", verbose_name=_("pushed down by the office of"),
                             on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("what to do"), blank=True)
    checklist = models.JSONField(_("checklist for each household or place"), default=list, blank=True)
    target_kind = models.CharField(_("targets"), max_length=16, choices=TargetKind.choices)
    groups = models.JSONField(_("special groups"), default=list, blank=True)
    areas = models.ManyToManyField("places.Place", verbose_name=_("in these areas"), related_name="+")
    only_grids = models.ManyToManyField("grids.Grid", verbose_name=_("only these grids"), related_name="+",
                                        blank=True)
    # The grids that hold at least one target: whose workers see the task.
    grids = models.ManyToManyField("grids.Grid", verbose_name=_("pushed down to"), related_name="tasks",
                                   blank=True)
    starts_on = models.DateField(_("from"))
    due_on = models.DateField(_("deadline"))
    repeat = models.CharField(_("repeats"), max_length=12, choices=Repeat.choices, blank=True, default="")
    series = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="next_occurrence")
    sequence = models.PositiveIntegerField(_("occurrence"), default=1)
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("pushed-down task")
        verbose_name_plural = _("pushed-down tasks")
        ordering = ["-starts_on", "-pk"]
        indexes = [path_index("task_path_prefix"),
                   models.Index(fields=["status", "due_on"], name="task_status_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_on__gte=models.F("starts_on")), name="task_due_after_start",
                                   violation_error_message=_("The deadline cannot be before the start.")),
        ]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("to do")
    DONE = "done", _("done")
    COULD_NOT = "could_not", _("could not be done")


class Photo(SealedPhoto):
    """A photo taken at a household or place, re-encoded (JPEG, no metadata) and sealed."""

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        indexes = [path_index("task_photo_path_prefix")]


class TaskItem(PlaceScopedModel):
    """One household or place of a task, in the grid that covers it (none: no grid covers it)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="items")
    place = models.ForeignKey("places.Place", verbose_name=_("household or place"), on_delete=models.PROTECT,
                              related_name="+")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(_("address"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    answers = models.JSONField(_("checklist answers"), default=list, blank=True)
    note = EncryptedTextField(_("note"))
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_at = models.DateTimeField(_("ticked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task item")
        verbose_name_plural = _("task items")
        ordering = ["task", "path"]
        indexes = [path_index("task_item_path_prefix"),
                   models.Index(fields=["task", "grid", "status"], name="task_item_progress"),
                   models.Index(fields=["done_by", "done_at"], name="task_item_done_by")]
        constraints = [
            models.UniqueConstraint(fields=["task", "place"], name="task_item_once",
                                    violation_error_message=_("This place is already in the task.")),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.address}"


class VisitOutcome(models.TextChoices):
    MET = "met", _("met")
    NOT_HOME = "not_home", _("not at home")
    REFUSED = "refused", _("refused the visit")


# A visit counts toward the plan when the household answered: met, or said no. Nobody at home
# is an attempt: the household stays due and is tried again.
COUNTING_OUTCOMES = (VisitOutcome.MET, VisitOutcome.REFUSED)


class CareLevel(PlaceScopedModel):
    """How often the households of one special group are visited in one community (``path``
    is the community's). Groups without a row keep the defaults of ``linli.tasks.visits``."""

    community = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("special group"), max_length=24)
    interval_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("care level")
        verbose_name_plural = _("care levels")
        indexes = [path_index("care_level_path_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["community", "group"], name="care_level_once",
                                    violation_error_message=_("This group already has a care level here.")),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.group}: {self.interval_days}"


class VisitPlan(PlaceScopedModel):
    """A household to visit every ``interval_days`` (the shortest interval of its members'
    groups); ``reasons`` are those groups, sealed like the tags they come from."""

    house = models.OneToOneField("places.Place", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("people.Person", verbose_name=_("whom to visit"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    people_count = models.PositiveSmallIntegerField(default=1)
    address = models.CharField(_("address"), max_length=200)
    reasons = EncryptedJSONListField(_("special groups"))
    interval_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    active = models.BooleanField(_("on the plan"), default=True)
    starts_on = models.DateField(_("on the plan since"))
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True)
    last_attempt_on = models.DateField(_("last attempt"), null=True, blank=True)
    last_outcome = models.CharField(max_length=10, choices=VisitOutcome.choices, blank=True)
    next_due_on = models.DateField(_("next visit due"))

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["next_due_on", "path"]
        indexes = [path_index("visit_plan_path_prefix"),
                   models.Index(fields=["grid", "active", "next_due_on"], name="visit_plan_grid_due"),
                   models.Index(fields=["active", "next_due_on"], name="visit_plan_due"),
                   # an area's plans due by a day (the overview's counter), read from the index alone
                   models.Index(fields=["path", "next_due_on"], name="visit_plan_due_by_path",
                                opclasses=["varchar_pattern_ops", "date_ops"], condition=models.Q(active=True))]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: object, **kwargs: object) -> None:
        self.next_due_on = schedule.next_visit_due(self.starts_on, self.interval_days, self.last_visit_on)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Visit(PlaceScopedModel):
    """One visit to a household on a plan, as the grid worker recorded it."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.PROTECT, related_name="visits")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visited_on = models.DateField(_("visited on"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=VisitOutcome.choices)
    observations = EncryptedTextField(_("observations"))
    needs_found = models.BooleanField(_("needs found"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [path_index("visit_path_prefix"),
                   models.Index(fields=["plan", "visited_on"], name="visit_plan_day"),
                   models.Index(fields=["recorded_by", "visited_on"], name="visit_recorder_day"),
                   models.Index(fields=["grid", "visited_on"], name="visit_grid_day")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.visited_on} {self.outcome}"
