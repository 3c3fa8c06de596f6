"""Read-side helpers for the epidemic pages: where epidemic mode is on, who must check in
today, compound colours by arrivals, the arrival marks of a building, masked names.

Nothing here writes or audits: the views audit each person-level read with its purpose.

Compound colours (the street's big screen in seed 001: "每个小区根据返沪人员数量进行颜色标注")
are set by ``LINLI_ARRIVAL_COLOUR_THRESHOLDS``: an ordered list of ``(colour, minimums)``
pairs, where ``minimums`` maps ``high``, ``medium``, ``low`` (arrivals from risk areas of
that level) or ``any`` (all arrivals) to a count over the last 14 days. A compound takes
the first colour any of whose minimums it reaches. The defaults, for compounds of about
2,500 residents (Huamu at its peak: 166 arrivals a day for 250,000 residents, about 20 per
compound in 14 days)::

    [("red",    {"high": 3, "any": 30}),
     ("orange", {"high": 1, "any": 15}),
     ("yellow", {"medium": 1, "any": 5}),
     ("blue",   {"any": 1})]

A compound with no arrival at all is not coloured.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core.scope import scope_for
from linli.health.actions import CHANGE, ON_BEHALF, VIEW
from linli.health.facts import ARRIVAL_WATCH_DAYS, FEVER, RiskMap
from linli.health.models import (
    Arrival,
    CheckIn,
    EpidemicMode,
    FollowUp,
    HealthStatus,
    OrderStatus,
    QuarantineOrder,
    RiskLevel,
)
from linli.people.models import Person
from linli.places.models import Level, Place

HEALTH_ACTIONS = (VIEW, CHANGE, ON_BEHALF)
MARK_DAYS = 28  # an arrival's mark stays on the building view, hollow, up to four weeks
COMPOUND_DEPTH = 6  # path segments down to the compound

DEFAULT_THRESHOLDS: list[tuple[str, dict[str, int]]] = [
    ("red", {"high": 3, "any": 30}),
    ("orange", {"high": 1, "any": 15}),
    ("yellow", {"medium": 1, "any": 5}),
    ("blue", {"any": 1}),
]
COMPOUND_COLOURS = {
    "red": _("red"), "orange": _("orange"), "yellow": _("yellow"), "blue": _("blue"), "": _("no colour"),
}
COLOUR_RANK = {"red": 4, "orange": 3, "yellow": 2, "blue": 1, "": 0}
ORDER_REASONS = {
    "close_contact": _("close contact of a confirmed case"), "secondary_contact": _("contact of a close contact"),
    "arrival": _("arrival from a risk area"),
}
START_BASES = {"exposure": _("the last exposure"), "positive_test": _("the first positive test"),
               "report": _("the day it was reported")}
_THRESHOLD_KEYS = {"high", "medium", "low", "any"}

# The household marks of the building view (seed 001: "橙色、黄色和蓝色头像").
MARKS: dict[str, tuple[str, Any]] = {
    RiskLevel.HIGH: ("orange", _("from a high-risk area")),
    RiskLevel.MEDIUM: ("yellow", _("from a medium-risk area")),
    RiskLevel.LOW: ("blue", _("from a low-risk area")),
    "": ("blue", _("from an area not at risk")),
}


# --- epidemic mode ----------------------------------------------------------------------------

def describe_order(order: QuarantineOrder) -> QuarantineOrder:
    """The order's reason and start in words (``reason_text``, ``basis_text``), for the pages."""
    order.reason_text = ORDER_REASONS.get(order.reason, order.reason)  # type: ignore[attr-defined]
    order.basis_text = START_BASES.get(order.start_basis, order.start_basis)  # type: ignore[attr-defined]
    return order


def active_mode_paths() -> list[str]:
    return list(EpidemicMode.objects.filter(active=True).values_list("place__path", flat=True))


def epidemic_on(path: str, modes: Iterable[str] | None = None) -> bool:
    """Epidemic mode is on for ``path`` when it is on for the place or one above it."""
    return any(path.startswith(mode) for mode in (active_mode_paths() if modes is None else modes))


def health_menu(user: Any) -> bool:
    """Show the epidemic menu: health staff always (they are the ones who switch epidemic mode
    on); grid workers with epidemic mode on for a place in their scope; a resident whose own
    place is in epidemic mode. Normal mode hides it from everyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = user.__dict__.get("_linli_health_menu")
    if cached is not None:
        return bool(cached)
    modes = active_mode_paths()
    shown = not scope_for(user, CHANGE).empty or any(
        scope_for(user, action).reaches(mode) for action in HEALTH_ACTIONS for mode in modes)
    if modes and not shown and getattr(user, "person_id", None):
        path = Person.objects.filter(pk=user.person_id).values_list("path", flat=True).first()
        shown = path is not None and epidemic_on(path, modes)
    user.__dict__["_linli_health_menu"] = shown
    return shown


def mode_places(user: Any) -> QuerySet[Place]:
    """Streets and communities the user may switch into epidemic mode."""
    return (Place.objects.restrict(user, CHANGE).filter(level__in=[Level.STREET, Level.COMMUNITY])
            .order_by("path"))


# --- names ------------------------------------------------------------------------------------

def masked_name(name: str) -> str:
    """``张伟`` → ``张*``, ``欧阳小明`` → ``欧**明``: enough to tell people apart in a list
    without showing the whole name to someone looking over the shoulder."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- arrivals -----------------------------------------------------------------------------------

