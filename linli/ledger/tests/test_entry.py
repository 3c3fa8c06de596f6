"""Tests for :mod:`linli.ledger.entry`: the canonical ledger entry encoding.

Pure unit tests: no Django, no database. The expected encodings are built
here field by field with :mod:`struct` from the layout in the module
docstring, independently of the implementation. (This format is Linli's own:
there are no published vectors for it.)
"""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.ledger import entry, merkle
from linli.ledger.entry import (
    DOMAIN_PREFIX,
    MAX_ENCODED_SIZE,
    EntryBody,
    EntryError,
    decode,
    encode,
    leaf_data,
    new_salt,
    parse_leaf_data,
    salted_payload_hash,
    sign_entry,
    signed_message,
    verify_entry,
)
from linli.ledger.note import CosignatureSigner, Signer

SETTINGS = settings(
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SIGNER = Signer.generate("linli.example/party/health-office")
PAYLOAD_HASH = hashlib.sha256(b"payload").digest()


def body(**overrides: object) -> EntryBody:
    fields: dict[str, object] = {
        "entry_type": "vaccination_record",
        "subject_ref": "person:\u5f20\u4e09/42",
        "claimed_at": 1_700_000_000_123,
        "payload_hash": PAYLOAD_HASH,
        "references": (3, 1),
        "submitter_key_id": SIGNER.key_id,
        "submitter": SIGNER.name,
    }
    fields.update(overrides)
    return EntryBody(**fields)  # type: ignore[arg-type]


def layout(b: EntryBody) -> bytes:
    """The version-1 layout, written out field by field."""
    t, s, p = b.entry_type.encode(), b.subject_ref.encode(), b.submitter.encode()
    return (
        b"\x01"
        + struct.pack(">H", len(t))
        + t
        + struct.pack(">H", len(s))
        + s
        + struct.pack(">Q", b.claimed_at)
        + b.payload_hash
        + struct.pack(">H", len(b.references))
        + b"".join(struct.pack(">Q", r) for r in b.references)
        + b.submitter_key_id
        + struct.pack(">H", len(p))
        + p
    )


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

# Text without C0 controls, DEL or surrogates, of at most max_bytes UTF-8 bytes.
_TEXT_CHARS = st.characters(
    exclude_categories=["Cs"], exclude_characters="\x7f", min_codepoint=0x20
)


def _utf8_text(min_size: int, max_bytes: int) -> st.SearchStrategy[str]:
    return st.text(_TEXT_CHARS, min_size=min_size, max_size=max_bytes).filter(
        lambda s: len(s.encode()) <= max_bytes
    )


bodies = st.builds(
    EntryBody,
    entry_type=st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=64),
    subject_ref=_utf8_text(0, 128),
    claimed_at=st.integers(0, 2**63 - 1),
    payload_hash=st.binary(min_size=32, max_size=32),
    references=st.lists(st.integers(0, 2**63 - 1), max_size=64, unique=True).map(tuple),
    submitter_key_id=st.binary(min_size=4, max_size=4),
    submitter=_utf8_text(1, 128),
)


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------


class TestEncoding:
    def test_layout(self) -> None:
        b = body()
        assert encode(b) == layout(b)
        assert encode(b)[:1] == b"\x01"

    def test_exact_bytes_of_a_small_entry(self) -> None:
        b = body(
            entry_type="a_1",
            subject_ref="",
            claimed_at=258,
            payload_hash=bytes(32),
            references=(),
            submitter_key_id=b"\xde\xad\xbe\xef",
            submitter="p",
        )
        assert encode(b) == bytes.fromhex(
            "010003615f3100000000000000000102" + "00" * 32 + "0000deadbeef000170"
        )

    def test_round_trip(self) -> None:
        b = body()
        assert decode(encode(b)) == b

    def test_deterministic(self) -> None:
        assert encode(body()) == encode(body())
        assert encode(body(references=[3, 1])) == encode(body())  # type: ignore[arg-type]

    def test_reference_order_is_significant(self) -> None:
        assert encode(body(references=(1, 3))) != encode(body(references=(3, 1)))

    def test_largest_entry(self) -> None:
        b = body(
            entry_type="z" * 64,
            subject_ref="\u00e9" * 64,
            claimed_at=2**63 - 1,
            references=tuple(range(2**63 - 64, 2**63)),
            submitter="\U0001f3e0" * 32,
        )
        data = encode(b)
        assert len(data) == MAX_ENCODED_SIZE
        assert decode(data) == b

    def test_accepts_bytes_like_and_lists(self) -> None:
        b = body(
            payload_hash=bytearray(PAYLOAD_HASH),
            submitter_key_id=memoryview(SIGNER.key_id),
            references=[3, 1],
        )
        assert b == body()
        assert type(b.payload_hash) is bytes and type(b.submitter_key_id) is bytes
        assert b.references == (3, 1)
        assert hash(b) == hash(body())

    @SETTINGS
    @given(bodies)
    def test_round_trip_property(self, b: EntryBody) -> None:
        data = encode(b)
        assert data == layout(b)
        assert len(data) <= MAX_ENCODED_SIZE
        assert decode(data) == b
        assert decode(bytearray(data)) == b

    @SETTINGS
    @given(bodies, bodies)
    def test_injective(self, a: EntryBody, b: EntryBody) -> None:
        assert (encode(a) == encode(b)) == (a == b)


