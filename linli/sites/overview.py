"""What the field sites give the one-screen overview's flood (防汛) and disinfection (消杀)
scenarios.

Flood: households on the ground floor or in a basement with an elder (living alone, or 80 or
over), a person with a disability or a young child, counted per compound (people's numbers:
"< 5" on a street's screen) for those who may see special groups (``people.view_groups``),
and the shelters with their capacity. Disinfection: each point coloured by its last visit
(done today, due today, overdue, not due), the points due per compound, and today's route for
each community's team from the community office, as a line. Nobody is named here."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.access import may
from linli.overview import grouping, tallies
from linli.overview.registry import (
    DISINFECTION,
    FILL,
    FLOOD,
    POINTS,
    Layer,
    LegendEntry,
    register_counter,
    register_layer,
)
from linli.overview.registry import Count as Number
from linli.places.models import Level, Place
from linli.sites import queries
from linli.sites.access import VIEW
from linli.sites.models import PointState, Shelter

GROUPS = queries.GROUPS
STATE_COLOURS = {PointState.DONE: "#198754", PointState.DUE: "#e0a800", PointState.OVERDUE: "#dc3545",
                 PointState.LATER: "#6c757d"}
RISK_COLOURS = {"none": "#e9ecef",  # the base map's compound colour
                "few": "#9ec5fe", "many": "#0a58ca"}
MANY = 10  # households at risk from which a compound is dark blue
CACHE_SECONDS = 60


# --- flood -------------------------------------------------------------------------------------

def at_risk(user: Any, place: Any, today: datetime.date) -> Number | None:
    if not may(user, GROUPS):
        return None
    rows = queries.at_risk_households(user, place).values()
    parts = tuple((str(group.label), sum(row[group.value] for row in rows)) for group in queries.AT_RISK_GROUPS)
    return Number(sum(row["any"] for row in rows), parts=parts)


def at_risk_by_compound(user: Any, place: Any, today: datetime.date) -> Layer | None:
    if not may(user, GROUPS):
        return None
    counts = queries.at_risk_households(user, place)
    # Compounds with none are left in the base colour, which is the legend's "none".
    compounds = grouping.places_at(counts, grouping.COMPOUND).values()
    features = []
    for compound in compounds:
        n = counts.get(compound.path, {}).get("any", 0)
        colour = "none" if n == 0 else "few" if n < MANY else "many"
        features.append({"type": "Feature", "geometry": None, "properties": {
            "place": compound.pk, "colour": colour, "value": n, "text": str(n)}})
    legend = (LegendEntry("none", RISK_COLOURS["none"], _("no household at risk on the lowest floors")),
              LegendEntry("few", RISK_COLOURS["few"], _("1 to %(n)s households at risk") % {"n": MANY - 1}),
              LegendEntry("many", RISK_COLOURS["many"], _("%(n)s or more households at risk") % {"n": MANY}))
    return Layer(features, legend, _("ground-floor and basement households with elders, disabled people or young "
                                     "children"))


def at_risk_by_building(user: Any, place: Any, today: datetime.date) -> Layer | None:
    """On a community's screen (not the street's: there the compounds' colours say enough), a
    point per building with households at risk on its lowest floors, linking to the building's
    page (一楼一图), where the households are shown as the registry's access allows."""
    if not may(user, GROUPS) or place.level != Level.COMMUNITY:
        return None
    counts = {path: row["any"] for path, row in queries.at_risk_households(user, place, Level.BUILDING).items()}
    buildings = grouping.places_at(counts, grouping.BUILDING)
    pages = reverse("places:detail", args=[0])[:-2]
    features = []
    for path, n in counts.items():
        building = buildings.get(path)
        point = grouping.point_of(building) if building else None
        if building is None or point is None:
            continue
        features.append({"type": "Feature", "geometry": point, "properties": {
            "place": building.pk, "icon": "flood", "colour": "at_risk", "value": n, "text": str(n),
            "name": building.name, "url": f"{pages}{building.pk}/"}})
    return Layer(features, (LegendEntry("at_risk", "#fd7e14", _("a building with households at risk on its lowest "
                                                                 "floors")),), _("low-floor households at risk, by building"))


def shelters(user: Any, place: Any, today: datetime.date) -> Layer | None:
    if not may(user, VIEW):
        return None
    rows = Shelter.objects.restrict(user, VIEW).filter(path__startswith=place.path, active=True).order_by("name")
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(s.longitude, 6),
                                                                                  round(s.latitude, 6)]},
                 "properties": {"icon": "shelter", "colour": "shelter", "value": s.capacity,
                                "text": _("%(n)s people") % {"n": s.capacity}, "name": s.name}} for s in rows]
    return Layer(features, (LegendEntry("shelter", "#0d6efd", _("an emergency shelter (how many people it holds)")),),
                 _("emergency shelters"))


def shelter_capacity(user: Any, place: Any, today: datetime.date) -> Number | None:
    if not may(user, VIEW):
        return None
    rows = Shelter.objects.restrict(user, VIEW).filter(path__startswith=place.path, active=True)
    return Number(sum(rows.values_list("capacity", flat=True)), url=reverse("sites:shelters"))


# --- disinfection ------------------------------------------------------------------------------

def _state_legend() -> tuple[LegendEntry, ...]:
    return tuple(LegendEntry(state.value, STATE_COLOURS[state], str(state.label)) for state in PointState)


def points_due(user: Any, place: Any, today: datetime.date) -> Number | None:
    if not may(user, VIEW):
        return None
    by_compound = queries.state_counts_by_compound(user, place, today).values()
    total = {state.value: sum(row[state.value] for row in by_compound) for state in PointState}
    parts = tuple((str(state.label), total[state.value]) for state in
                  (PointState.OVERDUE, PointState.DUE, PointState.DONE))
    return Number(total[PointState.DUE] + total[PointState.OVERDUE], parts=parts, url=reverse("sites:today"))


