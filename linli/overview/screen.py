"""The data of one screen: the base map of a street or community (GeoJSON of its places, served
by Linli so the map needs no tile server) and the counters and layers of a scenario, read from
the registry (``linli.overview.registry``) with street-level suppression applied."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy

from linli.core.access import restricted, scope_for
from linli.core.errors import Bilingual
from linli.overview import registry
from linli.overview.access import VIEW
from linli.places.models import LEVELS, Level, Place

SCREEN_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)  # the places a screen is about
MAPPED_LEVELS = (Level.COMMUNITY, Level.COMPOUND, Level.BUILDING)  # what a street's base map draws
# A district's map stops at the compounds: its tens of thousands of buildings would be megabytes
# the officer cannot tell apart at that zoom; she opens a street's screen for them.
DISTRICT_MAPPED_LEVELS = (Level.STREET, Level.COMMUNITY, Level.COMPOUND)


def mapped_levels(place: Place) -> tuple[str, ...]:
    return DISTRICT_MAPPED_LEVELS if place.level == Level.DISTRICT else MAPPED_LEVELS


def home_place(user: Any) -> Place | None:
    """The place the user's screen opens on: the district, street or community her scope is (the
    narrowest one holding all of it); for a scope of everything, the first street."""
    scope = scope_for(user, VIEW)
    if scope.empty:
        return None
    places = restricted(Place.objects.filter(level__in=SCREEN_LEVELS), user, VIEW).order_by("path")
    area = scope.area
    if area:
        exact = places.filter(path=area).first()
        if exact is not None:
            return exact
    return places.exclude(level=Level.DISTRICT).first() or places.first()


def suppressed_at(place: Place) -> bool:
    """Counts of people are shown as "< 5" on the screen of a street (and anything above)."""
    return LEVELS.index(Level(place.level)) <= LEVELS.index(Level.STREET)


def scenario_of(value: str | None) -> str:
    return value if value in registry.SCENARIOS else registry.NORMAL


# --- counters and layers -----------------------------------------------------------------------------

def days(today: datetime.date) -> list[datetime.date]:
    """The days the time slider reaches: the last ``registry.DAYS`` days, today last."""
    return [today - datetime.timedelta(days=n) for n in range(registry.DAYS - 1, -1, -1)]


def day_of(value: str | None, today: datetime.date) -> datetime.date:
    """The day asked for (``?day=2026-03-01``), one of the slider's days; today when not given.
    Raises ValueError with a message in both languages for anything else."""
    if not value:
        return today
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not days(today)[0] <= day <= today:
        raise ValueError(Bilingual.of(
            gettext_lazy("The day must be one of the last %(n)s days, written as YYYY-MM-DD (from %(first)s "
                         "to %(last)s)."), {"n": registry.DAYS, "first": days(today)[0], "last": today}))
    return day


def _provided(entry: registry.CounterEntry | registry.LayerEntry, user: Any, place: Place,
              today: datetime.date, day: datetime.date | None = None) -> Any:
    """What the provider gives (for ``day`` when it is a past day and the provider answers for
    one), from the cache when the entry allows it: keyed by the place, the day, the language and
    the user's scope for the entry's action, so users who see the same share it."""
    past = day is not None and day != today and entry.day

    def call() -> Any:
        return entry.provider(user, place, today, day=day) if past else entry.provider(user, place, today)

    if not entry.cache_seconds:
        return call()
    scope = scope_for(user, entry.cache_action)
    seen = "*" if scope.everything else "|".join(scope.prefixes)
    asked = f"{today}|{day if past else ''}"
    key = "overview:" + hashlib.sha256(f"{entry.name}|{place.pk}|{asked}|{get_language()}|{seen}".encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = call()
        cache.set(key, (found,), entry.cache_seconds)
        return found
    return found[0]


def counters(user: Any, place: Place, scenario: str, today: datetime.date,
             day: datetime.date | None = None) -> list[dict[str, Any]]:
    """The scenario's counters; on a past ``day``, those that answer for it count that day and
    the others keep today's number, marked ``"today_only"``."""
    suppress = suppressed_at(place)
    past = day is not None and day != today
    found = []
    for entry in registry.counters(scenario):
        count = _provided(entry, user, place, today, day)
        if count is None:
            continue
        hide = suppress and entry.people
        value, text = registry.shown(count.value, suppress=hide)
        last_week = registry.shown(count.last_week, suppress=hide)[0] if count.last_week is not None else None
        parts = []
        for label, n in count.parts:
            part_value, part_text = registry.shown(n, suppress=hide)
            parts.append({"label": str(label), "value": part_value, "text": part_text})
        found.append({
            "name": entry.name, "label": str(entry.label), "value": value, "text": text,
            "last_week": last_week, "trend": _trend(value, last_week), "parts": parts, "url": count.url,
            "today_only": past and not entry.day,
        })
    return found


