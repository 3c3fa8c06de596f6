"""The houses' QR stickers: what each one carries, and the sheet community staff print.

A sticker's QR code is the address of the house's door page (``/alerts/door/<code>/<token>/``):
a grid worker scans it with her phone's camera at the door and the page checks her in to the
house's open alert. The token (``actions.sticker_token``) is a keyed hash of the house's code,
so a sticker cannot be made without the site's key; it is printed beside the code too, to be
typed when the camera will not read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.http import HttpRequest
from django.urls import reverse

from linli.alerts.actions import sticker_token
from linli.places.models import Level, Place, names_by_path
from linli.places.rules import ancestor_paths

MAX_STICKERS = 2000  # a large compound's houses; beyond that, print building by building
PER_SHEET = 12  # 3 × 4 on an A4 page


@dataclass(frozen=True)
class Sticker:
    house: Place
    place: str  # the compound and building (玉兰苑 3号楼)
    room: str  # the unit and house (1单元 502室), printed large
    token: str
    shown_token: str  # grouped by four for typing
    url: str
    svg: str


def group(token: str) -> str:
    return "-".join(token[i:i + 4] for i in range(0, len(token), 4))


def door_url(request: HttpRequest, house: Place) -> str:
    return request.build_absolute_uri(reverse("alerts:door", args=[house.code, sticker_token(house)]))


def houses_of(area: Place) -> list[Place]:
    """The houses of a building or compound in address order (one more than printed: to say so)."""
    return list(Place.objects.filter(path__startswith=area.path, level=Level.HOUSE).order_by("path")
                [:MAX_STICKERS + 1])


def stickers(request: HttpRequest, houses: list[Place]) -> list[Sticker]:
    names = names_by_path({h.path for h in houses})
    levels = dict(Place.objects.filter(path__in=list(names)).values_list("path", "level"))
    found = []
    for house in houses:
        above = ancestor_paths(house.path)
        place = "".join(names.get(p, "") for p in above if levels.get(p) in (Level.COMPOUND, Level.BUILDING))
        unit = "".join(names.get(p, "") for p in above if levels.get(p) == Level.UNIT)
        token = sticker_token(house)
        url = door_url(request, house)
        qr = segno.make(url, error="m", micro=False)
        found.append(Sticker(house=house, place=place, room=f"{unit}{house.name}", token=token,
                             shown_token=group(token), url=url,
                             svg=qr.svg_inline(scale=4, border=2, omitsize=True)))
    return found
