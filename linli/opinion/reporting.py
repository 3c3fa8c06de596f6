"""The monthly opinion report (舆情月报) of a community or of the street: its content, taken
as a snapshot when it is generated, and its workbook."""

from __future__ import annotations

import datetime
import io
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from linli.opinion.models import DailyVolume, Demand, MonthAnalysis, OpinionReport, Topic
from linli.places.models import Level, Place

NEGATIVE_SHARE = 0.3  # a topic with this share of negative messages or more is a negative topic
TOP_TOPICS = 10


def month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def trend(days: dict[str, int], first_day: str, last_day: str) -> str:
    """rising / falling / steady: the second half of the days with messages against the first
    (a month still under way is split where its days are, not on the 16th)."""
    start, end = datetime.date.fromisoformat(first_day), datetime.date.fromisoformat(last_day)
    middle = (start + (end - start + datetime.timedelta(days=1)) / 2).isoformat()
    first = sum(n for day, n in days.items() if day < middle)
    second = sum(n for day, n in days.items() if day >= middle)
    if second > first * 1.3 + 2:
        return "rising"
    if first > second * 1.3 + 2:
        return "falling"
    return "steady"


def _topics(place: Place, month: datetime.date, span: tuple[str, str]) -> list[dict[str, Any]]:
    rows = (Topic.objects.filter(path__startswith=place.path, analysis__month=month)
            .select_related("analysis__community").order_by("-size"))
    topics = []
    for topic in rows:
        topics.append({
            "label": topic.label, "terms": topic.terms[:6], "size": topic.size, "negative": topic.negative,
            "positive": topic.positive, "negative_share": round(topic.negative_share, 3),
            "trend": trend(topic.days, *span), "days": topic.days, "compounds": topic.compounds,
            "samples": topic.samples, "community": topic.analysis.community.name})
    return topics


def _demands(place: Place, month: datetime.date) -> list[dict[str, Any]]:
    rows = (Demand.objects.filter(path__startswith=place.path, day__gte=month, day__lt=month_end(month))
            .select_related("compound", "community", "ticket").order_by("day", "kind"))
    return [{"id": d.pk, "label": d.label, "community": d.community.name, "compound": d.compound.name if d.compound else "",
             "day": d.day.isoformat(), "mentions": d.mentions, "status": d.status,
             "ticket": d.ticket.number if d.ticket else "", "ticket_status": str(d.ticket.get_status_display()) if d.ticket else ""}
            for d in rows]


