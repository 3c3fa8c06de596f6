"""Sign-in like a back office's: throttled, audited, strong passwords, a page to change one's own."""

from __future__ import annotations

from django.test import Client

from linli.conftest import PASSWORD
from linli.core.models import AuditEvent


def _login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password})


def test_wrong_passwords_lock_the_account_and_are_audited(street, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        assert _login(client, "demo-grid", "not-the-password").status_code in (200, 429)
    # Even the right password is refused now (before: 30 wrong tries, then the right one worked).
    locked = _login(client, "demo-grid", PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert "锁定" in locked.content.decode() or "locked" in locked.content.decode()
    failed = AuditEvent.objects.filter(action="auth.login_failed", object_id="demo-grid")
    assert failed.count() >= 3 and all(e.outcome == "denied" and e.path == "" for e in failed)
    assert AuditEvent.objects.filter(action="auth.lockout", object_id="demo-grid").exists()
    # Another account is not held back by it.
    assert _login(Client(), "demo-community", PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account(street, settings):
    from django.core.management import call_command

    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(2):
        _login(client, "demo-volunteer", "wrong-wrong-wrong")
    assert _login(client, "demo-volunteer", PASSWORD).status_code == 429
    call_command("axes_reset_username", "demo-volunteer")
    assert _login(Client(), "demo-volunteer", PASSWORD).status_code == 302


def test_sign_ins_and_sign_outs_are_audited(street):
    client = Client()
    assert _login(client, "demo-community", PASSWORD).status_code == 302
    client.post("/logout/")
    actions = list(AuditEvent.objects.filter(actor=street.secretary, action__startswith="auth.")
                   .values_list("action", flat=True))
    assert actions[-2:] == ["auth.login", "auth.logout"]


def test_everyone_changes_her_own_password_and_weak_ones_are_refused(street):
    client = Client()
    _login(client, "demo-resident", PASSWORD)
    assert client.get("/password/").status_code == 200
    client.cookies["django_language"] = "en"
    for weak, reason in (("3101151980", "entirely numeric"), ("password123", "too common"),
                         ("demo-resident1", "too similar"), ("short-1", "too short")):
        response = client.post("/password/", {"old_password": PASSWORD, "new_password1": weak,
                                              "new_password2": weak})
        assert response.status_code == 200, weak  # the form again, with the reason
        assert reason in response.content.decode(), weak
        assert _login(Client(), "demo-resident", weak).status_code != 302  # the old password stays
    client.cookies["django_language"] = "zh-hans"
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "3101151980",
                                          "new_password2": "3101151980"})
    assert "密码只包含数字" in response.content.decode()  # the reason, in Chinese
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "邻里-新口令-2026",
                                          "new_password2": "邻里-新口令-2026"})
    assert response.status_code == 302
    assert _login(Client(), "demo-resident", "邻里-新口令-2026").status_code == 302


def test_a_failed_sign_in_records_where_it_came_from(street):
    Client(REMOTE_ADDR="10.1.2.3").post("/login/", {"username": "demo-grid", "password": "nope-nope-nope"})
    assert AuditEvent.objects.filter(action="auth.login_failed").last().ip == "10.1.2.3"
