"""The demo's rumours on the test street: a fact base of a dozen, the flu-drug rumour waiting in
the queue, and a clarification waiting for the media's signature."""

from __future__ import annotations

from linli.core.models import User
from linli.rumours.demo import prepare_demo_rumours
from linli.rumours.models import Clarification, Fact, Suspect, SuspectStatus
from linli.rumours.tests.helpers import FLU


def test_the_demo_has_a_fact_base_a_queue_and_a_sign_off_under_way(street):
    assert prepare_demo_rumours(seed=1) == 12
    assert prepare_demo_rumours(seed=1) == 0  # nothing added the second time
    assert Fact.objects.count() == 12 and all(f.signed for f in Fact.objects.all())
    flu = Suspect.objects.get(fact__claim=FLU)
    assert flu.status == SuspectStatus.OPEN and flu.count >= 40 and flu.community == street.community
    clarification = Clarification.objects.get()
    assert sorted(clarification.signatures.values_list("party", flat=True)) == ["expert", "office"]
    assert Suspect.objects.filter(fact__isnull=True).count() == 1
    media = User.objects.get(username="demo-media")
    page = street.client_for(media).get(f"/rumours/{clarification.suspect_id}/")
    assert page.status_code == 200 and 'value="media"' in page.content.decode()
    assert FLU in street.client_for(street.secretary).get("/rumours/").content.decode()