INVALID_FIELDS: list[tuple[str, object, type[Exception]]] = [
    ("entry_type", "", EntryError),
    ("entry_type", "Vaccination", EntryError),
    ("entry_type", "vaccination-record", EntryError),
    ("entry_type", "vaccination record", EntryError),
    ("entry_type", "r\u00e9sum\u00e9", EntryError),
    ("entry_type", "\uff41", EntryError),  # FULLWIDTH LATIN SMALL LETTER A
    ("entry_type", "a" * 65, EntryError),
    ("entry_type", "a\n", EntryError),
    ("entry_type", b"vaccination", TypeError),
    ("subject_ref", "x" * 129, EntryError),
    ("subject_ref", "\u90bb" * 43, EntryError),  # 129 bytes of UTF-8, 43 characters
    ("subject_ref", "a\nb", EntryError),
    ("subject_ref", "a\x00b", EntryError),
    ("subject_ref", "a\x7fb", EntryError),
    ("subject_ref", "\ud800", EntryError),
    ("subject_ref", None, TypeError),
    ("claimed_at", -1, EntryError),
    ("claimed_at", 2**63, EntryError),
    ("claimed_at", 1.5, TypeError),
    ("claimed_at", True, TypeError),
    ("claimed_at", "1700000000000", TypeError),
    ("payload_hash", PAYLOAD_HASH[:31], EntryError),
    ("payload_hash", PAYLOAD_HASH + b"\x00", EntryError),
    ("payload_hash", PAYLOAD_HASH.hex(), TypeError),
    ("references", tuple(range(65)), EntryError),
    ("references", (1, 1), EntryError),
    ("references", (-1,), EntryError),
    ("references", (2**63,), EntryError),
    ("references", (True,), TypeError),
    ("references", ("1",), TypeError),
    ("references", "12", TypeError),
    ("references", b"12", TypeError),
    ("references", 1, TypeError),
    ("submitter_key_id", b"123", EntryError),
    ("submitter_key_id", b"12345", EntryError),
    ("submitter_key_id", "c74f20a3", TypeError),
    ("submitter", "", EntryError),
    ("submitter", "p" * 129, EntryError),
    ("submitter", "a\tb", EntryError),
    ("submitter", 7, TypeError),
]


class TestValidation:
    @pytest.mark.parametrize(("field", "value", "error"), INVALID_FIELDS)
    def test_invalid_fields(self, field: str, value: object, error: type[Exception]) -> None:
        with pytest.raises(error):
            body(**{field: value})

    def test_limits_are_inclusive(self) -> None:
        b = body(
            entry_type="a" * 64,
            subject_ref="\u90bb" * 42 + "xx",  # 128 bytes
            submitter="p" * 128,
            references=tuple(range(64)),
            claimed_at=0,
        )
        assert decode(encode(b)) == b
        assert body(subject_ref="").subject_ref == ""

    def test_unicode_is_not_normalised(self) -> None:
        composed, decomposed = body(subject_ref="\u00e9"), body(subject_ref="e\u0301")
        assert composed != decomposed
        assert encode(composed) != encode(decomposed)
        assert decode(encode(decomposed)).subject_ref == "e\u0301"

    def test_encode_rejects_non_bodies(self) -> None:
        with pytest.raises(TypeError):
            encode(b"\x01")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Decoding hostile input
# ---------------------------------------------------------------------------


