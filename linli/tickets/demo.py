"""A working day's history for the demo street: requests over the last weeks in the mix of a
Shanghai street (repairs and environment most common), most resolved in time, some overdue,
some bounced between grids and departments, ratings skewed as real ratings are (most residents
who rate are satisfied; many never rate). The demo resident has one request waiting for her
rating and one being handled; the demo grid worker has new ones to accept. Households under
home quarantine in the demo volunteer's community have groceries and medicine delivered: one
waits for a volunteer, the demo volunteer has one to finish, one is at the door of the demo
quarantined resident for her to confirm, one was left at a door hours ago without a word (the
grid worker calls), one was received yesterday.

Rows are written in bulk with the same routing and limits the actions use, so the benchmark
can build a year of requests for a 250,000-resident street in minutes."""

from __future__ import annotations

import datetime
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from linli.core import audit, bulk
from linli.core.access import allows
from linli.core.models import Role, RoleAssignment, User
from linli.core.progress import Progress
from linli.grids.models import Grid, GridMember
from linli.people.models import Residence
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.places.rules import ancestor_paths
from linli.tickets import actions, routing, workcal
from linli.tickets.models import (
    Category,
    Clock,
    Delivery,
    DutyItem,
    DutyKind,
    EventKind,
    GridRole,
    Level,
    Rating,
    Source,
    Status,
    Ticket,
    TicketEvent,
)

# Share of requests per category (a Shanghai street: repairs and environment first).
MIX = {
    "repair-water": 17, "repair-public": 14, "environment": 15, "noise": 8, "safety": 5, "elderly": 8,
    "parking": 7, "neighbour": 5, "policy": 6, "property": 6, "utilities": 3, "municipal": 2,
    "illegal-building": 1, "staff-complaint": 1, "other": 2,
}
# One request in so many stalled: still waiting to be accepted or resolved, whatever the hour
# the demo is built at, so the supervision page always has overdue requests to follow up.
STALLED_EVERY = 50
SOURCES = [(Source.APP, 45), (Source.PHONE, 25), (Source.HOTLINE, 15), (Source.WALK_IN, 8), (Source.VISIT, 7)]
RATINGS = [(Rating.SATISFIED, 74), (Rating.PARTLY, 17), (Rating.UNSATISFIED, 9)]
WORDS = {
    "repair-water": ["厨房水管漏水，楼下天花板渗水", "卫生间下水道堵塞", "楼顶水箱溢水"],
    "repair-public": ["楼道灯不亮，晚上老人上下楼不安全", "单元门禁坏了关不上", "电梯异响"],
    "environment": ["楼下垃圾桶满了没人清运", "楼道里堆放杂物", "绿化带杂草太高"],
    "noise": ["楼上深夜装修噪声", "广场舞音响太响", "空调外机噪声扰民"],
    "safety": ["电瓶车在楼道里充电", "消防通道被车堵住", "楼道灭火器过期"],
    "elderly": ["独居老人需要助餐", "老人行动不便需要代配药", "希望有人上门探望"],
    "parking": ["小区停车位被外来车辆占用", "非机动车乱停"],
    "neighbour": ["邻居空调滴水到我家阳台", "邻居养狗扰民"],
    "policy": ["咨询低保申请材料", "咨询居住证办理", "咨询医保报销"],
    "property": ["物业不及时维修", "物业费收费有疑问"],
    "utilities": ["整栋楼停水没有通知", "燃气表读数异常"],
    "municipal": ["小区门口路灯不亮", "人行道破损"],
    "illegal-building": ["楼顶违章搭建"],
    "staff-complaint": ["窗口工作人员态度不好"],
    "other": ["建议增加健身器材"],
}
OUTCOMES = ["已上门维修，问题解决", "已联系物业处理完毕", "已协调双方，达成一致", "已清运完毕", "已答复居民咨询内容"]


@dataclass
class Street:
    """What routing needs, read once: grids by building, leaders, houses with a resident."""

    grid_by_building: dict[str, Grid]
    leader: dict[int, Any]
    homes: list[tuple[Place, int | None]]
    publics: list[Place]
    community_ids: dict[str, int]


