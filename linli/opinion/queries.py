"""What the opinion pages read."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet, Sum

from linli.opinion.access import IMPORT, REPORT, VIEW
from linli.opinion.models import ChatGroup, ChatMessage, DailyVolume, Demand, MonthAnalysis, Topic
from linli.opinion.reporting import month_end
from linli.places.models import Level, Place


def places_for(user: Any, action: str = VIEW, levels: tuple[str, ...] = (Level.COMMUNITY,)) -> QuerySet[Place]:
    return Place.objects.restrict(user, action).filter(level__in=levels).order_by("path")


def upload_places(user: Any) -> QuerySet[Place]:
    return places_for(user, IMPORT)


def report_places(user: Any) -> QuerySet[Place]:
    return places_for(user, REPORT, (Level.COMMUNITY, Level.STREET))


def months(place: Place) -> list[datetime.date]:
    return sorted(set(MonthAnalysis.objects.filter(path__startswith=place.path).values_list("month", flat=True)),
                  reverse=True)


def dashboard(user: Any, place: Place, month: datetime.date, group: ChatGroup | None) -> dict[str, Any]:
    """The analysis page of a community (or the street) for a month, or of one group."""
    end = month_end(month)
    days = DailyVolume.objects.restrict(user, VIEW).filter(path__startswith=place.path, day__gte=month, day__lt=end)
    if group is not None:
        days = days.filter(group=group)
    daily = [[row["day"].isoformat(), row["m"], row["p"], row["n"]] for row in
             days.values("day").annotate(m=Sum("messages"), p=Sum("positive"), n=Sum("negative")).order_by("day")]
    analyses = list(MonthAnalysis.objects.restrict(user, VIEW).filter(path__startswith=place.path, month=month)
                    .select_related("community"))
    topics = list(Topic.objects.restrict(user, VIEW).filter(analysis__in=analyses).select_related("analysis__community")
                  .order_by("-size")[:20])
    keywords: list[tuple[str, float]] = []
    if group is not None:
        for analysed in analyses:
            keywords = [tuple(k) for k in analysed.keywords.get(group.name, [])]  # type: ignore[misc]
    places: dict[str, list[int]] = {}
    for analysed in analyses:
        for row in analysed.places:
            counts = places.setdefault(row["name"], [0, 0])
            counts[0] += row["mentions"]
            counts[1] += row["negative"]
    demands = (Demand.objects.restrict(user, VIEW).filter(path__startswith=place.path, day__gte=month, day__lt=end)
               .select_related("compound", "ticket", "community").order_by("status", "-mentions")[:100])
    negative = ChatMessage.objects.restrict(user, VIEW).filter(path__startswith=place.path, sentiment=-1,
                                                                sent_at__date__gte=month, sent_at__date__lt=end)
    if group is not None:
        negative = negative.filter(group=group)
    return {
        "daily": daily, "total": sum(d[1] for d in daily), "positive": sum(d[2] for d in daily),
        "negative_total": sum(d[3] for d in daily), "topics": topics, "keywords": keywords,
        "places": sorted(places.items(), key=lambda item: -item[1][0])[:20], "demands": demands,
        "negative_messages": negative.select_related("group").order_by("score")[:20],
        "groups": ChatGroup.objects.restrict(user, VIEW).filter(path__startswith=place.path).order_by("name"),
        "chart": {"days": [d[0] for d in daily], "messages": [d[1] for d in daily], "positive": [d[2] for d in daily],
                  "negative": [d[3] for d in daily],
                  "topics": [{"name": t.label, "value": t.size} for t in topics[:10]]},
    }
