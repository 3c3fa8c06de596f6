"""The demo's consultations (`linli demo`), in the first community:

- "小区停车管理办法（征求意见稿）", open for two more weeks: five sections, about three hundred
  residents who supported or opposed them, a few hundred comments and a score of proposals,
  two of them past the threshold, one comment hidden by the moderators. demo-resident has not
  taken part yet: she can comment and support a proposal;
- "垃圾分类投放点调整方案", closed three weeks ago: its themes found, each with what was done,
  its proposals answered (demo-resident's among them), the summary reported to the street, and
  the final announcement (你说我改) published.

Residents' voices are written in bulk (the actions' own path is tested; the demo needs seconds);
the office's steps go through the actions. Running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from linli.consult import actions
from linli.consult.models import (
    Comment,
    Consultation,
    Participant,
    Proposal,
    ProposalVote,
    Section,
    SectionVote,
    Stance,
)
from linli.core.dates import age_on
from linli.core.models import User
from linli.people.models import Person
from linli.places.models import Level, Place

PARKING = "小区停车管理办法（征求意见稿）"
PARKING_SECTIONS = [
    ("第一条 车位分配", "小区地面及地下车位优先分配给本小区业主，每户限登记一辆机动车，按登记先后顺序分配。"),
    ("第二条 外来车辆", "外来车辆凭访客登记进入，临时停放不超过两小时，超时按每小时5元收费。"),
    ("第三条 收费标准", "月租车位每月200元，收费收支每季度在公告栏公布。"),
    ("第四条 充电设施", "在地面停车场增设电动汽车充电桩，电动自行车在集中充电棚充电，禁止入户充电。"),
    ("第五条 消防通道", "消防通道禁止停车，违者首次劝离，再次通报物业处理。"),
]
PARKING_COMMENTS = {
    0: ["停车位太少了，晚上回来根本找不到停车位", "建议按户分配停车位，一户一个车位比较公平", "租户也应该可以登记停车位",
        "家里有两辆车的怎么办，第二辆车能不能排队登记", "停车位分配要公开抽签，不要内部分配", "老年人和残疾人家庭应优先分配停车位"],
    1: ["外来车辆太多，占用业主停车位", "外来车辆两小时太长了，建议一小时", "快递外卖车辆经常乱停，要管一管",
        "访客登记太麻烦，能不能用手机预约", "外来车辆晚上停在消防通道，很危险"],
    2: ["月租200元太贵了，周边小区才150元", "停车收费要公开透明，每月公布收支", "收费标准应该听证，不能物业说了算",
        "停车费收入应该用于小区维修", "老人开车少，能不能按次收费"],
    3: ["充电桩太少，电动汽车没地方充电", "电动车充电棚要装监控和灭火器", "充电桩收费标准要公布", "充电桩建在楼下要注意安全",
        "电动自行车充电棚离我们楼太远了", "希望多装几个充电桩，排队太久"],
    4: ["消防通道经常被占，必须严管", "消防通道要画线并装监控", "占用消防通道的车辆应该拖走", "支持消防通道禁止停车"],
}
TAILS = ["", "", "", "。", "，希望尽快落实。", "，谢谢居委会。", "，请物业重视。", "！"]
PARKING_PROPOSALS = [
    ("地下车库增设充电桩", "在地下车库增设20个充电桩，按使用量收费。"),
    ("车位摇号分配", "车位分配采用公开摇号，结果在公告栏公示。"),
    ("访客车辆手机预约", "访客车辆通过小程序预约进入，减少门口排队。"),
    ("停车费用于小区维修", "停车费收入单独记账，用于小区道路和车库维修。"),
    ("消防通道装监控", "在消防通道安装监控，占用者通报。"),
    ("老年人家庭优先车位", "八十岁以上老人家庭优先分配靠近楼栋的车位。"),
    ("夜间错时共享车位", "与周边单位协商，夜间开放其停车场供居民错时停车。"),
    ("电动自行车充电棚加装灭火器", "每个充电棚配备灭火器和烟感报警。"),
    ("外来车辆限时一小时", "外来车辆临时停放改为一小时以内免费。"),
    ("车位转租需登记", "车位转租须到物业登记，防止炒卖车位。"),
    ("公布月租车位名单", "月租车位名单每季度公示。"),
    ("快递车辆定点停放", "在小区门口设置快递车辆临时停放点。"),
]

SORTING = "垃圾分类投放点调整方案"
SORTING_SECTIONS = [
    ("第一条 投放点位置", "每栋楼设置一个定时投放点，撤除楼道内垃圾桶。"),
    ("第二条 投放时间", "每日7:00—9:00、18:00—20:00定时投放，其余时间到集中投放点投放。"),
    ("第三条 督导员", "每个投放点在定时投放时段安排志愿者督导。"),
]
SORTING_COMMENTS = {
    0: ["投放点离我们楼太远，老人走不动", "投放点不要放在窗户下面，有异味", "投放点要有洗手池", "投放点离楼太近夏天很臭"],
    1: ["投放时间太短，上班族早上来不及", "晚上投放时间延长到21点", "早上投放时间能不能提前到6:30", "投放时间对上夜班的人不方便"],
    2: ["督导员态度要好一点", "志愿者督导不够，可以请物业帮忙", "督导员应该教老人怎么分类"],
}
SORTING_ANSWERS = {  # the first key found in a theme's label gives its answer
    "时间": "晚间投放时间延长至21:00，早间提前至6:30。",
    "投放点": "投放点位置已按意见调整：远离住户窗户，每个点位加装洗手池。",
}


def _voices(community: Place, n: int, rng: random.Random, exclude: int | None) -> list[Person]:
    people = list(Person.objects.filter(path__startswith=community.path, is_active=True, current_house__isnull=False,
                                        birth_date__isnull=False).exclude(pk=exclude or 0).order_by("pk")
                  .only("pk", "path", "birth_date"))
    rng.shuffle(people)
    return people[:n]


def _participants(consultation: Consultation, people: list[Person], today: datetime.date,
                  accounts: dict[int, User]) -> list[Participant]:
    compounds = {p.path: p for p in Place.objects.filter(level=Level.COMPOUND, path__startswith=consultation.path)}
    start = Participant.objects.filter(consultation=consultation).count()
    rows = []
    for n, person in enumerate(people, start=start + 1):
        compound = compounds.get("/".join(person.path.split("/")[:6]) + "/")
        rows.append(Participant(consultation=consultation, person=person, user=accounts.get(person.pk), number=n,
                                path=person.path, compound=compound, compound_name=compound.name if compound else "",
                                age_band=actions.age_band(age_on(person.birth_date, today))))
    return Participant.objects.bulk_create(rows, batch_size=1000)


def _fill(consultation: Consultation, voices: list[Participant], comments: dict[int, list[str]],
          proposals: list[tuple[str, str]], rng: random.Random, start: datetime.datetime, days: int) -> list[Proposal]:
    sections = list(consultation.sections.order_by("number"))
    votes, written = [], []
    for participant in voices:
        for i, section in enumerate(sections):
            if rng.random() < 0.7:
                lean = 0.75 if i != 1 else 0.45
                votes.append(SectionVote(section=section, participant=participant, path=consultation.path,
                                         stance=Stance.SUPPORT if rng.random() < lean else Stance.OPPOSE))
        for i in rng.sample(range(len(sections)), 2 if rng.random() < 0.4 else 1):
            written.append(Comment(consultation=consultation, section=sections[i], participant=participant,
                                   text=rng.choice(comments[i]) + rng.choice(TAILS), path=consultation.path))
    SectionVote.objects.bulk_create(votes, batch_size=2000)
    made = Comment.objects.bulk_create(written, batch_size=2000)
    for comment in made:
        Comment.objects.filter(pk=comment.pk).update(
            created_at=start + datetime.timedelta(minutes=rng.randint(10, days * 24 * 60)))
    authors = rng.sample(voices, min(len(proposals), len(voices)))  # a small demo street has few voices
    rows = [Proposal(consultation=consultation, participant=a, title=t, text=x, path=consultation.path)
            for a, (t, x) in zip(authors, proposals[:len(authors)], strict=True)]
    made_proposals = Proposal.objects.bulk_create(rows)
    support_votes = []
    for k, proposal in enumerate(made_proposals):
        share = 0.25 if k < 2 else 0.02 + 0.01 * k
        for participant in voices:
            if rng.random() < share:
                support_votes.append(ProposalVote(proposal=proposal, participant=participant, path=consultation.path,
                                                  stance=Stance.SUPPORT if rng.random() < 0.9 else Stance.OPPOSE))
    ProposalVote.objects.bulk_create(support_votes, batch_size=2000, ignore_conflicts=True)
    _recount(consultation)
    return made_proposals


def _recount(consultation: Consultation) -> None:
    for model, votes in ((Section, "votes"), (Proposal, "votes")):
        rows = model.objects.filter(consultation=consultation).annotate(
            s=Count(votes, filter=Q(**{f"{votes}__stance": Stance.SUPPORT})),
            o=Count(votes, filter=Q(**{f"{votes}__stance": Stance.OPPOSE})))
        for row in rows:
            model.objects.filter(pk=row.pk).update(supports=row.s, opposes=row.o)


def _accounts(people: list[Person], password: str) -> dict[int, User]:
    """Accounts for the residents who took part (they do not sign in to the demo)."""
    made = User.objects.bulk_create([User(username=f"demo-r{p.pk}", display_name="", password=password,
                                          person_id=p.pk) for p in people], batch_size=1000, ignore_conflicts=True)
    del made
    return {u.person_id: u for u in User.objects.filter(username__in=[f"demo-r{p.pk}" for p in people])
            if u.person_id is not None}


@transaction.atomic
def prepare_demo_consultations(seed: int = 1) -> dict[str, int]:
    if Consultation.objects.filter(title=PARKING).exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - demo data
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    secretary = User.objects.filter(username="demo-community").first()
    me = User.objects.filter(username="demo-resident").first()
    if community is None or secretary is None:
        return {}
    today = timezone.localdate()
    people = _voices(community, 420, rng, me.person_id if me else None)
    accounts = _accounts(people, "!")
    split = len(people) * 5 // 7  # 300 of 420 in the open one, the rest in the closed one
    counts = _sorting(community, secretary, me, people[split:], accounts, rng, today)
    parking = actions.do_draft(actions.ConsultationInput(
        title=PARKING, summary="为规范小区停车秩序，居委会会同物业起草了本办法，现公开征求全体居民意见。"
        "请对各条款表示支持或反对，发表意见，也可以提出您的建议；获得足够支持的建议将得到正式答复。",
        area=community, opens_on=today - datetime.timedelta(days=7), closes_on=today + datetime.timedelta(days=14),
        threshold=30, sections=PARKING_SECTIONS), acting_user=secretary)
    actions.do_open(parking, acting_user=secretary)
    voices = _participants(parking, people[:split], today, accounts)
    start = timezone.now() - datetime.timedelta(days=7)
    proposals = _fill(parking, voices, PARKING_COMMENTS, PARKING_PROPOSALS, rng, start, 7)
    rude = Comment.objects.filter(consultation=parking).order_by("pk").first()
    if rude is not None:
        Comment.objects.filter(pk=rude.pk).update(text="物业都是骗子！！！")
        actions.do_hide(rude, "含有人身攻击，已隐藏（居民公约第三条）", acting_user=secretary)
    counts.update({"parking_comments": parking.comments.count(), "parking_proposals": len(proposals),
                   "parking_participants": len(voices)})
    return counts


def _sorting(community: Place, secretary: User, me: User | None, people: list[Person], accounts: dict[int, User],
             rng: random.Random, today: datetime.date) -> dict[str, int]:
    """The closed consultation, taken to its end by the office's own actions."""
    opened_on = today - datetime.timedelta(days=35)
    sorting = actions.do_draft(actions.ConsultationInput(
        title=SORTING, summary="根据居民反映，居委会拟调整垃圾分类投放点和投放时间，现征求意见。", area=community,
        opens_on=opened_on, closes_on=today + datetime.timedelta(days=1), threshold=10, sections=SORTING_SECTIONS),
        acting_user=secretary)
    actions.do_open(sorting, acting_user=secretary)
    voices = _participants(sorting, people, today, accounts)
    start = timezone.now() - datetime.timedelta(days=35)
    proposals = _fill(sorting, voices, SORTING_COMMENTS,
                      [("增设厨余垃圾破袋器", "每个投放点安装破袋器，方便老人投放。"),
                       ("投放点加装雨棚", "下雨天投放不方便，建议加装雨棚。")], rng, start, 14)
    if me is not None and me.person_id is not None:
        mine = _participants_for(sorting, me, today)
        proposal = Proposal.objects.create(consultation=sorting, participant=mine, title="投放点旁设置旧衣回收箱",
                                           text="很多居民有旧衣服没地方投放，建议在投放点旁设置旧衣回收箱。",
                                           path=sorting.path)
        ProposalVote.objects.bulk_create([ProposalVote(proposal=proposal, participant=v, stance=Stance.SUPPORT,
                                                       path=sorting.path) for v in voices[:14]])
        proposals.append(proposal)
    _recount(sorting)
    actions.do_close(sorting, acting_user=secretary)
    Consultation.objects.filter(pk=sorting.pk).update(closes_on=today - datetime.timedelta(days=21),
                                                      closed_at=timezone.now() - datetime.timedelta(days=21))
    sorting.refresh_from_db()
    for theme in sorting.themes.all():
        said = next((text for key, text in SORTING_ANSWERS.items() if key in theme.label), None)
        actions.do_respond_theme(theme, "accepted" if said else "partly",
                                 said or "督导员将接受培训，物业保洁员在高峰时段协助督导。", acting_user=secretary)
    for proposal in actions.needs_answer(sorting):
        actions.do_answer(proposal, "accepted" if "旧衣" in proposal.title or "雨棚" in proposal.title else "partly",
                          "已采纳，将于下月在各投放点实施。" if "旧衣" in proposal.title or "雨棚" in proposal.title
                          else "先在两个投放点试点，效果好再推广。", acting_user=secretary)
    actions.do_report_upward(sorting, acting_user=secretary)
    actions.do_announce(sorting, "感谢大家参与垃圾分类投放点调整方案的协商。根据大家的意见，方案作了如下调整：",
                        acting_user=secretary, notice=True)
    Participant.objects.filter(consultation=sorting).update(seen_at=None)
    return {"sorting_participants": len(voices) + (1 if me else 0)}


def _participants_for(consultation: Consultation, user: User, today: datetime.date) -> Participant:
    person = Person.objects.get(pk=user.person_id or 0)
    number = Participant.objects.filter(consultation=consultation).count() + 1
    compound = Place.objects.filter(path="/".join(person.path.split("/")[:6]) + "/").first()
    return Participant.objects.create(consultation=consultation, person=person, user=user, number=number,
                                      compound=compound, compound_name=compound.name if compound else "",
                                      path=person.path, age_band=actions.age_band(age_on(person.birth_date, today)))


def summary_line(counts: dict[str, Any]) -> str:
    return (f"Added an open consultation with {counts.get('parking_participants', 0)} residents taking part, "
            f"{counts.get('parking_comments', 0)} comments and {counts.get('parking_proposals', 0)} proposals, "
            f"and a closed one with its answers.")
