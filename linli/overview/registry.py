"""The one-screen overview's registry: the counters and map layers the apps contribute.

The overview (一屏统览) shows a street or a community on one screen: a map of its places and,
around it, numbers. It imports no app for them. Each app that has something to show registers
a provider from its ``AppConfig.ready()`` (in a small ``overview.py`` module of its own), and
says in which scenarios it is shown::

    from linli.overview.registry import Count, EPIDEMIC, NORMAL, register_counter

    def open_requests(user, place, today):
        if not may(user, "tickets.view"):
            return None                       # hidden: she may not see this number
        rows = Ticket.objects.restrict(user, "tickets.view").filter(path__under=place.path)
        return Count(rows.filter(status__in=OPEN_STATUSES).count())

    register_counter("tickets.open", open_requests, scenarios=(NORMAL, EPIDEMIC),
                     label=_("Open requests"), people=False)

- A **counter provider** takes ``(user, place, today)``: the signed-in user, the place the
  screen shows (a street or a community) and today's date. It returns a ``Count`` (the number,
  and where cheap the number on the same day last week, for the comparison mark, and a
  breakdown for a small chart), or None when the user may not see it. It counts in grouped
  queries, never one query per compound.
- A **layer provider** takes the same and returns a ``Layer``: GeoJSON features and a legend
  in words. A ``FILL`` layer colours places of the base map (compounds, communities): its
  features carry no geometry, only ``place`` (the id of a place of the base map), ``colour``
  (a key of the legend) and optionally ``value`` and ``text``. A ``POINTS`` layer brings its
  own geometry (points with an ``icon``, or polygons such as grids). The first fill layer of a
  scenario colours the map; the others are listed for the user to switch on.
- A provider whose numbers change slowly (the registry of residents) may be cached for a short
  while (``cache_seconds``), shared by everyone with the same scope for ``cache_action``: the
  screen polls every 20 seconds, and a street of 250,000 residents is not recounted each time.
- A provider that can answer for a past day says so (``day=True``): when the screen's time
  slider is moved to one of the last 14 days it is called with ``day=`` that date as a
  keyword (``provider(user, place, today, day=day)``) and returns the number as it stood at
  the end of that day (a fill layer: the colours of that day). The others are called as
  before and, on a past day, are shown as "today only".
- A **series provider** (``register_series``) takes ``(user, place, first, last)`` and returns
  a number per day (``{date: n}``) from one grouped query over the days, for the 14-day chart
  beside the slider (arrivals, requests, alerts per day).
- Numbers about people (``people=True``, the default) are shown as "< 5" on a street's screen
  when they are 1 to 4, so that a small count does not point at a household. The overview
  applies this; providers return the true numbers.

Providers only count (they name nobody), so they write no audit row; the pages they link to
audit what they show. Registered today: residents and special groups (people), quarantine
orders, arrivals and missing check-ins, compound colours by arrivals (health), open, overdue
and new requests (tickets), visits due (tasks), grid outlines (grids). Alerts register theirs
the same way when they land (active alerts as a counter in every scenario, open alerts as
points with icons), as will the flood (防汛) and disinfection (消杀) modules, whose scenarios
are already named here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# --- scenarios ----------------------------------------------------------------------------------

NORMAL, EPIDEMIC, FLOOD, DISINFECTION = "normal", "epidemic", "flood", "disinfection"
SCENARIOS: dict[str, Promise] = {
    NORMAL: _("Normal days (常态)"),
    EPIDEMIC: _("Epidemic (疫情)"),
    FLOOD: _("Flood (防汛)"),
    DISINFECTION: _("Disinfection (消杀)"),
}
ALL_SCENARIOS = tuple(SCENARIOS)

# Street-level suppression: counts of people from 1 to SMALL - 1 are shown as "< 5".
SMALL = 5

# --- what providers return -----------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """One number of the screen. ``last_week``: the same number on the same day a week ago
    (None where it is not cheap to know). ``parts``: a breakdown (label, number) for a small
    chart, e.g. arrivals by the risk level of where they came from."""

    value: int
    last_week: int | None = None
    parts: tuple[tuple[str, int], ...] = ()
    url: str = ""


@dataclass(frozen=True)
class LegendEntry:
    key: str  # the colour key the features carry ("red", "high" …)
    colour: str  # a CSS colour for the map
    text: str  # what it means, in words


FILL, POINTS = "fill", "points"


@dataclass(frozen=True)
class Layer:
    features: list[dict[str, Any]]
    legend: tuple[LegendEntry, ...] = ()
    title: str = ""  # what the colours count, e.g. "arrivals in the last 14 days"


CounterProvider = Callable[..., Count | None]  # (user, place, today[, day=date])
LayerProvider = Callable[..., Layer | None]
SeriesProvider = Callable[[Any, Any, datetime.date, datetime.date], dict[datetime.date, int] | None]

# The time slider reaches back this many days, today included.
DAYS = 14


@dataclass(frozen=True)
class CounterEntry:
    name: str
    provider: CounterProvider
    scenarios: tuple[str, ...]
    label: str | Promise
    people: bool = True
    order: int = 50
    cache_seconds: int = 0
    cache_action: str = ""
    day: bool = False  # answers for a past day (called with ``day=``)


@dataclass(frozen=True)
class LayerEntry:
    name: str
    provider: LayerProvider
    scenarios: tuple[str, ...]
    label: str | Promise
    kind: str = FILL
    people: bool = True
    order: int = 50
    cache_seconds: int = 0
    cache_action: str = ""
    day: bool = False


@dataclass(frozen=True)
class SeriesEntry:
    name: str
    provider: SeriesProvider
    scenarios: tuple[str, ...]
    label: str | Promise
    people: bool = True
    order: int = 50


_COUNTERS: dict[str, CounterEntry] = {}
_LAYERS: dict[str, LayerEntry] = {}
_SERIES: dict[str, SeriesEntry] = {}


def _checked(scenarios: Sequence[str]) -> tuple[str, ...]:
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown or not scenarios:
        raise ValueError(f"scenarios must be some of {', '.join(SCENARIOS)}; got {list(scenarios)!r}")
    return tuple(scenarios)


def _cache(seconds: int, action: str) -> None:
    if seconds < 0 or (seconds and "." not in action):
        raise ValueError("a cached provider names the action whose scope it counts in (cache_action)")


def register_counter(name: str, provider: CounterProvider, *, scenarios: Sequence[str] = ALL_SCENARIOS,
                     label: str | Promise, people: bool = True, order: int = 50, cache_seconds: int = 0,
                     cache_action: str = "", day: bool = False) -> None:
    """Add (or replace, by name) a counter shown in ``scenarios``; lower ``order`` first.
    ``day=True``: the provider answers for a past day too (called with ``day=``)."""
    _cache(cache_seconds, cache_action)
    _COUNTERS[name] = CounterEntry(name, provider, _checked(scenarios), label, people, order, cache_seconds,
                                   cache_action, day)


def register_layer(name: str, provider: LayerProvider, *, scenarios: Sequence[str] = ALL_SCENARIOS,
                   label: str | Promise, kind: str = FILL, people: bool = True, order: int = 50,
                   cache_seconds: int = 0, cache_action: str = "", day: bool = False) -> None:
    """Add (or replace, by name) a map layer shown in ``scenarios``; ``kind`` is FILL or POINTS.
    ``day=True``: the provider answers for a past day too (called with ``day=``)."""
    if kind not in (FILL, POINTS):
        raise ValueError(f"a layer is {FILL!r} or {POINTS!r}, not {kind!r}")
    _cache(cache_seconds, cache_action)
    _LAYERS[name] = LayerEntry(name, provider, _checked(scenarios), label, kind, people, order, cache_seconds,
                               cache_action, day)


def register_series(name: str, provider: SeriesProvider, *, scenarios: Sequence[str] = ALL_SCENARIOS,
                    label: str | Promise, people: bool = True, order: int = 50) -> None:
    """Add (or replace, by name) a per-day series for the 14-day chart beside the time slider:
    ``provider(user, place, first, last)`` returns ``{date: n}`` (days without any left out)
    from one grouped query, or None when the user may not see it."""
    _SERIES[name] = SeriesEntry(name, provider, _checked(scenarios), label, people, order)


def counters(scenario: str) -> list[CounterEntry]:
    return sorted((c for c in _COUNTERS.values() if scenario in c.scenarios), key=lambda c: (c.order, c.name))


def layers(scenario: str) -> list[LayerEntry]:
    return sorted((la for la in _LAYERS.values() if scenario in la.scenarios), key=lambda la: (la.order, la.name))


def series(scenario: str) -> list[SeriesEntry]:
    return sorted((s for s in _SERIES.values() if scenario in s.scenarios), key=lambda s: (s.order, s.name))


def registered() -> tuple[dict[str, CounterEntry], dict[str, LayerEntry]]:
    """Every counter and layer by name (for tests and the documentation)."""
    return dict(_COUNTERS), dict(_LAYERS)


def registered_series() -> dict[str, SeriesEntry]:
    return dict(_SERIES)


@dataclass
class Shown:
    """A number as the screen shows it: ``text`` is "< 5" where it is suppressed."""

    value: int | None
    text: str
    last_week: int | None = None
    parts: list[tuple[str, int | None, str]] = field(default_factory=list)


def shown(n: int, *, suppress: bool) -> tuple[int | None, str]:
    """``(value, text)`` of one number: 1 to 4 people on a street's screen become (None, "< 5")."""
    if suppress and 0 < n < SMALL:
        return None, f"< {SMALL}"
    return n, str(n)
