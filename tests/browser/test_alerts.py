"""The alert pages on a phone: no page wider than the screen, in Chinese, large text and English."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

PHONE = 390


@pytest.mark.parametrize("mode", ["chinese", "large", "english"])
def test_alert_pages_fit_a_phone(phone, server, mode):  # type: ignore[no-untyped-def]
    page = phone
    if mode == "large":
        page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": server}])
    if mode == "english":
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": server}])
    log_in(page, server, "demo-community")
    for url in ("/alerts/", "/alerts/chains/", "/alerts/rota/", "/alerts/drill/", "/alerts/measures/"):
        page.goto(f"{server}{url}")
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE, url
