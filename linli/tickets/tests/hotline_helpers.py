"""Hotline exports in the tests: the demo's sample writer, and houses to write them about."""

from __future__ import annotations

from linli.places.models import Level, Place
from linli.tickets.hotline_sample import HEADERS, csv_export, order, where, xlsx_export

__all__ = ["HEADERS", "csv_export", "houses", "order", "where", "xlsx_export"]


def houses(building: Place, n: int) -> list[Place]:
    return list(Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path")[:n])
