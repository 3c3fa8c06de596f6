"""Epidemic mode in the browser: a grid worker checks in for an elder without a smartphone."""

from __future__ import annotations

import re

from tests.browser.conftest import log_in


def test_grid_worker_checks_in_on_behalf_of_an_elder(phone, server):
    page = phone
    log_in(page, server, "demo-grid")
    page.goto(server + "/health/checkins/?missing=1")
    waiting = page.locator("main a[href*='/health/people/'][href$='/checkin/']")
    assert waiting.count() >= 1  # the demo leaves some of her residents without today's check-in
    href = waiting.first.get_attribute("href")
    person = re.search(r"/health/people/(\d+)/checkin/", href or "")
    assert person is not None
    waiting.first.click()
    page.fill("#id_temperature", "36.6")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/health/checkins/"))
    assert page.locator(".alert-success").count() == 1
    page.goto(server + "/health/checkins/")
    row = page.locator(".list-group-item", has=page.locator(f"a[href='/health/people/{person.group(1)}/']"))
    assert row.locator(".badge.text-bg-success").count() == 1  # checked in now, recorded on her behalf
    page.goto(server + f"/health/people/{person.group(1)}/")
    assert page.locator("main").inner_text().count("36.6") >= 1