def _set(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


class TestDecodeRejects:
    base = encode(
        body(
            entry_type="t",
            subject_ref="s",
            references=(7,),
            submitter="p",
            submitter_key_id=b"KKKK",
        )
    )
    # Offsets in ``base``: version 0, type len 1, type 3, subject len 4,
    # subject 6, claimed_at 7, hash 15, ref count 47, ref 49, key ID 57,
    # submitter len 61, submitter 63; total 64.

    def test_base_is_valid(self) -> None:
        assert len(self.base) == 64
        assert decode(self.base).references == (7,)

    @pytest.mark.parametrize(
        ("name", "mutate"),
        [
            ("empty", lambda d: b""),
            ("version-0", lambda d: _set(d, 0, b"\x00")),
            ("version-2", lambda d: _set(d, 0, b"\x02")),
            ("trailing-byte", lambda d: d + b"\x00"),
            ("trailing-entry", lambda d: d + d),
            ("truncated", lambda d: d[:-1]),
            ("type-length-too-long", lambda d: _set(d, 1, b"\x00\x41")),
            ("type-length-past-end", lambda d: _set(d, 1, b"\x00\x40")),
            ("type-uppercase", lambda d: _set(d, 3, b"T")),
            ("type-empty", lambda d: _set(d, 1, b"\x00\x00")),
            ("subject-bad-utf8", lambda d: _set(d, 6, b"\xff")),
            ("subject-surrogate", lambda d: d[:4] + b"\x00\x03\xed\xa0\x80" + d[7:]),
            ("subject-control", lambda d: _set(d, 6, b"\x00")),
            ("subject-length-too-long", lambda d: _set(d, 4, b"\x00\x81")),
            ("claimed-at-2**63", lambda d: _set(d, 7, b"\x80" + b"\x00" * 7)),
            ("claimed-at-max", lambda d: _set(d, 7, b"\xff" * 8)),
            ("reference-count-65", lambda d: _set(d, 47, b"\x00\x41")),
            ("reference-count-past-end", lambda d: _set(d, 47, b"\x00\x02")),
            ("reference-2**63", lambda d: _set(d, 49, b"\x80" + b"\x00" * 7)),
            ("duplicate-reference", lambda d: d[:47] + b"\x00\x02" + d[49:57] * 2 + d[57:]),
            ("submitter-empty", lambda d: d[:61] + b"\x00\x00"),
            ("submitter-length-past-end", lambda d: _set(d, 61, b"\x00\x02")),
            ("submitter-length-too-long", lambda d: d[:61] + b"\x00\x81" + b"p" * 129),
            ("submitter-bad-utf8", lambda d: _set(d, 63, b"\x80")),
            ("oversized", lambda d: d + b"\x00" * MAX_ENCODED_SIZE),
        ],
    )
    def test_rejects(self, name: str, mutate: object) -> None:
        data = mutate(self.base)  # type: ignore[operator]
        with pytest.raises(EntryError):
            decode(data)

    def test_every_truncation_rejected(self) -> None:
        data = encode(body())
        for n in range(len(data)):
            with pytest.raises(EntryError):
                decode(data[:n])

    def test_non_bytes(self) -> None:
        with pytest.raises(TypeError):
            decode("\x01")  # type: ignore[arg-type]

    @SETTINGS
    @given(st.binary(max_size=1200))
    def test_arbitrary_bytes_only_raise_entry_error(self, data: bytes) -> None:
        try:
            b = decode(data)
        except EntryError:
            return
        assert encode(b) == data

    @SETTINGS
    @given(st.binary(max_size=300).map(lambda d: b"\x01" + d))
    def test_arbitrary_version_1_bytes_only_raise_entry_error(self, data: bytes) -> None:
        try:
            b = decode(data)
        except EntryError:
            return
        assert encode(b) == data

    @SETTINGS
    @given(bodies, st.data())
    def test_mutated_encodings_only_raise_entry_error(
        self, b: EntryBody, data: st.DataObject
    ) -> None:
        raw = bytearray(encode(b))
        for _ in range(data.draw(st.integers(1, 3))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
        try:
            decoded = decode(bytes(raw))
        except EntryError:
            return
        assert encode(decoded) == bytes(raw)


# ---------------------------------------------------------------------------
# Signatures and leaves
# ---------------------------------------------------------------------------


class TestSigning:
    def test_signed_message(self) -> None:
        b = body()
        assert DOMAIN_PREFIX == b"linli-ledger-entry/v1\n"
        assert signed_message(b) == b"linli-ledger-entry/v1\n" + encode(b)

    def test_sign_and_verify(self) -> None:
        b = body()
        sig = sign_entry(b, SIGNER)
        assert len(sig) == 64
        assert sig == SIGNER.sign(b"linli-ledger-entry/v1\n" + layout(b))
        assert verify_entry(b, sig, SIGNER.verifier())
        assert verify_entry(b, bytearray(sig), SIGNER.verifier())  # type: ignore[arg-type]

    def test_domain_separation(self) -> None:
        b = body()
        bare = SIGNER.sign(encode(b))  # signed without the prefix
        assert not verify_entry(b, bare, SIGNER.verifier())

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("entry_type", "correction"),
            ("subject_ref", "person:\u5f20\u4e09/43"),
            ("claimed_at", 1_700_000_000_124),
            ("payload_hash", hashlib.sha256(b"other").digest()),
            ("references", (1, 3)),
            ("references", (3,)),
            ("submitter", "someone else"),
        ],
    )
    def test_any_field_change_breaks_signature(self, field: str, value: object) -> None:
        sig = sign_entry(body(), SIGNER)
        assert not verify_entry(body(**{field: value}), sig, SIGNER.verifier())

    def test_every_signature_bit_matters(self) -> None:
        b = body()
        sig = sign_entry(b, SIGNER)
        for i in range(len(sig)):
            for bit in range(8):
                bad = sig[:i] + bytes([sig[i] ^ (1 << bit)]) + sig[i + 1 :]
                assert not verify_entry(b, bad, SIGNER.verifier())

    def test_key_id_must_match(self) -> None:
        other = Signer.generate("linli.example/party/other")
        b = body()
        with pytest.raises(EntryError, match="submitter_key_id"):
            sign_entry(b, other)
        forged = other.sign(signed_message(b))
        assert not verify_entry(b, forged, other.verifier())  # right signature, wrong key ID
        assert not verify_entry(b, sign_entry(b, SIGNER), other.verifier())

    def test_verify_never_raises(self) -> None:
        b = body()
        sig = sign_entry(b, SIGNER)
        cosigner = CosignatureSigner.generate(SIGNER.name)
        cases: list[tuple[object, object, object]] = [
            (b, sig[:-1], SIGNER.verifier()),
            (b, sig + b"\x00", SIGNER.verifier()),
            (b, b"", SIGNER.verifier()),
            (b, None, SIGNER.verifier()),
            (b, sig.hex(), SIGNER.verifier()),
            (encode(b), sig, SIGNER.verifier()),
            (None, sig, SIGNER.verifier()),
            (b, sig, None),
            (b, sig, SIGNER),
            (b, sig, cosigner.verifier()),
        ]
        for case in cases:
            assert verify_entry(*case) is False  # type: ignore[arg-type]

    def test_sign_entry_type_checks(self) -> None:
        with pytest.raises(TypeError):
            sign_entry(body(), SIGNER.verifier())  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            sign_entry(encode(body()), SIGNER)  # type: ignore[arg-type]

    @SETTINGS
    @given(bodies)
    def test_sign_verify_property(self, b: EntryBody) -> None:
        signer = SIGNER
        b = EntryBody(
            b.entry_type,
            b.subject_ref,
            b.claimed_at,
            b.payload_hash,
            b.references,
            signer.key_id,
            b.submitter,
        )
        sig = sign_entry(b, signer)
        assert verify_entry(decode(encode(b)), sig, signer.verifier())


