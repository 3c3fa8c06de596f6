"""The demo's epidemic scenario, in the proportions of Huamu in seed 001.

The street is switched into epidemic mode; a few origin regions are marked high, medium or
low risk; people arrive over the last three weeks (166 a day at the peak for 250,000
residents, scaled to the demo street; about one in ten from a high-risk area); most of
those who must check in have done so today, a few have not, and one elder of the first grid
was checked in by her grid worker. One resident of the first grid is a confirmed case: her
gate records make a few close and secondary contacts, traced and put in quarantine through
the actions (so the orders are in the shared ledger), as are the recent arrivals from the
high-risk area. The demo resident arrived from a medium-risk area three days ago and has
checked in today, so her "my health code" page has something to show.

Bulk records (arrivals, check-ins, tests, follow-ups) are written with ``bulk_create``; state
changes that matter (epidemic mode, the case, the trace, quarantine orders, a monitoring
device) go through ``actions``. Running it again adds nothing. Same street and seed, same
scenario (dates are counted from today).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core import audit
from linli.core.dates import age_on
from linli.core.models import RoleAssignment, User
from linli.health import actions, queries
from linli.health.models import (
    AccessRecord,
    AccessSource,
    Arrival,
    Case,
    Channel,
    CheckIn,
    Colour,
    FollowUp,
    FollowUpOutcome,
    LabResult,
    OrderStatus,
    QuarantineOrder,
    RiskArea,
)
from linli.people.models import Person
from linli.places.models import Level, Place, Usage

DEMO_SOURCE = "演示数据 / demo"
PEAK_PER_RESIDENT = 166 / 250_000  # Huamu: 166 arrivals on the peak day for about 250,000 residents
# The share of the peak day on each of the last days (0 = today): the wave peaked four days ago.
# Days 15-20 are past the 14 days: their marks on the building view are hollow.
PROFILE = [0.55, 0.7, 0.85, 0.95, 1.0, 0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3,
           0.3, 0.25, 0.25, 0.2, 0.2, 0.15]
RISK_AREAS = [("420100", "武汉市", "high"), ("420600", "襄阳市", "medium"), ("421000", "荆州市", "medium"),
              ("330300", "温州市", "medium"), ("440300", "深圳市", "low"), ("320500", "苏州市", "low")]
ORIGINS = {
    "high": [("420102", "武汉市江岸区"), ("420106", "武汉市武昌区"), ("420111", "武汉市洪山区")],
    "medium": [("420602", "襄阳市襄城区"), ("421002", "荆州市沙市区"), ("330302", "温州市鹿城区")],
    "low": [("440304", "深圳市福田区"), ("320505", "苏州市虎丘区")],
    "other": [("110105", "北京市朝阳区"), ("510104", "成都市锦江区"), ("500103", "重庆市渝中区"),
              ("330106", "杭州市西湖区"), ("320102", "南京市玄武区"), ("340104", "合肥市蜀山区")],
}
SHARES = [("high", 0.10), ("medium", 0.20), ("low", 0.20), ("other", 0.50)]
TRANSPORT = ["飞机", "火车", "火车", "长途汽车", "自驾"]
LAB = "明月街道社区卫生服务中心"
CHECKIN_TODAY = 0.92  # most people who must check in have done so today; a few have not
CHECKIN_EARLIER = 0.95


def _local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class _Scenario:
    def __init__(self, seed: int, officer: User, grid_worker: User | None, resident: User | None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.officer, self.grid_worker, self.resident = officer, grid_worker, resident
        self.today = timezone.localdate()
        self.figures: dict[str, int] = defaultdict(int)

    # --- who lives where --------------------------------------------------------------------
    def load_people(self, street: Place) -> None:
        rows = list(Person.objects.filter(is_active=True, path__under=street.path, current_house__isnull=False)
                    .order_by("pk").values_list("pk", "path", "birth_date", "current_house_id"))
        self.people = {pk: (path, birth, house) for pk, path, birth, house in rows}
        by_compound: dict[str, list[int]] = defaultdict(list)
        for pk, path, _birth, _house in rows:
            by_compound[queries.compound_path(path)].append(pk)
        self.compounds = sorted(by_compound.items())
        # Arrivals cluster: a few compounds get many, most a few (the colours of the big screen).
        self.weights = [self.rng.random() ** 2 + 0.05 for _ in self.compounds]
        assignment = RoleAssignment.objects.filter(user=self.grid_worker, grid__isnull=False).select_related("grid") \
            .first() if self.grid_worker else None
        covered = assignment.grid.covered_paths() if assignment and assignment.grid else []
        self.grid_people = [pk for pk, path, _b, _h in rows if any(path.startswith(p) for p in covered)]
        self.reserved: set[int] = set()

    def pick_in_grid(self, test: Any = None) -> int | None:
        for pk in self.grid_people:
            if pk not in self.reserved and (test is None or test(pk)):
                self.reserved.add(pk)
                return pk
        return None

    # --- records ------------------------------------------------------------------------------
    def arrival(self, pk: int, level: str, days_ago: int, channel: str = Channel.STAFF) -> Arrival:
        path, _birth, house = self.people[pk]
        code, name = self.rng.choice(ORIGINS[level])
        self.figures[f"arrivals_{level}"] += 1
        return Arrival(person_id=pk, path=path, house_id=house, origin_code=code, origin_name=name,
                       arrived_on=self.today - datetime.timedelta(days=days_ago), transport=self.rng.choice(TRANSPORT),
                       channel=channel, recorded_by=None if channel == Channel.SELF else self.officer)

    def random_arrivals(self, residents: int) -> list[Arrival]:
        rows: list[Arrival] = []
        taken = set(self.reserved)
        levels, shares = zip(*SHARES, strict=True)
        for days_ago, share in enumerate(PROFILE):
            expected = PEAK_PER_RESIDENT * residents * share
            count = int(expected) + (self.rng.random() < expected - int(expected))
            for _ in range(count):
                index = self.rng.choices(range(len(self.compounds)), weights=self.weights)[0]
                candidates = self.compounds[index][1]
                pk = candidates[self.rng.randrange(len(candidates))]
                if pk in taken:
                    continue
                taken.add(pk)
                level = self.rng.choices(levels, weights=shares)[0]
                channel = Channel.SELF if self.rng.random() < 0.3 else Channel.STAFF
                rows.append(self.arrival(pk, level, days_ago, channel))
        return rows

    def checkins(self, must: dict[int, datetime.date], skip_today: set[int], fever: set[int]) -> list[CheckIn]:
        rows = []
        for pk, since in sorted(must.items()):
            path = self.people[pk][0]
            day = max(since, self.today - datetime.timedelta(days=13))
            while day <= self.today:
                today = day == self.today
                if (today and pk in skip_today) or \
                        self.rng.random() > (CHECKIN_TODAY if today else CHECKIN_EARLIER):
                    if today:
                        self.figures["checkins_missing_today"] += 1
                    day += datetime.timedelta(days=1)
                    continue
                hot = today and pk in fever
                temperature = Decimal(f"{self.rng.uniform(37.6, 38.4) if hot else self.rng.uniform(36.0, 36.9):.1f}")
                rows.append(CheckIn(person_id=pk, path=path, day=day, temperature=temperature,
                                    symptoms=["fever", "cough"] if hot else [], whereabouts="居家",
                                    channel=Channel.SELF))
                self.figures["checkins_today"] += today
                day += datetime.timedelta(days=1)
        self.figures["checkins"] += len(rows)
        return rows


def _first_shop(compound: Place) -> Place:
    """The compound's first shop (the compound itself when it has none)."""
    return (Place.objects.filter(path__under=compound.path, level=Level.HOUSE, usage=Usage.COMMERCIAL)
            .order_by("path").first() or compound)


