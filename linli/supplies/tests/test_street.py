"""Reserve targets, the street-wide view and the dispatch plan from the registry."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.people.models import Person
from linli.places.models import Level
from linli.supplies import actions, needs, queries
from linli.supplies.models import PointKind, ReserveType, Target
from linli.supplies.tests.helpers import item, point_at, stock
from linli.tasks.tests.helpers import codes

pytestmark = pytest.mark.django_db


def test_targets_follow_the_registry(street):
    today = timezone.localdate()
    target = actions.do_set_target(street.community, item(), per_resident="2", per_elder_household="1", fixed=10,
                                   acting_user=street.street_officer)
    figures = needs.figures([street.community, street.other_community], today)[street.community.path]
    people = Person.objects.filter(path__startswith=street.community.path, is_active=True)
    assert figures.residents == people.count() > 0
    born = today - datetime.timedelta(days=365 * 60 + 15)
    elder_houses = {p.current_house_id for p in people if p.birth_date and p.birth_date <= born and p.current_house_id}
    assert figures.elder_households == len(elder_houses)
    assert needs.target_quantity(target, figures) == 2 * figures.residents + figures.elder_households + 10


def test_only_the_street_sets_targets_and_bad_rates_are_refused(street):
    with pytest.raises(PermissionDenied):
        actions.do_set_target(street.community, item(), per_resident=1, acting_user=street.secretary)
    with pytest.raises(ValidationError) as bad:
        actions.do_set_target(street.community, item(), per_resident="很多", acting_user=street.street_officer)
    assert codes(bad.value) == {"not_a_number"}
    with pytest.raises(ValidationError):
        actions.do_set_target(street.community.parent, item(), per_resident=1, acting_user=street.street_officer)
    assert not Target.objects.exists()


def test_the_street_view_shows_shortfall_and_plans_a_dispatch(street):
    today = timezone.localdate()
    for community in (street.community, street.other_community):
        actions.do_set_target(community, item(), per_resident=1, acting_user=street.street_officer)
    rich = point_at(street, street.community)
    point_at(street, street.other_community, name="牡丹物资室")
    warehouse = point_at(street, street.community.parent, name="街道仓库", kind=PointKind.STREET_WAREHOUSE,
                         reserve_type=ReserveType.GOVERNMENT)
    view = queries.street_view(street.community.parent, today)
    need_here = view["rows"][0]["cells"][0].need
    stock(street, rich, need_here + 500, user=street.street_officer)
    stock(street, warehouse, 100, user=street.street_officer)
    view = queries.street_view(street.community.parent, today)
    first, second = view["rows"][0]["cells"][0], view["rows"][1]["cells"][0]
    assert first.surplus == 500 and second.stock == 0 and second.shortfall == second.need > 0
    assert view["street_stock"] == [100]
    plan = queries.dispatch_plan(street.community.parent, view)
    sent = {(line.source, line.destination): line.quantity for line in plan.lines}
    # the other community gets the warehouse's 100 and the first community's 500 surplus
    assert sent == {(street.community.parent.path, street.other_community.path): 100,
                    (street.community.path, street.other_community.path): min(500, second.need - 100)}
    assert all(line.explanation_zh.endswith("库存 0") for line in plan.lines)


def test_the_street_page(street):
    actions.do_set_target(street.community, item(), per_resident=1, acting_user=street.street_officer)
    point_at(street, street.other_community)
    client = street.client_for(street.street_officer)
    page = client.get("/supplies/street/?plan=1")
    html = page.content.decode()
    assert page.status_code == 200 and "调拨方案" in html and "KN95 口罩" in html
    answer = client.post("/supplies/street/", {"community": street.other_community.pk, "item": item("thermometer").pk,
                                               "per_resident": "0", "per_elder_household": "1", "fixed": "2"})
    assert answer.status_code == 302
    assert Target.objects.get(community=street.other_community).fixed == 2
    bad = client.post("/supplies/street/", {"community": street.other_community.pk, "item": item().pk,
                                            "per_resident": "-1", "per_elder_household": "0", "fixed": "0"})
    assert bad.status_code == 422
    assert street.client_for(street.secretary).get("/supplies/street/").status_code == 403
    assert street.community.parent.level == Level.STREET


def test_the_keeper_is_warned_on_her_home_page(street):
    from linli.core.today import items_for

    point = point_at(street)
    point.keepers.add(street.volunteer)
    stock(street, point, 10, days=20)
    actions.do_set_target(street.community, item(), per_resident=1, acting_user=street.street_officer)
    texts = [entry.text for entry in items_for(street.volunteer, timezone.localdate())]
    assert any("60 天内到期" in t and t.endswith("1") for t in texts)
    assert any("低于储备标准" in t for t in texts)
    home = street.client_for(street.volunteer).get("/").content.decode()
    assert "60 天内到期的应急物资批次" in home
    assert not [e for e in items_for(street.grid_worker, timezone.localdate()) if "应急物资" in e.text]
