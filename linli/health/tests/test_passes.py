"""Tests for :mod:`linli.health.passes` (signed health passes, trust list, offline verify).

Pure unit tests: no Django, no database. Passes are also built and checked here
independently of the module (``cbor2`` by hand, and the ``cwt`` library when installed), and
the trust-list signature is checked with the JavaScript canonicaliser of decision 0006 when
Node.js is installed. Base45 is checked against the examples of RFC 9285.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.conftest import needs_node
from linli.health import passes
from linli.health.passes import (
    IssuerKey,
    TrustListError,
    b45decode,
    b45encode,
    generate_key,
    issue_pass,
    load_trust_list,
    make_trust_list,
    revocation_id,
    verify_cli,
    verify_pass,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)  # a gate at half past eight
T = int(NOW.timestamp())
DAY = 86_400

# Named keys, made once: the platform's root, Huamu street office, and two outsiders.
ROOT, ROOT_PUBLIC = generate_key(name="root")
HUAMU, HUAMU_PUBLIC = generate_key(name="花木街道")
STRANGER, _ = generate_key(name="stranger")  # signs passes but is on no trust list
OTHER_ROOT, OTHER_ROOT_PUBLIC = generate_key(name="another root")
SUBJECT = "q0ZJrZp8uD1yBf7s9m2KcA"  # 22 characters, the pseudonym the Django layer makes
REVOKED_PASS_ID = bytes(range(16))


def huamu_record(
    valid_from: int = T - 30 * DAY, valid_to: int = T + 365 * DAY
) -> passes.IssuerRecord:
    return {"kid": HUAMU.kid, "public_key": HUAMU_PUBLIC, "name": HUAMU.name,
            "valid_from": valid_from, "valid_to": valid_to}


def trust_doc(issued_at: int = T - 3600, root: IssuerKey = ROOT, **record: int) -> dict:
    doc = make_trust_list(root, [huamu_record(**record)], [revocation_id(REVOKED_PASS_ID)],
                          issued_at, version=7)
    return json.loads(json.dumps(doc))  # what the gate reads back from disk


TRUST = load_trust_list(trust_doc(), ROOT_PUBLIC, NOW)


def new_pass(colour: str = "green", issued_at: datetime | int = T - 600, **kwargs: object) -> str:
    return issue_pass(HUAMU, SUBJECT, colour, "default@3", issued_at, **kwargs)  # type: ignore


def cose(code: str) -> bytes:
    assert code.startswith("LL1:")
    return b45decode(code[4:])


def as_code(data: bytes) -> str:
    return "LL1:" + b45encode(data)


def sign_claims(claims: dict, key: IssuerKey = HUAMU, header: dict | None = None) -> str:
    """A pass built without the module: for claims that issue_pass rightly refuses."""
    protected = cbor2.dumps(header or {1: -8, 4: key.kid})
    payload = cbor2.dumps(claims)
    signature = key.private_key.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    return as_code(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))


def claims(iat: int = T - 600, exp: int | None = None) -> dict:
    return {2: SUBJECT, 4: iat + DAY if exp is None else exp, 6: iat, 7: b"\x01" * 16,
            -65537: 1, -65538: "default@3"}


def reason(code: str, trust: passes.TrustList = TRUST, now: datetime | int = NOW) -> str:
    return verify_pass(code, trust, now).reason


# --- round trip and layout ----------------------------------------------------------------


@pytest.mark.parametrize("colour", ["green", "yellow", "red"])
def test_round_trip_for_each_colour(colour: str) -> None:
    verdict = verify_pass(new_pass(colour), TRUST, NOW)
    assert verdict.valid and verdict.reason == "ok"
    assert verdict.colour == colour
    assert (verdict.subject, verdict.rule_set, verdict.issuer) == (SUBJECT, "default@3", "花木街道")
    assert verdict.expires_at == datetime.fromtimestamp(T - 600 + DAY, UTC)
    assert (verdict.message_zh, verdict.message_en) == ("通行证有效", "The pass is valid")


def test_pass_layout_is_a_cwt_in_cose_sign1() -> None:
    code = new_pass("yellow", pass_id=REVOKED_PASS_ID[::-1])
    message = cbor2.loads(cose(code))
    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    assert cbor2.loads(protected) == {1: -8, 4: HUAMU.kid}
    assert protected == b"\xa2\x01\x27\x04\x48" + HUAMU.kid
    assert unprotected == {}
    assert cbor2.loads(payload) == {
        2: SUBJECT, 4: T - 600 + DAY, 6: T - 600, 7: REVOKED_PASS_ID[::-1],
        -65537: 2, -65538: "default@3",
    }
    sig_structure = cbor2.dumps(["Signature1", protected, b"", payload])
    Ed25519PublicKey.from_public_bytes(HUAMU_PUBLIC).verify(signature, sig_structure)


def test_issued_at_accepts_aware_datetimes_and_refuses_naive_ones() -> None:
    assert new_pass(issued_at=NOW) != new_pass(issued_at=T)  # random pass ids
    assert verify_pass(new_pass(issued_at=NOW), TRUST, T).expires_at == NOW + timedelta(days=1)
    with pytest.raises(ValueError, match="naive"):
        naive = datetime(2026, 3, 2, 8, 30)  # noqa: DTZ001
        issue_pass(HUAMU, SUBJECT, "green", "default@3", naive)


def test_cwt_library_accepts_our_passes_and_we_accept_its() -> None:
    cwt = pytest.importorskip("cwt")
    key = cwt.COSEKey.new({1: 1, 2: HUAMU.kid, 3: -8, -1: 6, -2: HUAMU_PUBLIC,
                           -4: HUAMU.private_raw})
    decoded = cwt.decode(cose(new_pass("red", issued_at=int(datetime.now(UTC).timestamp()))), key)
    assert decoded[2] == SUBJECT and decoded[-65537] == 3 and decoded[-65538] == "default@3"
    signed = cwt.COSE.new().encode_and_sign(
        cbor2.dumps(claims()), key, protected={1: -8, 4: HUAMU.kid}, unprotected={}
    )
    verdict = verify_pass(as_code(signed), TRUST, NOW)
    assert verdict.valid and verdict.colour == "green"


def test_key_serialisation_round_trip() -> None:
    again = IssuerKey.from_raw(HUAMU.kid, HUAMU.private_raw, HUAMU.name)
    assert len(HUAMU.private_raw) == 32 and again.public_raw == HUAMU_PUBLIC
    assert HUAMU.kid == passes.key_id(HUAMU_PUBLIC) == hashlib.sha256(HUAMU_PUBLIC).digest()[:8]
    assert verify_pass(issue_pass(again, SUBJECT, "green", "default@3", T), TRUST, NOW).valid
    assert passes.public_key_to_raw(passes.public_key_from_raw(HUAMU_PUBLIC)) == HUAMU_PUBLIC
    assert generate_key(kid=b"12345678")[0].kid == b"12345678"
    assert "private_key" not in repr(HUAMU)
    with pytest.raises(ValueError):
        generate_key(kid=b"short")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"colour": "blue"}, "colour"),
    ({"subject": "x" * 23}, "subject"),
    ({"subject": ""}, "subject"),
    ({"subject": "用户"}, "subject"),
    ({"rule_set": "r" * 19}, "rule set"),
    ({"rule_set": "规则集规则集规"}, "rule set"),  # 7 characters, 21 bytes
    ({"ttl_seconds": DAY + 1}, "24"),
    ({"ttl_seconds": 0}, "seconds"),
    ({"pass_id": b"short"}, "pass id"),
])
def test_issue_refuses_what_would_not_verify_or_not_fit(kwargs: dict, message: str) -> None:
    arguments = {"subject": SUBJECT, "colour": "green", "rule_set": "default@3"} | kwargs
    with pytest.raises(ValueError, match=message):
        issue_pass(HUAMU, issued_at=T, **arguments)


# --- QR -----------------------------------------------------------------------------------


def test_longest_pass_fits_qr_version_11_at_level_q() -> None:
    subject, rule_set = "z" * passes.MAX_SUBJECT_LEN, "x" * passes.MAX_RULE_SET_BYTES
    code = issue_pass(HUAMU, subject, "yellow", rule_set, T)
    assert len(code) == 259  # the capacity of a version 11-Q QR code in alphanumeric mode
    assert passes.qr_version(code) == passes.MAX_QR_VERSION == 11
    qr = passes.qr_code(code)
    assert (qr.error, qr.mode) == ("Q", "alphanumeric")
    assert passes.qr_version(new_pass()) <= 11
    svg = passes.qr_svg(code, scale=3)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")


# --- rejections, each with its own reason -------------------------------------------------


def flip(code: str, index: int, mask: int = 0x01) -> str:
    data = bytearray(cose(code))
    data[index] ^= mask
    return as_code(bytes(data))


def test_tampered_signature_byte() -> None:
    code = new_pass()
    assert reason(flip(code, len(cose(code)) - 10)) == "signature"


def test_tampered_payload_byte() -> None:
    code = new_pass()
    position = cose(code).index(SUBJECT.encode()) + 3  # a letter of the subject
    assert reason(flip(code, position)) == "signature"
    colour = cose(code).index(b"\x3a\x00\x01\x00\x00\x01") + 5  # green -> red
    assert reason(flip(code, colour, 0x02)) == "signature"


def test_tampered_header_byte() -> None:
    code = new_pass()
    assert cose(code)[3:8] == b"\xa2\x01\x27\x04\x48"
    assert reason(flip(code, 5)) == "signature"  # alg -8 (EdDSA) becomes -7 (ES256)
    assert reason(flip(code, 10)) == "unknown_key"  # a byte of the key id
    assert reason(flip(code, 3, 0x10)) == "encoding"  # the map head


def test_every_single_bit_flip_is_rejected() -> None:
    code = new_pass()
    for index in range(len(cose(code))):
        for mask in (0x01, 0x80):
            verdict = verify_pass(flip(code, index, mask), TRUST, NOW)
            assert not verdict.valid and verdict.reason in {"encoding", "signature", "unknown_key"}


def test_expired_at_exp_not_before() -> None:
    code = new_pass(issued_at=T - DAY)
    assert reason(code, now=T - 1) == "ok"
    assert reason(code, now=T) == "expired"
    verdict = verify_pass(code, TRUST, T + 5)
    assert verdict.expires_at == datetime.fromtimestamp(T, UTC) and verdict.colour is None
    assert verdict.message_en == "The pass has expired; please get a new one"


def test_not_yet_valid_beyond_five_minutes_of_clock_drift() -> None:
    assert reason(new_pass(issued_at=T + passes.CLOCK_LEEWAY)) == "ok"
    assert reason(new_pass(issued_at=T + passes.CLOCK_LEEWAY + 1)) == "not_yet_valid"


def test_lifetime_over_24_hours_is_refused_even_when_signed() -> None:
    assert reason(sign_claims(claims(exp=T - 600 + DAY))) == "ok"
    assert reason(sign_claims(claims(exp=T - 600 + DAY + 1))) == "lifetime"
    assert reason(sign_claims(claims(exp=T - 600))) == "lifetime"  # exp == iat


def test_unknown_key_id() -> None:
    code = issue_pass(STRANGER, SUBJECT, "green", "default@3", T)
    assert reason(code) == "unknown_key"
    verdict = verify_pass(code, TRUST, NOW)
    assert verdict.subject is None and verdict.expires_at is None  # nothing unverified shown


def test_pass_signed_outside_the_issuer_keys_validity_is_not_trusted() -> None:
    retired = load_trust_list(trust_doc(valid_to=T - 3600), ROOT_PUBLIC, NOW)
    assert reason(new_pass(issued_at=T - 7200), retired) == "ok"
    assert reason(new_pass(issued_at=T - 600), retired) == "unknown_key"
    future = load_trust_list(trust_doc(valid_from=T), ROOT_PUBLIC, NOW)
    assert reason(new_pass(issued_at=T - 600), future) == "unknown_key"


def test_revoked_pass() -> None:
    assert revocation_id(REVOKED_PASS_ID) == hashlib.sha256(REVOKED_PASS_ID).digest()[:16]
    assert TRUST.is_revoked(REVOKED_PASS_ID)
    verdict = verify_pass(new_pass(pass_id=REVOKED_PASS_ID), TRUST, NOW)
    assert (verdict.valid, verdict.reason, verdict.colour) == (False, "revoked", None)
    assert verdict.message_zh == "通行证已作废，请重新领取"
    assert reason(new_pass(pass_id=REVOKED_PASS_ID[::-1])) == "ok"


def test_extra_or_mistyped_claims_are_encoding_errors() -> None:
    assert reason(sign_claims(claims() | {5: T})) == "encoding"  # nbf: not in the profile
    assert reason(sign_claims(claims() | {-65537: 4})) == "encoding"  # no such colour
    assert reason(sign_claims(claims() | {-65537: True})) == "encoding"
    assert reason(sign_claims(claims() | {7: "not bytes"})) == "encoding"
    assert reason(sign_claims(claims(iat=2**62, exp=2**62 + 60))) == "encoding"  # year > 9999
    assert reason(sign_claims(claims(iat=-60, exp=0))) == "encoding"
    assert reason(sign_claims({k: v for k, v in claims().items() if k != 2})) == "encoding"


@pytest.mark.parametrize("code", [
    "", " ", "hello", "LL2:" + new_pass()[4:], "ll1:" + new_pass()[4:], "HC1:6BFOXN", "LL1",
], ids=["empty", "space", "word", "other-version", "lower-case-prefix", "eu-dcc", "prefix-only"])
def test_not_a_pass_is_format(code: str) -> None:
    verdict = verify_pass(code, TRUST, NOW)
    assert (verdict.valid, verdict.reason) == (False, "format")
    assert verdict.message_en == "This is not a Linli pass"


@pytest.mark.parametrize("code", [
    "LL1:", "LL1:A", "LL1:abc", "LL1:GGW", "LL1:BB8", "LL1:" + "0" * 2000,
    "LL1:" + b45encode(b"\xd2\x84garbage"), "LL1:" + b45encode(cbor2.dumps([1, 2, 3])),
    new_pass() + "00",  # a trailing byte
    new_pass()[:-3],  # a truncated signature
], ids=["empty", "one-char", "lower-case", "bad-triple", "bad-pair", "long", "not-cose", "not-a-map",
        "trailing-byte", "truncated"])
def test_damaged_pass_is_encoding(code: str) -> None:
    assert reason(code) == "encoding"


def test_scanner_whitespace_and_non_text_input() -> None:
    assert reason(new_pass() + "\r\n") == "ok"
    assert reason(None) == "format"  # type: ignore[arg-type]
    assert reason(new_pass().encode()) == "format"  # type: ignore[arg-type]


def test_non_canonical_envelope_is_refused() -> None:
    data = cose(new_pass())
    # The 13-byte protected header with a 2-byte length head (0x58 0x0d): valid CBOR, not ours.
    longer = data[:2] + b"\x58\x0d" + data[3:]
    assert reason(as_code(longer)) == "encoding"
    untagged = data[1:]
    assert reason(as_code(untagged)) == "encoding"


# --- trust list ---------------------------------------------------------------------------


def test_trust_list_loads_into_lookup_tables() -> None:
    assert TRUST.version == 7 and TRUST.pinned and TRUST.root_kid == ROOT.kid
    assert TRUST.expires_at == T - 3600 + DAY
    assert set(TRUST.issuers) == {HUAMU.kid}
    assert isinstance(TRUST.issuers[HUAMU.kid].public_key, Ed25519PublicKey)
    assert TRUST.revoked == frozenset({revocation_id(REVOKED_PASS_ID)})


def test_trust_list_signed_by_another_root() -> None:
    doc = trust_doc(root=OTHER_ROOT)
    with pytest.raises(TrustListError, match="another root") as caught:
        load_trust_list(doc, ROOT_PUBLIC, NOW)
    assert caught.value.reason == "trust_list_invalid"
    unpinned = load_trust_list(doc, None, NOW)  # integrity only: marked as such
    assert not unpinned.pinned and unpinned.root_public == OTHER_ROOT_PUBLIC


def test_trust_list_with_a_swapped_root_key_or_edited_body() -> None:
    doc = trust_doc()
    doc["root"]["public_key"] = passes._b64u(OTHER_ROOT_PUBLIC)
    with pytest.raises(TrustListError, match="does not verify"):
        load_trust_list(doc, None, NOW)
    for edit in (
        lambda d: d["issuers"][0].update(name="假街道"),
        lambda d: d["revoked"].clear(),
        lambda d: d.update(version=8),
        lambda d: d.update(issued_at=d["issued_at"] + 1),
        lambda d: d.update(extra=1.5),  # floats would not serialise the same in JavaScript
        # a character in the middle: the last ones carry padding bits and may decode the same
        lambda d: d.update(signature=d["signature"][:10] + ("B" if d["signature"][10] != "B" else "C")
                           + d["signature"][11:]),
        lambda d: d.pop("signature"),
        lambda d: d.update(format="linli-trust-list/2"),
    ):
        edited = trust_doc()
        edit(edited)
        with pytest.raises(TrustListError) as caught:
            load_trust_list(edited, ROOT_PUBLIC, NOW)
        assert caught.value.reason == "trust_list_invalid"


def test_trust_list_older_than_24_hours() -> None:
    load_trust_list(trust_doc(issued_at=T - DAY), ROOT_PUBLIC, NOW)
    with pytest.raises(TrustListError, match="ago") as caught:
        load_trust_list(trust_doc(issued_at=T - DAY - 1), ROOT_PUBLIC, NOW)
    assert caught.value.reason == "trust_list_stale"
    with pytest.raises(TrustListError, match="future"):
        load_trust_list(trust_doc(issued_at=T + 3600), ROOT_PUBLIC, NOW)


def test_a_loaded_trust_list_goes_stale_at_the_gate() -> None:
    code = new_pass(issued_at=T)
    assert reason(code, now=TRUST.expires_at - 1) == "ok"
    verdict = verify_pass(code, TRUST, TRUST.expires_at)
    assert (verdict.valid, verdict.reason) == (False, "trust_list_stale")


def test_unknown_algorithms_in_the_trust_list_are_skipped() -> None:
    doc = make_trust_list(ROOT, [huamu_record()], [], T, 1)
    doc["issuers"].append(dict(doc["issuers"][0], alg="ES256", kid="AAAAAAAAAAA"))
    doc["signature"] = passes._b64u(ROOT.private_key.sign(passes.trust_list_signed_bytes(doc)))
    assert set(load_trust_list(doc, ROOT_PUBLIC, NOW).issuers) == {HUAMU.kid}


GOLDEN_ROOT = IssuerKey.from_raw(bytes.fromhex("56475aa75463474c"), bytes(range(32)), "root")
GOLDEN_OFFICE = IssuerKey.from_raw(bytes.fromhex("24f6ed6acbfe1009"), bytes(range(32, 64)), "花木街道")
GOLDEN_SIGNED = (
    '{"format":"linli-trust-list/1","issued_at":1767225600,"issuers":[{"alg":"EdDSA",'
    '"kid":"JPbtasv-EAk","name":"花木街道","public_key":"Kay64UG8yvCyLhqU000LxzYeUm0L_hLIl5S8kyKWbdc",'
    '"valid_from":1767225600,"valid_to":1798761600}],"revoked":["N0cI__dxndWXnsh11WzSKA"],'
    '"root":{"alg":"EdDSA","kid":"Vkdap1RjR0w",'
    '"public_key":"A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"},'
    '"version":1}'
)
GOLDEN_SIGNATURE = (
    "kyCqsXaGd62LHKhWL8IYUNSsL7KuXLxJYCwBzE_rbMmGY-eEuG4CbGnoxJnrEZC4r2gInC57Ek_erKY3ALQVCw"
)
GOLDEN_PASS = (
    "LL1:RRQT 9P60GO0CU4S0UMZPA128CK2V90E0ADA+B7MUC *9SPC*+8ET9$*9XDBP9EKCBFN0CEDX43WY0AEDK7PR-0100"
    "KB0*M0DY0W016C1PN1:Y1/E7V50100/E7V501806VCJ.C0%EFVE4M6E58I*R06J TPKBSZFVMTCC4D%WV5 S.$FPTLP3MJ"
    "E7V8AD-LW531K65$J+VK/%G+W6/9L2I9FHJZB9/XLWYTZLH5UA$6FX0RA0"
)


def golden_doc() -> dict:
    record: passes.IssuerRecord = {
        "kid": GOLDEN_OFFICE.kid, "public_key": GOLDEN_OFFICE.public_raw, "name": "花木街道",
        "valid_from": 1767225600, "valid_to": 1798761600,
    }
    return make_trust_list(GOLDEN_ROOT, [record], [revocation_id(bytes(16))], 1767225600, 1)


def test_known_answer_vectors_for_other_implementations() -> None:
    """Fixed keys (seeds 0..31 and 32..63), so the JavaScript side can test against these."""
    doc = golden_doc()
    assert GOLDEN_ROOT.kid == passes.key_id(GOLDEN_ROOT.public_raw)
    assert GOLDEN_OFFICE.kid == passes.key_id(GOLDEN_OFFICE.public_raw)
    assert passes.trust_list_signed_bytes(doc) == GOLDEN_SIGNED.encode("utf-8")
    assert doc["signature"] == GOLDEN_SIGNATURE  # Ed25519 signatures are deterministic
    code = issue_pass(GOLDEN_OFFICE, "Qm9vdHN0cmFwLXN1YmplY3", "green", "default@3",
                      1767229200, pass_id=bytes(range(16)))
    assert code == GOLDEN_PASS
    trust = load_trust_list(doc, GOLDEN_ROOT.public_raw, 1767229200)
    assert verify_pass(GOLDEN_PASS, trust, 1767229200).colour == "green"


JS_CHECK = """
function canonical(v) {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v !== null && typeof v === "object")
    return "{" + Object.keys(v).sort()
      .map(k => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  return JSON.stringify(v);
}
const b64u = s => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")),
                                  c => c.charCodeAt(0));
