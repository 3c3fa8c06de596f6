"""Jumping to a page of a long list: a plain form (no JavaScript), the filters kept, any number
typed clamped to the pages there are."""

from __future__ import annotations

import re

import pytest
from django.core.paginator import Paginator

from linli.core.pagination import Pager


def _page_of(html: str) -> tuple[int, int]:
    found = re.search(r'aria-current="page"><span class="page-link">(\d+) / (\d+)</span>', html)
    assert found, "no pager"
    return int(found.group(1)), int(found.group(2))


@pytest.fixture
def surname(street):
    """A search of the street officer's with several pages of results (a pinyin initial: 张, 赵 …)."""
    from linli.people.actions import search_people

    return max(("z", "l", "w", "c"), key=lambda q: search_people(street.street_officer, q).count())


def test_search_results_offer_a_jump_that_keeps_the_query(street, surname):
    client = street.client_for(street.street_officer)
    html = client.get("/people/", {"q": surname}).content.decode()
    _number, pages = _page_of(html)
    assert pages > 2
    form = html.split('class="pager-jump')[1].split("</form>")[0]
    assert '<form method="get" action="/people/" class="pager-jump' in html
    assert f'<input type="hidden" name="q" value="{surname}">' in form
    assert 'name="page"' in form and f'max="{pages}"' in form
    assert "第" in form and f"共 {pages} 页" in form and "跳转" in form
    assert _page_of(client.get("/people/", {"q": surname, "page": "2"}).content.decode())[0] == 2


@pytest.mark.parametrize(("typed", "expected"), [("0", "first"), ("-3", "first"), ("abc", "first"), ("", "first"),
                                                 ("99999", "last"), ("1" * 40, "last"), ("2.5", "first")])
def test_any_number_is_clamped_without_an_error(street, surname, typed, expected):
    client = street.client_for(street.street_officer)
    response = client.get("/people/", {"q": surname, "page": typed})
    assert response.status_code == 200
    number, pages = _page_of(response.content.decode())
    assert number == (1 if expected == "first" else pages)


def test_the_audit_log_keeps_its_filter_when_jumping(street):
    from linli.core import audit

    for _ in range(120):
        audit.record("people.search", actor=street.secretary, path=street.community.path)
    html = street.client_for(street.secretary).get("/audit/", {"action": "people.search"}).content.decode()
    form = html.split('class="pager-jump')[1].split("</form>")[0]
    assert '<input type="hidden" name="action" value="people.search">' in form


def test_pager_clamps_where_djangos_paginator_sends_zero_to_the_last_page():
    items = list(range(95))
    assert Paginator(items, 10).get_page("0").number == 10  # Django's own
    assert Pager(items, 10).get_page("0").number == 1
    assert Pager(items, 10).get_page("11").number == 10
    assert Pager(items, 10).get_page(None).number == 1
    assert Pager([], 10).get_page("5").number == 1
