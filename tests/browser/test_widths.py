"""No page is wider than a 390 px phone: in Chinese, in large-text mode and in English."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.browser.conftest import log_in

PHONE = 390


def _widest_building(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "linli.sqlite3") as db:
        return db.execute("SELECT id FROM places_place WHERE level = 'building' "
                          "ORDER BY units_count DESC, floors DESC, id LIMIT 1").fetchone()[0]


def _page_width(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("mode", ["chinese", "large", "english"])
def test_building_view_fits_a_phone(phone, server, server_data_dir, mode):
    page = phone
    if mode == "large":
        page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": server}])
    if mode == "english":
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": server}])
    log_in(page, server, "demo-community")
    page.goto(f"{server}/places/{_widest_building(server_data_dir)}/")
    page.wait_for_selector("table.building")
    assert page.locator("body.elder").count() == (mode == "large")
    wrap = page.locator(".building-wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth"), "the chart itself scrolls inside its box"
    assert _page_width(page) <= PHONE


def test_the_legend_names_every_badge_the_cells_show(desktop, server, server_data_dir):
    page = desktop
    log_in(page, server, "demo-community")
    page.goto(f"{server}/places/{_widest_building(server_data_dir)}/")
    shown = set(page.locator("table.building .badge-group, table.building .badge-role").evaluate_all(
        "els => els.map(e => e.firstChild.textContent.trim().charAt(0))"))
    legend = set(page.locator("#badge-legend span").all_inner_texts())
    assert shown and shown <= legend


@pytest.mark.parametrize("account", ["demo-admin", "demo-street", "demo-community", "demo-grid", "demo-health",
                                     "demo-resident", "demo-volunteer", "demo-quarantined"])
def test_english_home_page_fits_a_phone(phone, server, account):
    page = phone
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": server}])
    log_in(page, server, account)
    assert page.locator("html[lang=en]").count() == 1
    assert _page_width(page) <= PHONE