class TestLeafData:
    def test_leaf_data(self) -> None:
        b = body()
        sig = sign_entry(b, SIGNER)
        leaf = leaf_data(b, sig)
        assert leaf == encode(b) + sig
        assert parse_leaf_data(leaf) == (b, sig)
        assert merkle.leaf_hash(leaf) == hashlib.sha256(b"\x00" + encode(b) + sig).digest()

    def test_leaf_data_rejects_bad_signatures(self) -> None:
        b = body()
        with pytest.raises(EntryError):
            leaf_data(b, bytes(63))
        with pytest.raises(EntryError):
            leaf_data(b, bytes(65))
        with pytest.raises(TypeError):
            leaf_data(b, "00" * 64)  # type: ignore[arg-type]

    def test_parse_leaf_data_rejects(self) -> None:
        b = body()
        sig = sign_entry(b, SIGNER)
        for bad in (b"", bytes(64), encode(b) + sig[:-1], encode(b) + sig + b"\x00"):
            with pytest.raises(EntryError):
                parse_leaf_data(bad)

    @SETTINGS
    @given(bodies, st.binary(min_size=64, max_size=64))
    def test_leaf_round_trip(self, b: EntryBody, sig: bytes) -> None:
        assert parse_leaf_data(leaf_data(b, sig)) == (b, sig)


# ---------------------------------------------------------------------------
# Salted payload hashes
# ---------------------------------------------------------------------------


