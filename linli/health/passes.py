"""Signed health passes for epidemic mode, and their offline verifier.

Pure Python (standard library, ``cbor2``, ``segno`` and ``cryptography``; no Django) so
that the gate, ``linli health verify`` and the benchmark share one implementation.
Decision record: ``docs/decisions/0006-health-passes.md``.

**A pass** is a CWT (RFC 8392) in a tagged COSE_Sign1 (RFC 9052, tag 18), Ed25519 only:

* protected header, exactly ``{1: -8, 4: kid}`` (alg EdDSA, 8-byte key id), 13 bytes;
* unprotected header ``{}``;
* payload, a CBOR map of exactly six claims::

      2 sub      text, pseudonymous subject id (ASCII, <= 22 chars; the Django layer makes it)
      4 exp      uint, POSIX seconds
      6 iat      uint, POSIX seconds; 0 < exp - iat <= 86400
      7 cti      bstr, the pass id, 16 random bytes
      -65537     uint colour: 1 green, 2 yellow, 3 red
      -65538     text rule-set id, e.g. "default@3" (<= 18 UTF-8 bytes)

  The colour and rule-set claims use the CWT registry's private-use range (< -65536).
* signature: Ed25519 over ``Sig_structure = ["Signature1", protected, h'', payload]``.

The text form is ``"LL1:" + base45(COSE_Sign1)`` (RFC 9285). Every character is in the QR
alphanumeric set, so a pass with the longest allowed subject and rule set (170 bytes of
COSE, 259 characters) fits a version 11 QR code at error correction level Q. Anything
longer is refused at issue. A new pass is issued whenever the colour changes, and the
previous one is revoked (the caller adds its :func:`revocation_id` to the trust list).

The envelope is parsed strictly by hand (definite, shortest-form lengths; no trailing
bytes), the two inner maps by ``cbor2``. Verification order: trust-list freshness, prefix,
base45, envelope and header, key id, signature, payload, issuer-key validity at ``iat``,
lifetime, not-yet-valid (:data:`CLOCK_LEEWAY` allowed), expiry, revocation. The first
failure names the reason; :func:`verify_pass` never raises on any input string.

**The trust list** is a JSON document, binary fields in unpadded base64url, times in
integer POSIX seconds::

    {"format": "linli-trust-list/1", "version": 7, "issued_at": 1767225600,
     "root": {"kid": B64U(8), "alg": "EdDSA", "public_key": B64U(32)},
     "issuers": [{"kid": B64U(8), "alg": "EdDSA", "public_key": B64U(32), "name": "…",
                  "valid_from": 1767225600, "valid_to": 1798761600}, …],
     "revoked": [B64U(16), …],
     "signature": B64U(64)}

``signature`` is the root key's Ed25519 signature over :func:`trust_list_signed_bytes`:
the UTF-8 of the document *without* its ``signature`` member serialised with sorted keys,
no whitespace and non-ASCII characters left as they are — Python's
``json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, which for
these documents (ASCII keys, integers below 2**53, no floats) equals RFC 8785 and the
JavaScript ``canonical`` function in the decision record. Loading refuses floats,
non-ASCII keys and larger integers, so both sides always agree on the bytes. Issuer
entries with another ``alg`` are skipped (room for ES256 later); a list older than
``max_age_seconds`` is refused. ``revoked`` holds ``SHA-256(pass id)[:16]``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, TypedDict

import cbor2
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX: Final = "LL1:"
TRUST_LIST_FORMAT: Final = "linli-trust-list/1"
ALG_EDDSA: Final = -8
KID_LEN: Final = 8
PASS_ID_LEN: Final = 16
REVOCATION_ID_LEN: Final = 16
MAX_LIFETIME: Final = 86_400
CLOCK_LEEWAY: Final = 300  # seconds a pass may appear issued in the future (gate clocks drift)
MAX_SUBJECT_LEN: Final = 22
MAX_RULE_SET_BYTES: Final = 18
MAX_QR_VERSION: Final = 11
MAX_CODE_CHARS: Final = 1024  # longer input is refused before decoding
_MAX_TIME: Final = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second datetime can hold

CLAIM_SUB: Final = 2
CLAIM_EXP: Final = 4
CLAIM_IAT: Final = 6
CLAIM_CTI: Final = 7
CLAIM_COLOUR: Final = -65537
CLAIM_RULE_SET: Final = -65538
_CLAIM_KEYS: Final = frozenset(
    (CLAIM_SUB, CLAIM_EXP, CLAIM_IAT, CLAIM_CTI, CLAIM_COLOUR, CLAIM_RULE_SET)
)

COLOURS: Final = ("green", "yellow", "red")
_COLOUR_CODE: Final = {name: code for code, name in enumerate(COLOURS, start=1)}
_COLOUR_NAME: Final = {code: name for name, code in _COLOUR_CODE.items()}

# Plain words for the gate, which shows them large: (Chinese, English) for each reason code.
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "ok": ("通行证有效", "The pass is valid"),
    "format": ("这不是邻里通行证", "This is not a Linli pass"),
    "encoding": ("通行证已损坏，无法读取", "The pass is damaged and cannot be read"),
    "unknown_key": ("签发单位不在信任名单上", "The pass was not issued by a trusted office"),
    "signature": (
        "通行证签名不符，可能被改动过",
        "The pass signature does not match; it may have been altered",
    ),
    "expired": ("通行证已过期，请重新领取", "The pass has expired; please get a new one"),
    "not_yet_valid": (
        "通行证尚未生效，请核对本机时间",
        "The pass is not valid yet; check this device's clock",
    ),
    "lifetime": (
        "通行证有效期超过24小时，不予认可",
        "The pass is valid for more than 24 hours, which is not allowed",
    ),
    "revoked": ("通行证已作废，请重新领取", "The pass has been withdrawn; please get a new one"),
    "trust_list_stale": (
        "信任名单已过期或本机时间不对，请更新",
        "The trust list is out of date (or this device's clock is wrong); download a new one",
    ),
    "trust_list_invalid": (
        "信任名单无效，请重新下载",
        "The trust list is not genuine or is damaged; download it again",
    ),
}
REASONS: Final = frozenset(MESSAGES)

Instant = datetime | int
"""An aware datetime or integer POSIX seconds."""


def _epoch(value: Instant) -> int:
    if type(value) is int:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime is ambiguous; give an aware one")
        return int(value.timestamp())
    raise TypeError(f"expected an aware datetime or int seconds, got {type(value).__name__}")


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# --- base45 (RFC 9285) --------------------------------------------------------------------

_B45: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE: Final = bytes(_B45.find(chr(i)) if chr(i) in _B45 else 255 for i in range(256))


def b45encode(data: bytes) -> str:
    """Base45 text of ``data`` (RFC 9285 section 4)."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        e, rest = divmod(data[i] << 8 | data[i + 1], 45 * 45)
        d, c = divmod(rest, 45)
        out += (_B45[c], _B45[d], _B45[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (_B45[c], _B45[d])
    return "".join(out)


@lru_cache(maxsize=64)
def _b45_masks(groups: int) -> tuple[int, int]:
    """Masks over ``groups`` 24-bit lanes: the low byte of each, and its high byte."""
    low = ((1 << 24 * groups) - 1) // 0xFFFFFF * 0xFF
    return low, low << 16


def b45decode(text: str) -> bytes:
    """Bytes of base45 ``text``; ValueError for anything RFC 9285 does not allow."""
    try:
        digits = text.encode("ascii").translate(_B45_VALUE)
    except UnicodeEncodeError:
        raise ValueError("not base45") from None
    if 255 in digits or len(digits) % 3 == 1:
        raise ValueError("not base45")
    tail = len(digits) % 3
    full = len(digits) - tail
    out = b""
    if full:
        # Each group of three digits c, d, e is the 16-bit number c + 45*d + 45*45*e. All
        # groups at once: read as one big integer, each group is a 24-bit lane c·d·e, and
        # the sum stays inside its lane (at most 91,124), so big-integer arithmetic in C
        # does the work of a Python loop over the groups.
        low, high = _b45_masks(full // 3)
        lanes = int.from_bytes(digits[:full], "big")
        values = (lanes >> 16 & low) + 45 * (lanes >> 8 & low) + 2025 * (lanes & low)
        if values & high:  # a group above 0xFFFF
            raise ValueError("not base45")
        packed = bytearray(values.to_bytes(full, "big"))
        del packed[0::3]  # the empty top byte of each lane
        out = bytes(packed)
    if tail:
        last = digits[-2] + 45 * digits[-1]
        if last > 0xFF:
            raise ValueError("not base45")
        out += bytes((last,))
    return out


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64U_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _b64u_decode(text: object, length: int) -> bytes:
    """Strict unpadded base64url of exactly ``length`` bytes, else TrustListError."""
    if not isinstance(text, str) or not _B64U_CHARS.issuperset(text) or len(text) % 4 == 1:
        raise TrustListError("trust_list_invalid", "a binary field is not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TrustListError("trust_list_invalid", "a binary field is not base64url") from None
    if len(raw) != length:
        raise TrustListError("trust_list_invalid", f"a binary field is not {length} bytes long")
    return raw


# --- keys ---------------------------------------------------------------------------------


def key_id(public_raw: bytes) -> bytes:
    """The default key id: the first 8 bytes of SHA-256 over the raw public key."""
    return hashlib.sha256(public_raw).digest()[:KID_LEN]


def public_key_to_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_raw(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True, slots=True)
class IssuerKey:
    """A signing key (an issuing office's, or the root's) with its key id and display name."""

    kid: bytes
    private_key: Ed25519PrivateKey = field(repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.kid, bytes) or len(self.kid) != KID_LEN:
            raise ValueError(f"a key id is {KID_LEN} bytes")

    @classmethod
    def from_raw(cls, kid: bytes, private_raw: bytes, name: str = "") -> IssuerKey:
        """Rebuild a key from its 32-byte raw private key (as stored, encrypted, by Django)."""
        return cls(kid, Ed25519PrivateKey.from_private_bytes(private_raw), name)

    @property
    def private_raw(self) -> bytes:
        raw = serialization.Encoding.Raw, serialization.PrivateFormat.Raw
        return self.private_key.private_bytes(*raw, serialization.NoEncryption())

    @property
    def public_raw(self) -> bytes:
        return public_key_to_raw(self.private_key.public_key())


def generate_key(kid: bytes | None = None, name: str = "") -> tuple[IssuerKey, bytes]:
    """A new Ed25519 key: ``(private IssuerKey, raw 32-byte public key)``.

    Without ``kid`` the key id is :func:`key_id` of the public key.
    """
    private = Ed25519PrivateKey.generate()
    public = public_key_to_raw(private.public_key())
    return IssuerKey(key_id(public) if kid is None else kid, private, name), public


# --- passes -------------------------------------------------------------------------------

_SIG1_CONTEXT: Final = b"\x84\x6aSignature1"  # array(4), text(10) "Signature1"


def _bstr_head(length: int) -> bytes:
    if length < 24:
        return bytes((0x40 | length,))
    if length < 0x100:
        return bytes((0x58, length))
    return bytes((0x59,)) + length.to_bytes(2, "big")


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 section 4.4 Sig_structure with empty external_aad."""
    protected_bstr = _bstr_head(len(protected)) + protected
    payload_bstr = _bstr_head(len(payload)) + payload
    return b"".join((_SIG1_CONTEXT, protected_bstr, b"\x40", payload_bstr))


def revocation_id(pass_id: bytes) -> bytes:
    """What the trust list publishes for a revoked pass: SHA-256(pass id)[:16]."""
    return hashlib.sha256(pass_id).digest()[:REVOCATION_ID_LEN]


def issue_pass(
    issuer: IssuerKey,
    subject: str,
    colour: str,
    rule_set: str,
    issued_at: Instant,
    ttl_seconds: int = MAX_LIFETIME,
    pass_id: bytes | None = None,
) -> str:
    """Sign a pass and return its text form ``"LL1:" + base45``.

    Give ``pass_id`` (16 random bytes, ``secrets.token_bytes(16)``) when the pass may have
    to be revoked later; otherwise a random one is used.
    """
    if colour not in _COLOUR_CODE:
        raise ValueError(f"colour must be one of {', '.join(COLOURS)}")
    if not (subject.isascii() and subject.isprintable() and 0 < len(subject) <= MAX_SUBJECT_LEN):
        raise ValueError(f"subject must be 1 to {MAX_SUBJECT_LEN} printable ASCII characters")
    if not 0 < len(rule_set.encode("utf-8")) <= MAX_RULE_SET_BYTES:
        raise ValueError(f"rule set id must be 1 to {MAX_RULE_SET_BYTES} bytes of UTF-8")
    if not 0 < ttl_seconds <= MAX_LIFETIME:
        raise ValueError(f"a pass lives 1 to {MAX_LIFETIME} seconds (24 hours)")
    pass_id = secrets.token_bytes(PASS_ID_LEN) if pass_id is None else pass_id
    if len(pass_id) != PASS_ID_LEN:
        raise ValueError(f"a pass id is {PASS_ID_LEN} bytes")
    iat = _epoch(issued_at)
    if iat < 0:
        raise ValueError("issued_at is before 1970")
    claims = {
        CLAIM_SUB: subject,
        CLAIM_EXP: iat + ttl_seconds,
        CLAIM_IAT: iat,
        CLAIM_CTI: pass_id,
        CLAIM_COLOUR: _COLOUR_CODE[colour],
        CLAIM_RULE_SET: rule_set,
    }
    protected = cbor2.dumps({1: ALG_EDDSA, 4: issuer.kid}, canonical=True)
    payload = cbor2.dumps(claims, canonical=True)
    signature = issuer.private_key.sign(_sig_structure(protected, payload))
    message = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    return PREFIX + b45encode(message)


def qr_code(code: str) -> segno.QRCode:
    """The QR code of a pass: error correction level Q, alphanumeric mode."""
    return segno.make_qr(code, error="q", mode="alphanumeric", boost_error=False)


def qr_version(code: str) -> int:
    return int(qr_code(code).version)


def qr_svg(code: str, scale: int = 4, border: int = 4) -> str:
    """Inline SVG (no XML declaration) for the phone page or the printed paper pass."""
    return str(qr_code(code).svg_inline(scale=scale, border=border))


# --- trust list ---------------------------------------------------------------------------


class TrustListError(ValueError):
    """A trust list that cannot be used; ``reason`` is a :data:`MESSAGES` key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class IssuerRecord(TypedDict):
    """An issuing office's key as :func:`make_trust_list` takes it."""

    kid: bytes
    public_key: bytes
    name: str
    valid_from: Instant
    valid_to: Instant


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    kid: bytes
    name: str
    public_key: Ed25519PublicKey = field(repr=False)
    valid_from: int
    valid_to: int


@dataclass(frozen=True, slots=True)
class TrustList:
    """A verified trust list, with its keys loaded once for fast verification."""

    version: int
    issued_at: int
    expires_at: int  # issued_at + max_age_seconds: verify_pass refuses to use it after this
    root_kid: bytes
    root_public: bytes
    pinned: bool  # False when verified only against the root key embedded in the document
    issuers: dict[bytes, TrustedIssuer]
    revoked: frozenset[bytes]

    def is_revoked(self, pass_id: bytes) -> bool:
        return revocation_id(pass_id) in self.revoked


_MAX_SAFE_INT: Final = 2**53 - 1


def _check_portable(value: object) -> None:
    """Refuse JSON that JavaScript would serialise differently (see the module docstring)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise TrustListError("trust_list_invalid", "object keys must be ASCII text")
            _check_portable(item)
    elif isinstance(value, list):
        for item in value:
            _check_portable(item)
    elif isinstance(value, int) and not isinstance(value, bool):
        if not -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
            raise TrustListError("trust_list_invalid", "integers must be below 2**53")
    elif not (value is None or isinstance(value, bool | str)):
        raise TrustListError("trust_list_invalid", f"{type(value).__name__} is not allowed")


def trust_list_signed_bytes(doc: Mapping[str, Any]) -> bytes:
    """The bytes the root key signs: canonical JSON of ``doc`` without ``signature``."""
    body = {key: value for key, value in doc.items() if key != "signature"}
    try:
        _check_portable(body)
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\\ud800"-style escapes
        raise TrustListError("trust_list_invalid", "text is not valid Unicode") from None
    except RecursionError:
        raise TrustListError("trust_list_invalid", "the document is nested too deeply") from None


def make_trust_list(
    root: IssuerKey,
    issuers: Iterable[IssuerRecord],
    revoked: Iterable[bytes],
    issued_at: Instant,
    version: int,
) -> dict[str, Any]:
    """The signed trust list, ready for ``json.dumps``; ``revoked`` holds revocation ids."""
    entries = []
    for issuer in issuers:
        if len(issuer["kid"]) != KID_LEN or len(issuer["public_key"]) != 32:
            raise ValueError("an issuer needs an 8-byte kid and a 32-byte Ed25519 public key")
        entries.append({
            "kid": _b64u(issuer["kid"]),
            "alg": "EdDSA",
            "public_key": _b64u(issuer["public_key"]),
            "name": issuer["name"],
            "valid_from": _epoch(issuer["valid_from"]),
            "valid_to": _epoch(issuer["valid_to"]),
        })
    revoked_ids = sorted(set(revoked))
    if any(len(item) != REVOCATION_ID_LEN for item in revoked_ids):
        raise ValueError("revoked entries are revocation_id() values, 16 bytes each")
    doc: dict[str, Any] = {
        "format": TRUST_LIST_FORMAT,
        "version": version,
        "issued_at": _epoch(issued_at),
        "root": {"kid": _b64u(root.kid), "alg": "EdDSA", "public_key": _b64u(root.public_raw)},
        "issuers": entries,
        "revoked": [_b64u(item) for item in revoked_ids],
    }
    doc["signature"] = _b64u(root.private_key.sign(trust_list_signed_bytes(doc)))
    return doc


def _field(doc: Mapping[str, Any], name: str, kind: type) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TrustListError("trust_list_invalid", f"{name!r} is missing or not {kind.__name__}")
    return value


def _load_issuers(entries: list[Any]) -> dict[bytes, TrustedIssuer]:
    issuers: dict[bytes, TrustedIssuer] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise TrustListError("trust_list_invalid", "an issuer entry is not an object")
        if _field(entry, "alg", str) != "EdDSA":
            continue  # a newer algorithm this verifier does not know: its passes stay unknown
        kid = _b64u_decode(entry.get("kid"), KID_LEN)
        if kid in issuers:
            raise TrustListError("trust_list_invalid", "two issuer entries share a key id")
        try:
            public = public_key_from_raw(_b64u_decode(entry.get("public_key"), 32))
        except ValueError as error:
            raise TrustListError("trust_list_invalid", f"bad issuer public key: {error}") from None
        issuers[kid] = TrustedIssuer(
            kid, _field(entry, "name", str), public,
            _field(entry, "valid_from", int), _field(entry, "valid_to", int),
        )
    return issuers


def load_trust_list(
    doc: Any, root_public: bytes | None, now: Instant, max_age_seconds: int = MAX_LIFETIME
) -> TrustList:
    """Verify a trust list document and build its lookup tables.

    With ``root_public`` (32 raw bytes, pinned in the gate's configuration) the list must be
    signed by that key; without it the root key embedded in the document is used and the
    result is marked ``pinned=False`` (it then proves integrity, not authenticity). Raises
    :class:`TrustListError` with reason ``trust_list_invalid`` or ``trust_list_stale``.
    """
    if not isinstance(doc, dict):
        raise TrustListError("trust_list_invalid", "the trust list is not a JSON object")
    if doc.get("format") != TRUST_LIST_FORMAT:
        raise TrustListError("trust_list_invalid", f"format is not {TRUST_LIST_FORMAT!r}")
    root = _field(doc, "root", dict)
    if root.get("alg") != "EdDSA":
        raise TrustListError("trust_list_invalid", "the root key is not EdDSA")
    root_kid = _b64u_decode(root.get("kid"), KID_LEN)
    embedded = _b64u_decode(root.get("public_key"), 32)
    if root_public is not None and embedded != root_public:
        raise TrustListError("trust_list_invalid", "signed by another root key")
    signature = _b64u_decode(doc.get("signature"), 64)
    try:
        public_key_from_raw(embedded).verify(signature, trust_list_signed_bytes(doc))
    except (InvalidSignature, ValueError):
        raise TrustListError("trust_list_invalid", "the root signature does not verify") from None

    issued_at = _field(doc, "issued_at", int)
    current = _epoch(now)
    if current - issued_at > max_age_seconds:
        raise TrustListError("trust_list_stale", f"issued {current - issued_at} s ago")
    if issued_at - current > CLOCK_LEEWAY:
        raise TrustListError("trust_list_stale", "issued in the future: check the clock")
    revoked = frozenset(
        _b64u_decode(item, REVOCATION_ID_LEN) for item in _field(doc, "revoked", list)
    )
    return TrustList(
        version=_field(doc, "version", int),
        issued_at=issued_at,
        expires_at=issued_at + max_age_seconds,
        root_kid=root_kid,
        root_public=embedded,
        pinned=root_public is not None,
        issuers=_load_issuers(_field(doc, "issuers", list)),
        revoked=revoked,
    )


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of checking one pass.

    ``colour`` is set only for a valid pass. ``subject``, ``rule_set``, ``expires_at`` and
    ``issuer`` are set whenever the signature verified (so the gate can say *when* a pass
    expired), and are None otherwise.
    """

    valid: bool
    reason: str
    colour: str | None = None
    subject: str | None = None
    rule_set: str | None = None
    expires_at: datetime | None = None
    issuer: str | None = None

    @property
    def message_zh(self) -> str:
        return MESSAGES[self.reason][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.reason][1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "colour": self.colour,
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "subject": self.subject,
            "rule_set": self.rule_set,
            "issuer": self.issuer,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


_REJECT: Final = {reason: Verdict(False, reason) for reason in REASONS if reason != "ok"}


def _bstr_at(data: bytes, pos: int) -> tuple[int, int] | None:
    """``(start, end)`` of the byte string whose head is at ``pos``, in shortest form only."""
    head = data[pos] if pos < len(data) else 0
    if 0x40 <= head < 0x58:
        start, length = pos + 1, head - 0x40
    elif head == 0x58 and pos + 1 < len(data) and data[pos + 1] >= 24:
        start, length = pos + 2, data[pos + 1]
    elif head == 0x59 and pos + 2 < len(data) and data[pos + 1] > 0:
        start, length = pos + 3, data[pos + 1] << 8 | data[pos + 2]
    else:
        return None
    return (start, start + length) if start + length <= len(data) else None


def _parse_sign1(data: bytes) -> tuple[bytes, bytes, bytes, bytes] | None:
    """``(protected, payload, signature, to-be-signed)`` of a tagged COSE_Sign1, or None.

    Only the shape :func:`issue_pass` writes is accepted: tag 18, array(4), shortest-form
    byte-string lengths, an empty unprotected map, a 64-byte signature, no trailing bytes.
    """
    if data[:2] != b"\xd2\x84":
        return None
    protected = _bstr_at(data, 2)
    if protected is None or data[protected[1] : protected[1] + 1] != b"\xa0":
        return None
    payload_head = protected[1] + 1
    payload = _bstr_at(data, payload_head)
    if payload is None or data[payload[1] : payload[1] + 2] != b"\x58\x40":
        return None
    if len(data) != payload[1] + 66:
        return None
    # The heads are in shortest form, so Sig_structure reuses the bytes as they came.
    to_be_signed = b"".join(
        (_SIG1_CONTEXT, data[2 : protected[1]], b"\x40", data[payload_head : payload[1]])
    )
    return (
        data[protected[0] : protected[1]],
        data[payload[0] : payload[1]],
        data[payload[1] + 2 :],
        to_be_signed,
    )


# After the subject: exp and iat as 4-byte uints, the 16-byte cti, the colour (a uint below
# 24) and the head of the rule set's key, in the order canonical CBOR sorts the keys.
_CLAIMS_MIDDLE: Final = struct.Struct(">2sI2sI2s16s5sB5sB")
_CLAIMS_MIDDLE_KEYS: Final = (b"\x04\x1a", b"\x06\x1a", b"\x07\x50", b"\x3a\x00\x01\x00\x00",
                              b"\x3a\x00\x01\x00\x01")


def _claims(payload: bytes) -> tuple[str, int, int, bytes, int, str] | None:
    """The six claims of a pass's payload, checked, or None.

    A payload in the exact shape :func:`issue_pass` writes is read with one ``struct``
    call; any other (a longer integer encoding, say) goes through ``cbor2``, so both ways
    accept and return the same things.
    """
    if payload[:2] == b"\xa6\x02" and len(payload) > 3 and 0x60 <= payload[2] < 0x78:
        start = 3 + payload[2] - 0x60
        end = start + _CLAIMS_MIDDLE.size
        if len(payload) > end:
            k_exp, exp, k_iat, iat, k_cti, cti, k_colour, colour, k_rule, rule_head = \
                _CLAIMS_MIDDLE.unpack_from(payload, start)
            if (k_exp, k_iat, k_cti, k_colour, k_rule) == _CLAIMS_MIDDLE_KEYS and colour < 24 \
                    and 0x60 <= rule_head < 0x78 and len(payload) == end + rule_head - 0x60:
                try:
                    sub, rule_set = payload[3:start].decode(), payload[end:].decode()
                except UnicodeDecodeError:
                    return None  # cbor2 refuses text that is not UTF-8 too
                if colour not in _COLOUR_NAME or not 0 <= iat <= _MAX_TIME or not 0 <= exp <= _MAX_TIME:
                    return None
                return sub, exp, iat, cti, colour, rule_set
    return _claims_cbor(payload)


def _claims_cbor(payload: bytes) -> tuple[str, int, int, bytes, int, str] | None:
    try:
        claims = cbor2.loads(payload)
    except Exception:  # cbor2 raises several types on malformed input; all mean "encoding"
        return None
    if type(claims) is not dict or claims.keys() != _CLAIM_KEYS:
        return None
    sub, exp, iat = claims[CLAIM_SUB], claims[CLAIM_EXP], claims[CLAIM_IAT]
    cti, colour, rule_set = claims[CLAIM_CTI], claims[CLAIM_COLOUR], claims[CLAIM_RULE_SET]
    if (
        type(sub) is not str or type(exp) is not int or type(iat) is not int
        or type(cti) is not bytes or type(colour) is not int or type(rule_set) is not str
        or colour not in _COLOUR_NAME or not 0 <= iat <= _MAX_TIME or not 0 <= exp <= _MAX_TIME
    ):
        return None
    return sub, exp, iat, cti, colour, rule_set


# The protected header {1: -8, 4: h'<8 bytes>'} as issue_pass encodes it, up to the key id.
_PROTECTED_HEAD: Final = b"\xa2\x01\x27\x04\x48"


def verify_pass(code: str, trust: TrustList, now: Instant) -> Verdict:
    """Check a scanned pass offline. Never raises for any ``code``."""
    current = _epoch(now)
    if current >= trust.expires_at or trust.issued_at - current > CLOCK_LEEWAY:
        return _REJECT["trust_list_stale"]
    if not isinstance(code, str):
        return _REJECT["format"]
    # Scanners append line ends, pasted text brings spaces. Stripping cannot eat base45: its
    # last character is a group's most significant digit, never the space (value 36).
    code = code.strip()
    if not code.startswith(PREFIX):
        return _REJECT["format"]
    if len(code) > MAX_CODE_CHARS:
        return _REJECT["encoding"]
    try:
        parsed = _parse_sign1(b45decode(code[len(PREFIX) :]))
    except ValueError:
        return _REJECT["encoding"]
    if parsed is None:
        return _REJECT["encoding"]
    protected, payload, signature, to_be_signed = parsed
    if len(protected) == 13 and protected.startswith(_PROTECTED_HEAD):
        kid, alg = protected[5:], ALG_EDDSA  # what issue_pass writes, read without cbor2
    else:
        try:
            header = cbor2.loads(protected)
        except Exception:
            return _REJECT["encoding"]
        if type(header) is not dict or header.keys() != {1, 4}:
            return _REJECT["encoding"]
        kid, alg = header[4], header[1]
        if type(kid) is not bytes or type(alg) is not int:
            return _REJECT["encoding"]
    issuer = trust.issuers.get(kid)
    if issuer is None:
        return _REJECT["unknown_key"]
    if alg != ALG_EDDSA:  # the header claims an algorithm this issuer's key does not use
        return _REJECT["signature"]
    try:
        issuer.public_key.verify(signature, to_be_signed)
    except InvalidSignature:
        return _REJECT["signature"]

    claims = _claims(payload)
    if claims is None:
        return _REJECT["encoding"]
    subject, exp, iat, pass_id, colour, rule_set = claims
    if not issuer.valid_from <= iat <= issuer.valid_to:
        reason = "unknown_key"  # the key was not (or no longer) trusted when this was signed
    elif not 0 < exp - iat <= MAX_LIFETIME:
        reason = "lifetime"
    elif iat > current + CLOCK_LEEWAY:
        reason = "not_yet_valid"
    elif current >= exp:
        reason = "expired"
    elif hashlib.sha256(pass_id).digest()[:REVOCATION_ID_LEN] in trust.revoked:
        reason = "revoked"
    else:
        return Verdict(
            True, "ok", _COLOUR_NAME[colour], subject, rule_set, _utc(exp), issuer.name
        )
    return Verdict(False, reason, None, subject, rule_set, _utc(exp), issuer.name)


UNPINNED: Final = (
    "信任名单未与固定的根公钥核对（缺少 --root-key），不能据此判定通行证有效",
    "The trust list was not checked against a pinned root key (no --root-key): anyone could have signed "
    "it, so no pass is called valid by it",
)


def verify_cli(
    code: str, trust_list_path: str, root_public: bytes | None, now: Instant, *, allow_unpinned: bool = False
) -> tuple[dict[str, Any], int]:
    """The JSON verdict of ``linli health verify CODE`` and its exit status.

    Exit status 0 for a valid pass, 1 for a pass that is not valid, 2 when the trust list
    cannot be used (missing, damaged, wrongly signed or stale). Without a pinned root key a
    trust list proves nothing (whoever made it signed it with the key it carries), so a pass
    is never called valid by it unless ``allow_unpinned``: reason ``trust_list_unpinned``,
    status 2. Refusals stand either way (calling a pass invalid is the safe mistake).
    """
    pinned = root_public is not None
    try:
        with open(trust_list_path, encoding="utf-8") as handle:
            doc = json.load(handle)
        trust = load_trust_list(doc, root_public, now)
    except TrustListError as error:
        verdict, status, version = Verdict(False, error.reason), 2, None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        verdict, status, version = Verdict(False, "trust_list_invalid"), 2, None
    else:
        verdict, version = verify_pass(code, trust, now), trust.version
        status = 0 if verdict.valid else (2 if verdict.reason == "trust_list_stale" else 1)
    result = {**verdict.as_dict(), "trust_list_pinned": pinned, "trust_list_version": version}
    if verdict.valid and not pinned and not allow_unpinned:
        result.update(valid=False, reason="trust_list_unpinned", colour=None, message_zh=UNPINNED[0],
                      message_en=UNPINNED[1])
        status = 2
    return result, status