const doc = JSON.parse(require("fs").readFileSync(0, "utf8"));
const { signature, ...body } = doc;
crypto.subtle.importKey("raw", b64u(doc.root.public_key), { name: "Ed25519" }, false, ["verify"])
  .then(key => crypto.subtle.verify({ name: "Ed25519" }, key, b64u(signature),
                                    new TextEncoder().encode(canonical(body))))
  .then(ok => console.log(ok));
"""


@needs_node
def test_javascript_verifies_the_trust_list_signature() -> None:
    awkward = '花木 "街道" \\ \n\t\x01\x7f\u2028 😀 </script>'
    record = huamu_record() | {"name": awkward}
    doc = make_trust_list(ROOT, [record], [revocation_id(REVOKED_PASS_ID)], T, 2**40)
    for document, expected in ((doc, "true"), (dict(doc, version=2**40 + 1), "false")):
        result = subprocess.run(["node", "-e", JS_CHECK], input=json.dumps(document),
                                capture_output=True, text=True, timeout=60, check=True)
        assert result.stdout.strip() == expected


# --- the command line verdict -------------------------------------------------------------


def test_verify_cli_json_and_exit_status(tmp_path) -> None:
    path = tmp_path / "trust-list.json"
    path.write_text(json.dumps(trust_doc()), encoding="utf-8")
    verdict, status = verify_cli(new_pass("red"), str(path), ROOT_PUBLIC, NOW)
    assert status == 0
    assert verdict["valid"] is True and verdict["colour"] == "red" and verdict["reason"] == "ok"
    expires_at = datetime.fromisoformat(verdict["expires_at"])
    assert expires_at == datetime.fromtimestamp(T - 600 + DAY, UTC)
    assert {"message_zh", "message_en"} <= set(verdict) and verdict["trust_list_pinned"] is True
    assert json.loads(json.dumps(verdict, ensure_ascii=False)) == verdict

    assert verify_cli(new_pass(pass_id=REVOKED_PASS_ID), str(path), ROOT_PUBLIC, NOW)[1] == 1
    verdict, status = verify_cli("LL2:nope", str(path), None, NOW, allow_unpinned=True)
    assert (status, verdict["reason"], verdict["valid"]) == (1, "format", False)
    assert verdict["colour"] is None
    assert verdict["trust_list_pinned"] is False

    wrong_root, status = verify_cli(new_pass(), str(path), OTHER_ROOT_PUBLIC, NOW)
    assert (status, wrong_root["reason"]) == (2, "trust_list_invalid")
    stale, status = verify_cli(new_pass(), str(path), ROOT_PUBLIC, NOW + timedelta(days=2))
    assert (status, stale["reason"]) == (2, "trust_list_stale")
    assert verify_cli(new_pass(), str(tmp_path / "missing.json"), ROOT_PUBLIC, NOW)[1] == 2
    path.write_text("{not json", encoding="utf-8")
    assert verify_cli(new_pass(), str(path), ROOT_PUBLIC, NOW)[0]["reason"] == "trust_list_invalid"


def test_an_unpinned_trust_list_never_makes_a_pass_valid(tmp_path) -> None:
    # Anyone can sign a trust list with a key of her own and put that key in it: without a
    # pinned root key its signature proves nothing.
    forger, forger_public = generate_key(name="forger")
    forged = make_trust_list(OTHER_ROOT, [{"kid": forger.kid, "public_key": forger_public,
                                           "name": "花木街道", "valid_from": T - DAY, "valid_to": T + DAY}],
                             [], T - 3600, version=8)
    path = tmp_path / "trust-list.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    code = issue_pass(forger, SUBJECT, "green", "default@3", T - 600)

    verdict, status = verify_cli(code, str(path), None, NOW)
    assert (verdict["valid"], verdict["reason"], status) == (False, "trust_list_unpinned", 2)
    assert verdict["colour"] is None and "--root-key" in verdict["message_zh"] + verdict["message_en"]
    allowed, status = verify_cli(code, str(path), None, NOW, allow_unpinned=True)
    assert (allowed["valid"], allowed["trust_list_pinned"], status) == (True, False, 0)
    assert verify_cli(code, str(path), ROOT_PUBLIC, NOW)[0]["reason"] == "trust_list_invalid"
    # The genuine list, pinned, still works; an invalid pass stays invalid without a pin.
    path.write_text(json.dumps(trust_doc()), encoding="utf-8")
    assert verify_cli(new_pass(), str(path), ROOT_PUBLIC, NOW)[1] == 0
    assert verify_cli(new_pass(pass_id=REVOKED_PASS_ID), str(path), None, NOW)[0]["reason"] == "revoked"


def test_every_reason_has_both_messages() -> None:
    assert passes.REASONS == {
        "ok", "format", "encoding", "unknown_key", "signature", "expired", "not_yet_valid",
        "lifetime", "revoked", "trust_list_stale", "trust_list_invalid",
    }
    for zh, en in passes.MESSAGES.values():
        assert zh and en and zh != en


# --- base45 (RFC 9285 section 4.3 examples) -----------------------------------------------


@pytest.mark.parametrize(("raw", "text"), [
    (b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"), (b"", ""),
])
def test_base45_rfc_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@pytest.mark.parametrize("text", ["GGW", "A", "AAAA", "ZZ", "bb8", "BB8\n", "BB\u00e9"])
def test_base45_refuses_invalid_text(text: str) -> None:
    with pytest.raises(ValueError):
        b45decode(text)


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    text = b45encode(data)
    assert b45decode(text) == data
    assert text == text.rstrip()  # so verify_pass may strip what scanners add


# --- never raises -------------------------------------------------------------------------

VALID = new_pass()
B45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_verify_never_raises_on_any_text(text: str) -> None:
    for code in (text, "LL1:" + text):
        assert not verify_pass(code, TRUST, NOW).valid


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=B45_ALPHABET, max_size=400))
def test_verify_never_raises_on_base45_text(text: str) -> None:
    assert verify_pass("LL1:" + text, TRUST, NOW).reason in passes.REASONS


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 160), st.integers(1, 255)), min_size=1, max_size=4))
def test_verify_never_accepts_changed_bytes(changes: list[tuple[int, int]]) -> None:
    data = bytearray(cose(VALID))
    for index, mask in changes:
        data[index % len(data)] ^= mask
    if bytes(data) != cose(VALID):
        assert not verify_pass(as_code(bytes(data)), TRUST, NOW).valid


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 160), st.booleans())
def test_verify_never_raises_on_spliced_bytes(junk: bytes, at: int, replace: bool) -> None:
    data = cose(VALID)
    spliced = data[:at] + junk + data[at + (len(junk) if replace else 0) :]
    verdict = verify_pass(as_code(spliced), TRUST, NOW)
    assert verdict.reason in passes.REASONS and (spliced == data) == verdict.valid
