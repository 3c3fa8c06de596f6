"""Forwarded client addresses are believed only from LINLI_TRUSTED_PROXIES, and what the audit
log stores is always a valid address, never a header's text."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from linli.core.models import AuditEvent
from linli.core.proxies import client_address, parse_networks

PROXIES = parse_networks("LINLI_TRUSTED_PROXIES", ["127.0.0.1", "10.0.0.0/8", "fd00::/8"])


def _failed_sign_in(settings, trusted: str, **headers: str) -> AuditEvent:  # type: ignore[no-untyped-def]
    settings.LINLI_TRUSTED_PROXIES = parse_networks("LINLI_TRUSTED_PROXIES", [trusted] if trusted else [])
    Client(**headers).post("/login/", {"username": "demo-grid", "password": "nope-nope-nope"})
    return AuditEvent.objects.filter(action="auth.login_failed").last()


def test_x_real_ip_from_an_untrusted_peer_is_ignored(street, settings):
    event = _failed_sign_in(settings, "", REMOTE_ADDR="198.51.100.20", HTTP_X_REAL_IP="203.0.113.9")
    assert event.ip == "198.51.100.20"
    # sign-in throttling sees the same address (django-axes asks linli.core.proxies)
    assert AccessAttempt.objects.filter(username="demo-grid").last().ip_address == "198.51.100.20"


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(street, settings):
    event = _failed_sign_in(settings, "127.0.0.1", REMOTE_ADDR="198.51.100.20",
                            HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert event.ip == "198.51.100.20"


def test_a_trusted_proxy_forwards_the_client_address(street, settings):
    event = _failed_sign_in(settings, "127.0.0.0/8", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    assert event.ip == "203.0.113.9"


def test_html_in_the_header_is_not_stored(street, settings):
    event = _failed_sign_in(settings, "127.0.0.1", REMOTE_ADDR="127.0.0.1",
                            HTTP_X_REAL_IP="<script>alert(1)</script>")
    assert event.ip == "127.0.0.1"  # the proxy itself: the header named no address
    event = _failed_sign_in(settings, "", REMOTE_ADDR="198.51.100.20", HTTP_X_REAL_IP="<b>1.2.3.4</b>")
    assert event.ip == "198.51.100.20"
    assert not AuditEvent.objects.filter(ip__contains="<").exists()


@pytest.mark.parametrize(("meta", "expected"), [
    ({"REMOTE_ADDR": "198.51.100.20", "HTTP_X_REAL_IP": "203.0.113.9"}, "198.51.100.20"),
    ({"REMOTE_ADDR": "10.1.1.1", "HTTP_X_REAL_IP": " 203.0.113.9 "}, "203.0.113.9"),
    # the last hop that is not one of ours; anything before it was written by the client
    ({"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "192.0.2.66, 203.0.113.9, 10.2.2.2"}, "203.0.113.9"),
    ({"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, nonsense"}, "10.1.1.1"),
    ({"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9:51234"}, "203.0.113.9"),
    ({"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "[2001:db8::7]:443"}, "2001:db8::7"),
    ({"REMOTE_ADDR": "10.1.1.1", "HTTP_X_REAL_IP": "2001:DB8:0:0::7"}, "2001:db8::7"),
    ({"REMOTE_ADDR": "::ffff:198.51.100.20"}, "198.51.100.20"),
    ({"REMOTE_ADDR": "fd00::1", "HTTP_X_REAL_IP": "::ffff:10.9.9.9", "HTTP_X_FORWARDED_FOR": "1.1.1.1"}, "10.9.9.9"),
    ({"REMOTE_ADDR": "10.1.1.1", "HTTP_X_REAL_IP": "999.1.1.1"}, "10.1.1.1"),
    ({"REMOTE_ADDR": "not an address"}, ""),
    ({}, ""),
])
def test_client_address(meta, expected):
    assert client_address(meta, PROXIES) == expected


def test_a_proxy_list_that_is_not_addresses_stops_the_start():
    with pytest.raises(ImproperlyConfigured, match="LINLI_TRUSTED_PROXIES"):
        parse_networks("LINLI_TRUSTED_PROXIES", ["10.0.0.0/8", "proxy.local"])


def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.LINLI_TRUSTED_PROXIES = PROXIES
    spoofed = Client(REMOTE_ADDR="198.51.100.20").get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert spoofed.status_code == 301 and spoofed["Location"].startswith("https://")
    forwarded = Client(REMOTE_ADDR="10.1.1.1").get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert forwarded.status_code == 200
