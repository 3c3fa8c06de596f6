"""Consultations benchmark: a street-wide consultation on the demo street.

    LINLI_DATA_DIR=~/street-250k linli demo --residents 250000 --no-serve   # once
    cp -r ~/street-250k /tmp/street && LINLI_DATA_DIR=/tmp/street python -m linli.cli migrate
    LINLI_DATA_DIR=/tmp/street python benchmarks/consult.py    # writes: use a copy

Measures, through the actions in-process: residents' voices (a vote on a section, each one
checked against the registry, its participant row made on the first voice) per second; closing
with the comments grouped into themes (jieba keywords) for a few thousand comments; and the
summary report over the whole street (participation by compound and age band against every
resident of the street, support per section, themes, keywords).
Goals: ≥ 20 first voices/s (each makes its participant row and writes an audit entry); closing with
3,000 comments ≤ 20 s; the street's summary over 250,000 residents ≤ 5 s.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ["LINLI_APP_PUSH_BACKEND"] = "locmem"

TEXTS = ["停车位太少了，晚上回来找不到停车位", "充电桩不够，电动车没地方充电", "外来车辆占用消防通道，很危险",
         "停车收费太高，希望公开收支", "车位分配要公开摇号", "快递车辆乱停，要管一管", "老人家庭优先分配车位",
         "访客登记太麻烦，能不能手机预约", "电动自行车充电棚要装灭火器", "月租车位名单应该公示"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=300, help="residents voting through the actions")
    parser.add_argument("--comments", type=int, default=3000, help="comments grouped at closing")
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import timezone

    from linli.consult import actions, report
    from linli.consult.models import Comment, Participant
    from linli.core.models import Role, RoleAssignment, User
    from linli.people.models import Person
    from linli.places.models import Level, Place

    result: dict[str, object] = {"benchmark": "consult"}
    street = Place.objects.filter(level=Level.STREET).order_by("code").first()
    officer = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench-consult")
    today = timezone.localdate()
    consultation = actions.do_draft(actions.ConsultationInput(
        title="停车管理办法（基准）", summary="基准", area=street, opens_on=today,
        closes_on=today + datetime.timedelta(days=14), threshold=30,
        sections=[(f"第{n}条", "内容") for n in range(1, 6)]), acting_user=officer)
    actions.do_open(consultation, acting_user=officer)
    result["residents"] = Person.objects.filter(path__startswith=street.path, is_active=True).count()

    rng = random.Random(7)  # noqa: S311 - benchmark data
    people = list(Person.objects.filter(path__startswith=street.path, is_active=True, current_house__isnull=False)
                  .order_by("?")[: args.voices])
    role = Role.objects.get(code="resident")
    users = []
    for person in people:
        user = User.objects.create(username=f"bench-c-{person.pk}", person=person, password="!")  # noqa: S106 - unusable
        RoleAssignment.objects.create(user=user, role=role, place=person.current_house)
        users.append(user)
    sections = list(consultation.sections.order_by("number"))
    started = time.perf_counter()
    for user in users:
        actions.do_vote_section(rng.choice(sections), rng.choice(["support", "oppose"]), acting_user=user)
    elapsed = time.perf_counter() - started
    result["voices"] = len(users)
    result["voices_per_s"] = round(len(users) / elapsed, 1)
    print(json.dumps({"progress": result}, ensure_ascii=False), file=sys.stderr)

    voters = list(Participant.objects.filter(consultation=consultation))
    Comment.objects.bulk_create([Comment(consultation=consultation, section=rng.choice(sections),
                                         participant=rng.choice(voters), path=consultation.path,
                                         text=rng.choice(TEXTS) + rng.choice(["", "，希望尽快落实", "，谢谢"]))
                                 for _ in range(args.comments)], batch_size=2000)
    started = time.perf_counter()
    actions.do_close(consultation, acting_user=officer)
    result["comments"] = args.comments
    result["close_with_themes_s"] = round(time.perf_counter() - started, 2)
    result["themes"] = consultation.themes.count()
    started = time.perf_counter()
    summary = report.summary(consultation)
    result["summary_s"] = round(time.perf_counter() - started, 2)
    result["compounds"] = len(summary.by_compound)
    result["participants"] = summary.participants
    started = time.perf_counter()
    report.write_xlsx(summary)
    result["xlsx_s"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
