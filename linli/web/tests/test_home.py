"""Each role's home page answers "what do I do now?"."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from linli.core import today
from linli.core.today import Item
from linli.grids.models import Grid
from linli.health import actions as health
from linli.health.models import Channel, EpidemicMode
from linli.ledger import log
from linli.people.models import Person


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> Any:
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 24
    log.forget_tree()
    yield
    log.forget_tree()


def _main(html: str) -> str:
    return html.split('id="main"')[1]


def _people(street: Any, n: int) -> list[Person]:
    return list(Person.objects.filter(path__startswith=street.grid_building.path, is_active=True).order_by("pk")[:n])


def test_the_grid_worker_sees_her_calls_and_missing_check_ins_first(street):
    well, unwell, missing, ordered = _people(street, 4)
    for person in (well, unwell, missing):
        health.do_register_arrival(person, acting_user=street.health_officer, origin_code="420106",
                                   origin_name="武昌区", arrived_on=timezone.localdate() - datetime.timedelta(days=1))
    health.do_order_quarantine(ordered, acting_user=street.health_officer, reason="close_contact", colour="red",
                               last_exposure=timezone.localdate() - datetime.timedelta(days=2))
    health.do_check_in(well, acting_user=street.grid_worker, temperature=Decimal("36.4"), channel=Channel.ON_BEHALF)
    health.do_check_in(unwell, acting_user=street.grid_worker, temperature=Decimal("38.2"), symptoms=["cough"],
                       channel=Channel.ON_BEHALF)
    html = _main(street.client_for(street.grid_worker).get("/").content.decode())
    today_section = html.split('id="today"')[1].split("</section>")[0]
    links = re.findall(r'<a class="list-group-item[^"]*" href="([^"]+)">\s*<span>([^<]+)</span>', today_section)
    assert links[0] == ("/health/checkins/", "1 人打卡时身体不适（发热或有症状）：请先打电话")
    assert ("/health/checkins/?missing=1", "2 人今天还未打卡") in links  # the arrival and the quarantined one
    assert ("/health/follow-ups/", "今天有 1 项隔离随访待做") in links
    assert "list-group-item-danger" in today_section.split("</a>")[0]
    assert html.index('id="today"') < html.index('id="area-heading"')  # work first, numbers after
    assert well.name not in today_section and unwell.name not in today_section  # counts, no names


def test_the_street_officer_sees_her_communities_side_by_side(street):
    html = _main(street.client_for(street.street_officer).get("/").content.decode())
    table = html.split('id="communities"')[1].split("</table>")[0]
    names = re.findall(r'<th scope="row"><a href="/places/\d+/">([^<]+)</a>', table)
    assert street.community.name in names and street.other_community.name in names and len(names) >= 3
    first = table.split(street.community.name)[1].split("</tr>")[0]
    residents = Person.objects.filter(path__startswith=street.community.path, is_active=True).count()
    assert f'<td class="text-end">{residents:,}</td>' in first or f'<td class="text-end">{residents}</td>' in first
    assert "小区" not in html.split('id="communities"')[1]  # no flat list of every compound below


def test_the_secretary_sees_her_community_and_its_queue(street):
    html = _main(street.client_for(street.secretary).get("/").content.decode())
    assert f'id="area-heading">{street.community.name}<' in html
    assert "独居老人" in html


def test_the_resident_sees_her_own_code_check_in_household_and_id(street):
    person = street.resident.person
    EpidemicMode.objects.create(place=street.community.parent, active=True)
    client = street.client_for(street.resident)
    html = client.get("/").content.decode()
    main = _main(html)
    assert 'href="/health/me/"' in main and 'href="/health/me/checkin/"' in main
    assert f'href="/places/{person.current_house_id}/"' in main
    assert f'id="my-id">{person.id_number}<' in main  # her own number, in full, for herself
    assert main.index('id="me"') < main.index('id="today"')  # her own things first
    assert 'id="communities"' not in main and "房屋" not in main  # no registry numbers
    assert 'href="/people/"' not in html  # 居民查询 would find only herself
    assert "今日打卡" in main or "今天还未打卡" in main or "打卡" in main


def test_the_volunteer_sees_her_grid_as_the_grid_page_counts_it(street):
    client = street.client_for(street.volunteer)
    html = _main(client.get("/").content.decode())
    grid = Grid.objects.get(members__user=street.volunteer)
    page = client.get(f"/grids/{grid.pk}/")
    assert f"{page.context['residents']} 名居民" in html.replace(",", "")
    assert ">0<" not in html and 'id="me"' not in html


def test_the_administrator_is_told_what_she_is(street):
    html = _main(street.client_for(street.admin).get("/").content.decode())
    assert "您还没有角色" not in html and "管理员" in html


def test_other_apps_put_their_work_on_the_home_page(street):
    """The place later apps (requests, tasks, alerts) use: a provider registered in core."""
    def provider(user, day):
        if user == street.secretary:
            yield Item("3 条新诉求待受理", "/somewhere/", count=3, urgent=True, order=1)

    today.register("test-requests", provider)
    try:
        html = _main(street.client_for(street.secretary).get("/").content.decode())
        assert re.search(r'list-group-item-danger[^"]*" href="/somewhere/">\s*<span>3 条新诉求待受理', html)
        assert "3 条新诉求" not in street.client_for(street.grid_worker).get("/").content.decode()
    finally:
        today._PROVIDERS.pop("test-requests")
