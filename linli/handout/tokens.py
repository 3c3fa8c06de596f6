"""The household's pickup code for one reservation: shown as a QR code on the resident's phone
(or printed for an elder), scanned by the keeper. It names the reservation and carries a keyed
MAC of it, so a code cannot be guessed from another; a wrong MAC reads as no code at all."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "linli.handout.pickup"
MAC_CHARS = 10
PREFIX = "LLH"


def _mac(text: str) -> str:
    return salted_hmac(_SALT, text, algorithm="sha256").hexdigest()[:MAC_CHARS].upper()


def pickup_code(reservation_id: int) -> str:
    text = format(reservation_id, "X")
    return f"{PREFIX}{text}-{_mac(text)}"


def read_pickup(code: str) -> int | None:
    code = "".join((code or "").split()).upper()
    if not code.startswith(PREFIX) or len(code) > 40:
        return None
    text, _, mac = code[len(PREFIX):].partition("-")
    if not text or len(mac) != MAC_CHARS or not constant_time_compare(mac, _mac(text)):
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None