class TestSaltedPayloadHash:
    def test_formula(self) -> None:
        salt = bytes(range(32))
        assert salted_payload_hash(b"payload", salt) == hashlib.sha256(salt + b"payload").digest()
        assert salted_payload_hash(b"", salt) == hashlib.sha256(salt).digest()
        assert (
            salted_payload_hash(bytearray(b"p"), memoryview(salt))
            == hashlib.sha256(salt + b"p").digest()
        )

    @pytest.mark.parametrize("size", [32])
    def test_salt_sizes_accepted(self, size: int) -> None:
        salt = b"s" * size
        assert salted_payload_hash(b"x", salt) == hashlib.sha256(salt + b"x").digest()

    @pytest.mark.parametrize("size", [0, 1, 15, 16, 31, 33, 64, 65, 128])
    def test_salt_sizes_rejected(self, size: int) -> None:
        with pytest.raises(EntryError):
            salted_payload_hash(b"x", b"s" * size)

    def test_types(self) -> None:
        with pytest.raises(TypeError):
            salted_payload_hash("x", new_salt())  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            salted_payload_hash(b"x", "s" * 32)  # type: ignore[arg-type]

    def test_salt_hides_payload(self) -> None:
        assert salted_payload_hash(b"x", new_salt()) != salted_payload_hash(b"x", new_salt())

    def test_new_salt(self) -> None:
        salts = {new_salt() for _ in range(100)}
        assert len(salts) == 100
        assert all(len(s) == entry.SALT_SIZE == 32 for s in salts)

    def test_usable_as_payload_hash(self) -> None:
        b = body(payload_hash=salted_payload_hash(b'{"dose": 2}', new_salt()))
        assert decode(encode(b)) == b


class TestBodyTemplate:
    """A batch's shared fields encoded once: the same bytes and the same refusals as
    :func:`encode` of a whole :class:`EntryBody`."""

    @SETTINGS
    @given(bodies)
    def test_same_bytes_as_encode(self, b: EntryBody) -> None:
        template = entry.BodyTemplate(b.entry_type, b.claimed_at, b.references, b.submitter_key_id, b.submitter)
        assert template.encode(b.subject_ref, b.payload_hash) == encode(b)
        assert template.key_id == b.submitter_key_id

    @pytest.mark.parametrize(
        ("subject_ref", "payload_hash", "error"),
        [
            ("x" * 129, PAYLOAD_HASH, EntryError),
            ("\u00e9" * 65, PAYLOAD_HASH, EntryError),
            ("a\nb", PAYLOAD_HASH, EntryError),
            ("\ud800", PAYLOAD_HASH, EntryError),
            (42, PAYLOAD_HASH, TypeError),
            ("ok", PAYLOAD_HASH[:31], EntryError),
            ("ok", PAYLOAD_HASH + b"\x00", EntryError),
            ("ok", "0" * 32, TypeError),
        ],
    )
    def test_refuses_what_entry_body_refuses(self, subject_ref: object, payload_hash: object,
                                             error: type[Exception]) -> None:
        b = body()
        template = entry.BodyTemplate(b.entry_type, b.claimed_at, b.references, b.submitter_key_id, b.submitter)
        with pytest.raises(error):
            body(subject_ref=subject_ref, payload_hash=payload_hash)
        with pytest.raises(error):
            template.encode(subject_ref, payload_hash)  # type: ignore[arg-type]

    def test_bytes_like_payload_hash(self) -> None:
        b = body()
        template = entry.BodyTemplate(b.entry_type, b.claimed_at, b.references, b.submitter_key_id, b.submitter)
        assert template.encode(b.subject_ref, bytearray(PAYLOAD_HASH)) == encode(b)  # type: ignore[arg-type]

    def test_shared_fields_validated(self) -> None:
        with pytest.raises(EntryError):
            entry.BodyTemplate("Bad-Type", 0, (), SIGNER.key_id, SIGNER.name)
        with pytest.raises(EntryError):
            entry.BodyTemplate("ok", -1, (), SIGNER.key_id, SIGNER.name)
        with pytest.raises(EntryError):
            entry.BodyTemplate("ok", 0, (1, 1), SIGNER.key_id, SIGNER.name)
        with pytest.raises(EntryError):
            entry.BodyTemplate("ok", 0, (), SIGNER.key_id, "")

    def test_sign_and_verify_encoded(self) -> None:
        b = body()
        raw = encode(b)
        signature = entry.sign_encoded(raw, SIGNER)
        assert signature == sign_entry(b, SIGNER)
        assert entry.verify_encoded(raw, signature, SIGNER.verifier())
        assert not entry.verify_encoded(raw[:-1] + b"x", signature, SIGNER.verifier())
        assert not entry.verify_encoded(raw, signature[:-1] + bytes([signature[-1] ^ 1]), SIGNER.verifier())
        assert not entry.verify_encoded(raw, signature, Signer.generate(SIGNER.name).verifier())
        assert not entry.verify_encoded(raw, signature[:63], SIGNER.verifier())