def _gate_records(case: int, close: list[int], passer_by: int | None, secondary: list[int], shop: Place,
                  compound: Place, people: dict[int, tuple[str, Any, Any]], today: datetime.date) -> list[AccessRecord]:
    """The case at the shop for an hour four days ago with three others (≥ 15 minutes) and a
    passer-by (5 minutes); the next evening one of those three at the compound with two more."""
    day1, day2 = today - datetime.timedelta(days=4), today - datetime.timedelta(days=3)
    visits = [(case, shop, _local(day1, 10), 60)]
    for pk, (minute, length) in zip(close, [(5, 45), (20, 70), (0, 25)], strict=False):
        visits.append((pk, shop, _local(day1, 10, minute), length))
    if passer_by is not None:
        visits.append((passer_by, shop, _local(day1, 10, 30), 5))
    if close:
        visits.append((close[0], compound, _local(day2, 18), 60))
    for pk, (minute, length) in zip(secondary, [(10, 40), (30, 60)], strict=False):
        visits.append((pk, compound, _local(day2, 18, minute), length))
    return [AccessRecord(person_id=pk, place=place, path=people[pk][0], entered_at=start,
                         left_at=start + datetime.timedelta(minutes=minutes), source=AccessSource.GATE)
            for pk, place, start, minutes in visits]


