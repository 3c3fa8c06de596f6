"""The second factor and the account page in a real browser (decision 0022): the code page after
the password, setting up an authenticator from the QR page's key, backup codes, API tokens; on a
390 px phone in Chinese, large text and English."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import PASSWORD, log_in, second_factor_code

PHONE = 390


def _width(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth")


def _code_of(key_text: str) -> str:
    import base64

    from django_otp.oath import hotp

    compact = "".join(key_text.split())
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    return f"{hotp(key, int(time.time()) // 30):06d}"


@pytest.mark.parametrize("mode", ["chinese", "large", "english"])
def test_code_page_account_page_and_tokens_fit_a_phone(phone, server, mode):
    page = phone
    if mode == "large":
        page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": server}])
    if mode == "english":
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": server}])
    page.goto(server + "/login/")
    page.fill("#id_username", "demo-grid")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/account/second-factor/verify/\?next=%2F$"))
    code = page.locator("#id_code")
    assert code.get_attribute("inputmode") == "numeric" and code.get_attribute("autocomplete") == "one-time-code"
    assert _width(page) <= PHONE
    # Anything else sends her back here until the code is in.
    page.goto(server + "/people/?q=z")
    assert "/account/second-factor/verify/" in page.url
    page.fill("#id_code", second_factor_code("demo-grid"))
    page.click("#code-form button[type=submit]")
    page.wait_for_url(server + "/people/?q=z")

    name = f"夜间报表程序-{mode}"
    page.goto(server + "/account/")
    page.fill("#id_name", name)
    page.click("form[action='/account/tokens/'] button[type=submit]")
    token = page.locator(".new-token").inner_text().strip()
    assert token.startswith("ll_")
    assert page.locator("main li", has_text=name).count() == 1  # on a phone: a card per token
    assert _width(page) <= PHONE
    page.goto(server + "/account/")
    assert token not in page.content()
    page.locator("main li", has_text=name).first.locator("button").click()
    page.wait_for_url(server + "/account/")
    assert page.locator("main li", has_text=name).first.locator(".badge").inner_text() in ("已吊销", "revoked")

    page.goto(server + "/account/second-factor/")
    assert page.locator(".otp-qr svg").count() == 1
    assert _width(page) <= PHONE


def test_a_volunteer_turns_it_on_and_off(phone, server):
    page = phone
    log_in(page, server, "demo-volunteer")
    page.goto(server + "/account/")
    page.click("a[href='/account/second-factor/']")
    key_text = page.locator(".otp-key").inner_text()
    page.fill("#id_code", _code_of(key_text))
    page.click("main form button[type=submit]")
    # The click does not wait for the page it posts to: wait for the codes it shows.
    page.locator(".backup-codes code").first.wait_for()
    codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(codes) == 10
    page.click("a.btn-primary")
    # Signed out and in again: the code is asked for now; a backup code does it too.
    page.evaluate("document.querySelector('form[action=\"/logout/\"]').submit()")
    page.wait_for_url(re.compile(r".*/login/.*"))
    page.goto(server + "/login/")
    page.fill("#id_username", "demo-volunteer")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/account/second-factor/verify/.*"))
    page.click("details summary")
    page.fill("#id_backup_code", codes[0])
    page.click("details form button[type=submit]")
    page.wait_for_url(server + "/")
    page.goto(server + "/account/")
    page.click("form[action='/account/second-factor/off/'] button")
    page.wait_for_url(server + "/account/")
    assert page.locator("a[href='/account/second-factor/']", has_text="开启").count() == 1