def _read_street(rng: random.Random, sample_homes: int) -> Street:
    grids = {g.pk: g for g in Grid.objects.all()}
    through = Grid.places.through
    grid_by_building = {path: grids[gid] for gid, path in through.objects.values_list("grid_id", "place__path")}
    leader = {m.grid_id: m.user for m in GridMember.objects.filter(role=GridMember.Role.LEADER).select_related("user")}
    residences = list(Residence.objects.filter(moved_out__isnull=True).values_list("house_id", "person_id"))
    rng.shuffle(residences)
    chosen = dict(residences[:sample_homes])
    houses = Place.objects.in_bulk(list(chosen))
    homes: list[tuple[Place, int | None]] = [(houses[h], p) for h, p in chosen.items() if h in houses]
    publics = list(Place.objects.filter(level__in=[PlaceLevel.BUILDING, PlaceLevel.COMPOUND]))
    communities = dict(Place.objects.filter(level=PlaceLevel.COMMUNITY).values_list("path", "pk"))
    return Street(grid_by_building, leader, homes, publics, communities)


def _destination(street: Street, category: Category, place: Place) -> tuple[str, Grid | None, Any, str]:
    """``routing.route`` over the dictionaries read once above (a year of requests cannot ask the
    database per row); the negative lists are left out: the demo street's keep no category from
    grid leaders (``DEMO_DUTIES``), and the leader takes every grid request here."""
    if category.level == Level.DEPARTMENT:
        return Level.DEPARTMENT, None, None, category.department
    if category.level in (Level.COMMUNITY, Level.STREET):
        return category.level, None, None, ""
    for path in [place.path, *reversed(ancestor_paths(place.path))]:
        grid = street.grid_by_building.get(path)
        if grid is not None:
            return Level.GRID, grid, street.leader.get(grid.pk), ""
    below = [g for p, g in street.grid_by_building.items() if p.startswith(place.path)]
    if below:
        grid = below[0]
        return Level.GRID, grid, street.leader.get(grid.pk), ""
    return Level.COMMUNITY, None, None, ""


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def build_history(*, days: int = 60, per_day: float = 30.0, seed: int = 1,
                  now: datetime.datetime | None = None, show_progress: bool = False) -> int:
    """Write ``days`` of past requests, ``per_day`` a day on average. Returns how many."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = now or timezone.now()
    categories = {c.code: c for c in Category.objects.all()}
    mix = [(categories[code], w) for code, w in MIX.items() if code in categories]
    total = int(days * per_day)
    street = _read_street(rng, sample_homes=min(max(total, 100), 200_000))
    if not street.homes or not mix:
        return 0
    calendar = workcal.Calendar.load((now - datetime.timedelta(days=days + 1)).date(), days=days + 400)
    progress = Progress("requests", total, enabled=show_progress)
    with transaction.atomic():
        next_pk = (Ticket.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        foreign_keys = bulk.drop_foreign_keys(Ticket, TicketEvent)  # checked once after the load (PostgreSQL)
        for start in range(0, total, 5000):
            batch = [_one(rng, street, mix, now, days, calendar, stalled=(start + n) % STALLED_EVERY == 0)
                     for n in range(min(5000, total - start))]
            next_pk = _write(batch, next_pk)
            progress.advance(len(batch))
        bulk.add_foreign_keys(foreign_keys)
        _reset_sequence()
        audit.record("tickets.demo", detail={"requests": total, "days": days})
    with connection.cursor() as cursor:
        # Fresh statistics: after a bulk load the planner would otherwise scan a year of requests
        # for the few open ones.
        cursor.execute("ANALYZE tickets_ticket")
    return total


@dataclass
class Planned:
    ticket: Ticket
    events: list[TicketEvent]


def _one(rng: random.Random, street: Street, mix: list[tuple[Category, int]], now: datetime.datetime, days: int,
         calendar: workcal.Calendar, *, stalled: bool = False) -> Planned:
    category: Category = _pick(rng, mix)
    if rng.random() < 0.7:
        place, person_id = rng.choice(street.homes)
    else:
        place, person_id = rng.choice(street.publics), None
    age = datetime.timedelta(days=days) * (rng.random() ** 1.3)  # a little more recent than old
    created = timezone.localtime(now - age).replace(hour=rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 16, 17, 19, 20, 21]),
                                   minute=rng.randrange(60))
    created = min(created, now - datetime.timedelta(minutes=rng.randrange(5, 600)))
    level, grid, handler, department = _destination(street, category, place)
    working = category.clock == Clock.WORKING
    respond_by = workcal.add_hours(created, category.respond_hours, working=working, calendar=calendar)
    resolve_by = workcal.add_hours(created, category.resolve_hours, working=working, calendar=calendar)
    # bulk.new, not Ticket(): Model.__init__ cost more than drawing the request
    ticket = bulk.new(
        Ticket, number="", token=secrets.token_urlsafe(18)[:24], category_id=category.pk, place_id=place.pk,
        community_id=street.community_ids[routing.community_path(place.path)], path=place.path,
        description=rng.choice(WORDS.get(category.code, ["需要社区帮助"])), source=_pick(rng, SOURCES),
        person_id=person_id, level=level, grid_id=grid.pk if grid else None,
        handler_id=handler.pk if handler else None, department=department,
        routing={"code": "department", "category": category.name, "department": department}
        if level == Level.DEPARTMENT else {"code": f"{level}_category", "category": category.name}
        if level != Level.GRID else {"code": "house_grid" if place.level == PlaceLevel.HOUSE else "place_grid",
                                     "grid": grid.name if grid else "", "place": place.name,
                                     "handler": str(handler) if handler else ""},
        respond_by=respond_by, resolve_by=resolve_by, created_at=created,
    )
    events = [_event(EventKind.SUBMITTED, created, detail={"source": ticket.source}),
              _event(EventKind.ROUTED, created, detail={"level": level})]
    _live(rng, ticket, handler, events, now, stalled=stalled)
    return Planned(ticket, events)


def _event(kind: str, at: datetime.datetime, actor: Any = None, **values: Any) -> TicketEvent:
    event: TicketEvent = bulk.new(TicketEvent, kind=kind, at=at, actor_id=actor.pk if actor is not None else None,
                                  **values)
    return event


def _after(rng: random.Random, start: datetime.datetime, limit: datetime.datetime, late: bool) -> datetime.datetime:
    span = max(limit - start, datetime.timedelta(minutes=20))
    at = limit + span * rng.random() * 0.8 if late else start + span * (0.1 + 0.85 * rng.random())
    return at


def _live(rng: random.Random, t: Ticket, handler: Any, events: list[TicketEvent], now: datetime.datetime, *,
          stalled: bool = False) -> None:
    """What became of the request by now (``handler`` is the user it went to). A ``stalled``
    one is still waiting, to be accepted or to be resolved: past its limit unless it was filed
    only hours ago."""
    stuck = rng.choice((Status.NEW, Status.ACCEPTED)) if stalled else None
    if rng.random() < 0.08 and t.level == Level.GRID:  # bounced once or more
        t.bounces = rng.choice([1, 1, 2, 3])
        events.append(_event(EventKind.TRANSFERRED, t.created_at + datetime.timedelta(hours=1), handler,
                             note="不在本网格，转交", public=True))
        if t.bounces > 2:
            t.level, t.routing = Level.COMMUNITY, {"code": "bounced"}
    responded = _after(rng, t.created_at, t.respond_by, late=rng.random() < 0.12)
    if responded > now or stuck == Status.NEW:
        t.warn_at = t.created_at + (t.respond_by - t.created_at) * settings.LINLI_TICKET_WARN_SHARE
        _mark_overdue(t, now)
        return
    t.status, t.responded_at, t.responded_late = Status.ACCEPTED, responded, responded > t.respond_by
    events.append(_event(EventKind.ACCEPTED, responded, handler))
    resolved = _after(rng, responded, t.resolve_by, late=rng.random() < 0.15)
    if resolved > now or stuck == Status.ACCEPTED:
        t.warn_at = responded + (t.resolve_by - responded) * settings.LINLI_TICKET_WARN_SHARE
        _mark_overdue(t, now)
        return
    if rng.random() < 0.03:
        t.status, t.outcome = Status.UNRESOLVABLE, "经核实不属于社区职责范围，已告知居民向区房管局反映"
        t.resolved_at = t.closed_at = resolved
        events.append(_event(EventKind.UNRESOLVABLE, resolved, handler, note=t.outcome))
        return
    t.status, t.resolved_at, t.resolved_late = Status.RESOLVED, resolved, resolved > t.resolve_by
    t.outcome = rng.choice(OUTCOMES)
    events.append(_event(EventKind.RESOLVED, resolved, handler, note=t.outcome))
    window = datetime.timedelta(days=settings.LINLI_TICKET_REOPEN_DAYS)
    if rng.random() < 0.58:  # many residents never rate
        rated = resolved + datetime.timedelta(hours=rng.uniform(1, 72))
        if rated < now:
            t.rating = _pick(rng, RATINGS)
            t.rated_at = t.closed_at = rated
            t.status = Status.CLOSED
            events.append(_event(EventKind.RATED, rated, detail={"rating": t.rating}))
            if t.rating == Rating.UNSATISFIED and rng.random() < 0.35:
                t.reopened = 1  # reopened once, fixed the second time
    if t.status == Status.RESOLVED and now - resolved > window:
        t.status, t.closed_at = Status.CLOSED, resolved + window
        events.append(_event(EventKind.CLOSED, t.closed_at))


def _mark_overdue(t: Ticket, now: datetime.datetime) -> None:
    due = t.respond_by if t.responded_at is None else t.resolve_by
    if due < now:
        t.overdue, t.escalations = True, 1
        t.level = actions.UP[Level(t.level)]
        t.routing = {"code": "escalated", "level": t.level}
        t.warned_at = due


def _write(batch: list[Planned], next_pk: int) -> int:
    """Insert a batch with ids chosen here (so numbers and planned times go in with the rows,
    without a second pass); returns the next free id."""
    tickets = [p.ticket for p in batch]
    for t in tickets:
        t.pk = next_pk
        next_pk += 1
        t.number = f"{timezone.localtime(t.created_at):%Y%m%d}-{t.pk:06d}"
        t.updated_at = t.created_at
    bulk.write(Ticket, tickets, stamp=False)  # filed at their planned times
    events = []
    for p in batch:
        for e in p.events:
            e.ticket_id = p.ticket.pk
            events.append(e)
    bulk.insert(TicketEvent, events)
    return next_pk


def _reset_sequence() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
                cursor.execute(sql)


# A street's three lists for its grid roles, as Shanghai streets publish them; the member's
# negative line names a category, so the demo shows a line that routing obeys.
DEMO_DUTIES = [
    (GridRole.LEADER, DutyKind.POWER, "调解网格内的一般矛盾纠纷", ""),
    (GridRole.LEADER, DutyKind.POWER, "统筹安排网格员的日常走访与巡查", ""),
    (GridRole.LEADER, DutyKind.RESPONSIBILITY, "每日巡查网格，发现问题及时处置或上报", ""),
    (GridRole.LEADER, DutyKind.RESPONSIBILITY, "按时受理、办结派至本网格的居民诉求", ""),
    (GridRole.LEADER, DutyKind.RESPONSIBILITY, "按计划走访独居老人等重点人群", ""),
    (GridRole.LEADER, DutyKind.NEGATIVE, "不得代替执法部门开展执法", ""),
    (GridRole.LEADER, DutyKind.NEGATIVE, "不得向居民收取任何费用", ""),
    (GridRole.MEMBER, DutyKind.POWER, "入户走访，核实居民基本信息", ""),
    (GridRole.MEMBER, DutyKind.RESPONSIBILITY, "协助网格长做好日常巡查", ""),
    (GridRole.MEMBER, DutyKind.RESPONSIBILITY, "当天录入走访记录和发现的居民需求", ""),
    (GridRole.MEMBER, DutyKind.NEGATIVE, "不单独处置消防安全隐患，发现后立即报告网格长", "safety"),
    (GridRole.MEMBER, DutyKind.NEGATIVE, "不得泄露居民个人信息", ""),
]


def prepare_demo_duties() -> int:
    """The demo street's duty lists, unless it keeps some already."""
    street = Place.objects.filter(level=PlaceLevel.STREET).order_by("path").first()
    if street is None or DutyItem.objects.filter(path=street.path).exists():
        return 0
    categories = {c.code: c for c in Category.objects.filter(code__in=[d[3] for d in DEMO_DUTIES if d[3]])}
    rows = [DutyItem(path=street.path, role=role, kind=kind, text=text, category=categories.get(code),
                     sort_key=10 * n) for n, (role, kind, text, code) in enumerate(DEMO_DUTIES)]
    DutyItem.objects.bulk_create(rows)
    return len(rows)


