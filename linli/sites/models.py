"""Field sites the community keeps on its map: disinfection points (消杀点位) with their visits,
and emergency shelters (应急避难场所). Each lies at a point (WGS 84) inside a compound (points)
or a community (shelters) and is filed under that place's path."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.models import PlaceScopedModel, path_index
from linli.places.models import Place


class PointKind(models.TextChoices):
    REFUSE = "refuse", _("refuse room (垃圾房)")
    STAIRWELL = "stairwell", _("stairwell (楼道)")
    LIFT = "lift", _("lift (电梯)")
    PUBLIC = "public", _("public area (公共区域)")


class PointState(models.TextChoices):
    """Where a point stands today, for its colour on the map and its place in today's route."""

    DONE = "done", _("disinfected today")
    DUE = "due", pgettext_lazy("disinfection", "due today")
    OVERDUE = "overdue", _("overdue")
    LATER = "later", _("not due yet")


class DisinfectionPoint(PlaceScopedModel):
    place = models.ForeignKey(Place, verbose_name=_("compound"), on_delete=models.PROTECT,
                              related_name="disinfection_points")
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=PointKind.choices)
    longitude = models.FloatField(_("longitude"))
    latitude = models.FloatField(_("latitude"))
    interval_days = models.PositiveSmallIntegerField(_("every (days)"), default=7)
    active = models.BooleanField(_("in use"), default=True)
    # Kept by ``do_record_visit`` so that "due" and "overdue" are grouped queries.
    last_visited_on = models.DateField(_("last disinfected"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("disinfection point")
        verbose_name_plural = _("disinfection points")
        ordering = ["path", "name"]
        indexes = [path_index("sites_point_path")]
        constraints = [models.UniqueConstraint(
            fields=["place", "name"], name="sites_point_unique_name",
            violation_error_message=_("This compound already has a disinfection point with this name."))]

    def __str__(self) -> str:
        return self.name

    def next_due(self) -> datetime.date | None:
        """The day it is next due (None: never disinfected, due at once)."""
        if self.last_visited_on is None:
            return None
        return self.last_visited_on + datetime.timedelta(days=self.interval_days)

    def state(self, today: datetime.date) -> PointState:
        if self.last_visited_on is not None and self.last_visited_on >= today:
            return PointState.DONE
        due = self.next_due()
        if due is None or due < today:
            return PointState.OVERDUE
        return PointState.DUE if due == today else PointState.LATER


class DisinfectionVisit(PlaceScopedModel):
    point = models.ForeignKey(DisinfectionPoint, verbose_name=_("disinfection point"), on_delete=models.CASCADE,
                              related_name="visits")
    visited_at = models.DateTimeField(_("disinfected at"))
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    disinfectant = models.CharField(_("disinfectant"), max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("disinfection visit")
        verbose_name_plural = _("disinfection visits")
        ordering = ["-visited_at"]
        indexes = [path_index("sites_visit_path"), models.Index(fields=["point", "-visited_at"], name="sites_visit_point")]

    def __str__(self) -> str:
        return f"{self.point} {self.visited_at:%Y-%m-%d %H:%M}"


class Shelter(PlaceScopedModel):
    place = models.ForeignKey(Place, verbose_name=_("community or compound"), on_delete=models.PROTECT,
                              related_name="shelters")
    name = models.CharField(_("name"), max_length=64)
    longitude = models.FloatField(_("longitude"))
    latitude = models.FloatField(_("latitude"))
    capacity = models.PositiveIntegerField(_("capacity (people)"))
    contact = models.CharField(_("contact"), max_length=64, help_text=_("who opens it, and a duty phone"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("emergency shelter")
        verbose_name_plural = _("emergency shelters")
        ordering = ["path", "name"]
        indexes = [path_index("sites_shelter_path")]
        constraints = [models.UniqueConstraint(
            fields=["place", "name"], name="sites_shelter_unique_name",
            violation_error_message=_("This place already has a shelter with this name."))]

    def __str__(self) -> str:
        return self.name
