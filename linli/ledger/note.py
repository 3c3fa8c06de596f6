"""C2SP signed notes, transparency-log checkpoints and witness cosignatures.

This module is pure Python (standard library, ``cryptography`` for Ed25519
keys and libsodium through PyNaCl for signing and verifying, no Django) so
that the log, the witnesses run by other departments and offline auditors can
all share it. libsodium verifies about twice as fast as OpenSSL and refuses
public keys of small order (decision 0053); signatures are deterministic
(RFC 8032), the same bytes as Go's ``crypto/ed25519`` makes. It implements,
byte for byte:

* **c2sp.org/signed-note** (:class:`Note`, :class:`Signature`,
  :func:`sign_note`, :func:`open_note`): a note is UTF-8 text ending in a
  newline, then a blank line, then one or more signature lines
  ``"— <key name> <base64(4-byte key ID || signature)>\\n"`` (U+2014 EM DASH,
  U+0020 SPACE). Ed25519 keys (signature type ``0x01``) have the key ID
  ``SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]`` (sections
  "Format", "Signatures", "Signature types" and "Ed25519 signatures").
* The **verifier / signer key encodings** of c2sp.org/signed-note
  ("vkeys", as defined by ``golang.org/x/mod/sumdb/note``: ``NewVerifier``,
  ``NewSigner`` and ``GenerateKey``): ``<name>+<8 hex digits key ID>+<base64
  (type || public key)>`` and ``PRIVATE+KEY+<name>+<8 hex digits key
  ID>+<base64(type || 32-byte seed)>`` (:meth:`Verifier.encode`,
  :meth:`Signer.encode` and the matching ``decode`` class methods).
* **c2sp.org/tlog-checkpoint** (:class:`Checkpoint`): the note text of a
  checkpoint is an origin line, the tree size in decimal without leading
  zeroes, the base64 root hash and optional non-empty extension lines, each
  ending in a newline (section "Note text").
* **c2sp.org/tlog-cosignature**, Ed25519 ``cosignature/v1``
  (:class:`CosignatureSigner`, :class:`CosignatureVerifier`,
  :func:`cosign_checkpoint`, :func:`verify_cosignatures`): signature type
  ``0x04``, key ID ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``, the
  signed message ``"cosignature/v1\\ntime <POSIX seconds>\\n"`` followed by
  the whole checkpoint note text, and the signature ``u64 big-endian
  timestamp || 64-byte Ed25519 signature`` (sections "Format" and "Ed25519
  signed message"). The timestamp must not exceed ``2**63 - 1``.

Verification policy (signed-note, section "Signatures"): signatures from
unknown keys are ignored, even when they share a name or a key ID (but not
both) with a known key; a signature whose name *and* key ID match a known key
is always verified, and a failure rejects the whole note with
:class:`NoteError`; a note none of whose signatures comes from a known key is
rejected too. Parsing is strict and bounded: notes larger than
:data:`MAX_NOTE_SIZE` or carrying more than :data:`MAX_SIGNATURES`
signatures (Go's limit) are refused, and base64 must be canonical, so that a
note has exactly one byte representation.

Malformed input always raises :class:`NoteError` (a :class:`ValueError`);
wrong argument *types* raise :class:`TypeError`. The ``verify*`` methods
never raise: they return ``False`` / ``None``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Final, Self, TypeAlias, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from nacl import bindings as _sodium
from nacl.exceptions import CryptoError as _SodiumError

from .merkle import HASH_SIZE, MAX_TREE_SIZE

__all__ = [
    "BytesLike",
    "COSIGNATURE_SIZE",
    "ED25519_SIGNATURE_SIZE",
    "KEY_ID_SIZE",
    "MAX_NOTE_SIZE",
    "MAX_SIGNATURES",
    "MAX_TIMESTAMP",
    "SIG_TYPE_COSIGNATURE_V1",
    "SIG_TYPE_ED25519",
    "Checkpoint",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Note",
    "NoteError",
    "NoteVerifier",
    "Signature",
    "Signer",
    "Verifier",
    "compute_key_id",
    "cosign_checkpoint",
    "cosignature_message",
    "cosignature_timestamp",
    "decode_verifier",
    "is_valid_key_name",
    "open_checkpoint",
    "open_note",
    "sign_note",
    "verify_cosignatures",
]

#: Signature type byte of plain Ed25519 note signatures (signed-note,
#: "Signature types").
SIG_TYPE_ED25519: Final = 0x01
#: Signature type byte of timestamped Ed25519 ``cosignature/v1`` witness
#: cosignatures (signed-note "Signature types", tlog-cosignature "Format").
SIG_TYPE_COSIGNATURE_V1: Final = 0x04

#: Size of a key ID: a big-endian ``uint32`` (signed-note, "Format").
KEY_ID_SIZE: Final = 4
#: Size of an Ed25519 signature (RFC 8032).
ED25519_SIGNATURE_SIZE: Final = 64
#: Size of an Ed25519 ``timestamped_signature``: ``u64 timestamp`` and the
#: 64-byte signature (tlog-cosignature, "Format").
COSIGNATURE_SIZE: Final = 8 + ED25519_SIGNATURE_SIZE
#: Largest cosignature timestamp allowed by tlog-cosignature ("MUST NOT exceed
#: 2^63 - 1").
MAX_TIMESTAMP: Final = 2**63 - 1

#: Most signature lines accepted in one note. signed-note requires accepting
#: at least 16; ``golang.org/x/mod/sumdb/note`` refuses more than 100.
MAX_SIGNATURES: Final = 100
#: Largest encoded note accepted, in bytes (1 MiB).
MAX_NOTE_SIZE: Final = 1 << 20

_PUBLIC_KEY_SIZE: Final = 32
_SEED_SIZE: Final = 32
_SIG_PREFIX: Final = "— ".encode()  # U+2014 EM DASH, U+0020 SPACE
_COSIGNATURE_HEADER: Final = b"cosignature/v1\n"
_BYTES_LIKE = (bytes, bytearray, memoryview)

#: What the functions accept where they take binary data (database drivers
#: often return ``memoryview``); results are always ``bytes``.
BytesLike: TypeAlias = bytes | bytearray | memoryview

# The Unicode White_Space property, which is what Go's unicode.IsSpace (used
# by golang.org/x/mod/sumdb/note to validate key names) tests. Spelled out so
# that the rule does not depend on the Python version's str.isspace().
_WHITE_SPACE: Final = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# ASCII control characters other than newline (signed-note, "Format").
_CONTROL_BYTES = re.compile(rb"[\x00-\x09\x0b-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f]")
_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")
# tlog-checkpoint: "ASCII decimal ... with no leading zeroes (unless the tree
# is empty ...)". Twenty digits is more than any uint64 needs.
_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note, key, checkpoint or cosignature is malformed, or fails to verify."""


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def is_valid_key_name(name: object) -> bool:
    """Whether ``name`` may be used as a key name.

    signed-note ("Format"): key names MUST be non-empty and MUST NOT contain
    Unicode spaces or ``+`` (U+002B). Names must also be encodable in UTF-8
    and, since they appear inside notes, free of ASCII control characters.
    """
    if not isinstance(name, str) or not name or "+" in name:
        return False
    if any(c in _WHITE_SPACE for c in name) or _CONTROL_CHARS.search(name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _require_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"key name must be a str, not {type(name).__name__}")
    if not is_valid_key_name(name):
        raise NoteError(
            f"invalid key name {name!r}: it must be non-empty and contain no spaces, "
            "'+' or control characters"
        )
    return name


