"""Adding disinfection points and shelters, and recording a disinfection: each action checks
its own permission, runs in one transaction and writes an audit row."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from shapely.geometry import Point, shape

from linli.core import audit
from linli.core.access import require
from linli.core.text import has_control_characters
from linli.places.models import Level, Place
from linli.sites.access import MANAGE, RECORD
from linli.sites.models import DisinfectionPoint, DisinfectionVisit, PointKind, Shelter

MAX_INTERVAL = 90
SHELTER_REACH_METRES = 1000.0  # a shelter may lie across the road from its community (a school, a gym)
METRES_PER_DEGREE = 111_320.0


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]}, code="required")
    if len(value) > limit or has_control_characters(value):
        raise ValidationError({field: [_("Use at most %(limit)s characters, without control characters.")]},
                              code="text", params={"limit": limit})
    return value


def _distance_outside(place: Place, longitude: float, latitude: float) -> float | None:
    """Metres from the point to the place's outline (0 inside); None when the place has none."""
    if not place.boundary:
        return None
    k = math.cos(math.radians(latitude))
    outline = shape(place.boundary)
    gap_degrees = outline.distance(Point(longitude, latitude))
    return gap_degrees * METRES_PER_DEGREE * k if gap_degrees else 0.0


def _located(place: Place, longitude: Any, latitude: Any, *, reach: float) -> tuple[float, float]:
    try:
        lon, lat = float(longitude), float(latitude)
    except (TypeError, ValueError):
        raise ValidationError({"longitude": [_("Give the location as longitude and latitude in degrees.")]},
                              code="location") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and 73 <= lon <= 136 and 3 <= lat <= 54):
        raise ValidationError({"longitude": [_("This location is not in China: longitude 73–136, latitude 3–54.")]},
                              code="location")
    gap = _distance_outside(place, lon, lat)
    if gap is not None and gap > reach:
        raise ValidationError({"longitude": [_("This location lies outside %(place)s.")]}, code="outside",
                              params={"place": place.name})
    return lon, lat


@dataclass(frozen=True)
class PointInput:
    name: str
    kind: str
    longitude: Any
    latitude: Any
    interval_days: Any = 7


def _point_fields(compound: Place, data: PointInput, *, other_than: int | None = None) -> dict[str, Any]:
    """The checked fields of a point in ``compound`` (a new one, or point ``other_than`` changed)."""
    if compound.level != Level.COMPOUND:
        raise ValidationError({"place": [_("A disinfection point belongs to a compound.")]}, code="level")
    name = _text(data.name, "name", 64)
    if data.kind not in PointKind.values:
        raise ValidationError({"kind": [_("Choose the kind of point from the list.")]}, code="kind")
    try:
        interval = int(data.interval_days)
    except (TypeError, ValueError):
        interval = 0
    if not 1 <= interval <= MAX_INTERVAL:
        raise ValidationError({"interval_days": [_("Disinfect every 1 to %(max)s days.")]}, code="interval",
                              params={"max": MAX_INTERVAL})
    lon, lat = _located(compound, data.longitude, data.latitude, reach=0.0)
    same = DisinfectionPoint.objects.filter(place=compound, name=name)
    if (same.exclude(pk=other_than) if other_than is not None else same).exists():
        raise ValidationError({"name": [_("This compound already has a disinfection point with this name.")]},
                              code="unique")
    return {"name": name, "kind": data.kind, "longitude": lon, "latitude": lat, "interval_days": interval}


@transaction.atomic
def do_add_point(compound: Place, data: PointInput, *, acting_user: Any) -> DisinfectionPoint:
    require(acting_user, MANAGE, compound.path)
    fields = _point_fields(compound, data)
    point = DisinfectionPoint.objects.create(place=compound, path=compound.path, created_by=acting_user, **fields)
    audit.record("sites.point.add", actor=acting_user, obj=point,
                 detail={"name": fields["name"], "kind": data.kind, "interval_days": fields["interval_days"]})
    return point


