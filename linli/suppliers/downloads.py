"""The stock as a spreadsheet, made in the background (``linli.downloads``): the page (or the
API) asks for it and follows its progress; the task worker makes it. The file covers the points
its author sees (``supplies.view``: the offices over their area, the keepers named on a point)
under the area it is filed at: the narrowest place holding all of them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied
from linli.downloads.registry import Asked, Made, Maker, ProgressFn, register
from linli.places.models import Place
from linli.suppliers import stockfile
from linli.supplies import queries as supplies_queries
from linli.supplies.access import VIEW
from linli.supplies.models import StoragePoint

KIND = "stock"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def area_of_points(user: Any) -> Place:
    """Where her stock file is filed: the narrowest place holding every point she sees."""
    paths = sorted(set(supplies_queries.visible_points(user).values_list("path", flat=True)))
    if not paths:
        raise ValidationError(_("You see no storage point: there is no stock to export."), code="no_points")
    first, last = paths[0].strip("/").split("/"), paths[-1].strip("/").split("/")
    common: list[str] = []
    for a, b in zip(first, last, strict=False):  # sorted: the first and last share what all share
        if a != b:
            break
        common.append(a)
    candidates = ["/".join(common[:n]) + "/" for n in range(len(common), 0, -1)]
    found = {p.path: p for p in Place.objects.filter(path__in=candidates)}
    place = next((found[c] for c in candidates if c in found), None)
    if place is None:
        raise ValidationError(_("You see no storage point: there is no stock to export."), code="no_points")
    return place


def _points(user: Any, scope: Place) -> QuerySet[StoragePoint]:
    if not supplies_queries.keeps_any(user):
        raise PermissionDenied(VIEW)
    return supplies_queries.visible_points(user).filter(path__startswith=scope.path)


def _asked(user: Any, scope: Place, params: dict[str, Any]) -> Asked:
    _points(user, scope)
    return Asked(f"{scope.name} · 库存 stock", VIEW)


def _made(user: Any, scope: Place, params: dict[str, Any], progress: ProgressFn) -> Made:
    data = stockfile.export_xlsx(_points(user, scope), progress=progress)  # her rights as they are now
    audit.record("suppliers.stock_export", actor=user, object_type="supplies.lot", path=scope.path,
                 detail={"bytes": len(data), "area": scope.code, "background": True})
    return Made(f"stock-{timezone.localdate().isoformat()}.xlsx", XLSX, data)


def register_maker() -> None:
    register(KIND, Maker(check=_asked, make=_made))
