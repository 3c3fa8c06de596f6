"""Tests for :mod:`linli.ledger.note` (C2SP signed-note, tlog-checkpoint, tlog-cosignature).

Pure unit tests: no Django, no database.

Published vectors used below (copied as data; the code must reproduce them):

* ``golang.org/x/mod/sumdb/note/note_test.go`` (and the package documentation
  in ``note.go``): the PeterNeumann signer and verifier keys, the signed note
  they produce, the EnochRoot verifier key and signature, the rejected key
  manglings and the malformed notes of ``TestOpen``.
* ``golang.org/x/mod/sumdb/tlog/note_test.go``: the golden checkpoint body
  ``go.sum database tree / 123456789012 / RecordHash("hello world")`` and its
  invalid variants.
* ``golang/go`` ``src/cmd/go/internal/modfetch/key.go``: the published
  ``sum.golang.org`` verifier key; ``google/trillian-examples``
  ``witness/golang/cmd/addrwitness/README.md``: a real ``sum.golang.org``
  checkpoint (tree size 15081221) with a witness signature by the example
  key published in ``example_key.txt`` of the same directory.
* ``transparency-dev/formats`` ``note/note_cosigv1_test.go``: a type 0x01 and
  a type 0x04 verifier key, and a cosignature whose embedded timestamp is
  1727964367.
* c2sp.org/tlog-cosignature and c2sp.org/tlog-checkpoint: the example
  checkpoint, its example cosignature line and the example signed message
  (``time 1679315147``); c2sp.org/signed-note: the example note. The specs
  publish no keys for these, so only the framing can be checked.

No published known-answer test of a *verifiable* Ed25519 cosignature/v1 was
found: cosignatures are checked against an independent construction of the
spec's message in this file instead.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.ledger import merkle
from linli.ledger.note import (
    MAX_NOTE_SIZE,
    MAX_SIGNATURES,
    MAX_TIMESTAMP,
    SIG_TYPE_COSIGNATURE_V1,
    SIG_TYPE_ED25519,
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    Note,
    NoteError,
    Signature,
    Signer,
    Verifier,
    compute_key_id,
    cosign_checkpoint,
    cosignature_message,
    cosignature_timestamp,
    decode_verifier,
    is_valid_key_name,
    open_checkpoint,
    open_note,
    sign_note,
    verify_cosignatures,
)

SETTINGS = settings(
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EM = "\u2014"

# ---------------------------------------------------------------------------
# golang.org/x/mod/sumdb/note vectors
# ---------------------------------------------------------------------------

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
PETER_SIG = (
    f"{EM} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
    "gotpRZb6KE6RyyBwJnAM=\n"
).encode()
ENOCH_SIG = (
    f"{EM} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox"
    "33WWd1RvMc+QQ=\n"
).encode()

# ---------------------------------------------------------------------------
# sum.golang.org key and a real checkpoint witnessed by trillian-examples
# ---------------------------------------------------------------------------

SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
TRILLIAN_WITNESS_SKEY = (
    "PRIVATE+KEY+test.example.com+a931a10b+AXPS05UgZbJXPQDwqwZJ/F2XY8lLRQo2Xs9FbmANM4fT"
)
SUMDB_BODY = b"go.sum database tree\n15081221\nBoMMe1wd25Tco0mYGROkyqxHZWx+hcSCtMV315Lu6Lg=\n"
SUMDB_SIG = (
    f"{EM} sum.golang.org Az3grilD7vQqTrv66jRgKM84Y80KTprrSt4bKmiOPxgmS5ZVBTeCl6dUvjYnN13R+C8j0jGY1W"
    "nUADGMkok3U0m2Zgo=\n"
).encode()
TRILLIAN_WITNESS_SIG = (
    f"{EM} test.example.com qTGhC3917mAr6hGh+T55tNjxaej/D/GQivJZRIj7XGdAcQOTqfMWIPgp/v/904LEduN/h2sS"
    "RtHUJXUL4b9Gm7Bz4Qc=\n"
).encode()
# A third line of that README, in a pre-cosignature/v1 timestamped format: to
# us an unknown key (ID fcf6bb63), which must simply be ignored.
TRILLIAN_OLD_TIMESTAMPED_SIG = (
    f"{EM} test.example.com /Pa7Y/dUvWMAAAAAQVwkQVi81ArPV7BIaQYrMIxyzY0m8a4BdeeBhSKd3PviPK4/3Sd+NKSc"
    "5N7PDTCfAkUSVniN+R2oKIggA4iiDQ==\n"
).encode()

# ---------------------------------------------------------------------------
# transparency-dev/formats note_cosigv1_test.go
# ---------------------------------------------------------------------------

TD_ED25519_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
TD_COSIG_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
TD_COSIG_1727964367 = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
TD_PLAIN_SIG = (
    "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="
)

# ---------------------------------------------------------------------------
# C2SP examples
# ---------------------------------------------------------------------------

C2SP_CHECKPOINT = (
    b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
C2SP_LOG_SIG = (
    f"{EM} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcy"
    "v2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
).encode()
C2SP_COSIG = (
    f"{EM} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3"
    "b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
).encode()
C2SP_COSIGNED_MESSAGE = (
    b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
    b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
C2SP_NOTE = (
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n"
    f"\n{EM} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMou"
    "FSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
).encode()


def key_id_by_hand(name: str, sig_type: int, public_key: bytes) -> bytes:
    """The signed-note key ID formula, written out independently of the module."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def checkpoint_body(size: int = 5, origin: str = "linli.example/ledger") -> bytes:
    return Checkpoint(origin, size, merkle.root([b"e%d" % i for i in range(size)])).body()


# ---------------------------------------------------------------------------
# Published vectors
# ---------------------------------------------------------------------------


