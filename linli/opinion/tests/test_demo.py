from __future__ import annotations

import pytest

from linli.opinion.demo import prepare_demo_opinion
from linli.opinion.models import ChatImport, Demand, DemandStatus, OpinionReport, ReportStatus

pytestmark = pytest.mark.django_db


def test_the_demo_month_is_analysed_reported_and_sent_once(street):
    made = prepare_demo_opinion(seed=1)
    assert made is not None and made["groups"] == 30 and made["messages"] > 10000
    assert ChatImport.objects.filter(status="done").count() == 3
    assert Demand.objects.filter(kind="lift", status=DemandStatus.REQUESTED).count() == 1
    assert Demand.objects.filter(kind="water").exists()
    sent = OpinionReport.objects.get(status=ReportStatus.SENT)
    assert sent.place == street.community
    lift = [t for t in sent.content["topics"] + sent.content["negative_topics"] if "电梯" in t["terms"]]
    assert lift, [t["label"] for t in sent.content["topics"]]
    assert OpinionReport.objects.filter(place=street.community.parent).exists()
    assert prepare_demo_opinion(seed=1) is None