def points_by_state(user: Any, place: Any, today: datetime.date) -> Layer | None:
    if not may(user, VIEW) or grouping.marker_level(place) != grouping.BUILDING:
        # A screen that marks compounds (a district's) colours them by their points
        # (``due_by_compound``); the thousands of points themselves are its streets' screens' business.
        return None
    rows = queries.points(user, place).only("pk", "name", "kind", "longitude", "latitude", "interval_days",
                                            "last_visited_on")
    labels = {state: str(state.label) for state in PointState}  # translated once, not per point
    never, last_word = _("never"), _("last")
    features = []
    for point in rows:
        state = point.state(today)
        last = point.last_visited_on.isoformat() if point.last_visited_on else never
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
            round(point.longitude, 6), round(point.latitude, 6)]}, "properties": {
            "icon": "disinfection", "colour": state.value, "name": point.name,
            "text": f"{labels[state]} ({last_word}: {last})"}})
    return Layer(features, _state_legend(), _("disinfection points, by their last visit"))


def due_by_compound(user: Any, place: Any, today: datetime.date) -> Layer | None:
    """Each compound coloured by its worst point (overdue, due, done today, none due), with the
    number due or overdue."""
    if not may(user, VIEW):
        return None
    counts = queries.state_counts_by_compound(user, place, today)
    compounds = grouping.places_at(counts, grouping.COMPOUND)
    features = []
    for path, row in counts.items():
        compound = compounds.get(path)
        if compound is None:
            continue
        worst = next((s for s in (PointState.OVERDUE, PointState.DUE, PointState.DONE) if row[s.value]),
                     PointState.LATER)
        n = row[PointState.DUE.value] + row[PointState.OVERDUE.value]
        features.append({"type": "Feature", "geometry": None, "properties": {
            "place": compound.pk, "colour": worst.value, "value": n,
            "text": _("%(due)s due, %(overdue)s overdue") % {"due": row[PointState.DUE.value],
                                                              "overdue": row[PointState.OVERDUE.value]}}})
    return Layer(features, _state_legend(), _("disinfection points due, by compound"))


def routes(user: Any, place: Any, today: datetime.date) -> Layer | None:
    """Today's route of each community's team (the screen's community, or each of the street's),
    from the community office through the points due and back, as a line."""
    if not may(user, VIEW) or place.level not in (Level.STREET, Level.COMMUNITY):
        return None  # a district's screen leaves its hundred teams' routes to its streets' screens
    communities = [place] if place.level == Level.COMMUNITY else list(
        Place.objects.filter(path__startswith=place.path, level=Level.COMMUNITY).order_by("path"))
    features = []
    for community in communities:
        trip = queries.todays_route(user, community, today, action=VIEW)
        if trip is None or not trip.stops:
            continue
        line = [list(trip.depot), *([s.point.longitude, s.point.latitude] for s in trip.stops), list(trip.depot)]
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [
            [round(x, 6), round(y, 6)] for x, y in line]}, "properties": {
            "colour": "route", "name": community.name, "value": len(trip.stops),
            "text": _("%(n)s points, %(km).1f km") % {"n": len(trip.stops), "km": trip.metres / 1000}}})
    return Layer(features, (LegendEntry("route", "#6610f2", _("today's disinfection route, from the community "
                                                             "office and back")),), _("today's disinfection route"))


def register() -> None:
    tallies.register_source(queries.FLOOD_TALLY, queries.at_risk_tally, action=GROUPS)
    register_counter("sites.flood_households", at_risk, scenarios=(FLOOD,), order=15, cache_seconds=CACHE_SECONDS,
                     cache_action=GROUPS, label=gettext_lazy("Low-floor households at risk"))
    register_counter("sites.shelter_capacity", shelter_capacity, scenarios=(FLOOD,), people=False, order=25,
                     label=gettext_lazy("Shelter places"))
    register_layer("sites.flood_compounds", at_risk_by_compound, scenarios=(FLOOD,), kind=FILL, order=5,
                   cache_seconds=CACHE_SECONDS, cache_action=GROUPS,
                   label=gettext_lazy("Low-floor households at risk"))
    register_layer("sites.flood_buildings", at_risk_by_building, scenarios=(FLOOD,), kind=POINTS, order=35,
                   cache_seconds=CACHE_SECONDS, cache_action=GROUPS,
                   label=gettext_lazy("Buildings with low-floor households at risk"))
    register_layer("sites.shelters", shelters, scenarios=(FLOOD,), kind=POINTS, people=False, order=40,
                   label=gettext_lazy("Emergency shelters"))
    register_counter("sites.points_due", points_due, scenarios=(DISINFECTION,), people=False, order=15,
                     label=gettext_lazy("Disinfection points due"))
    register_layer("sites.due_compounds", due_by_compound, scenarios=(DISINFECTION,), kind=FILL, people=False,
                   order=5, label=gettext_lazy("Disinfection points due, by compound"))
    register_layer("sites.points", points_by_state, scenarios=(DISINFECTION,), kind=POINTS, people=False,
                   order=40, label=gettext_lazy("Disinfection points"))
    # A street's routes (one per community) take half a second: the wall screen redraws them
    # at most once a minute; the team's own page always computes its route afresh.
    register_layer("sites.route", routes, scenarios=(DISINFECTION,), kind=POINTS, people=False, order=45,
                   cache_seconds=CACHE_SECONDS, cache_action=VIEW, label=gettext_lazy("Today's disinfection route"))