def risk_level(risk: RiskMap, origin_code: str) -> str:
    return risk.level_of(origin_code) or ""


def watch_from(today: datetime.date) -> datetime.date:
    """The first arrival day still inside the 14 days (day 14 still counts, as in the rules)."""
    return today - datetime.timedelta(days=ARRIVAL_WATCH_DAYS)


def marks_from(today: datetime.date) -> datetime.date:
    """The first arrival day still marked (hollow after the 14 days)."""
    return today - datetime.timedelta(days=MARK_DAYS)


def compound_path(path: str) -> str:
    """The path of the compound a place (a building, a house, a person's home) is in."""
    return "/".join(path.split("/")[:COMPOUND_DEPTH]) + "/"


def thresholds() -> list[tuple[str, dict[str, int]]]:
    raw = getattr(settings, "LINLI_ARRIVAL_COLOUR_THRESHOLDS", None) or DEFAULT_THRESHOLDS
    pairs = list(raw.items()) if isinstance(raw, dict) else list(raw)
    checked = []
    for pair in pairs:
        try:
            colour, minimums = pair
            if colour not in COMPOUND_COLOURS or not minimums or not set(minimums) <= _THRESHOLD_KEYS or \
                    not all(isinstance(v, int) and v >= 1 for v in minimums.values()):
                raise ValueError
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(
                "LINLI_ARRIVAL_COLOUR_THRESHOLDS: each item is (colour, {high|medium|low|any: count >= 1}) "
                f"with colour red, orange, yellow or blue; got {pair!r}") from exc
        checked.append((colour, dict(minimums)))
    return checked


def minimum_text(key: str, n: int) -> str:
    """One threshold in words, for the legend and for the reason of a compound's colour."""
    texts = {"high": _("%(n)d or more from high-risk areas"), "medium": _("%(n)d or more from medium-risk areas"),
             "low": _("%(n)d or more from low-risk areas"), "any": _("%(n)d or more arrivals in all")}
    return str(texts[key]) % {"n": n}


def compound_colour(counts: dict[str, int],
                    rules: list[tuple[str, dict[str, int]]] | None = None) -> tuple[str, str]:
    """The colour of a compound and, in words, the threshold that gave it."""
    for colour, minimums in rules or thresholds():
        for key, n in minimums.items():
            if counts.get(key, 0) >= n:
                return colour, minimum_text(key, n)
    return "", ""


@dataclass
class CompoundRow:
    place: Place
    community: str
    counts: dict[str, int] = field(default_factory=dict)  # high, medium, low, other, any
    colour: str = ""
    reason: str = ""

    @property
    def colour_label(self) -> Any:
        return COMPOUND_COLOURS[self.colour]


def compound_overview(user: Any, today: datetime.date) -> list[CompoundRow]:
    """Every compound the user reaches with health data, with its arrivals of the last 14
    days by the risk level of where they came from."""
    scope = scope_for(user, VIEW)
    # Those the scope covers, and those holding a grid's buildings (``Scope.reaches``).
    holding = {compound_path(p) for p in scope.prefixes if p.count("/") > COMPOUND_DEPTH}
    compounds = list(Place.objects.filter(scope.q("path") | Q(path__in=holding), level=Level.COMPOUND)
                     .order_by("path"))
    if not compounds:
        return []
    risk = RiskMap.on(today)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    arrivals = Arrival.objects.restrict(user, VIEW).filter(arrived_on__gte=watch_from(today), arrived_on__lte=today)
    for path, origin in arrivals.values_list("path", "origin_code"):
        tally[compound_path(path)].update((risk_level(risk, origin) or "other", "any"))
    communities = dict(Place.objects.filter(level=Level.COMMUNITY, pk__in={c.parent_id for c in compounds})
                       .values_list("pk", "name"))
    rules = thresholds()
    rows = []
    for compound in compounds:
        counts = {key: tally[compound.path][key] for key in ("high", "medium", "low", "other", "any")}
        colour, reason = compound_colour(counts, rules)
        rows.append(CompoundRow(compound, communities.get(compound.parent_id or 0, ""), counts, colour, reason))
    rows.sort(key=lambda r: (-COLOUR_RANK[r.colour], -r.counts["high"], -r.counts["any"], r.place.path))
    return rows


def legend_of_thresholds() -> list[tuple[str, Any, list[str]]]:
    return [(colour, COMPOUND_COLOURS[colour], [minimum_text(k, n) for k, n in minimums.items()])
            for colour, minimums in thresholds()]


