"""A synthetic street: places, grids, households, residents and demo accounts.

Nothing here is real: names, ID numbers and phones are generated (ID numbers carry valid
check digits so validators accept them). The same seed gives the same street. Rows are
written in bulk (``COPY`` on PostgreSQL) with explicit ids, so a street of 250,000 residents builds in
minutes on a small machine.
"""

from __future__ import annotations

import datetime
import multiprocessing
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from queue import Empty
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.db.models import Max, Model

from linli.core import bulk
from linli.core.dates import age_on
from linli.core.models import Role, RoleAssignment, User
from linli.core.progress import Progress, Stages
from linli.core.validators import id_check_digit, uscc_check_char
from linli.demo import geometry, names
from linli.grids.geo import padded_outline
from linli.grids.models import Grid, GridMember
from linli.people import search
from linli.people.models import (
    CommunityRole,
    Household,
    Organization,
    Person,
    PopulationType,
    Relation,
    Residence,
    SpecialGroup,
)
from linli.places.models import ElementType, Level, Place, Usage
from linli.places.rules import path_for

DEMO_ACCOUNTS = [  # username, what it is (printed by `linli demo`)
    ("demo-admin", "administrator (everything)"),
    ("demo-street", "street officer (whole street)"),
    ("demo-community", "community secretary (first community)"),
    ("demo-grid", "grid worker (first grid of that community)"),
    ("demo-health", "district health officer (health data only)"),
    ("demo-resident", "resident living in the first grid"),
    ("demo-volunteer", "volunteer (first grid)"),
    ("demo-quarantined", "resident under home quarantine (first grid), a delivery at her door"),
    ("demo-expert", "health expert (signs off facts, signs clarifications for the experts)"),
    ("demo-media", "media and communications (signs clarifications for the media)"),
]
# Only when the demo is a district of several streets (printed by `linli demo` then).
DISTRICT_ACCOUNT = ("demo-district", "district officer (every street of the district)")
# The names the accounts go by in the interface (greetings, report footers, the audit log), as a
# community office would write them; the resident goes by her own name.
DEMO_DISPLAY_NAMES = {
    "demo-admin": "系统管理员",
    "demo-street": "街道干部 周建华",
    "demo-community": "社区书记 李秀兰",
    "demo-grid": "网格员 陈静",
    "demo-health": "区卫健委 王医生",
    "demo-volunteer": "志愿者 赵晓明",
    # linked to a household under home quarantine by the requests demo, and renamed after her
    "demo-quarantined": "居家隔离居民",
    "demo-expert": "社区卫生服务中心 刘医生",
    "demo-media": "街道融媒体中心 孙记者",
}
# The demo accounts whose roles need a second factor (decision 0022) are set up with this one
# published key, so that the demo works without a phone: `linli demo --code` prints the current
# code, and any authenticator app given the key shows the same. Public like the demo password:
# a demo street is never a real one.
DEMO_TOTP_KEY = "LINLIDEMOTOTPKEYFORDEMOACCOUNTSZ"
RESIDENTS_PER_COMPOUND = 2500
COMPOUNDS_PER_COMMUNITY = 4
BATCH = 2000
# From this many residents on, LANES helper processes draw the residents while the seed's own
# process writes them (StreetBuilder._draw_in_lanes). The number of lanes is fixed, not the
# machine's cores, so that the same seed gives the same street on every machine; a smaller
# street is drawn in one process, as before.
PARALLEL_FROM = 100_000
LANES = 2
HOUSEHOLD_SIZES = [1, 2, 3, 4, 5]
MAX_HOUSEHOLD = max(HOUSEHOLD_SIZES)
# Above this many residents the demo builds a district of several streets, each of about this
# size (the largest streets, like Huamu, hold about 250,000); `linli demo --streets N` says how many.
RESIDENTS_PER_STREET = 250_000
STREET_NAMES = ["明月街道", "清风街道", "丽水街道", "长桥街道", "春晖街道", "银杏街道", "海棠街道", "青松街道"]
TODAY = datetime.date(2026, 11, 1)  # fixed so the same seed gives the same ages


