"""The grids on the one-screen overview's map: each grid's outline and name, in every scenario,
for whoever sees the grids of the area (``grids.view``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.access import may
from linli.grids.models import Grid
from linli.overview.registry import ALL_SCENARIOS, POINTS, Layer, LegendEntry, register_layer

VIEW = "grids.view"


def outlines(user: Any, place: Any, today: datetime.date) -> Layer | None:
    if not may(user, VIEW):
        return None
    grids = (Grid.objects.restrict(user, VIEW).filter(path__under=place.path, polygon__isnull=False)
             .order_by("code").values_list("pk", "name", "polygon"))
    features = [{"type": "Feature", "geometry": polygon, "properties": {
        "place": pk, "colour": "grid", "name": name, "url": reverse("grids:detail", args=[pk])}}
        for pk, name, polygon in grids if isinstance(polygon, dict)]
    return Layer(features, (LegendEntry("grid", "#198754", _("a grid's boundary (dashed)")),), _("grids"))


def register() -> None:
    register_layer("grids.outlines", outlines, scenarios=ALL_SCENARIOS, kind=POINTS,
                   label=gettext_lazy("Grids"), people=False, order=90)