@dataclass(frozen=True)
class Mark:
    """One arrival shown on a household: colour by origin risk, hollow once the 14 days are over."""

    colour: str
    label: Any
    origin: str
    arrived_on: datetime.date
    hollow: bool
    days: int


def mark_of(risk: RiskMap, today: datetime.date, origin_code: str, origin_name: str,
            arrived_on: datetime.date) -> Mark:
    colour, label = MARKS[risk_level(risk, origin_code)]
    days = (today - arrived_on).days
    return Mark(colour, label, origin_name, arrived_on, days > ARRIVAL_WATCH_DAYS, days)


def legend(today: datetime.date) -> list[tuple[Mark, Any]]:
    """Sample marks with their meaning, for the legend of the pages that show marks."""
    sample = [(RiskLevel.HIGH, False, _("from a high-risk area")), (RiskLevel.MEDIUM, False,
                                                                   _("from a medium-risk area")),
              (RiskLevel.LOW, False, _("from elsewhere")),
              (RiskLevel.LOW, True, _("hollow: the 14 days are over"))]
    return [(Mark(MARKS[level][0], MARKS[level][1], "", today, hollow, 0), text) for level, hollow, text in sample]


def arrival_marks(building: Place, user: Any, today: datetime.date) -> dict[int, list[Mark]]:
    """house id → marks, for the houses of ``building`` whose arrivals the user may see."""
    risk = RiskMap.on(today)
    rows = (Arrival.objects.restrict(user, VIEW).filter(path__under=building.path, arrived_on__gte=marks_from(today))
            .order_by("arrived_on", "pk").values_list("house_id", "path", "origin_code", "origin_name", "arrived_on"))
    houses = dict(Place.objects.filter(path__under=building.path, level=Level.HOUSE).values_list("path", "pk"))
    marks: dict[int, list[Mark]] = defaultdict(list)
    for house_id, path, origin_code, origin_name, arrived_on in rows:
        house = house_id or houses.get(path)
        if house is None:
            continue
        marks[house].append(mark_of(risk, today, origin_code, origin_name, arrived_on))
    return dict(marks)


# --- who must check in today, and the day's follow-ups -------------------------------------------

@dataclass
class MustCheckIn:
    person: Person
    order: QuarantineOrder | None
    arrival: Arrival | None
    checkin: CheckIn | None

    @property
    def unwell(self) -> bool:
        """Checked in with a fever or a symptom: the one to call first, not a green tick."""
        return self.checkin is not None and (self.checkin.temperature >= FEVER or bool(self.checkin.symptoms))


def must_check_in(user: Any, today: datetime.date, action: str = ON_BEHALF) -> list[MustCheckIn]:
    """People in the user's scope with an active quarantine order or an arrival in the last
    14 days (the rule of ``facts.gather``), with today's check-in if there is one; those who
    have not checked in yet come first, after anyone who checked in unwell."""
    orders = {o.person_id: o for o in QuarantineOrder.objects.restrict(user, action)
              .filter(status=OrderStatus.ACTIVE).order_by("start_date")}
    arrivals = {a.person_id: a for a in Arrival.objects.restrict(user, action)
                .filter(arrived_on__gte=watch_from(today), arrived_on__lte=today).order_by("arrived_on")}
    ids = set(orders) | set(arrivals)
    checkins = {c.person_id: c for c in CheckIn.objects.filter(person_id__in=ids, day=today)}
    people = Person.objects.filter(pk__in=ids, is_active=True).select_related("current_house")
    rows = [MustCheckIn(p, orders.get(p.pk), arrivals.get(p.pk), checkins.get(p.pk)) for p in people]
    rows.sort(key=lambda r: (not r.unwell, r.checkin is not None, r.person.path, r.person.name))
    return rows


@dataclass
class FollowUpRow:
    order: QuarantineOrder
    today: FollowUp | None
    day_number: int
    last_day: bool

    @classmethod
    def of(cls, order: QuarantineOrder, done: FollowUp | None, today: datetime.date) -> FollowUpRow:
        """The order's row on ``today``, with that day's follow-up if it is done."""
        return cls(order, done, (today - order.start_date).days + 1, order.end_date <= today)


def follow_up_rows(user: Any, today: datetime.date) -> list[FollowUpRow]:
    orders = list(QuarantineOrder.objects.restrict(user, ON_BEHALF).filter(status=OrderStatus.ACTIVE,
                                                                            start_date__lte=today)
                  .select_related("person", "person__current_house").order_by("path", "end_date"))
    done = {f.order_id: f for f in FollowUp.objects.filter(order__in=orders, day=today)}
    rows = [FollowUpRow.of(o, done.get(o.pk), today) for o in orders]
    rows.sort(key=lambda r: (r.today is not None, not r.last_day, r.order.path))
    return rows


# --- counts for the overview ----------------------------------------------------------------------

def colour_counts(user: Any) -> dict[str, int]:
    counts = dict(HealthStatus.objects.restrict(user, VIEW).values_list("colour")
                  .annotate(n=Count("id")).order_by())
    return {"red": counts.get("red", 0), "yellow": counts.get("yellow", 0)}