def prepare_demo_requests(*, seed: int = 1, residents: int = 50_000, show_progress: bool = False) -> int:
    """The demo's history (about six requests a day per 10,000 residents over 60 days) and the
    demo accounts' own: the resident's request to rate and her open one, new requests in the
    grid worker's grid."""
    prepare_demo_duties()
    count = build_history(days=60, per_day=max(residents / 10_000 * 6, 5), seed=seed, show_progress=show_progress)
    resident = User.objects.filter(username="demo-resident").select_related("person__current_house").first()
    worker = User.objects.filter(username="demo-grid").first()
    if resident is None or worker is None or resident.person is None or resident.person.current_house is None:
        return count
    house = resident.person.current_house
    water = Category.objects.get(code="repair-water")
    light = Category.objects.get(code="repair-public")
    done = actions.do_submit(actions.NewTicket(water, house, "卫生间水龙头一直滴水，关不紧"), acting_user=resident)
    actions.do_accept(done, acting_user=worker)
    actions.do_resolve(done, acting_user=worker, outcome="已上门更换水龙头阀芯，不再滴水")
    building = Place.objects.get(path=ancestor_paths(house.path)[6])
    actions.do_submit(actions.NewTicket(light, building, "我们单元三楼楼道灯坏了，晚上很黑"), acting_user=resident)
    neighbours = defaultdict(list)
    for residence in Residence.objects.filter(house__path__startswith=building.path, moved_out__isnull=True
                                              ).exclude(house=house).select_related("house", "person")[:20]:
        neighbours[residence.house_id].append(residence)
    for n, rows in enumerate(list(neighbours.values())[:3]):
        actions.do_submit(actions.NewTicket(
            Category.objects.get(code=("environment", "noise", "elderly")[n]), rows[0].house,
            ("楼道里堆了很多纸箱，影响通行", "楼上每天晚上十点后还在装修", "家里老人腿脚不便，想请社区帮忙代配降压药")[n],
            source=Source.PHONE, person=rows[0].person), acting_user=worker)
    return count + 5


