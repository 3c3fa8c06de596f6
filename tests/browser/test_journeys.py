"""Every demo role's day in a real browser: each account's main pages on a 360 × 740 phone and a
1366 × 900 desktop, in Chinese, in large text and in English. On every page: nothing is wider than
the screen, axe-core finds no serious or critical violation (colour contrast included), and the
Chinese pages show no English word or internal code. A screenshot of every page, size and mode is
saved under the test artifacts (``LINLI_TEST_ARTIFACTS``; CI keeps ``./test-artifacts``).

Each account signs in once (staff with the demo authenticator's code); the modes are the cookies
the language switch and the large-text button set, so every run starts from that session."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser.conftest import log_in, page_under_policy
from tests.browser.test_grid_worker import axe_violations

SIZES = {
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
MODES = {"chinese": [], "large": [("linli_elder", "1")], "english": [("django_language", "en")]}

# Latin words a Chinese page may show: the product's name, abbreviations Chinese users read as
# they are, units, file formats and character sets. A token with a digit in it is a code or a
# number (G01, UTF-8, a hash) and an account name is the user's own (demo-grid): neither counts.
ALLOWED_LATIN = {
    "Linli", "API", "ID", "TOTP", "QR", "PDF", "CSV", "Excel", "xlsx", "xls", "zip", "Unicode", "SMS", "KB", "MB",
    "km", "kg", "mmHg", "bpm", "IP", "URL", "HTTPS", "MQTT",
    "zw",  # pinyin initials, in the search box's example
    "demo-worker", "demo-worker2",  # the notices demo's community workers' account names (on the roles page)
}

# Visible text and the text that assistive technology reads (labels, placeholders, button
# values), outside anything marked as English or not to be translated. Django's admin icons keep
# the English alt texts Django writes into its own code ("True", "Search"): left out.
LATIN_TOKENS = """() => {
  const found = [];
  const note = (text) => {
    for (const m of text.matchAll(/[A-Za-z0-9]+(?:[-_'][A-Za-z0-9]+)*/g)) {
      if (/[A-Za-z]{2}/.test(m[0]) && !/[0-9]/.test(m[0])) found.push([m[0], text.trim().slice(0, 80)]);
    }
  };
  const shown = (el) => !el.closest('script, style, noscript, template, [lang^="en"], [translate="no"]')
    && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (el && el.tagName !== 'OPTION' && shown(el)) note(node.textContent);
  }
  for (const el of document.querySelectorAll('select')) {
    if (shown(el)) for (const option of el.options) note(option.textContent);
  }
  const named = '[aria-label], [placeholder], [title], img[alt]:not([src*="/admin/img/"]), input[type=submit], input[type=button]';
  for (const el of document.querySelectorAll(named)) {
    if (!shown(el)) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) if (el.hasAttribute(name)) note(el.getAttribute(name));
    if (el.type === 'submit' || el.type === 'button') note(el.value);
  }
  return found;
}"""


def _href(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    link = page.locator(selector).first
    link.wait_for()
    return link.get_attribute("href")


def _building_and_house(page, server: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The first building of the first grid the account sees, and its first house with people."""
    page.goto(server + "/grids/")
    page.goto(server + _href(page, "main .list-group a"))
    building = _href(page, "main a.btn-outline-primary[href^='/places/']")
    page.goto(server + building)
    return [("building", building), ("household", _href(page, "td.house-cell:not(.usage-vacant) a"))]


def _building(page, server: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return _building_and_house(page, server)[:1]


def _first(name: str, path: str, selector: str) -> Callable:
    def find(page, server: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        page.goto(server + path)
        return [(name, _href(page, selector))]
    return find


_person = _first("person", "/people/?q=王", "main a.result-card")
_to_dispatch = _first("request", "/requests/?view=dispatch", "main a.ticket-row")
_my_request = _first("request", "/requests/", "main a.ticket-row")
_gate = _first("gate", "/", "main a[href^='/gates/']")  # her duty today, on her home page
_my_household = _first("household", "/", "main a[href^='/places/']")
_device = _first("device", "/devices/", "main .list-group a[href^='/devices/']")
_fact = _first("fact", "/rumours/facts/", "main .list-group a[href^='/rumours/facts/']")
_clarification = _first("clarification", "/rumours/", "#queue-confirmed a")  # the demo's, signed by two parties

# Each account's pages: a path, or a function that finds the pages it leads to (signed in).
JOURNEYS: dict[str, list] = {
    "demo-admin": ["/", "/roles/", "/audit/", "/admin/", "/admin/core/user/"],
    "demo-street": ["/", "/requests/supervision/", "/requests/rates/", _building, "/reports/", "/visits/"],
    "demo-community": ["/", "/people/?q=王", _person, _building_and_house, "/requests/?view=dispatch", _to_dispatch,
                       "/imports/", "/devices/new/", "/devices/import/"],
    "demo-grid": ["/", "/health/checkins/", "/people/?q=王", _building, "/requests/?view=mine", "/visits/",
                  "/tasks/", "/health/follow-ups/", _gate, "/devices/", _device],
    "demo-health": ["/", "/health/", "/health/checkins/", "/health/rules/", "/health/quarantine/", "/ledger/"],
    "demo-resident": ["/", "/health/me/", "/health/me/checkin/", _my_household, "/requests/", _my_request,
                      "/requests/new/"],
    "demo-volunteer": ["/", "/deliveries/", _gate, "/grids/"],
    "demo-quarantined": ["/", "/health/me/", "/health/me/checkin/", "/requests/"],
    "demo-expert": ["/", "/rumours/", "/rumours/facts/", _fact],
    "demo-media": ["/", "/rumours/", _clarification],
}


@pytest.fixture(scope="module")
def signed_in(browser, server):  # type: ignore[no-untyped-def]
    """Per account, once: the signed-in browser state and the pages of its journey."""
    accounts: dict[str, tuple[dict, list[tuple[str, str]]]] = {}

    def get(account: str) -> tuple[dict, list[tuple[str, str]]]:
        if account not in accounts:
            context = browser.new_context(**SIZES["desktop"])
            page = context.new_page()
            log_in(page, server, account)
            steps: list[tuple[str, str]] = []
            for step in JOURNEYS[account]:
                if callable(step):
                    steps += step(page, server)
                else:
                    steps.append((re.sub(r"[^a-z]+", "-", step).strip("-") or "home", step))
            accounts[account] = (context.storage_state(), steps)
            context.close()
        return accounts[account]
    return get


def _english_words(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each English word or internal code the page shows, with the first text it is in."""
    found: dict[str, str] = {}
    for word, text in page.evaluate(LATIN_TOKENS):
        if word not in ALLOWED_LATIN and word not in JOURNEYS:  # an account name is the account's own
            found.setdefault(word, text)
    return found


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("account", list(JOURNEYS))
def test_journey(browser, server, signed_in, artifacts: Path, account: str, mode: str, size: str) -> None:
    state, steps = signed_in(account)
    context = browser.new_context(storage_state=state, **SIZES[size])
    context.add_cookies([{"name": name, "value": value, "url": server} for name, value in MODES[mode]])
    page, csp = page_under_policy(context)
    folder = artifacts / "journeys" / account
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    width = SIZES[size]["viewport"]["width"]
    try:
        for number, (name, path) in enumerate(steps, 1):
            response = page.goto(server + path)
            where = f"{path} ({mode}, {size})"
            if response is None or response.status != 200:
                problems.append(f"{where}: status {response and response.status}")
                continue
            page.screenshot(path=folder / f"{mode}-{size}-{number:02d}-{name}.png", full_page=True)
            if page.locator("body.elder").count() != (mode == "large"):
                problems.append(f"{where}: large text is {'off' if mode == 'large' else 'on'}")
            wide = page.evaluate("() => document.scrollingElement.scrollWidth")
            if wide > width:
                problems.append(f"{where}: {wide} px wide on a {width} px screen")
            for violation in axe_violations(page):
                targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
                problems.append(f"{where}: axe {violation['id']} ({violation['impact']}) at {targets}")
            if mode != "english":
                words = _english_words(page)
                if words:
                    problems.append(f"{where}: English in the Chinese page: {sorted(words.items())[:12]}")
    finally:
        context.close()
    assert not csp, "\n".join(csp)
    assert not problems, "\n".join(problems)
