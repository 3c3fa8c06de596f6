"""Where a request came from, believing forwarded headers only from our own proxies.

Behind nginx the peer of every request is the proxy, and the client's address arrives in
``X-Real-IP`` or ``X-Forwarded-For``. Anyone can send those headers, so they are read only
when the peer is one of ``LINLI_TRUSTED_PROXIES`` (addresses or CIDR networks); from anyone
else they are ignored and the peer's address is the client's. Whatever is returned is a
valid IP address in its normal form, never the header's text: the audit log stores it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Headers that only a trusted proxy may set: removed from requests that come from anyone else,
# so that nothing further down (Django's is_secure(), a library) can be misled by them.
FORWARDED_HEADERS = ("HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_FORWARDED")


def parse_networks(name: str, items: Iterable[str]) -> tuple[Network, ...]:
    """``LINLI_TRUSTED_PROXIES`` entries as networks (a bare address is a /32 or /128)."""
    networks: list[Network] = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP address or network (CIDR): {exc}") from exc
    return tuple(networks)


def parse_address(text: str | None) -> Address | None:
    """An address from a header or REMOTE_ADDR, or None when it is not one. Accepts what proxies
    send: an IPv6 address in brackets, an IPv4 address with a port."""
    if not text:
        return None
    value = text.strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def _trusted() -> tuple[Network, ...]:
    from django.conf import settings

    return tuple(getattr(settings, "LINLI_TRUSTED_PROXIES", ()))


def client_address(meta: dict[str, object], trusted: Sequence[Network]) -> str:
    """The client's address for a request's META: the peer's, or, when the peer is a trusted
    proxy, the one it forwarded (X-Real-IP, else the last X-Forwarded-For hop that is not
    itself a trusted proxy). "" when there is no valid address at all."""
    peer = parse_address(str(meta.get("REMOTE_ADDR") or ""))
    if not is_trusted(peer, trusted):
        return str(peer) if peer is not None else ""
    real = parse_address(str(meta.get("HTTP_X_REAL_IP") or ""))
    if real is not None:
        return str(real)
    hops = [part for part in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    for hop in reversed(hops):  # each proxy appends the address it received the request from
        address = parse_address(hop)
        if address is None:
            break  # a hop that is not an address: what lies before it cannot be believed
        if not is_trusted(address, trusted):
            return str(address)
    return str(peer)


def client_ip(request: HttpRequest) -> str:
    """The client's address (also django-axes' ``AXES_CLIENT_IP_CALLABLE``)."""
    return client_address(request.META, _trusted())


def strip_untrusted(meta: dict[str, object], trusted: Sequence[Network]) -> None:
    """Drop the forwarded headers from a request whose peer is not a trusted proxy."""
    if not is_trusted(parse_address(str(meta.get("REMOTE_ADDR") or "")), trusted):
        for header in FORWARDED_HEADERS:
            meta.pop(header, None)