# (category, words, shopping list, what has become of it, hours ago)
DELIVERIES = [
    ("quarantine-groceries", "家里菜吃完了，麻烦帮忙买些菜和鸡蛋", ["青菜 两把", "鸡蛋 一盒", "西红柿 1斤", "挂面 一包"],
     "at_door", 0.5),
    ("quarantine-medicine", "老人降压药快吃完了，需要去社区卫生服务中心代配", ["苯磺酸氨氯地平片 一盒"], "open", 0.2),
    ("quarantine-groceries", "需要大米和食用油", ["大米 10斤", "食用油 一桶"], "taken", 0.6),
    ("quarantine-groceries", "孩子的奶粉没有了，麻烦代买", ["婴幼儿奶粉 2段 一罐"], "at_door", 5),
    ("quarantine-groceries", "买点水果和牛奶", ["苹果 2斤", "牛奶 一箱"], "received", 26),
]


def _quarantined_houses(community: Place) -> list[tuple[Place, Any]]:
    """Houses of ``community`` under a home quarantine order, the demo volunteer's grid first."""
    from linli.health.models import OrderKind, OrderStatus, QuarantineOrder

    orders = (QuarantineOrder.objects.filter(path__startswith=community.path, kind=OrderKind.HOME,
                                             status=OrderStatus.ACTIVE).select_related("person__current_house")
              .order_by("path", "pk"))
    houses: dict[int, tuple[Place, Any]] = {}
    for order in orders:
        house = order.person.current_house
        if house is not None and house.path == order.path:
            houses.setdefault(house.pk, (house, order.person))
    return list(houses.values())