@transaction.atomic
def prepare_demo_epidemic(seed: int = 1) -> dict[str, int] | None:
    """Build the epidemic scenario on the demo street; None when it is there already (or there
    is no demo street with a health officer)."""
    if RiskArea.objects.filter(source=DEMO_SOURCE).exists():
        return None
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    users = {u.username: u for u in User.objects.filter(username__in=["demo-health", "demo-grid", "demo-resident"])}
    officer = users.get("demo-health")
    if street is None or officer is None:
        return None
    s = _Scenario(seed, officer, users.get("demo-grid"), users.get("demo-resident"))
    today = s.today
    actions.do_set_epidemic_mode(street, acting_user=officer, active=True)
    RiskArea.objects.bulk_create([
        RiskArea(region_code=code, name=name, level=level, valid_from=today - datetime.timedelta(days=30),
                 source=DEMO_SOURCE, created_by=officer) for code, name, level in RISK_AREAS])
    s.load_people(street)
    if not s.people:
        return None

    # The first grid's cast: the demo resident, an elder, the case and her contacts.
    resident = getattr(s.resident, "person_id", None)
    if resident in s.people:
        s.reserved.add(resident)
    else:
        resident = None

    def age(pk: int) -> int:
        return age_on(s.people[pk][1], today) or 0

    elder = s.pick_in_grid(lambda pk: age(pk) >= 70)

    def adult(pk: int) -> bool:
        return 18 <= age(pk) <= 64

    case = s.pick_in_grid(adult)
    close = [pk for pk in (s.pick_in_grid(adult) for _ in range(3)) if pk]
    passer_by = s.pick_in_grid()
    secondary = [pk for pk in (s.pick_in_grid(adult) for _ in range(2)) if pk]
    late = s.pick_in_grid()  # arrived four days ago, has not checked in today
    high_in_grid = s.pick_in_grid(adult)
    hollow = s.pick_in_grid()

    arrivals = s.random_arrivals(len(s.people))
    for pk, level, days in ((elder, "low", 5), (late, "other", 4), (high_in_grid, "high", 2), (hollow, "high", 17)):
        if pk:
            arrivals.append(s.arrival(pk, level, days))
    Arrival.objects.bulk_create(arrivals)
    s.figures["arrivals"] = len(arrivals) + (resident is not None)

    # Tests: arrivals from the high-risk area are tested on arrival (negative).
    tests = [LabResult(person_id=a.person_id, path=a.path, kind="nucleic", sampled_on=a.arrived_on,
                       outcome="negative", lab=LAB, sample_ref=f"DEMO-{a.person_id}-{a.arrived_on:%m%d}")
             for a in arrivals if a.origin_code[:4] == "4201"]

    # The case: a positive test, confirmed yesterday, isolated since; her gate records.
    if case:  # picked in the first grid
        patient = Person.objects.get(pk=case)
        actions.do_record_test(patient, acting_user=officer, kind="nucleic",
                               sampled_on=today - datetime.timedelta(days=2), outcome="positive", lab=LAB,
                               sample_ref=f"DEMO-CASE-{case}")
        confirmed = actions.do_confirm_case(patient, acting_user=officer,
                                            confirmed_on=today - datetime.timedelta(days=1),
                                            onset_on=today - datetime.timedelta(days=3))
        Case.objects.filter(pk=confirmed.pk).update(isolated_at=_local(today - datetime.timedelta(days=1), 16))
        confirmed.refresh_from_db()
        compound = Place.objects.filter(path=queries.compound_path(s.people[s.grid_people[0]][0])).first()
        if compound:
            AccessRecord.objects.bulk_create(_gate_records(case, close, passer_by, secondary, _first_shop(compound),
                                                           compound, s.people, today))
            trace = actions.do_trace(confirmed, acting_user=officer)
            chosen = [c["person"] for c in trace.contacts]
            orders = actions.do_order_contacts(trace, chosen, acting_user=officer)
            s.figures["close_contacts"] = sum(1 for c in trace.contacts if c["degree"] == 1)
            s.figures["secondary_contacts"] = sum(1 for c in trace.contacts if c["degree"] == 2)
            tests += [LabResult(person_id=o.person_id, path=o.path, kind="nucleic", outcome="negative", lab=LAB,
                                sampled_on=today - datetime.timedelta(days=1), sample_ref=f"DEMO-C-{o.person_id}")
                      for o in orders]
            if orders:
                first = orders[0]
                actions.do_attach_device(first, acting_user=officer, kind="door_sensor",
                                         legal_basis="《中华人民共和国传染病防治法》第三十九条；区卫健委居家隔离医学观察通知",
                                         consent_at=_local(today - datetime.timedelta(days=3), 20),
                                         consent_by=first.person.name)
    LabResult.objects.bulk_create(tests)
    s.figures["tests"] = len(tests) + (case is not None)

    # Recent arrivals from the high-risk area: seven days of home health monitoring (yellow).
    week = today - datetime.timedelta(days=7)
    recent_high = {a.person_id: a.arrived_on for a in arrivals if a.origin_code[:4] == "4201" and a.arrived_on >= week}
    for person in Person.objects.filter(pk__in=recent_high).order_by("pk"):
        actions.do_order_quarantine(person, acting_user=officer, reason="arrival", colour=Colour.YELLOW,
                                    last_exposure=recent_high[person.pk])

    # Daily check-ins of everyone who must, from her arrival or her order on; two fevers today.
    must: dict[int, datetime.date] = {a.person_id: a.arrived_on for a in arrivals
                                      if a.arrived_on >= today - datetime.timedelta(days=14)}
    orders_now = list(QuarantineOrder.objects.filter(status=OrderStatus.ACTIVE, created_by=officer))
    for order in orders_now:
        must[order.person_id] = min(must.get(order.person_id, order.start_date), order.start_date)
    for pk in (elder, resident):
        must.pop(pk or 0, None)  # checked in below through the actions
    others = sorted(pk for pk in must if pk not in s.reserved)
    fever = set(s.rng.sample(others, min(2, len(others))))
    CheckIn.objects.bulk_create(s.checkins(must, {late} if late else set(), fever))
    if elder and s.grid_worker:
        for days in range(5, 0, -1):
            CheckIn.objects.create(person_id=elder, path=s.people[elder][0], day=today - datetime.timedelta(days=days),
                                   temperature=Decimal("36.4"), whereabouts="居家", channel=Channel.ON_BEHALF,
                                   recorded_by=s.grid_worker)
        actions.do_check_in(Person.objects.get(pk=elder), acting_user=s.grid_worker, temperature=Decimal("36.5"),
                            whereabouts="居家", channel=Channel.ON_BEHALF)
        s.figures["checkins_on_behalf"] += 6
    if resident and s.resident:
        me = Person.objects.get(pk=resident)
        actions.do_register_arrival(me, acting_user=s.resident, origin_code="420602", origin_name="襄阳市襄城区",
                                    arrived_on=today - datetime.timedelta(days=3), transport="火车",
                                    channel=Channel.SELF)
        for days in (3, 2, 1):
            CheckIn.objects.create(person=me, path=me.path, day=today - datetime.timedelta(days=days),
                                   temperature=Decimal("36.5"), whereabouts="居家", recorded_by=s.resident)
        actions.do_check_in(me, acting_user=s.resident, temperature=Decimal("36.6"), whereabouts="居家")

    # Follow-ups of every running order up to yesterday; today's for about half of them.
    follow_ups = []
    for order in QuarantineOrder.objects.filter(status=OrderStatus.ACTIVE).order_by("pk"):
        day = order.start_date
        while day <= today:
            if day == today and s.rng.random() < 0.5:
                break
            outcome = FollowUpOutcome.SEEN_OK if s.rng.random() < 0.93 else FollowUpOutcome.MISSED
            seen = outcome == FollowUpOutcome.SEEN_OK
            follow_ups.append(FollowUp(order=order, path=order.path, day=day, outcome=outcome,
                                       temperature=Decimal(f"{s.rng.uniform(36.1, 36.9):.1f}") if seen else None,
                                       note="", recorded_by=s.grid_worker))
            day += datetime.timedelta(days=1)
    FollowUp.objects.bulk_create(follow_ups)
    s.figures["follow_ups"] = len(follow_ups)
    s.figures["orders"] = QuarantineOrder.objects.filter(status=OrderStatus.ACTIVE).count()

    result = actions.recompute(None)
    s.figures["statuses"] = result.changed
    figures = dict(s.figures)
    audit.record("health.demo", actor=officer, object_type="health.arrival", purpose="demo data", detail=figures)
    return figures
