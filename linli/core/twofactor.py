"""The second factor (decision 0022): a 6-digit code from an authenticator app (TOTP, RFC 6238)
after the password, and ten one-time backup codes for a day without the phone. django-otp keeps
the devices, checks the codes and slows down guessing (1, 2, 4, 8 … seconds per wrong code);
this module says who must use it and draws what the pages show. The changes themselves (set up,
confirm, reset) are the audited actions in ``linli.core.actions``.

Who must: whoever holds, now, a role with an action that hands out full values (``people.reveal``,
``people.export``, ``health.report``: ``linli.core.scope.SECOND_FACTOR_ACTIONS``), and every
superuser. Anyone else may turn it on from her account page, and is then asked for it too.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

import segno
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core import crypto
from linli.core.scope import needs_second_factor

__all__ = ["needs_second_factor"]

BACKUP_CODES = 10
DEVICE_NAME = "authenticator"
BACKUP_NAME = "backup codes"
KEY_BYTES = 20  # 160 bits, what RFC 4226 recommends and authenticator apps expect
STEP = 30
TOLERANCE = 1  # the code before and after the current one count too (a phone's clock drifts)
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread on paper

# What the sign-in asks of a user now.
VERIFY, ENROL = "verify", "enrol"


def totp_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, if she set one up."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-pk").first()


def backup_device(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-pk").first()


def backup_codes_left(user: Any) -> int:
    device = backup_device(user)
    return device.token_set.count() if device is not None else 0


def session_verified(user: Any) -> bool:
    """This request's session passed the second factor (django-otp's middleware marks the
    request's user; any other user object has not)."""
    verified = getattr(user, "is_verified", None)
    return callable(verified) and bool(verified())


def pending(user: Any) -> str:
    """What the user must do before anything else: confirm a code (``VERIFY``), set up an
    authenticator (``ENROL``), or nothing ("")."""
    if not getattr(user, "is_authenticated", False) or session_verified(user):
        return ""
    if totp_device(user) is not None:
        return VERIFY
    return ENROL if needs_second_factor(user) else ""


# --- keys and codes -----------------------------------------------------------------------------

def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_text(key: bytes) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    text = base64.b32encode(key).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def key_from_text(text: str) -> bytes:
    compact = "".join(text.split()).upper()
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def otpauth_url(user: Any, key: bytes) -> str:
    """The ``otpauth://totp/…`` address a phone reads from the QR code (issuer ``OTP_TOTP_ISSUER``)."""
    return str(TOTPDevice(user=user, key=key.hex(), step=STEP).config_url)


def qr_svg(text: str) -> str:
    """A QR code as inline SVG, dark on white, with a viewBox and no fixed size: drawn on the
    server, no script, no style attribute (the Content-Security-Policy allows neither)."""
    qr = segno.make(text, error="m")
    return str(qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True))


def code_at(key: bytes, at: float | None = None) -> str:
    """The 6-digit code of ``key`` at time ``at`` (now): what the user's phone shows."""
    totp = TOTP(key, step=STEP)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def normalise(code: str) -> str:
    """What the user typed, without spaces and dashes, lower case ("123 456", "ABCDE-FGHJK")."""
    return "".join(ch for ch in str(code or "") if ch.isalnum()).lower()[:20]


def looks_like_totp(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def new_backup_codes() -> list[str]:
    """Ten codes of ten characters from an alphabet without look-alikes, shown as "abcde-fghjk"."""
    codes = []
    for _ in range(BACKUP_CODES):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def backup_digest(code: str) -> str:
    """What is stored for a backup code: a keyed hash (the blind-index key, outside the
    database), so a copy of the database holds no usable code. 64 bits fit django-otp's
    16-character token column."""
    return crypto.blind_index(normalise(code), purpose="otp-backup")[:16]


def create_devices(user: Any, key: bytes, *, last_t: int = -1, drift: int = 0,
                   backup_codes: list[str] | None = None) -> TOTPDevice:
    """Replace the user's devices with an authenticator of ``key`` (and a set of backup codes,
    when given). Callers are the audited actions and the demo builder."""
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key.hex(), step=STEP, tolerance=TOLERANCE,
                                       confirmed=True, last_t=last_t, drift=drift)
    if backup_codes:
        replace_backup_codes(user, backup_codes)
    return device


def replace_backup_codes(user: Any, codes: list[str]) -> None:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    device.token_set.bulk_create([device.token_set.model(device=device, token=backup_digest(c)) for c in codes])


def remove_devices(user: Any) -> int:
    removed, _ = TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    return int(removed)
