"""The second factor (decision 0022): who needs it, the code after the password, setting up an
authenticator, backup codes, an administrator's reset, and the policy layer's own refusal."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.conftest import PASSWORD, Street
from linli.core import twofactor
from linli.core.access import PermissionDenied
from linli.core.actions import do_grant_role, do_reset_second_factor
from linli.core.models import AuditEvent, Role, User
from linli.demo.builder import DEMO_TOTP_KEY
from linli.web.account import PENDING_KEY

VERIFY = "/account/second-factor/verify/"
ENROL = "/account/second-factor/"
DEMO_KEY = twofactor.key_from_text(DEMO_TOTP_KEY)


def _sign_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def _code(key: bytes = DEMO_KEY) -> str:
    return twofactor.code_at(key)


def _rewind_throttle(user: User) -> None:
    """As if the wait after a wrong code had passed."""
    earlier = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=earlier)
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=earlier)


def test_roles_that_reveal_or_export_need_it_and_others_do_not(street: Street) -> None:
    need = {name: twofactor.needs_second_factor(getattr(street, name)) for name in (
        "admin", "street_officer", "secretary", "grid_worker", "health_officer", "resident", "volunteer", "outsider")}
    assert need == {"admin": True, "street_officer": True, "secretary": True, "grid_worker": True,
                    "health_officer": True, "resident": False, "volunteer": False, "outsider": False}
    # Read from the roles, not from names: a role of a site's own that may only export counts too.
    exporter = Role.objects.create(code="export-clerk", name="export clerk", actions=["people.view", "people.export"])
    do_grant_role(street.outsider, exporter, acting_user=street.admin, place=street.community)
    assert twofactor.needs_second_factor(User.objects.get(pk=street.outsider.pk))


def test_the_demo_accounts_that_need_it_have_the_published_key(street: Street) -> None:
    for user in (street.admin, street.street_officer, street.secretary, street.grid_worker, street.health_officer):
        device = twofactor.totp_device(user)
        assert device is not None and device.bin_key == DEMO_KEY, user.username
    assert twofactor.totp_device(street.resident) is None and twofactor.totp_device(street.volunteer) is None


def test_after_the_password_the_code_page_and_nothing_else(street: Street) -> None:
    client = _sign_in("demo-grid")
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == f"{VERIFY}?next=%2F"
    person = street.person_in(street.grid_building)
    for path in ("/people/?q=z", f"/people/{person.pk}/", "/account/", "/admin/"):
        assert client.get(path)["Location"].startswith(VERIFY), path
    # The API answers such a session 401, saying why.
    api = client.get("/api/people/persons")
    assert api.status_code == 401 and "第二重验证" in api.json()["detail_zh"]
    page = client.get(VERIFY + "?next=/people/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'inputmode="numeric"' in text and 'autocomplete="one-time-code"' in text
    # The right code lets her in, back where she was going, under a new session key.
    before = client.cookies["sessionid"].value
    response = client.post(VERIFY, {"code": _code(), "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert client.cookies["sessionid"].value != before
    assert client.get("/").status_code == 200
    assert client.get("/api/people/persons").status_code == 200
    event = AuditEvent.objects.filter(action="auth.second_factor").latest("seq")
    assert (event.actor_id, event.outcome, event.path, event.detail["kind"]) == (street.grid_worker.pk, "ok", "", "totp")


def test_a_wrong_code_is_audited_and_slows_the_next_try(street: Street) -> None:
    client = _sign_in("demo-community")
    wrong = f"{(int(_code()) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 422
    assert "wrong" in response.content.decode() or "错误" in response.content.decode()
    # Even the right code waits now (1, 2, 4 … seconds after successive wrong ones).
    throttled = client.post(VERIFY, {"code": _code()})
    assert throttled.status_code == 422
    assert re.search(r"(Wait|请等) ?\d+", throttled.content.decode())
    denied = AuditEvent.objects.filter(action="auth.second_factor", actor=street.secretary, outcome="denied")
    assert [e.detail["reason"] for e in denied.order_by("seq")] == ["wrong", "throttled"]
    assert client.get("/").status_code == 302  # still not in
    _rewind_throttle(street.secretary)
    assert client.post(VERIFY, {"code": _code()}).status_code == 302
    assert client.get("/").status_code == 200
    # A code is good once: the same code again (another browser) is refused.
    again = _sign_in("demo-community")
    assert again.post(VERIFY, {"code": _code()}).status_code == 422


def test_an_unverified_session_cannot_reveal_even_past_the_pages(street: Street) -> None:
    """Defence in depth: the policy layer refuses the actions that hand out full values to a
    session that has not passed the second factor, whatever page or API operation asks."""
    from linli.core import context
    from linli.people.actions import do_reveal
    from linli.people.exports import export_list

    person = street.person_in(street.grid_building)
    user = User.objects.get(pk=street.grid_worker.pk)
    user.is_verified = lambda: False  # what django-otp's middleware gives an unverified session
    with pytest.raises(PermissionDenied):
        do_reveal(person, "phone", acting_user=user, purpose_code="care_visit", purpose="")
    refused = AuditEvent.objects.filter(action="person.reveal").latest("seq")
    assert refused.outcome == "denied" and refused.actor_id == user.pk
    secretary = User.objects.get(pk=street.secretary.pk)
    secretary.is_verified = lambda: False
    with pytest.raises(PermissionDenied):
        export_list("people", "csv", scope=street.community, acting_user=secretary, purpose_code="care_visit")
    # In a web request, a user object without the middleware's mark is refused too (fails closed).
    token = context.set_current(context.RequestContext(ip="127.0.0.1", channel="web"))
    try:
        with pytest.raises(PermissionDenied):
            do_reveal(person, "phone", acting_user=User.objects.get(pk=street.grid_worker.pk), purpose_code="care_visit", purpose="")
    finally:
        context.reset(token)
    # A verified session may.
    verified = User.objects.get(pk=street.grid_worker.pk)
    verified.is_verified = lambda: True
    assert do_reveal(person, "phone", acting_user=verified, purpose_code="care_visit", purpose="") == person.phone


def test_setting_up_an_authenticator_when_the_role_needs_one(street: Street) -> None:
    do_reset_second_factor(street.health_officer, acting_user=street.admin)
    client = _sign_in("demo-health")
    assert client.get("/")["Location"].startswith(ENROL)
    assert client.get(VERIFY)["Location"].startswith(ENROL)
    page = client.get(ENROL + "?next=/health/")
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and "<script" not in text.split("<main")[1].split("</main>")[0]
    key = bytes.fromhex(client.session[PENDING_KEY])
    assert twofactor.key_text(key) in text
    assert client.get(ENROL).content.decode().count(twofactor.key_text(key)) == 1  # the same key on reload
    assert client.post(ENROL, {"code": "000000" if _code(key) != "000000" else "111111"}).status_code == 422
    done = client.post(ENROL, {"code": _code(key), "next": "/health/"})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.content.decode())
    assert len(codes) == 10 == len(set(codes))
    assert client.get("/").status_code == 200  # this session passed it by setting it up
    assert twofactor.totp_device(street.health_officer).bin_key == key
    assert StaticDevice.objects.get(user=street.health_officer).token_set.count() == 10
    assert not any(code in str(t.token) for t in StaticDevice.objects.get(user=street.health_officer).token_set.all()
                   for code in codes)  # stored as keyed hashes only
    assert AuditEvent.objects.filter(action="auth.second_factor_enrol", actor=street.health_officer).exists()
    # Signing out is open while she owes it; signing in again asks for the new app's code.
    assert client.post("/logout/").status_code == 302
    assert _sign_in("demo-health").get("/")["Location"].startswith(VERIFY)


def test_backup_codes_work_once_each(street: Street) -> None:
    do_reset_second_factor(street.grid_worker, acting_user=street.admin)
    client = _sign_in("demo-grid")
    client.get(ENROL)
    key = bytes.fromhex(client.session[PENDING_KEY])
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", client.post(ENROL, {"code": _code(key)}).content.decode())
    first = _sign_in("demo-grid")
    assert first.post(VERIFY, {"code": codes[0].upper().replace("-", " ")}).status_code == 302
    assert first.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="auth.second_factor", outcome="ok").latest("seq")
    assert (event.detail["kind"], event.detail["backup_codes_left"]) == ("backup", 9)
    second = _sign_in("demo-grid")
    assert second.post(VERIFY, {"code": codes[0]}).status_code == 422
    _rewind_throttle(street.grid_worker)
    assert second.post(VERIFY, {"code": codes[1]}).status_code == 302
    # New codes from the account page replace the old ones.
    fresh = second.post("/account/second-factor/backup-codes/")
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", fresh.content.decode())
    assert len(new) == 10
    _rewind_throttle(street.grid_worker)
    assert _sign_in("demo-grid").post(VERIFY, {"code": codes[2]}).status_code == 422
    _rewind_throttle(street.grid_worker)
    assert _sign_in("demo-grid").post(VERIFY, {"code": new[0]}).status_code == 302


def test_an_administrator_resets_a_lost_phone(street: Street) -> None:
    admin = street.client_for(street.admin)
    response = admin.post("/admin/core/user/", {"action": "reset_second_factor",
                                                 "_selected_action": [street.secretary.pk]})
    assert response.status_code == 302
    assert twofactor.totp_device(street.secretary) is None
    event = AuditEvent.objects.filter(action="auth.second_factor_reset").latest("seq")
    assert (event.actor_id, event.object_id, event.outcome) == (street.admin.pk, str(street.secretary.pk), "ok")
    # Her next sign-in sets up a new phone.
    assert _sign_in("demo-community").get("/")["Location"].startswith(ENROL)
    # Only administrators may; the refusal is audited.
    with pytest.raises(PermissionDenied):
        do_reset_second_factor(street.grid_worker, acting_user=street.street_officer)
    assert AuditEvent.objects.filter(action="auth.second_factor_reset", outcome="denied").exists()
    assert twofactor.totp_device(street.grid_worker) is not None
    # The operator at the server (the administrator who lost hers).
    out = io.StringIO()
    call_command("twofactor", "reset", "demo-admin", stdout=out)
    assert twofactor.totp_device(street.admin) is None and "demo-admin" in out.getvalue()
    listing = io.StringIO()
    call_command("twofactor", "list", stdout=listing)
    assert re.search(r"demo-admin\s+not yet", listing.getvalue()) and re.search(r"demo-grid\s+set up", listing.getvalue())


def test_an_unverified_session_does_not_move_the_second_factor(street: Street) -> None:
    client = _sign_in("demo-street")
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"code": _code()})["Location"].startswith(VERIFY)
    assert twofactor.totp_device(street.street_officer).bin_key == DEMO_KEY


def test_anyone_may_turn_it_on_and_off_for_herself(street: Street) -> None:
    client = street.client_for(street.resident)
    page = client.get("/account/").content.decode()
    assert "/account/second-factor/" in page
    client.get(ENROL)
    key = bytes.fromhex(client.session[PENDING_KEY])
    assert client.post(ENROL, {"code": _code(key)}).status_code == 200
    # From now on she is asked for it too.
    again = _sign_in("demo-resident")
    assert again.get("/")["Location"].startswith(VERIFY)
    assert again.post("/account/second-factor/off/")["Location"].startswith(VERIFY)  # not before the code
    assert twofactor.totp_device(street.resident) is not None
    assert client.post("/account/second-factor/off/").status_code == 302
    assert twofactor.totp_device(street.resident) is None
    assert _sign_in("demo-resident").get("/").status_code == 200
    # A role that needs it cannot turn it off.
    worker = street.client_for(street.grid_worker)
    worker.post("/account/second-factor/off/")
    assert twofactor.totp_device(street.grid_worker) is not None


def test_a_role_granted_later_asks_for_a_set_up_at_the_next_request(street: Street) -> None:
    client = street.client_for(street.outsider)
    assert client.get("/").status_code == 200
    role = Role.objects.get(code="grid_worker")
    do_grant_role(street.outsider, role, acting_user=street.admin, place=street.community)
    assert client.get("/")["Location"].startswith(ENROL)


def test_the_code_pages_work_in_english(street: Street) -> None:
    client = _sign_in("demo-grid")
    client.cookies["django_language"] = "en"
    text = client.get(VERIFY).content.decode()
    assert "Enter your code" in text and "backup code" in text
    client.cookies["django_language"] = "zh-hans"
    assert "验证码" in client.get(VERIFY).content.decode()