def demand_summary(demands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The month's demands by kind and compound (a lift that broke on eight days is one line):
    on how many days, how often, and the requests filed for it."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for d in demands:
        row = rows.setdefault((d["community"], d["label"], d["compound"]), {
            "label": d["label"], "community": d["community"], "compound": d["compound"], "days": 0, "mentions": 0,
            "first": d["day"], "last": d["day"], "tickets": [], "open": 0, "dismissed": 0})
        row["days"] += 1
        row["mentions"] += d["mentions"]
        row["first"], row["last"] = min(row["first"], d["day"]), max(row["last"], d["day"])
        if d["ticket"]:
            row["tickets"].append(f"{d['ticket']} ({d['ticket_status']})")
        row["open"] += d["status"] == "open"
        row["dismissed"] += d["status"] == "dismissed"
    return sorted(rows.values(), key=lambda r: -r["mentions"])


def _rumours(place: Place, month: datetime.date) -> tuple[bool, list[dict[str, Any]]]:
    from linli.opinion.actions import rumours_module

    intake = rumours_module()
    if intake is None:
        return False, []
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(month, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(month_end(month), datetime.time(), tzinfo=tz)
    communities = [place] if place.level == Level.COMMUNITY else list(
        Place.objects.filter(parent=place, level=Level.COMMUNITY).order_by("path"))
    merged: Counter[tuple[str, str]] = Counter()
    for community in communities:
        for row in intake.seen_in(community.pk, start, end):
            merged[(str(row["claim"]), str(row["verdict"]))] += int(row["count"])
    return True, [{"claim": c, "verdict": v, "count": n} for (c, v), n in merged.most_common()]


def report_content(place: Place, month: datetime.date) -> dict[str, Any]:
    """Everything the report shows, as plain data (JSON)."""
    end = month_end(month)
    days = (DailyVolume.objects.filter(path__startswith=place.path, day__gte=month, day__lt=end)
            .values("day").annotate(m=Sum("messages"), p=Sum("positive"), n=Sum("negative")).order_by("day"))
    daily = [[row["day"].isoformat(), row["m"], row["p"], row["n"]] for row in days]
    span = (daily[0][0], daily[-1][0]) if daily else (month.isoformat(), month.isoformat())
    topics = _topics(place, month, span)
    places: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    months = list(MonthAnalysis.objects.filter(path__startswith=place.path, month=month).select_related("community"))
    for analysed in months:
        for row in analysed.places:
            places[row["name"]][0] += row["mentions"]
            places[row["name"]][1] += row["negative"]
    negative = sorted((t for t in topics if t["negative_share"] >= NEGATIVE_SHARE and t["negative"] >= 3),
                      key=lambda t: -t["negative"])
    demands = _demands(place, month)
    available, rumours = _rumours(place, month)
    status = Counter(d["status"] for d in demands)
    total = sum(d[1] for d in daily)
    content: dict[str, Any] = {
        "place": {"id": place.pk, "name": place.name, "level": place.level},
        "month": month.strftime("%Y-%m"), "generated_at": timezone.now().isoformat(),
        "messages": total, "positive": sum(d[2] for d in daily), "negative": sum(d[3] for d in daily),
        "groups": DailyVolume.objects.filter(path__startswith=place.path, day__gte=month, day__lt=end)
        .values("group").distinct().count(),
        "daily": daily, "topics": topics[:TOP_TOPICS], "negative_topics": negative[:TOP_TOPICS],
        "places": [{"name": n, "mentions": m, "negative": g} for n, (m, g) in
                   sorted(places.items(), key=lambda item: -item[1][0])][:20],
        "demands": demands, "demand_counts": dict(status), "demand_summary": demand_summary(demands),
        "rumours_available": available, "rumours": rumours,
    }
    if place.level == Level.STREET:
        sent = {r.place_id: r.status for r in OpinionReport.objects.filter(path__startswith=place.path, month=month)}
        content["communities"] = [
            {"name": a.community.name, "messages": a.messages, "report": sent.get(a.community_id, "")}
            for a in sorted(months, key=lambda a: a.path)]
    return content


def workbook(report: OpinionReport) -> bytes:
    """The report as an xlsx workbook: summary, topics, negative topics, demands, places,
    rumours, daily volume."""
    import xlsxwriter

    content = report.content
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [
        ("概况 Summary", ["项目 Item", "值 Value"], [
            ["地区 Area", content["place"]["name"]], ["月份 Month", content["month"]],
            ["消息数 Messages", content["messages"]], ["群数 Groups", content["groups"]],
            ["正面 Positive", content["positive"]], ["负面 Negative", content["negative"]],
            ["诉求 Demands", len(content["demands"])], ["谣言 Rumours", sum(r["count"] for r in content["rumours"])],
            ["生成时间 Generated", content["generated_at"]]]),
        ("热点话题 Topics", ["话题 Topic", "社区 Community", "消息 Messages", "负面 Negative", "趋势 Trend",
                         "小区 Compounds", "代表消息 Samples"],
         [[t["label"], t["community"], t["size"], t["negative"], t["trend"],
           "、".join(c["name"] for c in t["compounds"]), " | ".join(t["samples"])] for t in content["topics"]]),
        ("负面话题 Negative", ["话题 Topic", "社区 Community", "负面 Negative", "占比 Share", "小区 Compounds"],
         [[t["label"], t["community"], t["negative"], t["negative_share"],
           "、".join(f"{c['name']}({c['count']})" for c in t["compounds"])] for t in content["negative_topics"]]),
        ("诉求 Demands", ["日期 Day", "诉求 Demand", "社区 Community", "小区 Compound", "提及 Mentions", "状态 Status",
                        "工单 Request", "工单状态 Request status"],
         [[d["day"], d["label"], d["community"], d["compound"], d["mentions"], d["status"], d["ticket"],
           d["ticket_status"]] for d in content["demands"]]),
        ("地点 Places", ["小区 Compound", "提及 Mentions", "负面 Negative"],
         [[p["name"], p["mentions"], p["negative"]] for p in content["places"]]),
        ("谣言 Rumours", ["说法 Claim", "核实 Verdict", "次数 Count"],
         [[r["claim"], r["verdict"], r["count"]] for r in content["rumours"]]),
        ("每日 Daily", ["日期 Day", "消息 Messages", "正面 Positive", "负面 Negative"], content["daily"]),
    ]
    for title, header, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        sheet.write_row(0, 0, header, bold)
        for index, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(index, column, value)
                else:  # as text: a message that starts with "=" is never run as a formula
                    sheet.write_string(index, column, str(value))
        sheet.set_column(0, len(header) - 1, 18)
    book.close()
    return buffer.getvalue()