class TestGoNoteVectors:
    def test_verifier_key_round_trips(self) -> None:
        for vkey in (PETER_VKEY, ENOCH_VKEY, SUMDB_VKEY, TD_ED25519_VKEY):
            v = Verifier.decode(vkey)
            assert v.encode() == vkey
            name, hex_id, _ = vkey.split("+", 2)
            assert v.name == name
            assert v.key_id.hex() == hex_id
            assert v.key_id == key_id_by_hand(name, 0x01, v.public_key_bytes)

    def test_signer_key_round_trips_and_matches_verifier(self) -> None:
        signer = Signer.decode(PETER_SKEY)
        assert signer.encode() == PETER_SKEY
        assert signer.name == "PeterNeumann"
        assert signer.key_id == bytes.fromhex("c74f20a3")
        assert signer.verifier() == Verifier.decode(PETER_VKEY)
        assert signer.verifier().encode() == PETER_VKEY

    def test_sign_reproduces_published_note(self) -> None:
        signer = Signer.decode(PETER_SKEY)
        assert sign_note(GO_TEXT, signer) == GO_TEXT + b"\n" + PETER_SIG

    def test_sign_replaces_existing_signature_of_same_key(self) -> None:
        signer = Signer.decode(PETER_SKEY)
        bad = Signature("PeterNeumann", bytes.fromhex("c74f20a3"), b"BADSIGN")
        note = Note(GO_TEXT, (bad,)).add(signer.signature(GO_TEXT))
        assert note.to_bytes() == GO_TEXT + b"\n" + PETER_SIG

    def test_open_one_known_one_unknown(self) -> None:
        peter = Verifier.decode(PETER_VKEY)
        text, signed = open_note(GO_TEXT + b"\n" + PETER_SIG + ENOCH_SIG, [peter])
        assert text == GO_TEXT
        assert signed == [peter]

    def test_open_both_known(self) -> None:
        peter, enoch = Verifier.decode(PETER_VKEY), Verifier.decode(ENOCH_VKEY)
        text, signed = open_note(GO_TEXT + b"\n" + PETER_SIG + ENOCH_SIG, [enoch, peter])
        assert text == GO_TEXT
        assert signed == [peter, enoch]  # order of the signature lines

    def test_open_without_known_key_fails(self) -> None:
        with pytest.raises(NoteError, match="no verifiable signatures"):
            open_note(GO_TEXT + b"\n" + PETER_SIG + ENOCH_SIG, [])

    def test_open_with_repeated_verifier(self) -> None:
        enoch, peter = Verifier.decode(ENOCH_VKEY), Verifier.decode(PETER_VKEY)
        text, signed = open_note(
            GO_TEXT + b"\n" + ENOCH_SIG, [enoch, peter, Verifier.decode(ENOCH_VKEY)]
        )
        assert signed == [enoch]

    def test_open_too_many_signatures(self) -> None:
        peter = Verifier.decode(PETER_VKEY)
        assert open_note(GO_TEXT + b"\n" + PETER_SIG * MAX_SIGNATURES, [peter])[1] == [peter]
        for known in ([peter], []):
            with pytest.raises(NoteError, match="more than 100"):
                open_note(GO_TEXT + b"\n" + PETER_SIG * (MAX_SIGNATURES + 1), known)

    def test_open_invalid_signature_of_known_key(self) -> None:
        # Go inserts "ABCD" at byte 60 of the signature line.
        bad = PETER_SIG[:60] + b"ABCD" + PETER_SIG[60:]
        with pytest.raises(NoteError, match=r"invalid signature for key PeterNeumann\+c74f20a3"):
            open_note(GO_TEXT + b"\n" + bad, [Verifier.decode(PETER_VKEY)])

    def test_open_duplicated_and_corrupt_unknown_signatures(self) -> None:
        enoch_abcd = ENOCH_SIG[:60] + b"ABCD" + ENOCH_SIG[60:]
        data = GO_TEXT + b"\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
        peter = Verifier.decode(PETER_VKEY)
        assert open_note(data, [peter]) == (GO_TEXT, [peter])
        assert len(Note.parse(data).signatures) == 5
        # With Enoch's key known, the corrupted Enoch line now rejects the note.
        with pytest.raises(NoteError, match="EnochRoot"):
            open_note(data, [peter, Verifier.decode(ENOCH_VKEY)])

    @pytest.mark.parametrize(
        "data",
        [
            GO_TEXT,
            GO_TEXT + b"\n",
            GO_TEXT + b"\n" + PETER_SIG[:-1],
            b"\x01" + GO_TEXT + b"\n" + PETER_SIG,
            b"\xff" + GO_TEXT + b"\n" + PETER_SIG,
            GO_TEXT + b"\n" + f"{EM} Bad Name ".encode() + PETER_SIG.split(b" ")[-1],
            GO_TEXT + b"\n" + PETER_SIG + b"Unexpected line.\n",
        ],
        ids=[
            "no-sigs",
            "blank-no-sigs",
            "no-final-newline",
            "control",
            "bad-utf8",
            "bad-name",
            "junk-line",
        ],
    )
    def test_go_malformed_notes(self, data: bytes) -> None:
        with pytest.raises(NoteError):
            open_note(data, [Verifier.decode(PETER_VKEY)])

    @staticmethod
    def manglings(key: str) -> list[str]:
        """Every proper substring and every one-byte increment (as Go's tests)."""
        b = key.encode()
        out = [b[i:j].decode() for i in range(len(b) + 1) for j in range(i + 1, len(b) + 1)]
        out.remove(key)
        for i in range(len(b)):
            out.append((b[:i] + bytes([b[i] + 1]) + b[i + 1 :]).decode())
        return out

    def test_verifier_key_manglings_rejected(self) -> None:
        for bad in self.manglings(PETER_VKEY):
            with pytest.raises(NoteError):
                Verifier.decode(bad)
        # Wrong key length, and unknown algorithm, each with an adjusted key ID.
        with pytest.raises(NoteError):
            Verifier.decode(
                "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
            )
        with pytest.raises(NoteError):
            Verifier.decode("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")

    def test_signer_key_manglings_rejected(self) -> None:
        for bad in self.manglings(PETER_SKEY):
            with pytest.raises(NoteError):
                Signer.decode(bad)


class TestRealCheckpoints:
    def test_sum_golang_org_checkpoint(self) -> None:
        sumdb = Verifier.decode(SUMDB_VKEY)
        witness = Signer.decode(TRILLIAN_WITNESS_SKEY).verifier()
        data = SUMDB_BODY + b"\n" + SUMDB_SIG + TRILLIAN_WITNESS_SIG + TRILLIAN_OLD_TIMESTAMPED_SIG
        assert open_note(data, [sumdb, witness]) == (SUMDB_BODY, [sumdb, witness])
        checkpoint = open_checkpoint(data, [sumdb], origin="go.sum database tree")
        assert checkpoint.size == 15081221
        assert checkpoint.root == base64.b64decode("BoMMe1wd25Tco0mYGROkyqxHZWx+hcSCtMV315Lu6Lg=")
        assert checkpoint.body() == SUMDB_BODY
        with pytest.raises(NoteError, match="origin"):
            open_checkpoint(data, [sumdb], origin="sum.golang.org")

    def test_witness_signature_is_reproduced(self) -> None:
        witness = Signer.decode(TRILLIAN_WITNESS_SKEY)
        assert witness.signature(SUMDB_BODY).to_line().encode() == TRILLIAN_WITNESS_SIG

    def test_tampered_sum_golang_org_checkpoint(self) -> None:
        tampered = SUMDB_BODY.replace(b"15081221", b"15081222") + b"\n" + SUMDB_SIG
        with pytest.raises(NoteError, match="invalid signature"):
            open_checkpoint(tampered, [Verifier.decode(SUMDB_VKEY)])


