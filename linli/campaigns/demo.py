"""The demo's campaigns (`linli demo`):

- "冬季独居老人关怀摸排", finished: the first community's elders living alone were called
  (simulated residents answer through the console call gateway), called again, the rest
  knocked by their grid workers; uncertain answers were checked by the secretary, and the
  answers landed in the registry (check-ins, visit needs as requests). The campaign is over, so
  its grid workers have made the visits asked for but for the latest few (resolved through the
  requests' own actions, audited);
- "返沪人员健康摸排", running: the first compound's households called once, those who did not
  answer are due again, those without a phone are on the grid worker's list, some answers wait
  for the secretary's check; the grid workers have called on all but the latest few of those who
  reported a fever;
- "封控期间买菜需求调查", a running survey to the grid worker's first building, answered on the
  page, by link or by the grid worker; some households have answered.

Running it again adds nothing.
"""

from __future__ import annotations

import random

from django.utils import timezone

from linli.campaigns import actions, effects, tasks
from linli.campaigns.actions import CampaignInput, QuestionInput
from linli.campaigns.models import Answer, ApplyState, Campaign, Effect, Kind, Target, TargetStatus
from linli.core import gateways
from linli.core.models import User
from linli.grids.models import GridMember
from linli.places.models import Level, Place

ELDERS = "冬季独居老人关怀摸排"
ARRIVALS = "返沪人员健康摸排"
GROCERIES = "封控期间买菜需求调查"
FAST = 100_000  # calls a second in the demo: no pacing while it is built
# The visit requests the campaigns raised that are still waiting: a handful per campaign, as in
# a street that keeps up with its follow-ups (the rest are visited and resolved).
VISITS_LEFT = 3
VISITED = (
    "已上门探访，老人身体尚好，留了社区和网格员的联系电话",
    "已上门看望，帮忙检查了燃气和电器，提醒冬季注意保暖",
    "已上门探访，登记了助餐需求，下周起由助餐点送餐",
    "已上门看望并联系了子女，约定每周电话问候一次",
)
CHECKED = (
    "已上门复测体温，体温正常，提醒居家注意观察",
    "已陪同到社区卫生服务中心发热门诊就诊，已登记健康情况",
    "已上门复测体温，低烧已退，继续每日健康打卡",
)

SCREENING = [
    QuestionInput("最近有没有发烧？", "yes_no", keywords=["发烧", "发热", "烧"], effect="visit"),
    QuestionInput("今天量的体温是多少度？", "temperature"),
    QuestionInput("家里现在住了几个人？", "number"),
]
CARE = [
    QuestionInput("最近身体怎么样，有没有不舒服？", "yes_no", keywords=["不舒服", "难受", "病"]),
    QuestionInput("需要安排人上门探访吗？", "yes_no", keywords=["探访", "上门"], effect="visit"),
    QuestionInput("需要帮忙代配药吗？", "yes_no", keywords=["配药"]),
]


def _knocks(campaign: Campaign, rng: random.Random, share: float) -> int:
    """Grid workers work part of their lists with the script."""
    workers = {m.grid_id: m.user for m in GridMember.objects.filter(role=GridMember.Role.LEADER)}
    done = 0
    for target in Target.objects.filter(campaign=campaign, status=TargetStatus.KNOCK).order_by("pk"):
        worker = workers.get(target.grid_id or 0)
        if worker is None or rng.random() > share:
            continue
        if rng.random() < 0.2:
            actions.do_record_answers(target, channel="knock", outcome="not_home", values={}, acting_user=worker)
            continue
        values = {"1": "no", "2": "yes" if rng.random() < 0.1 else "no", "3": "no"} if campaign.title == ELDERS \
            else {"1": "no", "2": f"{rng.choice((36.3, 36.5, 36.6, 36.8))}", "3": str(rng.randint(1, 4))}
        actions.do_record_answers(target, channel="knock", outcome="answered", values=values, acting_user=worker)
        done += 1
    return done


def _review_all(campaign: Campaign, reviewer: User) -> None:
    for answer in Answer.objects.filter(target__campaign=campaign, needs_review=True).select_related("question"):
        value = {"yes_no": "no", "temperature": "36.6", "number": "2"}.get(answer.question.kind, "—")
        actions.do_review(answer, acting_user=reviewer, value=value)