def _trend(value: int | None, last_week: int | None) -> str:
    if value is None or last_week is None:
        return ""
    return "up" if value > last_week else "down" if value < last_week else "same"


def layers(user: Any, place: Place, scenario: str, today: datetime.date,
           day: datetime.date | None = None) -> list[dict[str, Any]]:
    suppress = suppressed_at(place)
    past = day is not None and day != today
    found = []
    for entry in registry.layers(scenario):
        layer = _provided(entry, user, place, today, day)
        if layer is None:
            continue
        features = layer.features
        if suppress and entry.people:
            features = [_suppressed(f) for f in features]
        found.append({
            "name": entry.name, "label": str(entry.label), "kind": entry.kind, "title": str(layer.title),
            "legend": [{"key": e.key, "colour": e.colour, "text": str(e.text)} for e in layer.legend],
            "features": features, "today_only": past and not entry.day,
        })
    return found


def series(user: Any, place: Place, scenario: str, today: datetime.date) -> dict[str, Any]:
    """The scenario's per-day series over the slider's days (one grouped query each), with the
    street's "< 5" applied to each day's number of people."""
    shown_days = days(today)
    suppress = suppressed_at(place)
    found = []
    for entry in registry.series(scenario):
        per_day = entry.provider(user, place, shown_days[0], today)
        if per_day is None:
            continue
        numbers = [registry.shown(int(per_day.get(d, 0)), suppress=suppress and entry.people) for d in shown_days]
        found.append({"name": entry.name, "label": str(entry.label),
                      "values": [v for v, _t in numbers], "texts": [t for _v, t in numbers]})
    return {"days": [d.isoformat() for d in shown_days], "series": found}


def _suppressed(feature: dict[str, Any]) -> dict[str, Any]:
    properties = dict(feature.get("properties") or {})
    value = properties.get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        properties["value"], properties["text"] = registry.shown(value, suppress=True)
    return {**feature, "properties": properties}


def screen_data(user: Any, place: Place, scenario: str, today: datetime.date,
                day: datetime.date | None = None) -> dict[str, Any]:
    day = day or today
    return {
        "place": {"id": place.pk, "name": place.name, "level": place.level},
        "scenario": scenario,
        "day": day.isoformat(),
        "today": today.isoformat(),
        "suppressed": suppressed_at(place),
        "counters": counters(user, place, scenario, today, day),
        "layers": layers(user, place, scenario, today, day),
        "series": series(user, place, scenario, today),
    }


# --- the base map ----------------------------------------------------------------------------------------

def _point(place: Place) -> dict[str, Any] | None:
    if place.longitude is None or place.latitude is None:
        return None
    return {"type": "Point", "coordinates": [round(place.longitude, 6), round(place.latitude, 6)]}


MAP_CACHE_SECONDS = 300  # as long as the browser keeps it (the places of a street change rarely)


def base_map_json(user: Any, place: Place) -> bytes:
    """:func:`base_map` as JSON, kept for a few minutes for everyone who reaches the same places
    (a street's 2,600 outlines take a good part of a second to write)."""
    scope = scope_for(user, VIEW)
    seen = "*" if scope.everything else "|".join(scope.prefixes)
    key = "overview:map:" + hashlib.sha256(f"{place.pk}|{place.path}|{seen}".encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        body = json.dumps(base_map(user, place), ensure_ascii=False, separators=(",", ":")).encode()
        cache.set(key, body, MAP_CACHE_SECONDS)
    return body


def base_map(user: Any, place: Place) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the communities, compounds and buildings of ``place`` (of a
    district: its streets, communities and compounds) that the user reaches: boundaries where a place has one, else its point. Properties: ``id``,
    ``level``, ``name``, ``parent`` (the id of the place above) and ``url`` (its page)."""
    rows = (restricted(Place.objects.filter(Q(path__under=place.path), level__in=mapped_levels(place)), user, VIEW)
            .order_by("path").values_list("pk", "parent_id", "level", "name", "boundary", "longitude", "latitude"))
    detail = reverse("places:detail", args=[0])[:-2]  # "/places/" + id + "/"
    features = []
    # Read at once, not through a server-side cursor: a street's 2,600 places in 19 ms, where the
    # cursor took 100 ms on the million-resident district (planned for its first rows, it walked
    # the street's places in path order rather than the index of the mapped levels).
    for pk, parent, level, name, boundary, lon, lat in rows:
        geometry = boundary if isinstance(boundary, dict) and boundary.get("type") in ("Polygon", "MultiPolygon") \
            else ({"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
                  if lon is not None and lat is not None else None)
        if geometry is None:
            continue
        features.append({"type": "Feature", "id": pk, "geometry": geometry, "properties": {
            "id": pk, "level": level, "name": name, "parent": parent, "url": f"{detail}{pk}/"}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"place": place.pk, "name": place.name, "centre": _point(place)}}