@transaction.atomic
def do_change_point(point: DisinfectionPoint, data: PointInput, *, active: bool, acting_user: Any) -> DisinfectionPoint:
    """Rename, re-kind, move or re-time a point of its compound, or take it out of use (or back)."""
    require(acting_user, MANAGE, point)
    locked = DisinfectionPoint.objects.select_for_update().select_related("place").get(pk=point.pk)
    fields = _point_fields(locked.place, data, other_than=locked.pk)
    fields["active"] = bool(active)
    changed = {k: v for k, v in fields.items() if getattr(locked, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(locked, k, v)
        locked.save(update_fields=[*changed, "updated_at"])
        audit.record("sites.point.change", actor=acting_user, obj=locked, detail=changed)
    return locked


@dataclass(frozen=True)
class ShelterInput:
    name: str
    longitude: Any
    latitude: Any
    capacity: Any
    contact: str


def _shelter_fields(place: Place, data: ShelterInput, *, other_than: int | None = None) -> dict[str, Any]:
    if place.level not in (Level.COMMUNITY, Level.COMPOUND):
        raise ValidationError({"place": [_("A shelter belongs to a community or a compound.")]}, code="level")
    name = _text(data.name, "name", 64)
    contact = _text(data.contact, "contact", 64)
    try:
        capacity = int(data.capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= 100_000:
        raise ValidationError({"capacity": [_("Give the number of people it holds, 1 to 100,000.")]},
                              code="capacity")
    lon, lat = _located(place, data.longitude, data.latitude, reach=SHELTER_REACH_METRES)
    same = Shelter.objects.filter(place=place, name=name)
    if (same.exclude(pk=other_than) if other_than is not None else same).exists():
        raise ValidationError({"name": [_("This place already has a shelter with this name.")]}, code="unique")
    return {"name": name, "contact": contact, "capacity": capacity, "longitude": lon, "latitude": lat}


@transaction.atomic
def do_add_shelter(place: Place, data: ShelterInput, *, acting_user: Any) -> Shelter:
    require(acting_user, MANAGE, place.path)
    fields = _shelter_fields(place, data)
    shelter = Shelter.objects.create(place=place, path=place.path, **fields)
    audit.record("sites.shelter.add", actor=acting_user, obj=shelter,
                 detail={"name": fields["name"], "capacity": fields["capacity"]})
    return shelter


@transaction.atomic
def do_change_shelter(shelter: Shelter, data: ShelterInput, *, active: bool, acting_user: Any) -> Shelter:
    """Change a shelter's name, capacity, contact or location, or close it (or open it again)."""
    require(acting_user, MANAGE, shelter)
    locked = Shelter.objects.select_for_update().select_related("place").get(pk=shelter.pk)
    fields = _shelter_fields(locked.place, data, other_than=locked.pk)
    fields["active"] = bool(active)
    changed = {k: v for k, v in fields.items() if getattr(locked, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(locked, k, v)
        locked.save(update_fields=[*changed, "updated_at"])
        audit.record("sites.shelter.change", actor=acting_user, obj=locked, detail=changed)
    return locked


@transaction.atomic
def do_record_visit(point: DisinfectionPoint, *, acting_user: Any, disinfectant: str, note: str = "",
                    at: datetime.datetime | None = None) -> DisinfectionVisit:
    """One disinfection of a point, now (or earlier today, for a form filled in afterwards)."""
    require(acting_user, RECORD, point)
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at) or at > now + datetime.timedelta(minutes=5) or \
            timezone.localdate(at) < timezone.localdate(now) - datetime.timedelta(days=1):
        raise ValidationError({"visited_at": [_("A disinfection is recorded on the day, or the day after.")]},
                              code="when")
    if not point.active:
        raise ValidationError({"point": [_("This point is no longer in use.")]}, code="inactive")
    disinfectant = _text(disinfectant, "disinfectant", 64)
    note = _text(note, "note", 200, required=False)
    locked = DisinfectionPoint.objects.select_for_update().get(pk=point.pk)
    try:
        visit = DisinfectionVisit.objects.create(point=locked, path=locked.path, visited_at=at,
                                                 visited_by=acting_user, disinfectant=disinfectant, note=note)
    except IntegrityError as error:  # pragma: no cover - no constraint can fail here today
        raise ValidationError(_("The visit could not be saved.")) from error
    day = timezone.localdate(at)
    if locked.last_visited_on is None or day > locked.last_visited_on:
        locked.last_visited_on = day
        locked.save(update_fields=["last_visited_on", "updated_at"])
    point.last_visited_on = locked.last_visited_on
    audit.record("sites.point.disinfect", actor=acting_user, obj=visit,
                 detail={"point": locked.pk, "disinfectant": disinfectant})
    return visit