class TestCosignatureVectors:
    def test_transparency_dev_verifier_keys(self) -> None:
        plain = Verifier.decode(TD_ED25519_VKEY)
        cosig = CosignatureVerifier.decode(TD_COSIG_VKEY)
        assert cosig.encode() == TD_COSIG_VKEY
        assert cosig.key_id == key_id_by_hand("remora.n621.de", 0x04, cosig.public_key_bytes)
        assert decode_verifier(TD_COSIG_VKEY) == cosig
        assert decode_verifier(TD_ED25519_VKEY) == plain
        with pytest.raises(NoteError, match="type 0x04"):
            Verifier.decode(TD_COSIG_VKEY)
        with pytest.raises(NoteError, match="type 0x01"):
            CosignatureVerifier.decode(TD_ED25519_VKEY)
        converted = CosignatureVerifier.from_verifier(plain)
        assert converted.public_key_bytes == plain.public_key_bytes
        assert converted.key_id == key_id_by_hand("TEST", 0x04, plain.public_key_bytes)

    def test_transparency_dev_timestamp(self) -> None:
        raw = base64.b64decode(TD_COSIG_1727964367)
        assert cosignature_timestamp(Signature("w", raw[:4], raw[4:])) == 1727964367
        plain = base64.b64decode(TD_PLAIN_SIG)
        with pytest.raises(NoteError):
            cosignature_timestamp(Signature("w", plain[:4], plain[4:]))

    def test_c2sp_example_cosignature_framing(self) -> None:
        note = Note.parse(C2SP_CHECKPOINT + b"\n" + C2SP_LOG_SIG + C2SP_COSIG)
        assert note.to_bytes() == C2SP_CHECKPOINT + b"\n" + C2SP_LOG_SIG + C2SP_COSIG
        cosig = note.signatures[1]
        assert cosig.name == "witness.example.com/w1"
        assert cosig.key_id == bytes.fromhex("8d66cf3f")
        assert len(cosig.payload) == 8 + 64
        assert cosignature_timestamp(cosig) == 1679315147
        assert cosignature_message(note.text, 1679315147) == C2SP_COSIGNED_MESSAGE

    def test_c2sp_example_checkpoint(self) -> None:
        cp = Checkpoint.parse(C2SP_CHECKPOINT)
        assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
        assert cp.body() == C2SP_CHECKPOINT

    def test_c2sp_example_note(self) -> None:
        note = Note.parse(C2SP_NOTE)
        assert note.text.decode().endswith("ed \u00e8 subito sera.\n")
        assert note.text.count(b"\n\n") == 1  # the text's own empty line stays in the text
        assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
        assert len(note.signatures[0].payload) == 64
        assert note.to_bytes() == C2SP_NOTE


class TestGoTlogCheckpointVectors:
    GOLDEN = b"go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"

    def test_format(self) -> None:
        # Go's tlog.RecordHash is the RFC 6962/9162 leaf hash.
        cp = Checkpoint("go.sum database tree", 123456789012, merkle.leaf_hash(b"hello world"))
        assert cp.body() == self.GOLDEN

    def test_parse(self) -> None:
        cp = Checkpoint.parse(self.GOLDEN)
        assert cp == Checkpoint(
            "go.sum database tree", 123456789012, merkle.leaf_hash(b"hello world")
        )

    @pytest.mark.parametrize(
        "bad",
        [
            b"go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
            b"go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
        ],
    )
    def test_invalid(self, bad: bytes) -> None:
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------


