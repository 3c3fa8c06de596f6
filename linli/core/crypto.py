"""Encryption at rest and blind indexes for sensitive personal data.

Values are sealed with AES-256-GCM; the stored form is ``<key id>$<base64(nonce|ciphertext)>``
so keys can be rotated: old rows stay readable under their key id while new writes use the
active key. Exact-match search uses keyed hashes (HMAC-SHA256) of normalised values, so the
database never holds the plaintext and a stolen dump cannot be searched without the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from linli.core.keys import DataKeys, load_data_keys

SEPARATOR = "$"


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong key, unknown key id or tampering."""


@lru_cache(maxsize=1)
def data_keys() -> DataKeys:
    return load_data_keys(settings.LINLI_DATA_KEYS_PATH)


@lru_cache(maxsize=8)
def _cipher(key_id: str) -> AESGCM:
    keys = data_keys()
    if key_id not in keys.encryption:
        raise DecryptionError(f"unknown data key id {key_id!r}")
    return AESGCM(keys.encryption[key_id])


def encrypt(plaintext: str, *, context: str) -> str:
    """Seal ``plaintext``; ``context`` (e.g. the field name) is bound as associated data so a
    ciphertext copied into another column does not decrypt."""
    key_id = data_keys().active
    nonce = os.urandom(12)
    sealed = _cipher(key_id).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return key_id + SEPARATOR + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(stored: str, *, context: str) -> str:
    key_id, sep, payload = stored.partition(SEPARATOR)
    if not sep:
        raise DecryptionError("value is not in the sealed format")
    try:
        # strict: only the base64 alphabet with its padding at the end, as ``encrypt`` writes it
        # (the check ``b64decode(validate=True)`` makes with a regular expression, done in C)
        raw = binascii.a2b_base64(payload, strict_mode=True)
        plain = _cipher(key_id).decrypt(raw[:12], raw[12:], context.encode("utf-8"))
    except (ValueError, InvalidTag) as exc:  # binascii.Error is a ValueError
        raise DecryptionError("value failed authentication") from exc
    return plain.decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value, scoped by ``purpose`` so equal values in different
    columns (an ID's last four digits and a phone's) do not collide."""
    # hmac.digest: the same HMAC-SHA256, computed in one call to OpenSSL (an import hashes
    # hundreds of thousands of values)
    return hmac.digest(data_keys().index, f"{purpose}\x1f{value}".encode(), "sha256").hex()[:32]


class UnknownIntegrityKey(LookupError):
    """A row names an integrity key id that is not among the data keys."""


def integrity_key_id() -> str:
    """The key id new audit rows and ledger rows are sealed with."""
    return data_keys().integrity_key_id


def integrity_mac(key_id: str) -> hmac.HMAC:
    """A fresh HMAC-SHA256 under integrity key ``key_id``, to ``update()`` and digest. Keys
    are read again once when the id is unknown: another process may have rotated them."""
    prototype = _integrity_prototype(key_id)
    if prototype is None:
        reset_key_cache()
        prototype = _integrity_prototype(key_id)
    if prototype is None:
        raise UnknownIntegrityKey(key_id)
    return prototype.copy()


@lru_cache(maxsize=16)
def _integrity_prototype(key_id: str) -> hmac.HMAC | None:
    key = data_keys().integrity_keys.get(key_id)
    return hmac.new(key, digestmod=hashlib.sha256) if key is not None else None


def seal(message: bytes) -> str:
    """``<key id>$<hex HMAC>`` of ``message`` under the active integrity key."""
    key_id = integrity_key_id()
    mac = integrity_mac(key_id)
    mac.update(message)
    return key_id + SEPARATOR + mac.hexdigest()


def seal_matches(stored: str, message: bytes) -> bool:
    """Whether ``stored`` (from :func:`seal`) is the seal of ``message``; False for an
    unknown key id or a malformed seal, never an exception."""
    key_id, sep, digest = stored.partition(SEPARATOR)
    if not sep:
        return False
    try:
        mac = integrity_mac(key_id)
    except UnknownIntegrityKey:
        return False
    mac.update(message)
    return hmac.compare_digest(mac.hexdigest(), digest)


def reset_key_cache() -> None:
    data_keys.cache_clear()
    _cipher.cache_clear()
    _integrity_prototype.cache_clear()
