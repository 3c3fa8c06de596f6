from __future__ import annotations

import pytest

from linli.opinion.models import ChatMessage, Demand, MonthAnalysis, Topic
from linli.opinion.tests.helpers import upload


@pytest.mark.django_db
def test_upload_is_analysed(street):
    made = upload(street)
    assert made.status == "done", made.error
    assert made.count("stored") > 100
    assert ChatMessage.objects.filter(path=street.community.path).count() == made.count("stored")
    assert MonthAnalysis.objects.filter(community=street.community).exists()
    assert Topic.objects.filter(path=street.community.path).exists()
    assert Demand.objects.filter(community=street.community).exists()
