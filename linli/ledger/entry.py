"""Canonical encoding of ledger entries: the leaves of the transparency log.

Pure Python (standard library plus :mod:`linli.ledger.note` for Ed25519, no
Django). An entry body says *who* (``submitter``, ``submitter_key_id``)
claims *what* (``entry_type`` about ``subject_ref``, committing to a salted
hash of the payload) *when* (``claimed_at``), and which earlier entries it
``references`` (for example the entry a correction corrects). The payload
itself never enters the log: only ``SHA-256(salt || payload)`` does, so that
erasing the salt makes the commitment unlinkable to the payload.

Wire format, version 1 (all integers big-endian, every field in this order,
nothing optional, nothing after the last field)::

    u8      version = 0x01
    u16     len(entry_type)  || entry_type   ASCII [a-z0-9_], 1..64 bytes
    u16     len(subject_ref) || subject_ref  UTF-8, 0..128 bytes
    u64     claimed_at                       Unix milliseconds, UTC, < 2**63
    u8[32]  payload_hash                     SHA-256(salt || payload)
    u16     count            || count * u64  references, <= 64, each < 2**63
    u8[4]   submitter_key_id                 c2sp signed-note key ID
    u16     len(submitter)   || submitter    UTF-8, 1..128 bytes

Every string is length-prefixed and every other field has a fixed width, so
the encoding is unambiguous and :func:`decode` is its exact inverse; values
are validated on construction, so :func:`encode` is a total function on
:class:`EntryBody` objects and deterministic (equal bodies give equal bytes).
Strings are encoded as given, without Unicode normalisation.

The submitter signs :func:`signed_message` -- the domain-separation prefix
``b"linli-ledger-entry/v1\\n"`` followed by the encoding -- with a
:class:`~linli.ledger.note.Signer` whose key ID is ``submitter_key_id``.
The Merkle leaf is :func:`leaf_data`: the encoding followed by the 64-byte
Ed25519 signature (hash it with :func:`linli.ledger.merkle.leaf_hash`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .note import ED25519_SIGNATURE_SIZE, KEY_ID_SIZE, BytesLike, Signer, Verifier

__all__ = [
    "DOMAIN_PREFIX",
    "INT_LIMIT",
    "MAX_ENCODED_SIZE",
    "MAX_ENTRY_TYPE_BYTES",
    "MAX_REFERENCES",
    "MAX_SUBJECT_REF_BYTES",
    "MAX_SUBMITTER_BYTES",
    "PAYLOAD_HASH_SIZE",
    "SALT_SIZE",
    "VERSION",
    "BodyTemplate",
    "EntryBody",
    "EntryError",
    "decode",
    "encode",
    "leaf_data",
    "new_salt",
    "parse_leaf_data",
    "salted_payload_hash",
    "sign_entry",
    "sign_encoded",
    "signed_message",
    "verify_encoded",
    "verify_entry",
]

#: The encoding version byte.
VERSION: Final = 0x01
#: Domain separation for entry signatures, so that an entry signature can
#: never be replayed as a note or checkpoint signature, nor the reverse.
DOMAIN_PREFIX: Final = b"linli-ledger-entry/v1\n"

MAX_ENTRY_TYPE_BYTES: Final = 64
MAX_SUBJECT_REF_BYTES: Final = 128
MAX_SUBMITTER_BYTES: Final = 128
MAX_REFERENCES: Final = 64
#: Exclusive upper bound of ``claimed_at`` and of references: they must fit
#: a signed 64-bit integer (PostgreSQL ``bigint``), although encoded unsigned.
INT_LIMIT: Final = 2**63
PAYLOAD_HASH_SIZE: Final = 32
#: Size of the salts made by :func:`new_salt`.
SALT_SIZE: Final = 32

#: Largest possible encoding (1 + 66 + 130 + 8 + 32 + 2 + 512 + 4 + 130 bytes).
MAX_ENCODED_SIZE: Final = (
    1
    + 2
    + MAX_ENTRY_TYPE_BYTES
    + 2
    + MAX_SUBJECT_REF_BYTES
    + 8
    + PAYLOAD_HASH_SIZE
    + 2
    + 8 * MAX_REFERENCES
    + KEY_ID_SIZE
    + 2
    + MAX_SUBMITTER_BYTES
)

_ENTRY_TYPE = re.compile(r"[a-z0-9_]{1,64}")
# C0 controls and DEL: refused in free-text fields (they have no business in
# an identifier and make logs and audit reports misleading).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BYTES_LIKE = (bytes, bytearray, memoryview)
_U16 = struct.Struct(">H")
_U64 = struct.Struct(">Q")


class EntryError(ValueError):
    """An entry body, its encoding, a salt or a signature is invalid."""


def _require_bytes(value: object, what: str, size: int) -> bytes:
    if not isinstance(value, _BYTES_LIKE):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    value = bytes(value)
    if len(value) != size:
        raise EntryError(f"{what} must be {size} bytes, got {len(value)}")
    return value


def _require_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value < INT_LIMIT:
        raise EntryError(f"{what} must be in [0, 2**63), got {value}")
    return int(value)


def _text_bytes(value: object, what: str, max_bytes: int, *, allow_empty: bool) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        raise EntryError(f"{what} is not valid Unicode text") from None
    if not raw and not allow_empty:
        raise EntryError(f"{what} must not be empty")
    if len(raw) > max_bytes:
        raise EntryError(f"{what} is {len(raw)} bytes of UTF-8, at most {max_bytes} allowed")
    if _CONTROL.search(value):
        raise EntryError(f"{what} must not contain control characters")
    return raw


@dataclass(frozen=True, slots=True)
class EntryBody:
    """The signed content of one ledger entry (validated on construction).

    * ``entry_type``: 1-64 characters of ASCII ``[a-z0-9_]``;
    * ``subject_ref``: what the entry is about, at most 128 bytes of UTF-8
      (may be empty), no control characters;
    * ``claimed_at``: when the submitter says it happened, Unix milliseconds
      UTC, ``0 <= claimed_at < 2**63``;
    * ``payload_hash``: 32 bytes, :func:`salted_payload_hash` of the payload;
    * ``references``: indexes of earlier log entries, at most 64, each
      ``< 2**63``, no duplicates; order is kept (and signed);
    * ``submitter_key_id``: the 4-byte signed-note key ID of the submitter's
      key (:attr:`linli.ledger.note.Signer.key_id`);
    * ``submitter``: the submitting party's name, 1-128 bytes of UTF-8, no
      control characters.

    Invalid values raise :class:`EntryError`, values of the wrong type
    :class:`TypeError`. ``bytearray``/``memoryview`` and lists are accepted
    and stored as ``bytes``/tuples.
    """

    entry_type: str
    subject_ref: str
    claimed_at: int
    payload_hash: bytes
    references: tuple[int, ...]
    submitter_key_id: bytes
    submitter: str

    def __post_init__(self) -> None:
        if not isinstance(self.entry_type, str):
            raise TypeError(f"entry_type must be a str, not {type(self.entry_type).__name__}")
        if not _ENTRY_TYPE.fullmatch(self.entry_type):
            raise EntryError(
                f"entry_type {self.entry_type!r} must be 1-{MAX_ENTRY_TYPE_BYTES} "
                "characters of [a-z0-9_]"
            )
        _text_bytes(self.subject_ref, "subject_ref", MAX_SUBJECT_REF_BYTES, allow_empty=True)
        _require_int(self.claimed_at, "claimed_at")
        payload_hash = _require_bytes(self.payload_hash, "payload_hash", PAYLOAD_HASH_SIZE)
        refs = self.references
        if isinstance(refs, (str, *_BYTES_LIKE)) or not isinstance(refs, Iterable):
            raise TypeError("references must be a tuple of ints")
        refs = tuple(refs)
        if len(refs) > MAX_REFERENCES:
            raise EntryError(f"at most {MAX_REFERENCES} references allowed, got {len(refs)}")
        refs = tuple(_require_int(r, "reference") for r in refs)
        if len(set(refs)) != len(refs):
            raise EntryError("references must not contain duplicates")
        key_id = _require_bytes(self.submitter_key_id, "submitter_key_id", KEY_ID_SIZE)
        _text_bytes(self.submitter, "submitter", MAX_SUBMITTER_BYTES, allow_empty=False)
        object.__setattr__(self, "payload_hash", payload_hash)
        object.__setattr__(self, "references", refs)
        object.__setattr__(self, "submitter_key_id", key_id)


def encode(body: EntryBody) -> bytes:
    """The canonical version-1 encoding of ``body`` (see the module docstring)."""
    if not isinstance(body, EntryBody):
        raise TypeError(f"expected an EntryBody, not {type(body).__name__}")
    entry_type = body.entry_type.encode("ascii")
    subject = body.subject_ref.encode("utf-8")
    submitter = body.submitter.encode("utf-8")
    refs = body.references
    return b"".join(
        (
            bytes((VERSION,)),
            _U16.pack(len(entry_type)),
            entry_type,
            _U16.pack(len(subject)),
            subject,
            _U64.pack(body.claimed_at),
            body.payload_hash,
            _U16.pack(len(refs)),
            struct.pack(f">{len(refs)}Q", *refs),
            body.submitter_key_id,
            _U16.pack(len(submitter)),
            submitter,
        )
    )


class BodyTemplate:
    """Encodings of many bodies that share everything but ``subject_ref`` and
    ``payload_hash`` (a batch from one submitter, of one type, at one time).

    :meth:`encode` returns exactly ``encode(EntryBody(entry_type, subject_ref,
    claimed_at, payload_hash, references, submitter_key_id, submitter))`` and
    refuses the same values, without building an :class:`EntryBody` per entry:
    the shared fields are validated and encoded once, here.
    """

    __slots__ = ("_head", "_middle", "_tail", "key_id")

    def __init__(
        self,
        entry_type: str,
        claimed_at: int,
        references: Iterable[int],
        submitter_key_id: BytesLike,
        submitter: str,
    ) -> None:
        shared = EntryBody(entry_type, "", claimed_at, bytes(PAYLOAD_HASH_SIZE),
                           tuple(references), bytes(submitter_key_id), submitter)
        whole = encode(shared)
        # whole = head || u16(0) || claimed_at || payload_hash || tail
        head_size = 1 + 2 + len(shared.entry_type)
        self._head = whole[:head_size]
        self._middle = _U64.pack(shared.claimed_at)
        self._tail = whole[head_size + 2 + 8 + PAYLOAD_HASH_SIZE :]
        self.key_id: bytes = shared.submitter_key_id

    def encode(self, subject_ref: str, payload_hash: bytes) -> bytes:
        """The canonical encoding of the body with these two fields filled in."""
        subject = _text_bytes(subject_ref, "subject_ref", MAX_SUBJECT_REF_BYTES, allow_empty=True)
        if type(payload_hash) is not bytes:
            payload_hash = _require_bytes(payload_hash, "payload_hash", PAYLOAD_HASH_SIZE)
        elif len(payload_hash) != PAYLOAD_HASH_SIZE:
            raise EntryError(f"payload_hash must be {PAYLOAD_HASH_SIZE} bytes, got {len(payload_hash)}")
        return b"".join(
            (self._head, _U16.pack(len(subject)), subject, self._middle, payload_hash, self._tail)
        )


class _Reader:
    """Bounds-checked reader over an encoding; every failure is an EntryError."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, n: int, what: str) -> bytes:
        end = self._pos + n
        if end > len(self._data):
            raise EntryError(f"entry encoding is truncated in {what}")
        out = self._data[self._pos : end]
        self._pos = end
        return out

    def u16(self, what: str) -> int:
        value: int = _U16.unpack(self.take(2, what))[0]
        return value

    def u64(self, what: str) -> int:
        value: int = _U64.unpack(self.take(8, what))[0]
        if value >= INT_LIMIT:
            raise EntryError(f"{what} must be below 2**63")
        return value

    def text(self, what: str, max_bytes: int) -> str:
        n = self.u16(f"the length of {what}")
        if n > max_bytes:
            raise EntryError(f"{what} is {n} bytes, at most {max_bytes} allowed")
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EntryError(f"{what} is not valid UTF-8") from None

    def finish(self) -> None:
        if self._pos != len(self._data):
            raise EntryError(f"{len(self._data) - self._pos} trailing byte(s) after the entry")