class TestKeys:
    @pytest.mark.parametrize(
        "name", ["a", "linli.example/log", "\u90bb\u91cc.example/\u8d26\u7c3f", "x" * 300]
    )
    def test_key_id_formula(self, name: str) -> None:
        signer = Signer.generate(name)
        cosigner = CosignatureSigner.generate(name)
        assert signer.key_id == key_id_by_hand(name, 0x01, signer.public_key_bytes)
        assert cosigner.key_id == key_id_by_hand(name, 0x04, cosigner.public_key_bytes)
        assert compute_key_id(name, SIG_TYPE_ED25519, signer.public_key_bytes) == signer.key_id
        assert signer.verifier().key_id == signer.key_id
        assert cosigner.verifier().key_id == cosigner.key_id

    def test_same_key_different_types_have_different_ids(self) -> None:
        key = Ed25519PrivateKey.generate()
        plain = Signer.from_private_key("w", key)
        cosig = CosignatureSigner.from_private_key("w", key)
        assert plain.public_key_bytes == cosig.public_key_bytes == raw_public(key)
        assert plain.key_id != cosig.key_id

    @pytest.mark.parametrize("cls", [Signer, CosignatureSigner])
    def test_signer_encoding_round_trip(self, cls: type[Signer] | type[CosignatureSigner]) -> None:
        signer = cls.generate("dept.example/witness-1")
        text = signer.encode()
        assert text.startswith("PRIVATE+KEY+dept.example/witness-1+" + signer.key_id.hex() + "+")
        material = base64.b64decode(text.split("+", 4)[4])
        assert material[0] == cls.SIGNATURE_TYPE and len(material) == 33
        again = cls.decode(text)
        assert again.encode() == text
        assert again.verifier() == signer.verifier()

    def test_cosigner_key_type(self) -> None:
        cosigner = CosignatureSigner.generate("w")
        with pytest.raises(NoteError, match="type 0x04"):
            Signer.decode(cosigner.encode())
        with pytest.raises(NoteError, match="type 0x01"):
            CosignatureSigner.decode(Signer.generate("w").encode())

    @pytest.mark.parametrize("cls", [Verifier, CosignatureVerifier])
    def test_verifier_encoding(self, cls: type[Verifier] | type[CosignatureVerifier]) -> None:
        key = Ed25519PrivateKey.generate()
        v = cls("example.com/k", raw_public(key))
        assert v == cls("example.com/k", key.public_key())
        assert hash(v) == hash(cls("example.com/k", raw_public(key)))
        name, hex_id, b64 = v.encode().split("+", 2)
        assert (name, hex_id) == (
            "example.com/k",
            key_id_by_hand(name, cls.SIGNATURE_TYPE, raw_public(key)).hex(),
        )
        assert base64.b64decode(b64) == bytes([cls.SIGNATURE_TYPE]) + raw_public(key)
        assert cls.decode(v.encode()) == v
        assert decode_verifier(v.encode()) == v

    def test_verifier_types_differ(self) -> None:
        key = Ed25519PrivateKey.generate()
        assert Verifier("k", raw_public(key)) != CosignatureVerifier("k", raw_public(key))

    def test_uppercase_hex_key_id_accepted_like_go(self) -> None:
        name, hex_id, b64 = PETER_VKEY.split("+", 2)
        assert Verifier.decode(f"{name}+{hex_id.upper()}+{b64}") == Verifier.decode(PETER_VKEY)

    @pytest.mark.parametrize(
        "vkey",
        [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a3",
            "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
            "PeterNeumann+c74f20a3+ ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",
            "PeterNeumann+c74f20a3+",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+AhpcA2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ],
    )
    def test_malformed_verifier_keys(self, vkey: str) -> None:
        with pytest.raises(NoteError):
            Verifier.decode(vkey)
        with pytest.raises(NoteError):
            decode_verifier(vkey)

    def test_unknown_signature_type(self) -> None:
        key = raw_public(Ed25519PrivateKey.generate())
        vkey = (
            f"k+{key_id_by_hand('k', 2, key).hex()}+{base64.b64encode(bytes([2]) + key).decode()}"
        )
        with pytest.raises(NoteError, match="type 0x02"):
            decode_verifier(vkey)

    def test_non_str_keys(self) -> None:
        with pytest.raises(TypeError):
            Verifier.decode(PETER_VKEY.encode())  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Signer.decode(None)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "name",
        ["", "a+b", "a b", "a\tb", "a\nb", "a\u00a0b", "a\u3000b", "a\u2028b", "a\x01b", "\ud800"],
    )
    def test_invalid_key_names(self, name: str) -> None:
        assert not is_valid_key_name(name)
        with pytest.raises(NoteError):
            Signer.generate(name)
        with pytest.raises(NoteError):
            Verifier(name, raw_public(Ed25519PrivateKey.generate()))

    def test_valid_unusual_key_names(self) -> None:
        for name in ("\u90bb\u91cc", "a/b:c@d", "oid/1.3.6.1.4.1", "\u2014", "a\u200bb"):
            assert is_valid_key_name(name), name

    def test_white_space_set_matches_unicode(self) -> None:
        # Every str.isspace() character that is not an ASCII control character
        # is refused, and U+180E (no longer a space since Unicode 6.3) is allowed.
        for cp in range(0x20, 0x10000):
            c = chr(cp)
            if c.isspace():
                assert not is_valid_key_name("a" + c), hex(cp)
        assert is_valid_key_name("a\u180e")

    def test_repr_hides_private_key(self) -> None:
        signer = Signer.decode(PETER_SKEY)
        assert "AYEKFALV" not in repr(signer)
        assert "c74f20a3" in repr(signer)

    def test_wrong_public_key_size(self) -> None:
        with pytest.raises(NoteError, match="32 bytes"):
            Verifier("k", b"\x00" * 31)
        with pytest.raises(TypeError):
            Verifier("k", "00" * 32)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Signer("k", b"\x00" * 32)  # type: ignore[arg-type]

    def test_verify_never_raises(self) -> None:
        signer = Signer.generate("k")
        v = signer.verifier()
        sig = signer.sign(b"hi")
        assert v.verify(b"hi", sig)
        assert v.verify(bytearray(b"hi"), memoryview(sig))
        cases: list[tuple[object, object]] = [
            (b"hi", sig[:-1]),
            (b"hi", sig + b"\x00"),
            (b"hi", b""),
            (b"ho", sig),
            ("hi", sig),
            (None, sig),
            (b"hi", None),
            (b"hi", "x" * 64),
            (b"hi", b"\xff" * 64),
        ]
        for message, signature in cases:
            assert v.verify(message, signature) is False  # type: ignore[arg-type]
        cv = CosignatureSigner.generate("c").verifier()
        cases = [(b"", b""), (None, None), (b"x\n", b"\x00" * 72), ("a", 5)]
        for message, signature in cases:
            assert cv.verify(message, signature) is False  # type: ignore[arg-type]
            assert cv.verify_timestamped(message, signature) is None  # type: ignore[arg-type]

    def test_libsodium_signs_and_verifies_as_openssl_does(self) -> None:
        """Signing and verifying go through libsodium (decision 0053). Ed25519 is
        deterministic, so every signature is byte for byte OpenSSL's, and both agree on
        every honest signature and on every altered one."""
        group_order = 2**252 + 27742317777372353535851937790883648493
        for size in (0, 1, 63, 150, 5000):
            key = Ed25519PrivateKey.generate()
            signer = CosignatureSigner("c", key) if size == 1 else Signer("k", key)
            message = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
            if isinstance(signer, CosignatureSigner):
                body = Checkpoint("example.com/log", 1, b"\x00" * 32).body()
                cosignature = signer.cosign(body, 7)
                assert cosignature[8:] == key.sign(cosignature_message(body, 7))
                assert signer.verifier().verify(body, cosignature)
                continue
            signature = signer.sign(message)
            assert signature == key.sign(message)
            verifier, public = signer.verifier(), key.public_key()
            public.verify(signature, message)  # OpenSSL accepts it (raises otherwise)
            assert verifier.verify(message, signature)
            flipped = bytes([signature[0] ^ 1]) + signature[1:]
            # S + L: the same signature with its scalar not reduced, refused by both (RFC 8032 §5.1.7).
            unreduced = signature[:32] + (int.from_bytes(signature[32:], "little") + group_order).to_bytes(32, "little")
            for bad_message, bad_signature in ((message + b"!", signature), (message, flipped), (message, unreduced)):
                assert not verifier.verify(bad_message, bad_signature)
                with pytest.raises(InvalidSignature):
                    public.verify(bad_signature, bad_message)

    def test_a_public_key_of_small_order_verifies_nothing(self) -> None:
        """libsodium refuses a public key of small order, with which a signature (R = the
        neutral point, S = 0) would hold for every message under the plain equation."""
        neutral = (1).to_bytes(32, "little")
        verifier = Verifier("k", neutral)
        forged = neutral + bytes(32)
        for message in (b"", b"hello\n", b"x" * 150):
            assert not verifier.verify(message, forged)


# ---------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------


def note_with(text: bytes, sig_lines: bytes) -> bytes:
    return text + b"\n" + sig_lines


VALID_SIG_LINE = PETER_SIG


