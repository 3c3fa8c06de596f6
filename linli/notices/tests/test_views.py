"""The pages: a household confirms through its link and a poster without signing in; a grid
worker records a knock from her list; bad links and bad input never give a 500."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from linli.notices import tokens
from linli.notices.demo import prepare_demo_notices
from linli.notices.models import Notice, NoticeHousehold, Receipt, Status, Via
from linli.notices.tests.helpers import published


def test_a_household_confirms_through_its_link_once(street, client):
    notice = published(street, [street.grid_building])
    household = NoticeHousehold.objects.filter(notice=notice).first()
    url = reverse("notice_link", kwargs={"token": tokens.household_token(household.pk)})
    page = client.get(url)
    assert page.status_code == 200 and "已知晓" in page.content.decode()
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert Receipt.objects.filter(household=household, via=Via.LINK).count() == 1
    forged = url.replace(url.rstrip("/").rsplit("-", 1)[1], "0" * tokens.MAC_CHARS)
    assert client.get(forged).status_code == 400
    assert client.post("/n/zzz-notatoken/").status_code == 400


def test_a_poster_confirms_the_flat_chosen(street, client):
    notice = published(street, [street.grid_building])
    household = NoticeHousehold.objects.filter(notice=notice).order_by("path").last()
    url = reverse("notice_poster", kwargs={"token": tokens.building_token(notice.pk, household.building_path)})
    assert client.get(url).status_code == 200
    assert client.post(url, {"household": "abc"}).status_code == 422
    assert client.post(url, {"household": household.pk}).status_code == 200
    household.refresh_from_db()
    assert household.reached_via == Via.POSTER


def test_a_grid_worker_records_a_knock_from_her_list(street):
    notice = published(street, [street.grid_building])
    client = street.client_for(street.grid_worker)
    page = client.get(reverse("notices:households", kwargs={"pk": notice.pk}))
    assert page.status_code == 200
    household = NoticeHousehold.objects.filter(notice=notice).order_by("-priority", "path").first()
    answer = client.post(reverse("notices:attempt", kwargs={"pk": household.pk}),
                         {"via": "knock", "outcome": "informed", "note": "已告知老人"})
    assert answer.status_code == 302
    household.refresh_from_db()
    assert household.reached_via == Via.KNOCK
    assert client.post(reverse("notices:attempt", kwargs={"pk": household.pk}),
                       {"via": "fax", "outcome": "?"}).status_code == 302
    assert client.get(reverse("notices:follow_up")).status_code == 200


def test_the_review_pages_take_each_step(street):
    from linli.notices.tests.helpers import draft, worker

    writer, checker = worker(street, "vw"), worker(street, "vc")
    client = street.client_for(writer)
    assert client.get(reverse("notices:new")).status_code == 200
    bad = client.post(reverse("notices:new"), {"title": "", "body": "x", "category": "safety", "urgency": "normal"})
    assert bad.status_code == 422
    notice = draft(writer, [street.grid_building])
    client.post(reverse("notices:submit", kwargs={"pk": notice.pk}))
    assert Notice.objects.get(pk=notice.pk).status == Status.CHECKING
    client.post(reverse("notices:check", kwargs={"pk": notice.pk}))  # her own: refused with a message
    assert Notice.objects.get(pk=notice.pk).status == Status.CHECKING
    street.client_for(checker).post(reverse("notices:check", kwargs={"pk": notice.pk}), {"comment": "核实无误"})
    assert Notice.objects.get(pk=notice.pk).status == Status.EDITING
    detail = street.client_for(street.secretary).get(reverse("notices:detail", kwargs={"pk": notice.pk}))
    assert "编辑" in detail.content.decode()


def test_the_demo_publishes_a_water_notice_at_about_seventy_percent(street):
    assert prepare_demo_notices(seed=3) == 3
    assert prepare_demo_notices(seed=3) == 0
    water = Notice.objects.get(title__startswith="停水通知")
    assert water.status == Status.PUBLISHED
    rows = NoticeHousehold.objects.filter(notice=water)
    share = rows.filter(reached_at__isnull=False).count() / rows.count()
    assert 0.6 < share < 0.8
    client = street.client_for(street.secretary)
    page = client.get(reverse("notices:detail", kwargs={"pk": water.pk}))
    assert page.status_code == 200
    reach = page.context["reach"]
    assert reach.total.households == rows.count() and 60 <= reach.total.percent <= 80
    assert reach.total.reached == rows.filter(reached_at__isnull=False).count()
    follow_up = client.get(reverse("notices:households", kwargs={"pk": water.pk}))
    assert follow_up.context["page"].paginator.count == rows.filter(reached_at__isnull=True).count() > 0
    assert water.deadline < timezone.now()  # a day on: the grid workers' lists are due
    assert client.get(reverse("notices:posters", kwargs={"pk": water.pk})).status_code == 200
    assert street.client_for(street.grid_worker).get(reverse("notices:list")).status_code == 200


def test_a_resident_reads_her_notices_and_confirms_on_linli(street):
    notice = published(street, [street.grid_building])
    client = street.client_for(street.resident)
    page = client.get(reverse("notices:mine"))
    assert page.status_code == 200 and notice.title in page.content.decode()
    own = NoticeHousehold.objects.get(notice=notice, house=street.resident.person.current_house)
    other = NoticeHousehold.objects.filter(notice=notice).exclude(pk=own.pk).first()
    client.post(reverse("notices:mine"), {"household": other.pk})  # not hers: nothing recorded
    other.refresh_from_db()
    assert other.reached_at is None
    assert client.post(reverse("notices:mine"), {"household": own.pk}).status_code == 302
    own.refresh_from_db()
    assert own.reached_via == Via.PAGE
    assert street.client_for(street.secretary).get(reverse("notices:mine")).status_code == 404