# minutes between one step of a delivery and the next: filed, taken, bought, at the door, received
STEP_GAPS = {"created": 0, "taken": 15, "picked_up": 40, "left": 25, "received": 20}
STEP_EVENTS = {"created": [EventKind.SUBMITTED, EventKind.ROUTED, EventKind.OFFERED], "taken": [EventKind.TAKEN],
               "picked_up": [EventKind.PICKED_UP], "left": [EventKind.AT_DOOR], "received": [EventKind.RECEIVED]}
STEP_OF = {"open": "created", "taken": "taken", "at_door": "left", "received": "received"}


def _backdate(ticket: Ticket, last_step: str, hours: float) -> None:
    """Spread a request made just now over the past: its last step ``hours`` ago, the ones
    before it a few tens of minutes apart (its history and its limits moved with them)."""
    steps = list(STEP_GAPS)
    back: dict[str, datetime.timedelta] = {}
    ago = datetime.timedelta(hours=hours)
    for step in reversed(steps[: steps.index(last_step) + 1]):
        back[step] = ago
        ago += datetime.timedelta(minutes=STEP_GAPS[step])
    created = back["created"]
    Ticket.objects.filter(pk=ticket.pk).update(
        **{f: F(f) - created for f in ("created_at", "respond_by", "resolve_by", "warn_at")},
        responded_at=F("responded_at") - back.get("taken", created),
        resolved_at=F("resolved_at") - back.get("received", created))
    for step, delta in back.items():
        TicketEvent.objects.filter(ticket=ticket, kind__in=STEP_EVENTS[step]).update(at=F("at") - delta)
    Delivery.objects.filter(ticket=ticket).update(
        created_at=F("created_at") - created, updated_at=F("updated_at") - back[last_step],
        **{f"{step}_at": F(f"{step}_at") - delta for step, delta in back.items() if step != "created"})