MALFORMED_NOTES = {
    "empty": b"",
    "only-newline": b"\n",
    "text-only": b"hello\n",
    "no-final-newline": note_with(b"hello\n", VALID_SIG_LINE[:-1]),
    "no-blank-line": b"hello\n" + VALID_SIG_LINE,
    "blank-line-no-sigs": b"hello\n\n",
    "trailing-blank-line": note_with(b"hello\n", VALID_SIG_LINE) + b"\n",
    "hyphen-not-em-dash": note_with(b"hello\n", b"-" + VALID_SIG_LINE[3:]),
    "en-dash": note_with(b"hello\n", "\u2013".encode() + VALID_SIG_LINE[3:]),
    "em-dash-no-space": note_with(b"hello\n", VALID_SIG_LINE.replace(b" ", b"", 1)),
    "double-space": note_with(b"hello\n", VALID_SIG_LINE.replace(b" ", b"  ", 1)),
    "no-signature-after-name": note_with(b"hello\n", f"{EM} PeterNeumann\n".encode()),
    "empty-signature": note_with(b"hello\n", f"{EM} PeterNeumann \n".encode()),
    "empty-name": note_with(b"hello\n", f"{EM}  x08go/ZJkuBS9U=\n".encode()),
    "plus-in-name": note_with(
        b"hello\n", VALID_SIG_LINE.replace(b"PeterNeumann", b"Peter+Neumann")
    ),
    "nbsp-in-name": note_with(
        b"hello\n", VALID_SIG_LINE.replace(b"PeterNeumann", "Peter\u00a0N".encode())
    ),
    "base64-bad-char": note_with(b"hello\n", VALID_SIG_LINE.replace(b"x08go/", b"x08go!")),
    "base64-no-padding": note_with(b"hello\n", VALID_SIG_LINE.replace(b"AM=\n", b"AM\n")),
    "base64-non-canonical": note_with(b"hello\n", VALID_SIG_LINE.replace(b"AM=\n", b"AN=\n")),
    "base64-url-alphabet": note_with(b"hello\n", VALID_SIG_LINE.replace(b"/", b"_")),
    "base64-trailing-space": note_with(b"hello\n", VALID_SIG_LINE[:-1] + b" \n"),
    "signature-too-short": note_with(b"hello\n", f"{EM} PeterNeumann x08gow==\n".encode()),
    "bad-utf8-text": note_with(b"caf\xe9\n", VALID_SIG_LINE),
    "overlong-utf8": note_with(b"\xc0\xaf\n", VALID_SIG_LINE),
    "surrogate-utf8": note_with(b"\xed\xa0\x80\n", VALID_SIG_LINE),
    "nul": note_with(b"a\x00b\n", VALID_SIG_LINE),
    "tab": note_with(b"a\tb\n", VALID_SIG_LINE),
    "crlf": note_with(b"hello\r\n", VALID_SIG_LINE),
    "crlf-signature": note_with(b"hello\n", VALID_SIG_LINE[:-1] + b"\r\n"),
    "junk-after-signatures": note_with(b"hello\n", VALID_SIG_LINE + b"junk\n"),
    "too-many-signatures": note_with(b"hello\n", VALID_SIG_LINE * (MAX_SIGNATURES + 1)),
    "too-large": note_with(b"x" * MAX_NOTE_SIZE + b"\n", VALID_SIG_LINE),
}


class TestNoteParsing:
    @pytest.mark.parametrize("data", MALFORMED_NOTES.values(), ids=MALFORMED_NOTES.keys())
    def test_malformed_notes_rejected(self, data: bytes) -> None:
        with pytest.raises(NoteError):
            Note.parse(data)
        with pytest.raises(NoteError):
            open_note(data, [Verifier.decode(PETER_VKEY)])

    def test_exactly_max_signatures_and_size(self) -> None:
        note = Note.parse(note_with(b"hello\n", VALID_SIG_LINE * MAX_SIGNATURES))
        assert len(note.signatures) == MAX_SIGNATURES
        filler = MAX_NOTE_SIZE - len(VALID_SIG_LINE) - 2
        big = note_with(b"x" * filler + b"\n", VALID_SIG_LINE)
        assert len(big) == MAX_NOTE_SIZE
        assert Note.parse(big).to_bytes() == big

    def test_text_may_contain_empty_lines(self) -> None:
        text = b"a\n\nb\n\n"
        data = note_with(text, VALID_SIG_LINE)
        note = Note.parse(data)
        assert note.text == text
        assert note.to_bytes() == data

    def test_minimal_text(self) -> None:
        data = note_with(b"\n", VALID_SIG_LINE)
        assert Note.parse(data).text == b"\n"

    def test_unicode_text_round_trip(self) -> None:
        signer = Signer.generate("\u90bb\u91cc.example/log")
        text = "\u90bb\u91cc\u793e\u533a\u8d26\u7c3f \U0001f3e0 \u00e9\u0301\n".encode()
        data = sign_note(text, signer)
        assert open_note(data, [signer.verifier()]) == (text, [signer.verifier()])

    def test_parse_non_bytes(self) -> None:
        with pytest.raises(TypeError):
            Note.parse("hello\n\n")  # type: ignore[arg-type]
        assert Note.parse(bytearray(note_with(b"a\n", VALID_SIG_LINE))).text == b"a\n"

    def test_signature_line_round_trip(self) -> None:
        sig = Note.parse(note_with(b"a\n", VALID_SIG_LINE)).signatures[0]
        assert sig.to_line().encode() == VALID_SIG_LINE
        assert Signature.parse_line(sig.to_line()) == sig
        assert Signature.parse_line(VALID_SIG_LINE[:-1]) == sig
        assert sig.key_id_hex == "c74f20a3"
        with pytest.raises(NoteError):
            Signature.parse_line(VALID_SIG_LINE + VALID_SIG_LINE)

    @pytest.mark.parametrize(
        ("name", "key_id", "payload"),
        [("a b", b"1234", b"x"), ("a", b"123", b"x"), ("a", b"12345", b"x"), ("a", b"1234", b"")],
    )
    def test_signature_validation(self, name: str, key_id: bytes, payload: bytes) -> None:
        with pytest.raises(NoteError):
            Signature(name, key_id, payload)

    def test_note_validation(self) -> None:
        with pytest.raises(NoteError):
            Note(b"no newline")
        with pytest.raises(NoteError):
            Note(b"bad \x07 bell\n")
        with pytest.raises(NoteError, match="at least one signature"):
            Note(b"ok\n").to_bytes()
        with pytest.raises(TypeError):
            Note("ok\n")  # type: ignore[arg-type]
        sig = Signature("a", b"1234", b"x")
        with pytest.raises(NoteError):
            Note(b"ok\n", (sig,) * (MAX_SIGNATURES + 1))
        assert Note(bytearray(b"ok\n"), [sig]) == Note(b"ok\n", (sig,))  # type: ignore[arg-type]

    def test_add_is_persistent_and_replaces_same_key(self) -> None:
        a1 = Signature("a", b"1234", b"one")
        a2 = Signature("a", b"1234", b"two")
        b = Signature("b", b"1234", b"x")
        a_other_id = Signature("a", b"9999", b"x")
        note = Note(b"t\n")
        n1 = note.add(a1).add(b).add(a_other_id)
        assert note.signatures == ()
        assert n1.signatures == (a1, b, a_other_id)
        assert n1.add(a2).signatures == (b, a_other_id, a2)

    @SETTINGS
    @given(st.binary(max_size=600))
    def test_parse_only_raises_note_error(self, data: bytes) -> None:
        try:
            note = Note.parse(data)
        except NoteError:
            return
        assert note.to_bytes() == data

    @SETTINGS
    @given(st.data())
    def test_mutated_notes_only_raise_note_error(self, data: st.DataObject) -> None:
        raw = bytearray(note_with(GO_TEXT, PETER_SIG + ENOCH_SIG))
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
        try:
            open_note(bytes(raw), [Verifier.decode(PETER_VKEY), Verifier.decode(ENOCH_VKEY)])
        except NoteError:
            pass