def _split_evenly(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` whole shares that differ by at most one, the larger first."""
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


def _by_calendar_age(groups: list[str], age: int, alone: bool) -> list[str]:
    """The groups defined by age, as the calendar counts it on the street's day."""
    by_age = {SpecialGroup.ALONE_ELDER: age >= 65 and alone, SpecialGroup.OLDEST_OLD: age >= 80,
              SpecialGroup.INFANT: age < 6}
    return [g for g, member in by_age.items() if member] + [g for g in groups if g not in by_age]


@dataclass
class Plan:
    residents: int
    seed: int
    today: datetime.date = TODAY
    password: str = ""
    residents_per_compound: int = RESIDENTS_PER_COMPOUND
    compounds_per_community: int = COMPOUNDS_PER_COMMUNITY
    streets: int = 0  # 0: one street per RESIDENTS_PER_STREET residents begun

    @property
    def compounds(self) -> int:
        return max(1, round(self.residents / self.residents_per_compound))

    @property
    def communities(self) -> int:
        return max(1, -(-self.compounds // self.compounds_per_community))

    @property
    def street_count(self) -> int:
        wanted = self.streets or -(-self.residents // RESIDENTS_PER_STREET)
        return max(1, min(wanted, self.communities))


@dataclass
class Stats:
    places: int = 0
    households: int = 0
    residents: int = 0
    grids: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Ids:
    """Explicit primary keys, so children can point at parents before anything is saved."""

    def __init__(self, *models: type[Model]) -> None:
        self.next = {m: (m._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1 for m in models}

    def take(self, model: type[Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _bulk(model: type[Model], rows: Iterable[Model], progress: Progress | None = None) -> int:
    """Write rows that carry their own primary keys, a batch at a time (through ``COPY`` on
    PostgreSQL: see :func:`linli.core.bulk.write`)."""
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            count += _write(model, batch, progress)
            batch = []
    return count + _write(model, batch, progress)


def _write(model: type[Model], batch: list[Model], progress: Progress | None) -> int:
    bulk.write(model, batch)
    if progress:
        progress.advance(len(batch))
    return len(batch)


def demo_resident(building: Place, today: datetime.date) -> Person:
    """Whom the demo's resident account belongs to: the building's first resident of working age
    (25 to 60), who uses her own code, check-in, arrival and requests on her own phone; the first
    person of the building might be 95."""
    people = Person.objects.filter(path__under=building.path).order_by("pk")
    year = datetime.timedelta(days=365)
    return people.filter(birth_date__range=(today - 60 * year, today - 25 * year)).first() or people[0]


class StreetBuilder:
    def __init__(self, plan: Plan, *, show_progress: bool = True, stages: Stages | None = None) -> None:
        self.plan = plan
        self.stages = stages or Stages()
        self.rng = random.Random(plan.seed)
        self.show_progress = show_progress
        self.ids = Ids(Place, Person, Household, Residence, Grid)
        self.places: list[Place] = []
        self.stats = Stats()
        self.streets: list[Place] = []
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.lane: tuple[int, int] | None = None  # (number, of how many) in a helper process drawing residents

    # --- places ------------------------------------------------------------------------
    def _place(self, parent: Place | None, level: str, element: str, code: str, name: str, **extra: Any) -> Place:
        place: Place = bulk.new(Place, id=self.ids.take(Place), parent_id=parent.id if parent else None, level=level,
                            element_type=element, code=code, name=name, path=path_for(code, level),
                            sort_key=int(code[-4:]), **extra)
        self.places.append(place)
        return place

    def build_regions(self) -> tuple[Place, list[Place]]:
        province = self._place(None, Level.PROVINCE, ElementType.PROVINCE, "310000", "上海市")
        city = self._place(province, Level.CITY, ElementType.CITY, "310100", "上海市市辖区")
        district = self._place(city, Level.DISTRICT, ElementType.DISTRICT, "310115", "浦东新区")
        streets = []
        for k in range(self.plan.street_count):
            name = STREET_NAMES[k] if k < len(STREET_NAMES) else f"第{k + 1}街道"
            streets.append(self._place(district, Level.STREET, ElementType.SUBDISTRICT, f"310115{99 + k:03d}", name,
                                       latitude=31.215, longitude=121.555))
        communities: list[Place] = []
        per_street = _split_evenly(self.plan.communities, len(streets))
        for street, count in zip(streets, per_street, strict=True):
            for j in range(count):
                communities.append(self._place(street, Level.COMMUNITY, ElementType.RESIDENTS_COMMITTEE,
                                               f"{street.code}{j + 1:03d}", names.community_name(len(communities))))
        self.streets = streets
        return streets[0], communities

    def build_compound(self, community: Place, index: int, target: int) -> list[Place]:
        """Buildings, units and houses enough for ``target`` residents; returns the buildings."""
        rng = self.rng
        lat = 31.19 + (index % 8) * 0.008 + rng.random() * 0.002
        lon = 121.53 + (index // 8) * 0.009 + rng.random() * 0.002
        code = f"{community.code}{index % 999 + 1:03d}"
        compound = self._place(community, Level.COMPOUND, ElementType.COMPOUND, code, names.compound_name(index),
                               latitude=lat, longitude=lon)
        houses_needed = int(target / 2.55 / 0.89) + 1
        buildings: list[Place] = []
        while houses_needed > 0:
            number = len(buildings) + 1
            tall = rng.random() < 0.55
            floors = rng.randint(11, 24) if tall else 6
            units = rng.choice([1, 2]) if tall else rng.choice([2, 3, 4])
            building = self._place(compound, Level.BUILDING, ElementType.BUILDING, f"{code}{number:03d}",
                                   f"{number}号楼", floors=floors, units_count=units, has_lift=tall)
            buildings.append(building)
            for u in range(1, units + 1):
                unit = self._place(building, Level.UNIT, ElementType.UNIT, f"{building.code}{u:02d}", f"{u}单元")
                for floor in range(1, floors + 1):
                    for room in (1, 2):
                        usage = self._usage(floor)
                        self._place(unit, Level.HOUSE, ElementType.HOUSE, f"{unit.code}{floor:02d}{room:02d}",
                                    f"{floor}{room:02d}室", floor=floor, number=f"{floor}{room:02d}",
                                    area=round(rng.uniform(48, 140), 1), usage=usage)
                        houses_needed -= 1
        _lay_out(compound, buildings, random.Random(f"{self.plan.seed}-layout-{index}"))
        return buildings

    def _usage(self, floor: int) -> str:
        r = self.rng.random()
        if floor == 1 and r < 0.05:
            return Usage.COMMERCIAL
        if r < 0.09:
            return Usage.VACANT
        if r < 0.30:
            return Usage.RENTED
        return Usage.OWNER_OCCUPIED

    # --- people --------------------------------------------------------------------------
    def _id_number(self, region: str, birth: datetime.date, male: bool) -> str:
        while True:
            hundreds = self.rng.randint(0, 99) if self.lane is None else self.rng.randrange(self.lane[0], 100, self.lane[1])
            seq = hundreds * 10 + self.rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _phone(self) -> str:
        while True:
            rest = self.rng.randint(0, 999_999_999) if self.lane is None else \
                self.rng.randrange(self.lane[0], 1_000_000_000, self.lane[1])
            number = f"1{self.rng.choice('3456789')}{rest:09d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def _person(self, house: Place, age: int, male: bool, surname: str, pop: str, live_alone: bool) -> Person:
        rng, today = self.rng, self.plan.today
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        name = surname + names.given_name(rng, male)
        region = "310115" if pop == PopulationType.REGISTERED else rng.choice(names.OTHER_REGIONS)
        id_number = "" if pop == PopulationType.FOREIGN else self._id_number(region, birth, male)
        phone = "+44" + f"7{rng.randint(100000000, 999999999)}" if pop == PopulationType.FOREIGN else (
            self._phone() if age >= 12 else "")
        # Age on the street's day, as the reports count it (``age`` is a nominal draw, a year
        # more than the calendar's for some): the groups and the school follow it.
        calendar_age = age_on(birth, today) or 0
        groups = _by_calendar_age(self._groups(age, live_alone), calendar_age, live_alone)
        roles = self._roles(age)
        pinyin, initials = search.pinyin_keys(name)
        id_hash, last4_hash = search.id_hashes(id_number) if id_number else ("", "")
        return bulk.new(
            Person, id=self.ids.take(Person), name=name, name_pinyin=pinyin, name_initials=initials,
            id_number=id_number, id_hash=id_hash, id_last4_hash=last4_hash, birth_date=birth,
            sex="M" if male else "F", phone=_e164(phone) if phone else "",
            phone_hash=search.phone_hash(_e164(phone)) if phone else "",
            population_type=pop, hukou_region=region if id_number else "",
            hukou_address=names.hukou_address(region), current_house_id=house.id, current_address="",
            hukou_matches_residence=pop == PopulationType.REGISTERED and rng.random() < 0.85,
            special_groups=groups, special_groups_index=search.group_index(groups), community_roles=roles,
            school=names.school_for(calendar_age, sum(map(ord, house.code))), path=house.path,
        )

    # (the draw of the groups stays as it was: the same seed keeps giving the same street)
    def _groups(self, age: int, alone: bool) -> list[str]:
        rng, groups = self.rng, list[str]()
        if age >= 65 and alone:
            groups.append(SpecialGroup.ALONE_ELDER)
        if age >= 80:
            groups.append(SpecialGroup.OLDEST_OLD)
        if age < 6:
            groups.append(SpecialGroup.INFANT)
        if rng.random() < 0.02:
            groups.append(SpecialGroup.DISABLED)
        if rng.random() < 0.012:
            groups.append(SpecialGroup.SUBSISTENCE)
        if rng.random() < 0.002:
            groups.append(SpecialGroup.EXTREME_POVERTY)
        if age >= 75 and rng.random() < 0.25:
            groups.append(SpecialGroup.MEAL_AID)
        if groups and (alone or SpecialGroup.DISABLED in groups) and rng.random() < 0.3:
            groups.append(SpecialGroup.KEY_CARE)
        return groups

    def _roles(self, age: int) -> list[str]:
        roles: list[str] = []
        if age >= 18 and self.rng.random() < 0.08:
            roles.append(CommunityRole.PARTY_MEMBER)
        if 16 <= age <= 75 and self.rng.random() < 0.05:
            roles.append(CommunityRole.VOLUNTEER)
        return roles

    def household_members(self, house: Place) -> list[tuple[Person, str, str]]:
        """(person, relation, relation to head) for one synthetic household."""
        rng = self.rng
        size = rng.choices(HOUSEHOLD_SIZES, weights=[17, 30, 28, 15, 10])[0]
        rented = house.usage == Usage.RENTED
        pop = PopulationType.FLOATING if rented and rng.random() < 0.7 else PopulationType.REGISTERED
        if rng.random() < 0.01:
            pop = PopulationType.FOREIGN
        surname = names.surname(rng)
        head_age = rng.randint(66, 95) if size == 1 and rng.random() < 0.45 else rng.randint(24, 85)
        head_male = rng.random() < 0.55
        relation: str = Relation.TENANT if rented else Relation.OWNER
        members = [(self._person(house, head_age, head_male, surname, pop, size == 1), relation, "户主")]
        if size >= 2:
            members.append((self._person(house, max(18, head_age + rng.randint(-4, 4)), not head_male,
                                         names.surname(rng), pop, False), Relation.FAMILY if not rented else relation,
                            "配偶"))
        for _ in range(size - 2):
            if head_age > 55 and rng.random() < 0.5:
                age, rel = max(0, head_age - rng.randint(26, 34) - 28), "孙子女"
            else:
                age, rel = max(0, head_age - rng.randint(24, 36)), "子女"
            members.append((self._person(house, age, rng.random() < 0.5, surname, pop, False),
                            Relation.FAMILY if not rented else relation, rel))
        return members

    # --- the whole street ------------------------------------------------------------------
    def build(self) -> Stats:
        stage = self.stages.stage
        with transaction.atomic():
            # Built and checked once after the load, not kept up to date row by row (PostgreSQL only).
            deferred = bulk.drop_secondary_indexes(Place, Person, Household, Residence)
            foreign_keys = bulk.drop_foreign_keys(Place, Person, Household, Residence)
            with stage("street: places"):
                street, communities = self.build_regions()
                per_compound = _split(self.plan.residents, self.plan.compounds, self.rng)
                buildings_by_compound: list[tuple[Place, list[Place]]] = []
                for index, target in enumerate(per_compound):
                    community = communities[index // self.plan.compounds_per_community]
                    buildings_by_compound.append((community, self.build_compound(community, index, target)))
                compounds_of: dict[int, list[Place]] = {}
                for place in self.places:
                    if place.level == Level.COMPOUND:
                        compounds_of.setdefault(place.parent_id, []).append(place)  # type: ignore[arg-type]
                for community in communities:
                    community.boundary = _bounding_box([p.boundary for p in compounds_of.get(community.id, [])
                                                        if p.boundary])
                if len(self.streets) > 1:  # each street's centre among its own compounds
                    for each in self.streets:
                        own = [c for community in communities if community.parent_id == each.id
                               for c in compounds_of.get(community.id, [])]
                        each.latitude = round(sum(c.latitude or 0.0 for c in own) / len(own), 6) if own else None
                        each.longitude = round(sum(c.longitude or 0.0 for c in own) / len(own), 6) if own else None
                progress = Progress("places", len(self.places), enabled=self.show_progress)
                self.stats.places = _bulk(Place, self.places, progress)
            self.stages.count(self.stats.places)
            with stage("street: residents"):
                self._build_people(per_compound)
            self.stages.count(self.stats.residents)
            with stage("street: organizations"):
                self._build_organizations()
            with stage("street: grids"):
                self._build_grids(buildings_by_compound)
                geometry.draw(self.places, self.grids, self.plan.seed)  # footprints, grid and community outlines
            with stage("street: accounts"):
                self._build_accounts(street, communities)
                self._reset_sequences()
            with stage("street: foreign keys"):
                bulk.add_foreign_keys(foreign_keys)
            with stage("street: indexes"):
                bulk.create_indexes(deferred)
        with stage("street: analyze"), connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics so the planner picks the right index
        return self.stats

    def _houses_by_compound(self) -> Iterator[list[Place]]:
        current: list[Place] = []
        compound_path = None
        for place in self.places:
            if place.level == Level.COMPOUND:
                if current:
                    yield current
                current, compound_path = [], place.path
            elif place.level == Level.HOUSE and compound_path and place.path.startswith(compound_path):
                current.append(place)
        if current:
            yield current

    def _build_people(self, per_compound: list[int]) -> None:
        progress = Progress("residents", self.plan.residents, enabled=self.show_progress)
        compounds = list(zip(self._houses_by_compound(), per_compound, strict=False))
        if self.plan.residents < PARALLEL_FROM:
            self._draw_people(compounds, lambda people, households, residences:
                              self._flush_people(people, households, residences, progress))
        else:
            self._draw_in_lanes(compounds, progress)

    def _draw_people(self, compounds: list[tuple[list[Place], int]],
                     emit: Callable[[list[Person], list[Household], list[Residence]], None]) -> None:
        """Draw the households of ``compounds`` (houses, residents wanted), handing them to
        ``emit`` a batch at a time."""
        people: list[Person] = []
        households: list[Household] = []
        residences: list[Residence] = []
        self.building_leaders: dict[str, int] = {}
        for houses, target in compounds:
            placed = 0
            for house in houses:
                if placed >= target:
                    break
                if house.usage in (Usage.VACANT, Usage.COMMERCIAL):
                    continue
                members = self.household_members(house)[: target - placed]
                household = bulk.new(Household, id=self.ids.take(Household), house_id=house.id,
                                 head_id=members[0][0].id, number=f"H{house.code[-13:]}", path=house.path)
                households.append(household)
                moved_in = self.plan.today - datetime.timedelta(days=self.rng.randint(30, 9000))
                for person, relation, to_head in members:
                    self._maybe_building_leader(person, house)
                    people.append(person)
                    # A child born after the household moved in came to live here at birth.
                    since = max(moved_in, person.birth_date) if person.birth_date else moved_in
                    residences.append(bulk.new(
                        Residence, id=self.ids.take(Residence), person_id=person.id, house_id=house.id,
                        household_id=household.id, relation=relation, relation_to_head=to_head, moved_in=since,
                        path=house.path))
                placed += len(members)
            if len(people) >= BATCH * 2:
                emit(people, households, residences)
                people, households, residences = [], [], []
        emit(people, households, residences)

    # --- residents drawn in helper processes ------------------------------------------------
    def _draw_in_lanes(self, compounds: list[tuple[list[Place], int]], progress: Progress) -> None:
        """Drawing residents is most of a large seed's work and runs on one core, so LANES helper
        processes (forked: they share the places built so far) each draw a contiguous part of
        the compounds with a random source of their own, and this process writes what they
        send. Each lane numbers its rows from its own block of ids and draws ID numbers and
        phones from its own share of the possible ones, so no two lanes can clash. The lanes
        never touch the database."""
        parts = _split_compounds(compounds, LANES)
        models = (Person, Household, Residence)
        blocks = []
        for part in parts:
            blocks.append({m: self.ids.next[m] for m in models})
            # Ids a lane may take: a person, household and residence for each resident wanted, and the
            # members drawn for a compound's last household but cut off at its target.
            wanted = sum(target + MAX_HOUSEHOLD for _, target in part)
            for m in models:
                self.ids.next[m] += wanted
        context = multiprocessing.get_context("fork")
        queues = [context.Queue(maxsize=4) for _ in parts]
        lanes = [context.Process(target=self._lane, args=(n, part, blocks[n], queues[n]), daemon=True,
                                 name=f"linli-demo-residents-{n}") for n, part in enumerate(parts)]
        for lane in lanes:
            lane.start()
        try:
            waiting = list(range(len(lanes)))
            while waiting:
                for n in list(waiting):  # in turn, so that the rows go in in the same order every time
                    batch = _next_batch(queues[n], lanes[n])
                    if batch is None:
                        waiting.remove(n)
                    else:
                        self._write_prepared(batch, progress)
        finally:
            for lane in lanes:
                if lane.is_alive():
                    lane.terminate()
                lane.join()

    def _lane(self, number: int, compounds: list[tuple[list[Place], int]], block: dict[type[Model], int],
              queue: Any) -> None:
        """In a helper process: draw ``compounds`` and send their rows, ready to insert."""
        try:
            self.rng = random.Random(f"{self.plan.seed}/residents/{number}")  # noqa: S311 - demo data
            self.lane = (number, LANES)
            self.used_ids, self.used_phones = set(), set()
            self.ids.next.update(block)

            db = connections[connection.alias]

            def send(people: list[Person], households: list[Household], residences: list[Residence]) -> None:
                batch = []
                for model, objs in ((Person, people), (Household, households), (Residence, residences)):
                    names_, rows = bulk.prepared(model, objs)
                    batch.append((model, names_, bulk.copy_text(db, rows), len(rows)))
                queue.put(batch)

            self._draw_people(compounds, send)
            queue.put(None)
        except BaseException as exc:  # the parent raises it
            queue.put(LaneFailed(f"lane {number}: {type(exc).__name__}: {exc}"))
            raise

    def _write_prepared(self, batch: list[tuple[type[Model], list[str], list[tuple[Any, ...]] | bytes, int]],
                        progress: Progress) -> None:
        db = connections[connection.alias]
        for model, names_, rows, _ in batch:  # people first: households point at their head
            bulk.insert_rows(db, model, names_, rows)
        self.stats.residents += batch[0][3]
        self.stats.households += batch[1][3]
        progress.advance(batch[0][3])

    def _maybe_building_leader(self, person: Person, house: Place) -> None:
        building_path = "/".join(house.path.split("/")[:7]) + "/"
        age = (self.plan.today - person.birth_date).days // 365 if person.birth_date else 0
        if building_path not in self.building_leaders and 35 <= age <= 72:
            self.building_leaders[building_path] = person.id
            person.community_roles = [*person.community_roles, CommunityRole.BUILDING_LEADER]

    def _flush_people(self, people: list[Person], households: list[Household], residences: list[Residence],
                      progress: Progress) -> None:
        # Households point at their head, residences at both: people first.
        _bulk(Person, people, progress)
        _bulk(Household, households)
        _bulk(Residence, residences)
        self.stats.residents += len(people)
        self.stats.households += len(households)

    def _build_organizations(self) -> None:
        """Shops and services in the ground-floor commercial units (实有单位)."""
        rows = []
        for place in self.places:
            if place.level != Level.HOUSE or place.usage != Usage.COMMERCIAL:
                continue
            kind = self.rng.choice(names.SHOP_KINDS)
            body = "92310115" + "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
            rows.append(Organization(
                name=f"{names.shop_name(self.rng)}{kind}", uscc=body + uscc_check_char(body), place=place,
                path=place.path, kind=kind, contact_name=names.given_staff_name(self.rng),
                contact_phone=_e164(self._phone()), employees=self.rng.randint(1, 12)))
        bulk.insert(Organization, rows)
        self.stats.extra["organizations"] = len(rows)

    def _build_grids(self, buildings_by_compound: list[tuple[Place, list[Place]]]) -> None:
        grid_rows: list[Grid] = []
        links: list[Any] = []
        counter: dict[int, int] = {}
        through = Grid.places.through
        for community, buildings in buildings_by_compound:
            half = max(1, len(buildings) // 2)
            for part in (buildings[:half], buildings[half:]):
                if not part:
                    continue
                counter[community.id] = counter.get(community.id, 0) + 1
                n = counter[community.id]
                grid = Grid(id=self.ids.take(Grid), community=community, code=f"{community.code}-G{n:02d}",
                            name=f"{community.name}第{n}网格", path=community.path, risk_colour="green",
                            polygon=padded_outline([_position(b) for b in part], GRID_MARGIN))
                grid_rows.append(grid)
                links.extend(through(grid_id=grid.id, place_id=b.id) for b in part)
        Grid.objects.bulk_create(grid_rows)
        through.objects.bulk_create(links, batch_size=BATCH)
        self.stats.grids = len(grid_rows)
        self.grids = grid_rows

    def _build_accounts(self, street: Place, communities: list[Place]) -> None:
        roles = {r.code: r for r in Role.objects.all()}
        first_grid = self.grids[0]
        district = next(p for p in self.places if p.level == Level.DISTRICT)
        password = make_password(self.plan.password)
        users: dict[str, User] = {}
        for username, _description in DEMO_ACCOUNTS:
            users[username] = User.objects.create(
                username=username, password=password, display_name=DEMO_DISPLAY_NAMES.get(username, username),
                is_superuser=username == "demo-admin", is_staff=username == "demo-admin")
        first_building = first_grid.places.order_by("path")[0]
        resident = demo_resident(first_building, self.plan.today)
        users["demo-resident"].person = resident
        users["demo-resident"].display_name = resident.name
        users["demo-resident"].save()
        assignments = [
            RoleAssignment(user=users["demo-street"], role=roles["street_officer"], place=street),
            RoleAssignment(user=users["demo-community"], role=roles["community_secretary"], place=communities[0]),
            RoleAssignment(user=users["demo-grid"], role=roles["grid_worker"], grid=first_grid),
            RoleAssignment(user=users["demo-health"], role=roles["health_officer"], place=district),
            RoleAssignment(user=users["demo-resident"], role=roles["resident"], place=resident.current_house),
            RoleAssignment(user=users["demo-volunteer"], role=roles["volunteer"], grid=first_grid),
            RoleAssignment(user=users["demo-expert"], role=roles["health_expert"], place=street),
            RoleAssignment(user=users["demo-media"], role=roles["communications_officer"], place=street),
        ]
        if len(self.streets) > 1:  # a district of several streets: someone sees them all
            users[DISTRICT_ACCOUNT[0]] = User.objects.create(
                username=DISTRICT_ACCOUNT[0], password=password, display_name="区社区治理办 吴主任")
            assignments.append(RoleAssignment(user=users[DISTRICT_ACCOUNT[0]], role=roles["street_officer"],
                                              place=district))
        for assignment in assignments:  # bulk_create skips save(), which files the assignment under its place
            assignment.path = (assignment.place or assignment.grid).path  # type: ignore[union-attr]
        RoleAssignment.objects.bulk_create(assignments)
        GridMember.objects.create(grid=first_grid, user=users["demo-grid"], role=GridMember.Role.LEADER,
                                  duty="网格长")
        GridMember.objects.create(grid=first_grid, user=users["demo-volunteer"], role=GridMember.Role.MEMBER,
                                  duty="志愿者")
        self._enrol_second_factor(users.values())
        self._build_grid_teams(roles["grid_worker"])

    def _enrol_second_factor(self, users: Any) -> None:
        """The accounts whose roles need a second factor get the demo's published key."""
        from linli.core import twofactor

        key = twofactor.key_from_text(DEMO_TOTP_KEY)
        for user in users:
            if twofactor.needs_second_factor(User.objects.get(pk=user.pk)):
                twofactor.create_devices(user, key)

    def _build_grid_teams(self, role: Role) -> None:
        """A 1 + N team for every other grid: staff accounts that cannot log in until an
        administrator sets their password."""
        unusable = make_password(None)
        staff, members, assignments = [], [], []
        for grid in self.grids[1:]:
            for k in range(3):
                user = User(username=f"gw-{grid.code.lower()}-{k + 1}", password=unusable,
                            display_name=names.given_staff_name(self.rng))
                staff.append((grid, k, user))
        User.objects.bulk_create([u for _, _, u in staff])
        created = {u.username: u for u in User.objects.filter(username__startswith="gw-")}
        for grid, k, user in staff:
            saved = created[user.username]
            members.append(GridMember(grid=grid, user=saved, role="leader" if k == 0 else "member",
                                      duty="网格长" if k == 0 else "网格员"))
            assignments.append(RoleAssignment(user=saved, role=role, grid=grid, path=grid.path))
        GridMember.objects.bulk_create(members)
        RoleAssignment.objects.bulk_create(assignments)

    def _reset_sequences(self) -> None:
        if connection.vendor != "postgresql":
            return
        from django.core.management.color import no_style

        statements = connection.ops.sequence_reset_sql(no_style(), [Place, Person, Household, Residence, Grid])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _e164(national: str) -> str:
    return national if national.startswith("+") else "+86" + national


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    weights = [rng.uniform(0.8, 1.2) for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


# Buildings stand about 100 m apart in rows; a compound's wall runs 45 m outside its outer
# buildings, a grid's edge 30 m outside its own (so a grid lies inside its compound).
BUILDING_STEP = (0.0011, 0.0008)  # longitude, latitude
COMPOUND_MARGIN, GRID_MARGIN = 45.0, 30.0


class LaneFailed(Exception):
    """A helper process drawing residents failed (its message says where)."""


def _next_batch(queue: Any, lane: Any) -> Any:
    """The lane's next batch of rows, None when it has sent all; raises if it failed or died."""
    while True:
        try:
            item = queue.get(timeout=5)
        except Empty:
            if not lane.is_alive():
                raise LaneFailed(f"{lane.name} ended (exit code {lane.exitcode}) before sending all its rows") \
                    from None
            continue
        if isinstance(item, LaneFailed):
            raise item
        return item


def _split_compounds(compounds: list[tuple[list[Place], int]], parts: int) -> list[list[tuple[list[Place], int]]]:
    """``compounds`` in ``parts`` contiguous runs of about the same number of residents."""
    total = sum(target for _, target in compounds)
    runs: list[list[tuple[list[Place], int]]] = [[] for _ in range(parts)]
    done = 0
    for compound in compounds:
        runs[min(parts - 1, done * parts // max(total, 1))].append(compound)
        done += compound[1]
    return [run for run in runs if run]


def _lay_out(compound: Place, buildings: list[Place], rng: random.Random) -> None:
    """Place the buildings in rows around the compound's centre, a little askew as real
    compounds are, and draw the compound's boundary around them. Numbered column by column
    from the west, so the first half of them (the first grid) is the western part."""
    rows = max(1, round((len(buildings) / 1.7) ** 0.5))  # wider than deep, as compounds tend to be
    cols = -(-len(buildings) // rows)
    step_x, step_y = min(BUILDING_STEP[0], 0.0065 / cols), min(BUILDING_STEP[1], 0.0060 / rows)
    lat0, lon0 = compound.latitude or 0.0, compound.longitude or 0.0
    for n, building in enumerate(buildings):
        col, row = divmod(n, rows)
        building.longitude = round(lon0 + (col - (cols - 1) / 2) * step_x + rng.uniform(-1, 1) * step_x * 0.15, 6)
        building.latitude = round(lat0 - (row - (rows - 1) / 2) * step_y + rng.uniform(-1, 1) * step_y * 0.15, 6)
    compound.boundary = padded_outline([_position(b) for b in buildings], COMPOUND_MARGIN)


def _position(place: Place) -> tuple[float, float]:
    return float(place.longitude or 0.0), float(place.latitude or 0.0)


def _bounding_box(polygons: list[dict[str, Any]]) -> dict[str, Any] | None:
    points = [pt for poly in polygons for pt in poly["coordinates"][0]]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    margin = 0.0005
    lo_x, hi_x, lo_y, hi_y = min(lons) - margin, max(lons) + margin, min(lats) - margin, max(lats) + margin
    return {"type": "Polygon", "coordinates": [[[lo_x, lo_y], [hi_x, lo_y], [hi_x, hi_y], [lo_x, hi_y], [lo_x, lo_y]]]}
