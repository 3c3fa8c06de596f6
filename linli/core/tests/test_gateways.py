"""Messages that leave the platform go through the configured backend and are audited, the number
masked (decision 0026)."""

from __future__ import annotations

import io

import pytest

from linli.core import gateways
from linli.core.gateways import GatewayError, place_call, send_app_push, send_sms
from linli.core.models import AuditEvent


@pytest.fixture
def outbox():
    gateways.outbox.clear()
    yield gateways.outbox
    gateways.outbox.clear()


class Refusing:
    def send(self, message):
        raise ConnectionError("provider unreachable")


def test_messages_go_to_the_configured_backend_and_are_audited_masked(street, outbox):
    ident = send_sms("13812345678", "A fall at 3-2-501", purpose="alert escalation", path=street.community.path)
    call = place_call("+86 138 1234 5678", "请立即处理", purpose="alert escalation")
    app = send_app_push(street.grid_worker, "New alert", "A fall at 3-2-501", purpose="alert page")
    assert [(m.channel, m.to, m.text) for m in outbox] == [
        ("sms", "13812345678", "A fall at 3-2-501"), ("call", "+8613812345678", "请立即处理"),
        ("app_push", f"user:{street.grid_worker.pk}", "A fall at 3-2-501")]
    assert len({ident, call, app}) == 3
    events = list(AuditEvent.objects.filter(action__startswith="gateway.").order_by("seq"))
    assert [e.action for e in events] == ["gateway.sms", "gateway.call", "gateway.app_push"]
    assert events[0].purpose == "alert escalation" and events[0].path == street.community.path
    assert events[0].detail["to"] == "138****5678" and events[0].detail["id"] == ident
    assert "13812345678" not in str([e.detail for e in events])
    assert events[2].object_id == str(street.grid_worker.pk)


def test_the_console_backend_prints_the_number_masked(street, settings):
    stream = io.StringIO()
    settings.LINLI_SMS_BACKEND = "console"
    gateways._INSTANCES[("sms", "console")] = gateways.ConsoleBackend(stream)
    try:
        ident = send_sms("13812345678", "测试短信", purpose="drill")
    finally:
        gateways._INSTANCES.pop(("sms", "console"))
    line = stream.getvalue()
    assert ident[:8] in line and "138****5678" in line and "测试短信" in line and "drill" in line
    assert "13812345678" not in line


def test_a_message_not_sent_raises_and_is_audited_as_failed(street, settings, outbox):
    settings.LINLI_SMS_BACKEND = "disabled"
    with pytest.raises(GatewayError, match="no sms gateway"):
        send_sms("13812345678", "text", purpose="alert escalation")
    settings.LINLI_CALL_BACKEND = f"{__name__}.Refusing"
    with pytest.raises(GatewayError, match="ConnectionError: provider unreachable"):
        place_call("13812345678", "text", purpose="alert escalation")
    failed = AuditEvent.objects.filter(action__startswith="gateway.", outcome=AuditEvent.Outcome.FAILED)
    assert sorted(failed.values_list("action", flat=True)) == ["gateway.call", "gateway.sms"]
    assert outbox == []


def test_bad_messages_are_refused_before_sending(street, settings, outbox):
    with pytest.raises(GatewayError, match="phone"):
        send_sms("call me", "text", purpose="x")
    with pytest.raises(GatewayError, match="purpose"):
        send_sms("13812345678", "text", purpose=" ")
    with pytest.raises(GatewayError, match="text"):
        place_call("13812345678", "", purpose="x")
    settings.LINLI_APP_PUSH_BACKEND = "no.such.Backend"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        send_app_push(street.grid_worker, "t", "b", purpose="x")
    assert outbox == []
