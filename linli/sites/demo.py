"""The demo street's disinfection points, their last month of visits, and its shelters.

Each compound gets a refuse room by every few buildings, a lift in the towers, a stairwell
or two and its public areas (the gate, the playground), placed inside its wall; each is
disinfected every 2 to 7 days by its kind, a little late now and then, so that today some
points are done, some due and some overdue. Each community gets two shelters (a school's
gym, the community centre). Rows are written in bulk; running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from linli.core.models import User
from linli.places.models import Level, Place
from linli.sites.models import DisinfectionPoint, DisinfectionVisit, PointKind, Shelter
from linli.sites.queries import centre_of

INTERVALS = {PointKind.REFUSE: 2, PointKind.LIFT: 3, PointKind.STAIRWELL: 7, PointKind.PUBLIC: 7}
DISINFECTANTS = ("含氯消毒液 500mg/L", "含氯消毒液 1000mg/L", "75%酒精", "过氧乙酸 0.2%")
HISTORY_DAYS = 30
FORGOTTEN = "健身广场"


def _inside(boundary: dict | None, near: tuple[float, float], rng: random.Random, spread: float) -> tuple[float, float]:
    """A spot near ``near`` that lies inside the compound's wall (``near`` itself if none does)."""
    outline = shape(boundary) if boundary else None
    for _ in range(30):
        spot = (near[0] + rng.uniform(-spread, spread), near[1] + rng.uniform(-spread, spread))
        if outline is None or outline.contains(Point(spot)):
            return round(spot[0], 6), round(spot[1], 6)
    return near


def _points_of(compound: Place, buildings: list[Place], rng: random.Random) -> list[DisinfectionPoint]:
    centre = (compound.longitude or 0.0, compound.latitude or 0.0)
    made: list[DisinfectionPoint] = []

    def add(name: str, kind: str, near: tuple[float, float], spread: float) -> None:
        lon, lat = _inside(compound.boundary, near, rng, spread)
        made.append(DisinfectionPoint(place=compound, path=compound.path, name=name, kind=kind, longitude=lon,
                                      latitude=lat, interval_days=INTERVALS[PointKind(kind)]))

    located = [b for b in buildings if b.longitude is not None and b.latitude is not None]
    for i, building in enumerate(located[::4]):
        add(f"{building.name}旁垃圾房" if i else "小区垃圾房", PointKind.REFUSE,
            (building.longitude, building.latitude), 0.0002)  # type: ignore[arg-type]
    for building in [b for b in located if b.has_lift][:2]:
        add(f"{building.name}电梯", PointKind.LIFT, (building.longitude, building.latitude), 0.00005)  # type: ignore[arg-type]
    for building in rng.sample(located, min(2, len(located))):
        add(f"{building.name}楼道", PointKind.STAIRWELL, (building.longitude, building.latitude), 0.00005)  # type: ignore[arg-type]
    add("小区大门", PointKind.PUBLIC, centre, 0.0006)
    add(FORGOTTEN, PointKind.PUBLIC, centre, 0.0004)
    return made


def _history(points: list[DisinfectionPoint], team: list[User], rng: random.Random,
             today: datetime.date) -> list[DisinfectionVisit]:
    visits: list[DisinfectionVisit] = []
    zone = timezone.get_current_timezone()
    for point in points:
        day = today - datetime.timedelta(days=HISTORY_DAYS - rng.randint(0, point.interval_days))
        last = None
        # The playground is the point teams forget: overdue in every compound, so that each
        # team's route has something on it whatever day the demo is built.
        until = today - datetime.timedelta(days=point.interval_days + 3) if point.name == FORGOTTEN else today
        while day <= until:
            if day == today and rng.random() < 0.6:
                break  # not reached yet today
            at = datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.randint(0, 59)), zone)
            if day == today:  # this morning's round, however early the demo is started
                midnight = datetime.datetime.combine(day, datetime.time(0, 1), zone)
                at = max(midnight, timezone.now() - datetime.timedelta(minutes=rng.randint(5, 180)))
            visits.append(DisinfectionVisit(point=point, path=point.path, visited_at=at, visited_by=rng.choice(team),
                                            disinfectant=rng.choice(DISINFECTANTS)))
            last = day
            day += datetime.timedelta(days=point.interval_days + (rng.randint(1, 3) if rng.random() < 0.2 else 0))
        point.last_visited_on = last
    return visits


def prepare_demo_sites(seed: int) -> dict[str, int]:
    if DisinfectionPoint.objects.exists():
        return {}
    rng = random.Random(f"{seed}-sites")  # noqa: S311 - made-up data
    today = timezone.localdate()
    team = list(User.objects.filter(username__in=["demo-grid", "demo-community"])) or list(
        User.objects.filter(is_superuser=True)[:1])
    compounds = list(Place.objects.filter(level=Level.COMPOUND).order_by("path"))
    buildings: dict[int, list[Place]] = {}
    for building in Place.objects.filter(level=Level.BUILDING).only(
            "pk", "parent_id", "name", "longitude", "latitude", "has_lift").order_by("path"):
        buildings.setdefault(building.parent_id or 0, []).append(building)
    with transaction.atomic():
        points: list[DisinfectionPoint] = []
        for compound in compounds:
            if compound.longitude is None:
                continue
            points.extend(_points_of(compound, buildings.get(compound.pk, []), rng))
        visits = _history(points, team, rng, today) if team else []
        DisinfectionPoint.objects.bulk_create(points, batch_size=500)
        saved = {(p.place_id, p.name): p for p in DisinfectionPoint.objects.all()}
        for visit in visits:
            visit.point = saved[(visit.point.place_id, visit.point.name)]
        DisinfectionVisit.objects.bulk_create(visits, batch_size=1000)
        shelters = []
        for community in Place.objects.filter(level=Level.COMMUNITY).order_by("path"):
            centre = centre_of(community)
            if centre is None:
                continue
            for name, capacity, offset in (("社区文化活动中心", rng.randint(150, 300), 0.0008),
                                           ("小学体育馆（应急避难场所）", rng.randint(400, 800), 0.0015)):
                lon, lat = _inside(community.boundary, centre, rng, offset)
                shelters.append(Shelter(place=community, path=community.path, name=name, longitude=lon,
                                        latitude=lat, capacity=capacity, contact="社区值班电话 021-5000 1234"))
        Shelter.objects.bulk_create(shelters)
    return {"points": len(points), "visits": len(visits), "shelters": len(shelters)}