def decode(data: BytesLike) -> EntryBody:
    """Parse a version-1 encoding: the exact inverse of :func:`encode`.

    Raises :class:`EntryError` -- and nothing else, whatever the bytes -- on
    a wrong version, truncation, trailing bytes, invalid UTF-8, oversized or
    otherwise invalid fields. Non-bytes input raises :class:`TypeError`.
    """
    if not isinstance(data, _BYTES_LIKE):
        raise TypeError(f"entry encoding must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_ENCODED_SIZE:
        raise EntryError(f"entry encoding is larger than {MAX_ENCODED_SIZE} bytes")
    r = _Reader(data)
    version = r.take(1, "the version")[0]
    if version != VERSION:
        raise EntryError(f"unsupported entry encoding version 0x{version:02x}")
    entry_type = r.text("entry_type", MAX_ENTRY_TYPE_BYTES)
    subject_ref = r.text("subject_ref", MAX_SUBJECT_REF_BYTES)
    claimed_at = r.u64("claimed_at")
    payload_hash = r.take(PAYLOAD_HASH_SIZE, "payload_hash")
    count = r.u16("the reference count")
    if count > MAX_REFERENCES:
        raise EntryError(f"at most {MAX_REFERENCES} references allowed, got {count}")
    references = tuple(r.u64("a reference") for _ in range(count))
    submitter_key_id = r.take(KEY_ID_SIZE, "submitter_key_id")
    submitter = r.text("submitter", MAX_SUBMITTER_BYTES)
    r.finish()
    return EntryBody(
        entry_type=entry_type,
        subject_ref=subject_ref,
        claimed_at=claimed_at,
        payload_hash=payload_hash,
        references=references,
        submitter_key_id=submitter_key_id,
        submitter=submitter,
    )


def signed_message(body: EntryBody) -> bytes:
    """What the submitter signs: :data:`DOMAIN_PREFIX` followed by :func:`encode`."""
    return DOMAIN_PREFIX + encode(body)


def sign_entry(body: EntryBody, signer: Signer) -> bytes:
    """The submitter's 64-byte Ed25519 signature of :func:`signed_message`.

    ``signer.key_id`` must equal ``body.submitter_key_id`` (:class:`EntryError`
    otherwise), so that a body always names the key that signed it.
    """
    if not isinstance(signer, Signer):
        raise TypeError(f"signer must be a linli.ledger.note.Signer, not {type(signer).__name__}")
    message = signed_message(body)
    if signer.key_id != body.submitter_key_id:
        raise EntryError(
            f"signer key ID {signer.key_id.hex()} is not the entry's "
            f"submitter_key_id {body.submitter_key_id.hex()}"
        )
    return signer.sign(message)


def verify_entry(body: EntryBody, signature: BytesLike, verifier: Verifier) -> bool:
    """Whether ``signature`` is ``verifier``'s signature of ``body``.

    False unless ``verifier`` is a plain Ed25519 :class:`~linli.ledger.note.Verifier`
    whose key ID is ``body.submitter_key_id`` and the 64-byte signature
    verifies over :func:`signed_message`. Never raises.
    """
    if not isinstance(body, EntryBody) or not isinstance(verifier, Verifier):
        return False
    if not isinstance(signature, _BYTES_LIKE) or len(signature) != ED25519_SIGNATURE_SIZE:
        return False
    if verifier.key_id != body.submitter_key_id:
        return False
    return verifier.verify(signed_message(body), bytes(signature))


def sign_encoded(body_bytes: bytes, signer: Signer) -> bytes:
    """:func:`sign_entry` for an encoding the caller has just built itself (with a
    :class:`BodyTemplate` whose ``key_id`` is ``signer.key_id``)."""
    return signer.sign(DOMAIN_PREFIX + body_bytes)


def verify_encoded(body_bytes: bytes, signature: bytes, verifier: Verifier) -> bool:
    """Whether ``signature`` is ``verifier``'s signature of the body encoded as ``body_bytes``.

    The same Ed25519 check as :func:`verify_entry`, for encodings the caller
    has just built itself (with :func:`encode` or a :class:`BodyTemplate`
    whose ``key_id`` it compared with ``verifier.key_id``), so without decoding
    them again. Never raises.
    """
    return verifier.verify(DOMAIN_PREFIX + body_bytes, signature)


def leaf_data(body: EntryBody, signature: BytesLike) -> bytes:
    """The Merkle leaf data: ``encode(body) || signature`` (64 bytes).

    Hash it with :func:`linli.ledger.merkle.leaf_hash`. The signature is not
    verified here (use :func:`verify_entry`); its length must be 64.
    """
    sig = _require_bytes(signature, "signature", ED25519_SIGNATURE_SIZE)
    return encode(body) + sig


def parse_leaf_data(data: BytesLike) -> tuple[EntryBody, bytes]:
    """Split :func:`leaf_data` output back into the body and the signature.

    Raises :class:`EntryError` if ``data`` is not a valid encoding followed by
    exactly 64 bytes.
    """
    if not isinstance(data, _BYTES_LIKE):
        raise TypeError(f"leaf data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < ED25519_SIGNATURE_SIZE:
        raise EntryError("leaf data is shorter than a signature")
    split = len(data) - ED25519_SIGNATURE_SIZE
    return decode(data[:split]), data[split:]


def salted_payload_hash(payload: BytesLike, salt: BytesLike) -> bytes:
    """``SHA-256(salt || payload)``: the commitment stored as ``payload_hash``.

    ``salt`` must be exactly :data:`SALT_SIZE` bytes (:class:`EntryError`
    otherwise); use :func:`new_salt`. A fixed length fixes where the salt ends,
    so ``(salt, payload)`` has exactly one opening. Keep the salt with the
    payload, off the log: deleting both erases the link between the log entry
    and the payload.
    """
    if not isinstance(payload, _BYTES_LIKE):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    if not isinstance(salt, _BYTES_LIKE):
        raise TypeError(f"salt must be bytes, not {type(salt).__name__}")
    if len(salt) != SALT_SIZE:
        raise EntryError(f"salt must be {SALT_SIZE} bytes, got {len(salt)}")
    h = hashlib.sha256(bytes(salt))
    h.update(payload)
    return h.digest()


def new_salt() -> bytes:
    """A fresh random salt of :data:`SALT_SIZE` (32) bytes from :mod:`secrets`."""
    return secrets.token_bytes(SALT_SIZE)
