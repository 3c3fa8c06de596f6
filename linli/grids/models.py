"""Grids (网格): a polygon inside one community, the places it covers and its 1 + N team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import PlaceScopedModel, RestrictedQuerySet, path_index
from linli.grids.rules import check_grid


class Grid(PlaceScopedModel):
    """``path`` is the community's path: the grid belongs to the community's scope."""

    community = models.ForeignKey("places.Place", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="grids")
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=64)
    polygon = models.JSONField(_("boundary (GeoJSON polygon)"), null=True, blank=True)
    places = models.ManyToManyField("places.Place", verbose_name=_("covered places"),
                                    related_name="covering_grids", blank=True)
    risk_colour = models.CharField(_("risk colour"), max_length=8, default="green")

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        indexes = [path_index("grid_path_prefix")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        places = list(self.places.all()) if self.pk else []
        check_grid(self.community, self.polygon, places)
        if self.community_id:
            self.path = self.community.path

    def covered_paths(self) -> list[str]:
        return list(self.places.values_list("path", flat=True))


class GridMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("grid leader")
        MEMBER = "member", _("grid member")

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_memberships")
    role = models.CharField(_("role in grid"), max_length=8, choices=Role.choices)
    duty = models.CharField(_("duty"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        constraints = [
            models.UniqueConstraint(fields=["grid", "user"], name="grid_member_once",
                                    violation_error_message=_("This person is already in the grid team.")),
            models.UniqueConstraint(fields=["grid"], condition=models.Q(role="leader"), name="grid_one_leader",
                                    violation_error_message=_("A grid has exactly one leader.")),
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.user} ({self.get_role_display()})"