class TestSigningAndOpening:
    def test_round_trip_with_several_signers(self) -> None:
        a, b = Signer.generate("a.example"), Signer.generate("b.example")
        text = b"line one\nline two\n"
        data = sign_note(text, a, b)
        assert open_note(data, [a.verifier(), b.verifier()]) == (text, [a.verifier(), b.verifier()])
        assert open_note(data, [b.verifier()]) == (text, [b.verifier()])

    def test_unknown_signers_are_ignored(self) -> None:
        known, stranger = Signer.generate("log"), Signer.generate("stranger")
        text = b"x\n"
        data = sign_note(text, stranger, known)
        assert open_note(data, [known.verifier()]) == (text, [known.verifier()])

    def test_same_name_other_key_is_ignored(self) -> None:
        # signed-note: ignore signatures sharing a name (but not the key ID).
        known, impostor = Signer.generate("log"), Signer.generate("log")
        data = sign_note(b"x\n", impostor, known)
        assert open_note(data, [known.verifier()])[1] == [known.verifier()]
        with pytest.raises(NoteError, match="no verifiable"):
            open_note(sign_note(b"x\n", impostor), [known.verifier()])

    def test_same_key_id_other_name_is_ignored(self) -> None:
        known = Signer.generate("log")
        line = Signature("other", known.key_id, known.sign(b"x\n")).to_line().encode()
        with pytest.raises(NoteError, match="no verifiable"):
            open_note(b"x\n\n" + line, [known.verifier()])

    def test_ambiguous_verifiers(self) -> None:
        # Two different configured keys with the same name and key ID (a
        # collision, forced here) make any note signed under that ID fail.
        signer = Signer.generate("log")
        other = Verifier("log", raw_public(Ed25519PrivateKey.generate()))
        object.__setattr__(other, "_key_id", signer.key_id)
        data = sign_note(b"x\n", signer)
        with pytest.raises(NoteError, match="ambiguous key"):
            open_note(data, [signer.verifier(), other])

    def test_every_single_byte_change_is_detected(self) -> None:
        signer = Signer.generate("linli.example/log")
        text = b"linli.example/log\n42\n" + base64.b64encode(b"\x07" * 32) + b"\n"
        data = sign_note(text, signer)
        verifiers = [signer.verifier()]
        assert open_note(data, verifiers)[0] == text
        for i in range(len(data)):
            for flip in (0x01, 0x20, 0x80):
                tampered = data[:i] + bytes([data[i] ^ flip]) + data[i + 1 :]
                with pytest.raises(NoteError):
                    open_note(tampered, verifiers)

    def test_sign_note_validation(self) -> None:
        signer = Signer.generate("k")
        with pytest.raises(NoteError):
            sign_note(b"x\n")
        with pytest.raises(NoteError):
            sign_note(b"no newline", signer)
        with pytest.raises(TypeError):
            sign_note(b"x\n", signer.verifier())  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            open_note(sign_note(b"x\n", signer), signer.verifier())  # type: ignore[arg-type]

    def test_signature_is_deterministic_ed25519(self) -> None:
        key = Ed25519PrivateKey.generate()
        signer = Signer.from_private_key("k", key)
        assert signer.sign(b"m") == key.sign(b"m")
        line = sign_note(b"m\n", signer).split(b"\n")[-2]
        raw = base64.b64decode(line.split(b" ")[-1])
        assert raw == key_id_by_hand("k", 1, raw_public(key)) + key.sign(b"m\n")


# ---------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------


ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT)


class TestCheckpoint:
    def test_body_format(self) -> None:
        cp = Checkpoint("linli.example/log", 7, ROOT, ("ext one", "ext two"))
        assert cp.body() == b"linli.example/log\n7\n" + ROOT_B64 + b"\next one\next two\n"
        assert Checkpoint.parse(cp.body()) == cp

    def test_empty_tree_and_largest_tree(self) -> None:
        assert Checkpoint.parse(b"o\n0\n" + ROOT_B64 + b"\n").size == 0
        big = Checkpoint("o", 2**64 - 1, ROOT)
        assert Checkpoint.parse(big.body()) == big
        empty = Checkpoint("o", 0, merkle.EMPTY_ROOT)
        assert empty.body().split(b"\n")[1] == b"0"

    @pytest.mark.parametrize(
        "body",
        [
            b"",
            b"o\n1\n",
            b"o\n1\n" + ROOT_B64,
            b"\n1\n" + ROOT_B64 + b"\n",
            b"o\n\n" + ROOT_B64 + b"\n",
            b"o\n01\n" + ROOT_B64 + b"\n",
            b"o\n00\n" + ROOT_B64 + b"\n",
            b"o\n+1\n" + ROOT_B64 + b"\n",
            b"o\n-1\n" + ROOT_B64 + b"\n",
            b"o\n 1\n" + ROOT_B64 + b"\n",
            b"o\n1 \n" + ROOT_B64 + b"\n",
            b"o\n1_000\n" + ROOT_B64 + b"\n",
            b"o\n1.0\n" + ROOT_B64 + b"\n",
            "o\n\u0661\n".encode() + ROOT_B64 + b"\n",  # ARABIC-INDIC DIGIT ONE
            b"o\n18446744073709551616\n" + ROOT_B64 + b"\n",
            b"o\n1\n" + base64.b64encode(ROOT[:31]) + b"\n",
            b"o\n1\n" + base64.b64encode(ROOT + b"\x00") + b"\n",
            b"o\n1\n" + ROOT_B64.rstrip(b"=") + b"\n",
            b"o\n1\n" + ROOT_B64[:-2] + b"x=\n",
            b"o\n1\n" + ROOT_B64 + b"\n\n",
            b"o\n1\n" + ROOT_B64 + b"\next\n\n",
            b"o\r\n1\n" + ROOT_B64 + b"\n",
            b"o\n1\n" + ROOT_B64 + b"\n\xff\n",
        ],
    )
    def test_parse_rejects(self, body: bytes) -> None:
        with pytest.raises(NoteError):
            Checkpoint.parse(body)

    @pytest.mark.parametrize(
        ("args", "error"),
        [
            (("", 1, ROOT), NoteError),
            (("a\nb", 1, ROOT), NoteError),
            (("o", -1, ROOT), NoteError),
            (("o", 2**64, ROOT), NoteError),
            (("o", True, ROOT), TypeError),
            (("o", "1", ROOT), TypeError),
            (("o", 1, ROOT[:31]), NoteError),
            (("o", 1, ROOT.hex()), TypeError),
            (("o", 1, ROOT, ("",)), NoteError),
            (("o", 1, ROOT, ("a\nb",)), NoteError),
            (("o", 1, ROOT, "ext"), TypeError),
            ((b"o", 1, ROOT), TypeError),
        ],
    )
    def test_constructor_validation(self, args: tuple[object, ...], error: type[Exception]) -> None:
        with pytest.raises(error):
            Checkpoint(*args)  # type: ignore[arg-type]

    def test_accepts_bytes_like_root_and_list_extensions(self) -> None:
        cp = Checkpoint("o", 1, bytearray(ROOT), ["e"])  # type: ignore[arg-type]
        assert cp.root == ROOT and cp.extensions == ("e",)
        assert hash(cp) == hash(Checkpoint("o", 1, ROOT, ("e",)))

    @SETTINGS
    @given(
        origin=st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), min_size=1),
        size=st.integers(0, 2**64 - 1),
        root=st.binary(min_size=32, max_size=32),
        extensions=st.lists(
            st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), min_size=1),
            max_size=4,
        ),
    )
    def test_round_trip(self, origin: str, size: int, root: bytes, extensions: list[str]) -> None:
        cp = Checkpoint(origin, size, root, tuple(extensions))
        assert Checkpoint.parse(cp.body()) == cp

    @SETTINGS
    @given(st.binary(max_size=200))
    def test_parse_only_raises_note_error(self, data: bytes) -> None:
        try:
            cp = Checkpoint.parse(data)
        except NoteError:
            return
        assert cp.body() == data


