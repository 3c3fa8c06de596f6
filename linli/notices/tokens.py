"""Short signed links: one per household of a notice (for chat groups and text messages) and
one per building (the poster's QR code). Nothing to sign in with, nothing to guess: the
token names the row and carries a keyed MAC of it; a wrong MAC is "not found"."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

_HOUSEHOLD = "linli.notices.household"
_BUILDING = "linli.notices.building"
MAC_CHARS = 12


def _mac(salt: str, value: str) -> str:
    return salted_hmac(salt, value, algorithm="sha256").hexdigest()[:MAC_CHARS]


def sign(salt: str, row_id: int) -> str:
    """A short link's token for row ``row_id`` of the kind ``salt`` names (a notice's household,
    a campaign's household)."""
    text = format(row_id, "x")
    return f"{text}-{_mac(salt, text)}"


def read(salt: str, token: str) -> int | None:
    parts = _split(token)
    if parts is None or not constant_time_compare(parts[1], _mac(salt, parts[0])):
        return None
    try:
        return int(parts[0], 16)
    except ValueError:
        return None


def household_tokens(household_ids: list[int]) -> list[str]:
    """``household_token`` of each, the key derived once (a street's 90,000 links)."""
    keyed = salted_hmac(_HOUSEHOLD, b"", algorithm="sha256")
    out = []
    for household_id in household_ids:
        text = format(household_id, "x")
        mac = keyed.copy()
        mac.update(text.encode())
        out.append(f"{text}-{mac.hexdigest()[:MAC_CHARS]}")
    return out


def household_token(household_id: int) -> str:
    return sign(_HOUSEHOLD, household_id)


def building_token(notice_id: int, building_path: str) -> str:
    text = f"{notice_id:x}.{building_path.replace('/', '')}"
    return f"{text}-{_mac(_BUILDING, text)}"


def _split(token: str) -> tuple[str, str] | None:
    text, _, mac = (token or "").rpartition("-")
    if not text or len(mac) != MAC_CHARS or len(token) > 80:
        return None
    return text, mac


def read_household(token: str) -> int | None:
    return read(_HOUSEHOLD, token)


def read_building(token: str) -> tuple[int, str] | None:
    """(notice id, building code digits) of a poster's token."""
    parts = _split(token)
    if parts is None or not constant_time_compare(parts[1], _mac(_BUILDING, parts[0])):
        return None
    notice, _, digits = parts[0].partition(".")
    try:
        return int(notice, 16), digits
    except ValueError:
        return None