def _link_quarantined_account(house: Place, person: Any) -> User | None:
    """The demo account of a quarantined resident: her record and the resident's role on her house."""
    user = User.objects.filter(username="demo-quarantined").first()
    if user is None:
        return None
    user.person, user.display_name = person, person.name
    user.save(update_fields=["person", "display_name"])
    RoleAssignment.objects.get_or_create(user=user, role=Role.objects.get(code="resident"), place=house)
    return user


@transaction.atomic
def prepare_demo_deliveries() -> int:
    """Deliveries for the quarantined households of the demo volunteer's community, each at a
    step of its journey (``DELIVERIES``). Returns how many; none when there is no quarantine
    there, or they are there already."""
    volunteer = User.objects.filter(username="demo-volunteer").first()
    worker = User.objects.filter(username="demo-grid").first()
    secretary = User.objects.filter(username="demo-community").first()
    community = Place.objects.filter(level=PlaceLevel.COMMUNITY).order_by("code").first()
    if volunteer is None or worker is None or community is None or Delivery.objects.exists():
        return 0
    houses = _quarantined_houses(community)
    if not houses:
        return 0
    own = _link_quarantined_account(*houses[0])
    made = 0
    for (house, person), (code, words, items, step, hours) in zip(houses, DELIVERIES, strict=False):
        category = Category.objects.get(code=code)
        by_her = own is not None and made == 0
        # the grid worker files for the houses of her grid; the secretary for the rest (on a
        # small street the community's quarantined households need not be in the first grid)
        staff = worker if secretary is None or allows(worker, "tickets.view", house.path) else secretary
        ticket = actions.do_submit(actions.NewTicket(
            category, house, words, source=Source.APP if by_her else Source.PHONE,
            person=None if by_her else person, items=items), acting_user=own if by_her else staff)
        delivery = ticket.deliveries.get()
        if step != "open":
            actions.do_take_delivery(delivery, acting_user=volunteer)
        if step in ("at_door", "received"):
            actions.do_pick_up(delivery, acting_user=volunteer)
            actions.do_leave_at_door(delivery, acting_user=volunteer, note="小票在袋子里")
        if step == "received":
            actions.do_confirm_receipt_for(ticket, acting_user=staff, note="电话联系住户，已取回家中")
        _backdate(ticket, STEP_OF[step], hours)
        made += 1
    return made
