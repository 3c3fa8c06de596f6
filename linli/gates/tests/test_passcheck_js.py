"""The gate's JavaScript verifier (static/gates/passcheck.js) agrees with linli.health.passes:
the same reason, colour, subject and pass reference for every pass, under Node.js."""

from __future__ import annotations

import base64
import json
import random
import subprocess
from pathlib import Path
from typing import Any

import cbor2

from linli.conftest import needs_node
from linli.health import passes
from linli.health.passes import _b64u as b64u
from linli.health.passes import (
    generate_key,
    issue_pass,
    load_trust_list,
    make_trust_list,
    revocation_id,
    verify_pass,
)
from linli.health.tests.test_passes import GOLDEN_PASS, GOLDEN_ROOT, golden_doc

PASSCHECK = Path(__file__).resolve().parents[1] / "static" / "gates" / "passcheck.js"
T = 1_767_229_200  # 2026-01-01 01:00 UTC
DAY = 86_400

pytestmark = needs_node

RUNNER = """
const P = require(process.argv[1]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const b64u = s => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), c => c.charCodeAt(0));
(async () => {
  const out = {passes: [], lists: []};
  for (const c of input.lists) {
    try { await P.loadTrustList(c.doc, b64u(c.root), c.now); out.lists.push("ok"); }
    catch (e) { out.lists.push(e.reason || ("error: " + e.message)); }
  }
  const trust = await P.loadTrustList(input.doc, b64u(input.root), input.now);
  for (const code of input.codes) {
    const v = await P.verifyPass(code, trust, input.check_at);
    out.passes.push([v.reason, v.colour, v.subject, v.ruleSet, v.expiresAt, v.issuer, v.passRef]);
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


def run_node(payload: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(["node", "-e", RUNNER, str(PASSCHECK)], input=json.dumps(payload),
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def python_view(code: str, trust: passes.TrustList, at: int) -> list[Any]:
    verdict = verify_pass(code, trust, at)
    pass_ref = None
    if verdict.subject is not None:  # the signature verified: the pass id is known
        message = passes.b45decode(code.strip()[4:])
        pass_ref = revocation_id(cbor2.loads(cbor2.loads(message).value[2])[7]).hex()
    expires = None if verdict.expires_at is None else int(verdict.expires_at.timestamp())
    return [verdict.reason, verdict.colour, verdict.subject, verdict.rule_set, expires, verdict.issuer, pass_ref]


def signed_by_hand(issuer: passes.IssuerKey, claims: dict[int, Any]) -> str:
    """A pass with claims issue_pass refuses to write (too long a lifetime)."""
    protected = cbor2.dumps({1: passes.ALG_EDDSA, 4: issuer.kid}, canonical=True)
    payload = cbor2.dumps(claims, canonical=True)
    signature = issuer.private_key.sign(passes._sig_structure(protected, payload))
    return passes.PREFIX + passes.b45encode(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))


def test_golden_pass_is_green_in_javascript() -> None:
    out = run_node({"root": b64u(GOLDEN_ROOT.public_raw), "doc": golden_doc(), "now": 1767229200,
                    "check_at": 1767229200, "codes": [GOLDEN_PASS], "lists": []})
    assert out["passes"][0][:3] == ["ok", "green", "Qm9vdHN0cmFwLXN1YmplY3"]


def test_every_reason_matches_python() -> None:
    rng = random.Random(6)
    root, root_public = generate_key(name="root")
    office, office_public = generate_key(name="花木街道")
    old_office, old_public = generate_key(name="旧章")
    stranger, _ = generate_key(name="外地")
    records: list[passes.IssuerRecord] = [
        {"kid": office.kid, "public_key": office_public, "name": office.name, "valid_from": T - 30 * DAY,
         "valid_to": T + 300 * DAY},
        {"kid": old_office.kid, "public_key": old_public, "name": old_office.name, "valid_from": T - 90 * DAY,
         "valid_to": T - 10 * DAY},
    ]
    revoked_id = bytes(range(16))
    doc = make_trust_list(root, records, [revocation_id(revoked_id)], T, 7)
    at = T + 600
    codes = [
        issue_pass(office, "subject-green", "green", "default@3", T),
        issue_pass(office, "subject-yellow", "yellow", "default@3", T),
        issue_pass(office, "subject-red", "red", "default@3", T),
        issue_pass(office, "old", "green", "default@3", T - 2 * DAY),  # expired
        issue_pass(office, "later", "green", "default@3", at + 3600),  # not yet valid
        issue_pass(office, "drift", "green", "default@3", at + 200),  # inside the clock leeway
        issue_pass(office, "gone", "green", "default@3", T, pass_id=revoked_id),
        issue_pass(stranger, "stranger", "green", "default@3", T),  # unknown key
        issue_pass(old_office, "retired", "green", "default@3", T),  # signed after the key's validity
        signed_by_hand(office, {2: "long", 4: T + 2 * DAY, 6: T, 7: bytes(16), -65537: 1, -65538: "x"}),
        signed_by_hand(office, {2: "extra", 4: T + 60, 6: T, 7: bytes(16), -65537: 1, -65538: "x", 8: 1}),
        signed_by_hand(office, {2: "colour", 4: T + 60, 6: T, 7: bytes(16), -65537: 4, -65538: "x"}),
        signed_by_hand(office, {2: 5, 4: T + 60, 6: T, 7: bytes(16), -65537: 1, -65538: "x"}),
        signed_by_hand(office, {2: "float", 4: float(T + 60), 6: T, 7: bytes(16), -65537: 1, -65538: "x"}),
        "  " + issue_pass(office, "spaces", "green", "default@3", T) + "\r\n",
        "HC1:NCFOXN%TS3DH", "", "LL1:", "LL1:!!!", "LL1:AB", "LL1:" + "A" * 2000, "ll1:" + "0" * 30,
        "https://example.com/?LL1:X",
    ]
    good = issue_pass(office, "flip-me", "yellow", "rules@12", T)
    for _ in range(60):  # damaged copies: every damage must get the same verdict on both sides
        chars = list(good)
        index = rng.randrange(4, len(chars))
        chars[index] = rng.choice(passes._B45)
        codes.append("".join(chars))
    raw = passes.b45decode(good[4:])
    for _ in range(60):
        data = bytearray(raw)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        codes.append(passes.PREFIX + passes.b45encode(bytes(data)))

    edited = dict(doc, version=8)
    lists = [
        {"doc": doc, "root": b64u(root_public), "now": at},
        {"doc": doc, "root": b64u(office_public), "now": at},  # pinned to another root
        {"doc": edited, "root": b64u(root_public), "now": at},
        {"doc": doc, "root": b64u(root_public), "now": T + DAY + 1},  # older than 24 hours
        {"doc": doc, "root": b64u(root_public), "now": T - 3600},  # issued in the future
        {"doc": dict(doc, signature="AAAA"), "root": b64u(root_public), "now": at},
        {"doc": [], "root": b64u(root_public), "now": at},
    ]
    out = run_node({"root": b64u(root_public), "doc": doc, "now": at, "check_at": at, "codes": codes,
                    "lists": lists})

    trust = load_trust_list(doc, root_public, at)
    expected = [python_view(code, trust, at) for code in codes]
    for code, mine, theirs in zip(codes, out["passes"], expected, strict=True):
        assert mine == theirs, code
    reasons = {row[0] for row in expected}
    assert reasons >= {"ok", "expired", "not_yet_valid", "revoked", "unknown_key", "lifetime", "encoding",
                       "format", "signature"}

    python_lists = []
    for case in lists:
        try:
            load_trust_list(case["doc"], base64.urlsafe_b64decode(case["root"] + "=="), case["now"])
            python_lists.append("ok")
        except passes.TrustListError as error:
            python_lists.append(error.reason)
    assert out["lists"] == python_lists
    assert python_lists[:4] == ["ok", "trust_list_invalid", "trust_list_invalid", "trust_list_stale"]


def test_a_stale_trust_list_refuses_every_pass() -> None:
    root, root_public = generate_key(name="root")
    office, office_public = generate_key(name="office")
    record: passes.IssuerRecord = {"kid": office.kid, "public_key": office_public, "name": "office",
                                   "valid_from": T - DAY, "valid_to": T + DAY}
    doc = make_trust_list(root, [record], [], T, 1)
    code = issue_pass(office, "s", "green", "r", T + DAY)
    out = run_node({"root": b64u(root_public), "doc": doc, "now": T, "check_at": T + DAY, "codes": [code],
                    "lists": []})
    assert out["passes"][0][0] == "trust_list_stale"


NOBLE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "noble-ed25519-3.2.0" / "index.js"
NO_WEBCRYPTO_ED25519 = """
const subtle = globalThis.crypto.subtle;
const importKey = subtle.importKey.bind(subtle);
subtle.importKey = (format, key, algorithm, ...rest) => algorithm.name === "Ed25519"
  ? Promise.reject(new DOMException("Unrecognized algorithm name", "NotSupportedError"))
  : importKey(format, key, algorithm, ...rest);
const P = require(process.argv[1]);
P.useFallback(process.argv[2]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const b64u = s => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), c => c.charCodeAt(0));
(async () => {
  const trust = await P.loadTrustList(input.doc, b64u(input.root), input.now);
  const out = [];
  for (const code of input.codes) out.push((await P.verifyPass(code, trust, input.now)).reason);
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


def test_the_fallback_verifier_works_without_webcrypto_ed25519() -> None:
    tampered = GOLDEN_PASS[:-3] + ("0" if GOLDEN_PASS[-3] != "0" else "1") + GOLDEN_PASS[-2:]
    payload = {"root": b64u(GOLDEN_ROOT.public_raw), "doc": golden_doc(), "now": 1767229200,
               "codes": [GOLDEN_PASS, tampered]}
    result = subprocess.run(["node", "-e", NO_WEBCRYPTO_ED25519, str(PASSCHECK), NOBLE.as_uri()],
                            input=json.dumps(payload), capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout) == ["ok", verify_pass(tampered, load_trust_list(
        golden_doc(), GOLDEN_ROOT.public_raw, 1767229200), 1767229200).reason]