def _visit(campaign: Campaign, secretary: User, outcomes: tuple[str, ...]) -> int:
    """The grid workers make the visits the campaign's answers asked for (an elder who wants one,
    an arrival who reported a fever), but for the latest few requests: each is accepted and
    resolved by the grid's leader (the secretary where a grid has none)."""
    from linli.tickets.actions import do_accept, do_resolve, may_handle
    from linli.tickets.models import OPEN_STATUSES, Status, Ticket

    refs = Answer.objects.filter(target__campaign=campaign, question__effect=Effect.VISIT,
                                 apply_state=ApplyState.APPLIED, applied_to__startswith="tickets.ticket:")
    ids = [int(ref.split(":", 1)[1]) for ref in refs.values_list("applied_to", flat=True)]
    workers = {m.grid_id: m.user for m in GridMember.objects.filter(role=GridMember.Role.LEADER)}
    done = 0
    for ticket in Ticket.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).order_by("-pk")[VISITS_LEFT:]:
        worker = workers.get(ticket.grid_id or 0)
        if worker is None or not may_handle(worker, ticket):
            worker = secretary
        if ticket.status == Status.NEW:
            ticket = do_accept(ticket, acting_user=worker)
        do_resolve(ticket, acting_user=worker, outcome=outcomes[done % len(outcomes)])
        done += 1
    return done


def prepare_demo_campaigns(seed: int = 1) -> int:
    if Campaign.objects.filter(title=ELDERS).exists():
        return 0
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    secretary = User.objects.filter(username="demo-community").first()
    grid_worker = GridMember.objects.filter(user__username="demo-grid").select_related("grid").first()
    if community is None or secretary is None or grid_worker is None:
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    gateways.seed_simulation(seed)

    elders = actions.do_create_campaign(CampaignInput(
        title=ELDERS, intro="您好，这里是居委会，冬季到了，想问问您的身体和生活情况。", channels=["call", "knock"],
        places=[community], group="alone_elder", questions=CARE), acting_user=secretary)
    actions.do_start_campaign(elders, acting_user=secretary)
    tasks.dial(elders.pk, rate=FAST)
    Target.objects.filter(campaign=elders, status=TargetStatus.WAITING).update(next_at=timezone.now())
    tasks.dial(elders.pk, rate=FAST)  # the second call, two hours later
    _knocks(elders, rng, share=1.0)
    _review_all(elders, secretary)
    effects.apply_pending(elders.pk)
    actions.do_finish_campaign(elders, acting_user=secretary)
    _visit(elders, secretary, VISITED)

    compound = Place.objects.filter(level=Level.COMPOUND, path__startswith=community.path).order_by("code").first()
    arrivals = actions.do_create_campaign(CampaignInput(
        title=ARRIVALS, channels=["call", "link", "knock"], places=[compound or community], questions=SCREENING),
        acting_user=secretary)
    actions.do_start_campaign(arrivals, acting_user=secretary)
    tasks.dial(arrivals.pk, rate=FAST)
    _knocks(arrivals, rng, share=0.3)
    effects.apply_pending(arrivals.pk)
    _visit(arrivals, secretary, CHECKED)

    building = grid_worker.grid.places.filter(level=Level.BUILDING).order_by("path").first()
    survey = actions.do_create_campaign(CampaignInput(
        title=GROCERIES, kind=Kind.SURVEY, intro="封控期间，社区可以帮您代购生活物资。",
        channels=["page", "link", "knock"], places=[building or community],
        questions=[QuestionInput("封控期间需要帮忙买菜吗？", "yes_no", effect="request", category="other"),
                   QuestionInput("家里有几位老人？", "number"),
                   QuestionInput("还有什么困难想告诉我们？", "text")]), acting_user=secretary)
    actions.do_start_campaign(survey, acting_user=secretary)
    for target in Target.objects.filter(campaign=survey).order_by("pk")[:8]:
        actions.do_record_answers(target, channel="link", outcome="answered",
                                  values={"1": "yes" if rng.random() < 0.3 else "no", "2": str(rng.randint(0, 2))})
    effects.apply_pending(survey.pk)
    return 3