# ---------------------------------------------------------------------------
# Cosignatures
# ---------------------------------------------------------------------------


def cosignature_by_hand(
    key: Ed25519PrivateKey, body: bytes, signed_time: int, claimed_time: int
) -> bytes:
    """A cosignature/v1 payload built from the spec text, not from the module."""
    message = b"cosignature/v1\ntime " + str(signed_time).encode() + b"\n" + body
    return struct.pack(">Q", claimed_time) + key.sign(message)


class TestCosignatures:
    def test_payload_layout(self) -> None:
        key = Ed25519PrivateKey.generate()
        cosigner = CosignatureSigner.from_private_key("w.example/1", key)
        body = checkpoint_body()
        payload = cosigner.cosign(body, 1_700_000_000)
        assert len(payload) == 72
        assert payload == cosignature_by_hand(key, body, 1_700_000_000, 1_700_000_000)
        line = cosigner.signature(body, 1_700_000_000).to_line()
        raw = base64.b64decode(line.split(" ")[-1])
        assert raw == key_id_by_hand("w.example/1", 4, raw_public(key)) + payload
        assert SIG_TYPE_COSIGNATURE_V1 == 4

    def test_independent_cosignature_verifies(self) -> None:
        key = Ed25519PrivateKey.generate()
        verifier = CosignatureVerifier("w", raw_public(key))
        body = checkpoint_body()
        good = cosignature_by_hand(key, body, 1234567890, 1234567890)
        assert verifier.verify(body, good)
        assert verifier.verify_timestamped(body, good) == 1234567890

    def test_timestamp_mismatch_rejected(self) -> None:
        key = Ed25519PrivateKey.generate()
        verifier = CosignatureVerifier("w", raw_public(key))
        body = checkpoint_body()
        # Signed for one time, claiming another (both ways round).
        for signed, claimed in [(1000, 1001), (1001, 1000), (1000, 0), (10, 1000)]:
            bad = cosignature_by_hand(key, body, signed, claimed)
            assert not verifier.verify(body, bad)
            assert verifier.verify_timestamped(body, bad) is None
            sig = Signature("w", verifier.key_id, bad)
            assert verifier.verify_line(body, sig) is None
            with pytest.raises(NoteError, match="invalid signature"):
                verify_cosignatures(body + b"\n" + sig.to_line().encode(), [verifier], 1)
        # Our own cosignature with its timestamp field edited.
        cosigner = CosignatureSigner.from_private_key("w", key)
        payload = cosigner.cosign(body, 5000)
        assert verifier.verify_timestamped(body, payload) == 5000
        assert verifier.verify_timestamped(body, (5001).to_bytes(8, "big") + payload[8:]) is None

    def test_timestamp_above_2_63_rejected(self) -> None:
        key = Ed25519PrivateKey.generate()
        verifier = CosignatureVerifier("w", raw_public(key))
        body = checkpoint_body()
        t = 2**63
        assert verifier.verify_timestamped(body, cosignature_by_hand(key, body, t, t)) is None
        with pytest.raises(NoteError):
            cosignature_timestamp(
                Signature("w", verifier.key_id, cosignature_by_hand(key, body, t, t))
            )
        cosigner = CosignatureSigner.from_private_key("w", key)
        for bad in (-1, 2**63):
            with pytest.raises(NoteError):
                cosigner.cosign(body, bad)
        with pytest.raises(TypeError):
            cosigner.cosign(body, 1.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            cosigner.cosign(body, True)

    @SETTINGS
    @given(st.integers(0, MAX_TIMESTAMP))
    def test_timestamp_round_trip(self, timestamp: int) -> None:
        cosigner = COSIGNER
        body = checkpoint_body(3)
        sig = cosigner.signature(body, timestamp)
        verifier = cosigner.verifier()
        assert cosignature_timestamp(sig) == timestamp
        assert verifier.verify_line(body, sig) == timestamp
        assert verifier.verify_line(body, sig.to_line()) == timestamp
        assert verifier.verify_line(body, sig.to_line().encode()) == timestamp
        assert verifier.verify(body, sig.payload)
        assert (
            cosignature_message(body, timestamp) == b"cosignature/v1\ntime %d\n" % timestamp + body
        )

    def test_cosigned_message_covers_extensions_and_body(self) -> None:
        cosigner = CosignatureSigner.generate("w")
        body = Checkpoint("o", 1, ROOT, ("Extendo",)).body()
        payload = cosigner.cosign(body, 10)
        assert cosigner.verifier().verify(body, payload)
        assert not cosigner.verifier().verify(body.replace(b"Extendo", b"Extendi"), payload)
        assert not cosigner.verifier().verify(Checkpoint("o", 1, ROOT).body(), payload)

    def test_only_checkpoints_are_cosigned(self) -> None:
        cosigner = CosignatureSigner.generate("w")
        for text in (b"hello\n", b"o\n01\n" + ROOT_B64 + b"\n", b"o\n1\n"):
            with pytest.raises(NoteError):
                cosigner.cosign(text, 1)
            with pytest.raises(NoteError):
                sign_note(text, cosigner, timestamp=1)

    def test_verify_line_rejections(self) -> None:
        cosigner = CosignatureSigner.generate("w")
        other = CosignatureSigner.generate("w")
        body = checkpoint_body()
        sig = cosigner.signature(body, 99)
        v = cosigner.verifier()
        assert v.verify_line(body, sig) == 99
        assert v.verify_line(body, other.signature(body, 99)) is None  # other key ID
        assert v.verify_line(body, Signature("x", sig.key_id, sig.payload)) is None  # other name
        assert v.verify_line(checkpoint_body(4), sig) is None
        for garbage in ("", "— w", b"\xff", "garbage\n", 42):
            assert v.verify_line(body, garbage) is None  # type: ignore[arg-type]

    def test_plain_and_cosignature_keys_do_not_mix(self) -> None:
        key = Ed25519PrivateKey.generate()
        plain = Signer.from_private_key("w", key)
        body = checkpoint_body()
        data = sign_note(body, plain)
        # The type 0x04 verifier for the same key neither matches nor accepts.
        cosig_verifier = CosignatureVerifier.from_verifier(plain.verifier())
        with pytest.raises(NoteError, match="no verifiable"):
            open_note(data, [cosig_verifier])
        assert not cosig_verifier.verify(body, plain.sign(body))

    def test_sign_note_with_log_and_witnesses(self) -> None:
        log = Signer.generate("linli.example/log")
        w1, w2 = CosignatureSigner.generate("w1"), CosignatureSigner.generate("w2")
        body = checkpoint_body(9, "linli.example/log")
        data = sign_note(body, log, w1, w2, timestamp=1_700_000_123)
        assert open_checkpoint(data, [log.verifier()]) == Checkpoint.parse(body)
        assert verify_cosignatures(data, [w1.verifier(), w2.verifier()], 2) == {
            "w1": 1_700_000_123,
            "w2": 1_700_000_123,
        }
        # Default timestamp: now.
        stamps = verify_cosignatures(sign_note(body, w1), [w1.verifier()], 1)
        assert abs(stamps["w1"] - time.time()) < 60


COSIGNER = CosignatureSigner.generate("witness.example/fixture")


class TestQuorum:
    def setup_method(self) -> None:
        self.log = Signer.generate("linli.example/log")
        self.witnesses = [CosignatureSigner.generate(f"dept{i}.example/witness") for i in range(3)]
        self.verifiers = [w.verifier() for w in self.witnesses]
        self.body = checkpoint_body(12, "linli.example/log")
        self.note = sign_note(self.body, self.log)

    def cosigned(self, *indexes: int, timestamp: int = 1000) -> bytes:
        note = self.note
        for i in indexes:
            note = cosign_checkpoint(note, self.witnesses[i], timestamp + i)
        return note

    def test_quorum_met(self) -> None:
        note = self.cosigned(0, 2)
        assert verify_cosignatures(note, self.verifiers, 2) == {
            "dept0.example/witness": 1000,
            "dept2.example/witness": 1002,
        }
        assert verify_cosignatures(note, self.verifiers, 1) == verify_cosignatures(
            note, self.verifiers, 2
        )

    def test_quorum_not_met(self) -> None:
        note = self.cosigned(0, 2)
        with pytest.raises(NoteError, match="2 valid cosignature"):
            verify_cosignatures(note, self.verifiers, 3)
        with pytest.raises(NoteError):
            verify_cosignatures(self.note, self.verifiers, 1)  # only the log's signature

    def test_unknown_cosigners_and_log_signature_ignored(self) -> None:
        stranger = CosignatureSigner.generate("stranger")
        note = cosign_checkpoint(self.cosigned(1), stranger, 5)
        assert verify_cosignatures(note, self.verifiers, 1) == {"dept1.example/witness": 1001}

    def test_cosign_replaces_previous_cosignature(self) -> None:
        note = cosign_checkpoint(self.cosigned(0), self.witnesses[0], 7777)
        assert len(Note.parse(note).signatures) == 2
        assert verify_cosignatures(note, self.verifiers, 1) == {"dept0.example/witness": 7777}

    def test_latest_of_several_cosignatures_is_reported(self) -> None:
        w = self.witnesses[0]
        note = Note.parse(self.note)
        note = Note(
            note.text, (*note.signatures, w.signature(self.body, 50), w.signature(self.body, 40))
        )
        assert verify_cosignatures(note.to_bytes(), self.verifiers, 1) == {
            "dept0.example/witness": 50
        }
        with pytest.raises(NoteError):
            verify_cosignatures(note.to_bytes(), self.verifiers, 2)  # one witness counts once

    def test_future_cosignatures_not_counted(self) -> None:
        note = self.cosigned(0, 1, timestamp=1000)  # 1000 and 1001
        assert verify_cosignatures(note, self.verifiers, 1, not_after=1000) == {
            "dept0.example/witness": 1000
        }
        with pytest.raises(NoteError):
            verify_cosignatures(note, self.verifiers, 2, not_after=1000)

    def test_tampered_cosignature_rejects_note(self) -> None:
        note = Note.parse(self.cosigned(0, 1))
        sig = note.signatures[1]
        broken = Signature(sig.name, sig.key_id, sig.payload[:-1] + bytes([sig.payload[-1] ^ 1]))
        tampered = Note(note.text, (note.signatures[0], broken, note.signatures[2]))
        with pytest.raises(NoteError, match="invalid signature"):
            verify_cosignatures(tampered.to_bytes(), self.verifiers, 1)

    def test_every_byte_of_a_cosigned_checkpoint_matters(self) -> None:
        w = self.witnesses[0]
        data = self.body + b"\n" + w.signature(self.body, 123).to_line().encode()
        assert verify_cosignatures(data, self.verifiers, 1) == {"dept0.example/witness": 123}
        for i in range(len(data)):
            tampered = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
            with pytest.raises(NoteError):
                verify_cosignatures(tampered, self.verifiers, 1)

    def test_argument_validation(self) -> None:
        note = self.cosigned(0)
        with pytest.raises(ValueError, match="quorum"):
            verify_cosignatures(note, self.verifiers, 0)
        with pytest.raises(TypeError):
            verify_cosignatures(note, self.verifiers, True)
        with pytest.raises(ValueError, match="unique"):
            verify_cosignatures(note, [self.verifiers[0], self.verifiers[0]], 1)
        with pytest.raises(TypeError):
            verify_cosignatures(note, [self.log.verifier()], 1)  # type: ignore[list-item]
        with pytest.raises(TypeError):
            cosign_checkpoint(note, self.log, 1)  # type: ignore[arg-type]

    def test_non_checkpoint_note_rejected(self) -> None:
        data = sign_note(b"not a checkpoint\n", self.log)
        with pytest.raises(NoteError):
            verify_cosignatures(data, self.verifiers, 1)
        with pytest.raises(NoteError):
            cosign_checkpoint(data, self.witnesses[0], 1)

    def test_witness_response_lines_can_be_appended(self) -> None:
        # tlog-witness: the log appends the returned signature lines to its note.
        response = b"".join(w.signature(self.body, 500).to_line().encode() for w in self.witnesses)
        stamps = verify_cosignatures(self.note + response, self.verifiers, 3)
        assert set(stamps.values()) == {500}
        assert open_checkpoint(self.note + response, [self.log.verifier()]).size == 12