def _require_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, _BYTES_LIKE):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    return bytes(value)


def _require_timestamp(timestamp: object) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError(f"timestamp must be an int, not {type(timestamp).__name__}")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"timestamp {timestamp} is outside [0, 2**63 - 1]")
    return int(timestamp)


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """Strict standard base64 (RFC 4648 section 4): canonical or ``None``.

    Only the encoding that :func:`base64.b64encode` would produce is accepted
    (padding required, no whitespace, zero pad bits), so every value has one
    spelling and a note one byte representation.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if _b64encode(raw) == text else None


def compute_key_id(name: str, signature_type: int, public_key: BytesLike) -> bytes:
    """Return the 4-byte key ID of a key.

    signed-note, "Signatures": ``SHA-256(key name || 0x0A || signature type
    || public key)[:4]`` (big-endian, as it is stored in signatures).
    """
    _require_name(name)
    if isinstance(signature_type, bool) or not isinstance(signature_type, int):
        raise TypeError("signature_type must be an int")
    if not 0 <= signature_type <= 0xFF:
        raise NoteError(f"signature type {signature_type} is not a byte")
    key = _require_bytes(public_key, "public_key")
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes((signature_type,)) + key).digest()[
        :KEY_ID_SIZE
    ]


def _check_text(text: bytes, what: str = "note text") -> str:
    """Validate note text (signed-note, "Format") and return it decoded."""
    if len(text) > MAX_NOTE_SIZE:
        raise NoteError(f"{what} is larger than {MAX_NOTE_SIZE} bytes")
    if not text.endswith(b"\n"):
        raise NoteError(f"{what} must end with a newline")
    if _CONTROL_BYTES.search(text):
        raise NoteError(f"{what} contains an ASCII control character other than newline")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NoteError(f"{what} is not valid UTF-8: {err.reason}") from None


# ---------------------------------------------------------------------------
# Verifiers
# ---------------------------------------------------------------------------


class NoteVerifier(ABC):
    """A named Ed25519 public key that verifies note signatures of one type.

    The concrete classes are :class:`Verifier` (type ``0x01``) and
    :class:`CosignatureVerifier` (type ``0x04``). Two verifiers are equal when
    they have the same class, name and public key.
    """

    #: The signature type byte (signed-note, "Signature types").
    SIGNATURE_TYPE: ClassVar[int]

    __slots__ = ("_key_id", "_name", "_public_key_bytes")

    def __init__(self, name: str, public_key: Ed25519PublicKey | BytesLike) -> None:
        """Build a verifier for ``name`` from a public key or its 32 raw bytes."""
        self._name = _require_name(name)
        if isinstance(public_key, Ed25519PublicKey):
            raw = public_key.public_bytes_raw()
        else:
            raw = _require_bytes(public_key, "public_key")
            if len(raw) != _PUBLIC_KEY_SIZE:
                raise NoteError(
                    f"an Ed25519 public key is {_PUBLIC_KEY_SIZE} bytes, got {len(raw)}"
                )
        # Only the raw bytes are kept: libsodium verifies with them (decision 0053).
        self._public_key_bytes = raw
        self._key_id = compute_key_id(name, self.SIGNATURE_TYPE, raw)

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID (see :func:`compute_key_id`)."""
        return self._key_id

    @property
    def public_key_bytes(self) -> bytes:
        """The raw 32-byte Ed25519 public key (RFC 8032 encoding)."""
        return self._public_key_bytes

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key as a ``cryptography`` object (built when asked for)."""
        return Ed25519PublicKey.from_public_bytes(self._public_key_bytes)

    @abstractmethod
    def verify(self, message: BytesLike, signature: BytesLike) -> bool:
        """Whether ``signature`` (the bytes after the key ID) signs ``message``.

        ``message`` is the note text. Never raises.
        """

    def _ed25519_verify(self, message: bytes, signature: bytes) -> bool:
        # libsodium's verify (decision 0053): about twice as fast as OpenSSL's here, and
        # stricter (it also refuses public keys and R points of small order).
        try:
            _sodium.crypto_sign_open(signature + message, self._public_key_bytes)
        except (_SodiumError, TypeError, ValueError):
            return False
        return True

    def encode(self) -> str:
        """The verifier key: ``<name>+<hex key ID>+<base64(type || public key)>``."""
        material = bytes((self.SIGNATURE_TYPE,)) + self._public_key_bytes
        return f"{self._name}+{self._key_id.hex()}+{_b64encode(material)}"

    @classmethod
    def decode(cls, text: str) -> Self:
        """Parse a verifier key produced by :meth:`encode` (or by Go's ``note``).

        The signature type byte must be this class's, the key must be 32 bytes
        and the key ID must match the one computed from the name and key.
        Anything else raises :class:`NoteError`.
        """
        if not isinstance(text, str):
            raise TypeError(f"a verifier key must be a str, not {type(text).__name__}")
        # The name and the key ID cannot contain "+"; base64 can.
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise NoteError("malformed verifier key: expected <name>+<key ID>+<key>")
        name, hex_id, key64 = parts
        return cls._from_parts(name, hex_id, key64, "verifier key")

    @classmethod
    def _from_parts(cls, name: str, hex_id: str, key64: str, what: str) -> Self:
        if not is_valid_key_name(name):
            raise NoteError(f"malformed {what}: invalid key name {name!r}")
        if not _HEX_KEY_ID.fullmatch(hex_id):
            raise NoteError(f"malformed {what}: the key ID must be 8 hexadecimal digits")
        material = _b64decode(key64)
        if not material:
            raise NoteError(f"malformed {what}: the key is not canonical base64")
        if material[0] != cls.SIGNATURE_TYPE:
            raise NoteError(
                f"{what} has signature type 0x{material[0]:02x}, "
                f"expected 0x{cls.SIGNATURE_TYPE:02x}"
            )
        if len(material) != 1 + _PUBLIC_KEY_SIZE:
            raise NoteError(f"malformed {what}: an Ed25519 public key is 32 bytes")
        verifier = cls(name, material[1:])
        if verifier.key_id != bytes.fromhex(hex_id):
            raise NoteError(f"{what} key ID {hex_id} does not match the key")
        return verifier

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NoteVerifier):
            return NotImplemented
        return (
            type(self) is type(other)
            and self._name == other._name
            and self._public_key_bytes == other._public_key_bytes
        )

    def __hash__(self) -> int:
        return hash((type(self), self._name, self._public_key_bytes))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.encode()!r})"


class Verifier(NoteVerifier):
    """Verifies plain Ed25519 note signatures (type ``0x01``, RFC 8032).

    signed-note, "Ed25519 signatures": the signature is Ed25519 over the note
    text, and the key ID is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``.
    """

    SIGNATURE_TYPE: ClassVar[int] = SIG_TYPE_ED25519

    __slots__ = ()

    def verify(self, message: BytesLike, signature: BytesLike) -> bool:
        """Whether ``signature`` is a valid 64-byte Ed25519 signature of ``message``."""
        if not isinstance(message, _BYTES_LIKE) or not isinstance(signature, _BYTES_LIKE):
            return False
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        return self._ed25519_verify(bytes(message), bytes(signature))


class CosignatureVerifier(NoteVerifier):
    """Verifies Ed25519 ``cosignature/v1`` witness cosignatures (type ``0x04``).

    tlog-cosignature, "Format" and "Ed25519 signed message": the note
    signature is ``u64 timestamp || Ed25519 signature`` over
    ``"cosignature/v1\\ntime <timestamp>\\n" || checkpoint note text``.
    """

    SIGNATURE_TYPE: ClassVar[int] = SIG_TYPE_COSIGNATURE_V1

    __slots__ = ()

    @classmethod
    def from_verifier(cls, verifier: Verifier) -> CosignatureVerifier:
        """The cosignature verifier for the same name and Ed25519 public key.

        Useful when a witness publishes its key as a plain type ``0x01`` vkey.
        The key ID differs, because the signature type is hashed into it.
        """
        if not isinstance(verifier, Verifier):
            raise TypeError("expected a Verifier")
        return cls(verifier.name, verifier.public_key_bytes)

    def verify(self, message: BytesLike, signature: BytesLike) -> bool:
        """Whether ``signature`` (timestamp || signature) cosigns checkpoint ``message``."""
        return self.verify_timestamped(message, signature) is not None

    def verify_timestamped(self, checkpoint_body: BytesLike, signature: BytesLike) -> int | None:
        """Return the cosignature's timestamp if it is valid, else ``None``.

        ``signature`` is the 72-byte ``timestamped_signature`` (the note
        signature without its key ID). ``checkpoint_body`` must be a valid
        checkpoint note text (:meth:`Checkpoint.parse`). Never raises.
        """
        if not isinstance(signature, _BYTES_LIKE) or len(signature) != COSIGNATURE_SIZE:
            return None
        signature = bytes(signature)
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return None
        try:
            message = cosignature_message(checkpoint_body, timestamp)
        except (NoteError, TypeError):
            return None
        return timestamp if self._ed25519_verify(message, signature[8:]) else None

    def verify_line(
        self, checkpoint_body: BytesLike, line: Signature | str | BytesLike
    ) -> int | None:
        """Check one cosignature line on ``checkpoint_body``; return its timestamp.

        ``line`` is a :class:`Signature` or a signature line such as a witness
        returns from ``add-checkpoint`` (c2sp.org/tlog-witness), with or
        without its final newline. Returns ``None`` -- never raises -- if the
        line is malformed, is not from this cosigner (name and key ID), or
        does not verify.
        """
        if isinstance(line, Signature):
            sig = line
        else:
            try:
                sig = Signature.parse_line(line)
            except (NoteError, TypeError):
                return None
        if sig.name != self._name or sig.key_id != self._key_id:
            return None
        return self.verify_timestamped(checkpoint_body, sig.payload)


def decode_verifier(text: str) -> Verifier | CosignatureVerifier:
    """Parse a verifier key of either supported signature type.

    Type ``0x01`` gives a :class:`Verifier`, type ``0x04`` a
    :class:`CosignatureVerifier`; any other type raises :class:`NoteError`.
    """
    if not isinstance(text, str):
        raise TypeError(f"a verifier key must be a str, not {type(text).__name__}")
    parts = text.split("+", 2)
    if len(parts) == 3:
        material = _b64decode(parts[2])
        if material and material[0] == SIG_TYPE_COSIGNATURE_V1:
            return CosignatureVerifier.decode(text)
    return Verifier.decode(text)


# ---------------------------------------------------------------------------
# Signers
# ---------------------------------------------------------------------------


class _Ed25519Signer:
    """Shared machinery of :class:`Signer` and :class:`CosignatureSigner`."""

    SIGNATURE_TYPE: ClassVar[int]
    _VERIFIER: ClassVar[type[NoteVerifier]]

    __slots__ = ("_name", "_private_key", "_secret", "_verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise TypeError("private_key must be an Ed25519PrivateKey")
        self._name = _require_name(name)
        self._private_key = private_key
        self._verifier = self._VERIFIER(name, private_key.public_key())
        # libsodium's form of the key (seed || public key), for signing (decision 0053).
        self._secret = private_key.private_bytes_raw() + self._verifier.public_key_bytes

    def _ed25519_sign(self, message: bytes) -> bytes:
        """The RFC 8032 signature of ``message``: deterministic, so byte for byte what any
        other Ed25519 implementation makes of the same key and message."""
        return _sodium.crypto_sign(message, self._secret)[:ED25519_SIGNATURE_SIZE]

    @classmethod
    def generate(cls, name: str) -> Self:
        """A signer with a fresh random Ed25519 key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_private_key(cls, name: str, key: Ed25519PrivateKey) -> Self:
        """A signer for ``name`` using an existing Ed25519 private key."""
        return cls(name, key)

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID, computed from the public key (:func:`compute_key_id`)."""
        return self._verifier.key_id

    @property
    def public_key_bytes(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._verifier.public_key_bytes

    def encode(self) -> str:
        """The signer key ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``.

        This is a secret: anyone holding it can sign as this key.
        """
        material = bytes((self.SIGNATURE_TYPE,)) + self._private_key.private_bytes_raw()
        return f"PRIVATE+KEY+{self._name}+{self.key_id.hex()}+{_b64encode(material)}"

    @classmethod
    def decode(cls, text: str) -> Self:
        """Parse a signer key produced by :meth:`encode` (or Go's ``note``).

        The type byte must be this class's, the seed 32 bytes, and the key ID
        must match the public key derived from the seed (:class:`NoteError`
        otherwise).
        """
        if not isinstance(text, str):
            raise TypeError(f"a signer key must be a str, not {type(text).__name__}")
        parts = text.split("+", 4)  # the base64 key may contain "+"
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise NoteError("malformed signer key: expected PRIVATE+KEY+<name>+<key ID>+<key>")
        _, _, name, hex_id, key64 = parts
        if not is_valid_key_name(name):
            raise NoteError(f"malformed signer key: invalid key name {name!r}")
        if not _HEX_KEY_ID.fullmatch(hex_id):
            raise NoteError("malformed signer key: the key ID must be 8 hexadecimal digits")
        material = _b64decode(key64)
        if not material:
            raise NoteError("malformed signer key: the key is not canonical base64")
        if material[0] != cls.SIGNATURE_TYPE:
            raise NoteError(
                f"signer key has signature type 0x{material[0]:02x}, "
                f"expected 0x{cls.SIGNATURE_TYPE:02x}"
            )
        if len(material) != 1 + _SEED_SIZE:
            raise NoteError("malformed signer key: an Ed25519 seed is 32 bytes")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(material[1:]))
        if signer.key_id != bytes.fromhex(hex_id):
            raise NoteError(f"signer key ID {hex_id} does not match the key")
        return signer

    def __repr__(self) -> str:
        # Never show the private key.
        return f"{type(self).__name__}(name={self._name!r}, key_id={self.key_id.hex()!r})"


class Signer(_Ed25519Signer):
    """Signs notes with plain Ed25519 (signature type ``0x01``)."""

    SIGNATURE_TYPE: ClassVar[int] = SIG_TYPE_ED25519
    _VERIFIER: ClassVar[type[NoteVerifier]] = Verifier

    __slots__ = ()

    def sign(self, message: BytesLike) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (RFC 8032, deterministic)."""
        return self._ed25519_sign(_require_bytes(message, "message"))

    def signature(self, text: BytesLike) -> Signature:
        """The note :class:`Signature` of note ``text``."""
        return Signature(self._name, self.key_id, self.sign(text))

    def verifier(self) -> Verifier:
        """The matching :class:`Verifier`."""
        verifier = self._verifier
        assert isinstance(verifier, Verifier)  # noqa: S101 - set by __init__
        return verifier


class CosignatureSigner(_Ed25519Signer):
    """Produces Ed25519 ``cosignature/v1`` witness cosignatures (type ``0x04``).

    tlog-cosignature, "Ed25519 signed message". A cosigner operator running
    several cosigners MUST use a distinct key for each, because the signed
    message does not commit to the cosigner name.
    """

    SIGNATURE_TYPE: ClassVar[int] = SIG_TYPE_COSIGNATURE_V1
    _VERIFIER: ClassVar[type[NoteVerifier]] = CosignatureVerifier

    __slots__ = ()

    def cosign(self, checkpoint_body: BytesLike, timestamp: int) -> bytes:
        """The 72-byte ``timestamped_signature`` of a checkpoint at ``timestamp``.

        ``checkpoint_body`` is the checkpoint note text (including its final
        newline, excluding signatures) and must parse as a
        :class:`Checkpoint`; ``timestamp`` is in POSIX seconds,
        ``0 <= timestamp <= 2**63 - 1``. The result is ``u64 big-endian
        timestamp || Ed25519 signature``, the bytes after the key ID in the
        signature line.
        """
        message = cosignature_message(checkpoint_body, timestamp)
        return timestamp.to_bytes(8, "big") + self._ed25519_sign(message)

    def signature(self, checkpoint_body: BytesLike, timestamp: int) -> Signature:
        """The cosignature of ``checkpoint_body`` as a note :class:`Signature`."""
        return Signature(self._name, self.key_id, self.cosign(checkpoint_body, timestamp))

    def verifier(self) -> CosignatureVerifier:
        """The matching :class:`CosignatureVerifier`."""
        verifier = self._verifier
        assert isinstance(verifier, CosignatureVerifier)  # noqa: S101 - set by __init__
        return verifier


def cosignature_message(checkpoint_body: BytesLike, timestamp: int) -> bytes:
    """The message an Ed25519 ``cosignature/v1`` signs.

    tlog-cosignature, "Ed25519 signed message": the header line
    ``cosignature/v1``, the line ``time <timestamp>`` (ASCII decimal, no
    leading zeroes), then the whole checkpoint note text including its final
    newline. Raises :class:`NoteError` unless ``checkpoint_body`` is a valid
    checkpoint and ``timestamp`` is in ``[0, 2**63 - 1]``.
    """
    body = _require_bytes(checkpoint_body, "checkpoint_body")
    ts = _require_timestamp(timestamp)
    Checkpoint.parse(body)
    return _COSIGNATURE_HEADER + b"time %d\n" % ts + body


# ---------------------------------------------------------------------------
# Signatures and notes
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signature:
    """One note signature line: ``— <name> <base64(key_id || payload)>``.

    ``payload`` is everything after the 4-byte key ID: the 64-byte Ed25519
    signature for type ``0x01``, the 72-byte ``timestamped_signature`` for a
    ``cosignature/v1``, or whatever an unknown key type put there (at least
    one byte, as in Go).
    """

    name: str
    key_id: bytes
    payload: bytes

    def __post_init__(self) -> None:
        _require_name(self.name)
        key_id = _require_bytes(self.key_id, "key_id")
        payload = _require_bytes(self.payload, "payload")
        if len(key_id) != KEY_ID_SIZE:
            raise NoteError(f"a key ID is {KEY_ID_SIZE} bytes, got {len(key_id)}")
        if not payload:
            raise NoteError("a signature payload must not be empty")
        object.__setattr__(self, "key_id", key_id)
        object.__setattr__(self, "payload", payload)

    @property
    def key_id_hex(self) -> str:
        """The key ID as 8 lowercase hexadecimal digits (as in vkeys)."""
        return self.key_id.hex()

    def to_line(self) -> str:
        """The signature line, including its final newline."""
        return f"— {self.name} {_b64encode(self.key_id + self.payload)}\n"

    @classmethod
    def parse_line(cls, line: str | BytesLike) -> Signature:
        """Parse one signature line (the final newline is optional).

        signed-note, "Format": em dash, space, key name, space, base64 of at
        least five bytes (key ID and signature). Raises :class:`NoteError`.
        """
        if isinstance(line, _BYTES_LIKE):
            raw = bytes(line)
        elif isinstance(line, str):
            try:
                raw = line.encode("utf-8")
            except UnicodeEncodeError:
                raise NoteError("signature line is not valid UTF-8") from None
        else:
            raise TypeError(f"a signature line must be str or bytes, not {type(line).__name__}")
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        if b"\n" in raw:
            raise NoteError("a signature line must not contain a newline")
        return cls._parse(raw)

    @classmethod
    def _parse(cls, line: bytes) -> Signature:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError("signature line does not start with an em dash and a space")
        try:
            rest = line[len(_SIG_PREFIX) :].decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("signature line is not valid UTF-8") from None
        name, sep, b64 = rest.partition(" ")
        if not sep or not is_valid_key_name(name):
            raise NoteError(f"signature line has an invalid key name {name!r}")
        raw = _b64decode(b64)
        if raw is None:
            raise NoteError(f"signature of {name} is not canonical base64")
        if len(raw) <= KEY_ID_SIZE:
            raise NoteError(f"signature of {name} is too short")
        return cls(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


@dataclass(frozen=True, slots=True)
class Note:
    """A note text and its signatures (c2sp.org/signed-note).

    ``text`` includes its final newline but not the blank separator line. A
    :class:`Note` may be built with no signatures (to be signed later with
    :meth:`add`), but only notes with at least one can be encoded or parsed.
    """

    text: bytes
    signatures: tuple[Signature, ...] = ()

    def __post_init__(self) -> None:
        text = _require_bytes(self.text, "note text")
        _check_text(text)
        sigs = self.signatures
        if isinstance(sigs, (str, *_BYTES_LIKE)) or not isinstance(sigs, Iterable):
            raise TypeError("signatures must be a tuple of Signature")
        sigs = tuple(sigs)
        for sig in sigs:
            if not isinstance(sig, Signature):
                raise TypeError(f"signatures must be Signature objects, not {type(sig).__name__}")
        if len(sigs) > MAX_SIGNATURES:
            raise NoteError(f"a note may carry at most {MAX_SIGNATURES} signatures")
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "signatures", sigs)

    @classmethod
    def parse(cls, data: BytesLike) -> Note:
        """Parse an encoded signed note, without verifying any signature.

        Strict (signed-note, "Format"): the data must be at most
        :data:`MAX_NOTE_SIZE` bytes of UTF-8 without ASCII control characters
        other than newline; the text is everything up to and including the
        newline before the *last* empty line; after it come one to
        :data:`MAX_SIGNATURES` signature lines, each ending in a newline.
        Everything else raises :class:`NoteError`.
        """
        data = _require_bytes(data, "note")
        _check_text(data, "note")
        split = data.rfind(b"\n\n")
        if split < 0:
            raise NoteError("note has no blank line before its signatures")
        text, block = data[: split + 1], data[split + 2 :]
        if not block:
            raise NoteError("note has no signatures")
        lines = block.split(b"\n")
        lines.pop()  # the block ends with a newline (checked by _check_text)
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
        return cls(text, tuple(Signature._parse(line) for line in lines))

    def to_bytes(self) -> bytes:
        """The encoded note: text, blank line, signature lines."""
        if not self.signatures:
            raise NoteError("a signed note needs at least one signature")
        out = self.text + b"\n" + "".join(s.to_line() for s in self.signatures).encode("utf-8")
        if len(out) > MAX_NOTE_SIZE:
            raise NoteError(f"encoded note is larger than {MAX_NOTE_SIZE} bytes")
        return out

    def add(self, signature: Signature) -> Note:
        """A copy of this note with ``signature`` appended.

        Like Go's ``note.Sign``, an existing signature with the same key name
        and key ID is replaced (so re-signing, or a fresh cosignature from the
        same witness, does not pile up lines).
        """
        if not isinstance(signature, Signature):
            raise TypeError("expected a Signature")
        key = (signature.name, signature.key_id)
        kept = tuple(s for s in self.signatures if (s.name, s.key_id) != key)
        return Note(self.text, (*kept, signature))

    def text_str(self) -> str:
        """The note text as a ``str``."""
        return self.text.decode("utf-8")


def sign_note(
    text: BytesLike,
    *signers: Signer | CosignatureSigner,
    timestamp: int | None = None,
) -> bytes:
    """Sign note ``text`` with each signer and return the encoded note.

    ``text`` must be valid note text (UTF-8, ending in a newline, no control
    characters). :class:`CosignatureSigner` signers cosign ``text`` as a
    checkpoint at ``timestamp`` (POSIX seconds; default: now).
    """
    if not signers:
        raise NoteError("a signed note needs at least one signer")
    note = Note(_require_bytes(text, "text"))
    when: int | None = timestamp
    for signer in signers:
        if isinstance(signer, CosignatureSigner):
            if when is None:
                when = int(time.time())
            note = note.add(signer.signature(note.text, when))
        elif isinstance(signer, Signer):
            note = note.add(signer.signature(note.text))
        else:
            raise TypeError(f"not a signer: {type(signer).__name__}")
    return note.to_bytes()


_V = TypeVar("_V", bound=NoteVerifier)


def _verifier_index(verifiers: Iterable[_V]) -> dict[tuple[str, bytes], list[_V]]:
    if isinstance(verifiers, (str, *_BYTES_LIKE, NoteVerifier)) or not isinstance(
        verifiers, Iterable
    ):
        raise TypeError("verifiers must be an iterable of NoteVerifier")
    index: dict[tuple[str, bytes], list[_V]] = {}
    for v in verifiers:
        if not isinstance(v, NoteVerifier):
            raise TypeError(f"not a verifier: {type(v).__name__}")
        bucket = index.setdefault((v.name, v.key_id), [])
        if v not in bucket:
            bucket.append(v)
    return index


def _known_signatures(
    note: Note, index: dict[tuple[str, bytes], list[_V]]
) -> Iterable[tuple[Signature, _V]]:
    """Yield the (signature, verifier) pairs of known keys, checking each one.

    Raises :class:`NoteError` if a known key's signature fails, or if two
    different configured keys share the signature's name and key ID.
    """
    for sig in note.signatures:
        candidates = index.get((sig.name, sig.key_id))
        if not candidates:
            continue  # unknown key: ignored (signed-note, "Signatures")
        if len(candidates) > 1:
            raise NoteError(f"ambiguous key {sig.name}+{sig.key_id_hex}")
        verifier = candidates[0]
        if not verifier.verify(note.text, sig.payload):
            raise NoteError(f"invalid signature for key {sig.name}+{sig.key_id_hex}")
        yield sig, verifier


def open_note(data: BytesLike, verifiers: Iterable[_V]) -> tuple[bytes, list[_V]]:
    """Parse and verify a signed note; return its text and who signed it.

    Follows signed-note, "Signatures": signatures whose key name and key ID
    do not both match one of ``verifiers`` are ignored; every signature from
    a known key is verified and any failure raises :class:`NoteError`; if no
    known key signed the note, :class:`NoteError` is raised too. The list
    holds each verifier that signed, once, in order of first signature.
    """
    note = Note.parse(data)
    index = _verifier_index(verifiers)
    signed: list[_V] = []
    for _sig, verifier in _known_signatures(note, index):
        if verifier not in signed:
            signed.append(verifier)
    if not signed:
        raise NoteError("note has no verifiable signatures")
    return note.text, signed


# ---------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A transparency-log checkpoint (c2sp.org/tlog-checkpoint, "Note text").

    ``origin`` identifies the log (non-empty; a schema-less URL is
    recommended), ``size`` is the number of leaves (``uint64``), ``root`` the
    32-byte RFC 9162 root hash at that size and ``extensions`` optional
    non-empty opaque lines. :meth:`body` is the note text that the log signs.
    """

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        size = self.size
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"tree size must be an int, not {type(size).__name__}")
        if not 0 <= size <= MAX_TREE_SIZE:
            raise NoteError(f"tree size {size} is outside [0, 2**64 - 1]")
        root = _require_bytes(self.root, "root hash")
        if len(root) != HASH_SIZE:
            raise NoteError(f"a root hash is {HASH_SIZE} bytes, got {len(root)}")
        exts = self.extensions
        if isinstance(exts, (str, *_BYTES_LIKE)) or not isinstance(exts, Iterable):
            raise TypeError("extensions must be a tuple of str")
        exts = tuple(exts)
        for ext in exts:
            _check_line(ext, "extension line")
        object.__setattr__(self, "root", root)
        object.__setattr__(self, "extensions", exts)

    def body(self) -> bytes:
        """The checkpoint note text: origin, size, base64 root, extensions."""
        lines = [self.origin, str(self.size), _b64encode(self.root), *self.extensions]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, text: BytesLike) -> Checkpoint:
        """Parse a checkpoint note text (not a signed note: see :func:`open_checkpoint`).

        tlog-checkpoint, "Note text": at least three non-empty lines, each
        ending in a newline; the tree size is ASCII decimal with no leading
        zeroes (``0`` for the empty tree) and fits in ``uint64``; the root is
        canonical base64 of exactly 32 bytes; extension lines are non-empty.
        Raises :class:`NoteError`.
        """
        decoded = _check_text(_require_bytes(text, "checkpoint"), "checkpoint")
        lines = decoded.split("\n")
        lines.pop()  # text ends with "\n"
        if len(lines) < 3:
            raise NoteError("a checkpoint has at least three lines")
        origin, size_line, root_line, *extensions = lines
        if not origin:
            raise NoteError("checkpoint origin is empty")
        if not _TREE_SIZE.fullmatch(size_line):
            raise NoteError(f"checkpoint tree size {size_line!r} is not a canonical decimal")
        size = int(size_line)
        if size > MAX_TREE_SIZE:
            raise NoteError("checkpoint tree size does not fit in 64 bits")
        root = _b64decode(root_line)
        if root is None or len(root) != HASH_SIZE:
            raise NoteError("checkpoint root hash is not canonical base64 of 32 bytes")
        for ext in extensions:
            if not ext:
                raise NoteError("checkpoint extension lines must not be empty")
        return cls(origin, size, root, tuple(extensions))


def _check_line(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value:
        raise NoteError(f"{what} must not be empty")
    if _CONTROL_CHARS.search(value):
        raise NoteError(f"{what} must not contain a newline or control character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError(f"{what} is not valid Unicode text") from None


def open_checkpoint(
    data: BytesLike, log_verifiers: Iterable[Verifier], *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint with the log's key(s) and parse it.

    :func:`open_note` with ``log_verifiers`` (pass only the log's keys, not
    witness keys), then :meth:`Checkpoint.parse` on the text. If ``origin``
    is given the checkpoint's origin must equal it. Raises
    :class:`NoteError`.
    """
    text, _signed = open_note(data, log_verifiers)
    checkpoint = Checkpoint.parse(text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint


# ---------------------------------------------------------------------------
# Cosignatures
# ---------------------------------------------------------------------------


def cosignature_timestamp(signature: Signature) -> int:
    """The timestamp embedded in an Ed25519 ``cosignature/v1`` signature.

    Does *not* verify anything. Raises :class:`NoteError` if the payload is
    not a 72-byte ``timestamped_signature`` or the timestamp exceeds
    ``2**63 - 1``.
    """
    if not isinstance(signature, Signature):
        raise TypeError("expected a Signature")
    if len(signature.payload) != COSIGNATURE_SIZE:
        raise NoteError(
            f"a cosignature/v1 signature is {KEY_ID_SIZE + COSIGNATURE_SIZE} bytes, "
            f"got {KEY_ID_SIZE + len(signature.payload)}"
        )
    timestamp = int.from_bytes(signature.payload[:8], "big")
    if timestamp > MAX_TIMESTAMP:
        raise NoteError("cosignature timestamp exceeds 2**63 - 1")
    return timestamp


def cosign_checkpoint(
    note: BytesLike, cosigner: CosignatureSigner, timestamp: int | None = None
) -> bytes:
    """Add ``cosigner``'s cosignature to a signed checkpoint note.

    This is what a witness does once it has verified the log's signature and
    the consistency proof (c2sp.org/tlog-witness, ``add-checkpoint``): the
    note text must be a valid checkpoint; an older cosignature from the same
    key is replaced. ``timestamp`` defaults to now. Returns the new note.
    """
    if not isinstance(cosigner, CosignatureSigner):
        raise TypeError("cosigner must be a CosignatureSigner")
    parsed = Note.parse(note)
    when = int(time.time()) if timestamp is None else timestamp
    return parsed.add(cosigner.signature(parsed.text, when)).to_bytes()


def verify_cosignatures(
    note: BytesLike,
    cosigners: Iterable[CosignatureVerifier],
    quorum: int,
    *,
    not_after: int | None = None,
) -> dict[str, int]:
    """Check that at least ``quorum`` distinct cosigners cosigned a checkpoint.

    Returns ``{cosigner name: timestamp}`` for every configured cosigner with
    a valid cosignature (the latest one if a cosigner signed more than once).
    The note text must be a valid checkpoint. As in :func:`open_note`,
    unknown signature lines (including the log's own) are ignored and a
    cosignature line from a configured cosigner that fails to verify raises
    :class:`NoteError`. Cosignatures timestamped after ``not_after`` (if
    given; tlog-cosignature lets verifiers reject timestamps in the future)
    are not counted. Raises :class:`NoteError` if fewer than ``quorum``
    cosigners remain; ``quorum`` must be at least 1 and cosigner names must
    be unique (:class:`ValueError` otherwise).

    This does not check the log's signature: use :func:`open_checkpoint`.
    """
    if isinstance(quorum, bool) or not isinstance(quorum, int):
        raise TypeError("quorum must be an int")
    if quorum < 1:
        raise ValueError("quorum must be at least 1")
    if not_after is not None:
        _require_timestamp(not_after)
    configured = list(cosigners) if isinstance(cosigners, Iterable) else None
    if configured is None or not all(isinstance(c, CosignatureVerifier) for c in configured):
        raise TypeError("cosigners must be CosignatureVerifier objects")
    names = [c.name for c in configured]
    if len(set(names)) != len(names):
        raise ValueError("cosigner names must be unique")
    parsed = Note.parse(note)
    Checkpoint.parse(parsed.text)
    index = _verifier_index(configured)
    found: dict[str, int] = {}
    for sig, _cosigner in _known_signatures(parsed, index):
        timestamp = int.from_bytes(sig.payload[:8], "big")
        if not_after is not None and timestamp > not_after:
            continue
        if timestamp >= found.get(sig.name, -1):
            found[sig.name] = timestamp
    if len(found) < quorum:
        raise NoteError(
            f"checkpoint has {len(found)} valid cosignature(s) from known witnesses, "
            f"{quorum} required"
        )
    return found
