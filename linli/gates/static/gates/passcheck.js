/* Linli health passes, checked in the browser: the JavaScript twin of
 * linli/health/passes.py (verify_pass, load_trust_list). Same format, same checks in the
 * same order, same reason codes. See docs/decisions/0006-health-passes.md.
 *
 * A pass is "LL1:" + base45(COSE_Sign1) with an Ed25519 signature over
 * Sig_structure = ["Signature1", protected, h'', payload]; the payload is a CWT with sub,
 * exp, iat, cti, colour (-65537) and rule set (-65538). The trust list is JSON signed by the
 * root key over its canonical form without "signature".
 *
 * Ed25519 uses WebCrypto; where the browser lacks Ed25519 in WebCrypto, an optional pure-JS
 * verifier (noble-ed25519, vendored) is loaded on first use. SHA-256 is WebCrypto's.
 * Everything here is pure: no DOM, no storage. It also runs under Node.js (the tests do).
 */
(function (root) {
  "use strict";

  const PREFIX = "LL1:";
  const TRUST_LIST_FORMAT = "linli-trust-list/1";
  const ALG_EDDSA = -8;
  const KID_LEN = 8;
  const REVOCATION_ID_LEN = 16;
  const MAX_LIFETIME = 86400;
  const CLOCK_LEEWAY = 300;
  const MAX_CODE_CHARS = 1024;
  const MAX_TIME = 253402300799;
  const COLOURS = { 1: "green", 2: "yellow", 3: "red" };
  const CLAIM_KEYS = ["i:2", "i:4", "i:6", "i:7", "i:-65537", "i:-65538"];

  class CheckError extends Error {
    constructor(reason, detail) { super(detail || reason); this.reason = reason; }
  }

  // --- bytes ------------------------------------------------------------------------------
  const hex = bytes => Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
  const equalBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const concat = parts => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.length; }
    return out;
  };
  const B64U = /^[A-Za-z0-9_-]*$/;

  function b64uDecode(text, length) {
    if (typeof text !== "string" || !B64U.test(text) || text.length % 4 === 1) {
      throw new CheckError("trust_list_invalid", "a binary field is not unpadded base64url");
    }
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    const raw = Uint8Array.from(binary, c => c.charCodeAt(0));
    if (length !== undefined && raw.length !== length) {
      throw new CheckError("trust_list_invalid", "a binary field is not " + length + " bytes long");
    }
    return raw;
  }

  // --- base45 (RFC 9285) --------------------------------------------------------------------
  const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  const B45_VALUE = new Map(Array.from(B45, (c, i) => [c, i]));

  function b45decode(text) {
    const digits = [];
    for (const ch of text) {
      const value = B45_VALUE.get(ch);
      if (value === undefined) throw new Error("not base45");
      digits.push(value);
    }
    if (digits.length % 3 === 1) throw new Error("not base45");
    const out = [];
    let i = 0;
    for (; i + 3 <= digits.length; i += 3) {
      const n = digits[i] + 45 * digits[i + 1] + 2025 * digits[i + 2];
      if (n > 0xffff) throw new Error("not base45");
      out.push(n >> 8, n & 0xff);
    }
    if (i < digits.length) {
      const n = digits[i] + 45 * digits[i + 1];
      if (n > 0xff) throw new Error("not base45");
      out.push(n);
    }
    return Uint8Array.from(out);
  }

  // --- the COSE_Sign1 envelope, parsed strictly by hand (as passes._parse_sign1) -----------
  function bstrAt(data, pos) {
    const head = pos < data.length ? data[pos] : 0;
    let start, length;
    if (head >= 0x40 && head < 0x58) {
      start = pos + 1; length = head - 0x40;
    } else if (head === 0x58 && pos + 1 < data.length && data[pos + 1] >= 24) {
      start = pos + 2; length = data[pos + 1];
    } else if (head === 0x59 && pos + 2 < data.length && data[pos + 1] > 0) {
      start = pos + 3; length = (data[pos + 1] << 8) | data[pos + 2];
    } else {
      return null;
    }
    return start + length <= data.length ? [start, start + length] : null;
  }

  // The CBOR head of a byte string of this length, in shortest form.
  function bstrHead(length) {
    if (length < 24) return Uint8Array.of(0x40 | length);
    if (length < 0x100) return Uint8Array.of(0x58, length);
    return Uint8Array.of(0x59, length >> 8, length & 0xff);
  }

  const SIG1_CONTEXT = Uint8Array.of(0x84, 0x6a, ...Array.from("Signature1", c => c.charCodeAt(0)));

  // RFC 9052 section 4.4: CBOR array(4) ["Signature1", protected, h'' (external_aad), payload].
  function sigStructure(protected_, payload) {
    return concat([SIG1_CONTEXT, bstrHead(protected_.length), protected_, Uint8Array.of(0x40),
      bstrHead(payload.length), payload]);
  }

  function parseSign1(data) {
    if (data.length < 2 || data[0] !== 0xd2 || data[1] !== 0x84) return null;  // tag 18, array(4)
    const protected_ = bstrAt(data, 2);
    if (protected_ === null || data[protected_[1]] !== 0xa0) return null;  // unprotected: {}
    const payload = bstrAt(data, protected_[1] + 1);
    if (payload === null || data[payload[1]] !== 0x58 || data[payload[1] + 1] !== 0x40) return null;
    if (data.length !== payload[1] + 66) return null;  // a 64-byte signature, nothing after it
    return {
      protected: data.slice(protected_[0], protected_[1]),
      payload: data.slice(payload[0], payload[1]),
      signature: data.slice(payload[1] + 2),
    };
  }

  // --- a small CBOR decoder: what a pass's header and claims can hold -----------------------
  // Integers come back as numbers (BigInt beyond 2**53, which no claim accepts), byte
  // strings as Uint8Array, text as strings, maps as Map keyed "i:<int>" / "s:<text>".
  // Tags, floats, simple values and indefinite lengths are returned as opaque objects or
  // refused: no claim may hold them, so either way the pass is "encoding". Like cbor2,
  // bytes after the first item are ignored and a repeated map key keeps its last value.
  const UTF8 = new TextDecoder("utf-8", { fatal: true });
  class Opaque { constructor(kind) { this.kind = kind; } }

  function decodeCbor(data) {
    let pos = 0;
    const byte = () => {
      if (pos >= data.length) throw new Error("truncated");
      return data[pos++];
    };
    const argument = info => {
      if (info < 24) return info;
      let size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
      if (!size) throw new Error("unsupported length");
      let value = 0n;
      while (size--) value = (value << 8n) | BigInt(byte());
      return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    };
    const take = length => {
      if (typeof length !== "number" || pos + length > data.length) throw new Error("truncated");
      pos += length;
      return data.slice(pos - length, pos);
    };
    const item = depth => {
      if (depth > 16) throw new Error("too deep");
      const head = byte();
      const major = head >> 5, info = head & 31;
      if (major === 7) {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info >= 25 && info <= 27) { take(1 << (info - 24)); return new Opaque("float"); }
        if (info === 24) { byte(); return new Opaque("simple"); }
        if (info < 24) return new Opaque("simple");
        throw new Error("unsupported simple value");
      }
      const arg = argument(info);
      switch (major) {
        case 0: return arg;
        case 1: return typeof arg === "number" ? -1 - arg : -1n - arg;
        case 2: return take(arg);
        case 3: return UTF8.decode(take(arg));
        case 4: {
          if (typeof arg !== "number") throw new Error("too long");
          const list = [];
          for (let i = 0; i < arg; i++) list.push(item(depth + 1));
          return list;
        }
        case 5: {
          if (typeof arg !== "number") throw new Error("too long");
          const map = new Map();
          for (let i = 0; i < arg; i++) {
            const key = item(depth + 1);
            const value = item(depth + 1);
            map.set(mapKey(key, pos), value);
          }
          return map;
        }
        default:  // 6, a tag
          item(depth + 1);
          return new Opaque("tag");
      }
    };
    return item(0);
  }

  function mapKey(key, pos) {
    if (typeof key === "number" || typeof key === "bigint") return "i:" + key;
    if (typeof key === "string") return "s:" + key;
    return "x:" + pos;  // a key no check looks for
  }

  const isInt = v => typeof v === "number" && Number.isInteger(v);
  const sameKeys = (map, keys) => map instanceof Map && map.size === keys.length && keys.every(k => map.has(k));

  function readClaims(payload) {
    let claims;
    try { claims = decodeCbor(payload); } catch (error) { return null; }
    if (!sameKeys(claims, CLAIM_KEYS)) return null;
    const sub = claims.get("i:2"), exp = claims.get("i:4"), iat = claims.get("i:6");
    const cti = claims.get("i:7"), colour = claims.get("i:-65537"), ruleSet = claims.get("i:-65538");
    if (typeof sub !== "string" || !isInt(exp) || !isInt(iat) || !(cti instanceof Uint8Array)
        || !isInt(colour) || typeof ruleSet !== "string" || !(colour in COLOURS)
        || iat < 0 || iat > MAX_TIME || exp < 0 || exp > MAX_TIME) {
      return null;
    }
    return { sub, exp, iat, cti, colour, ruleSet };
  }

  // --- crypto --------------------------------------------------------------------------------
  const subtle = () => {
    if (!root.crypto || !root.crypto.subtle) throw new CheckError("insecure", "WebCrypto is unavailable");
    return root.crypto.subtle;
  };

  async function sha256(bytes) {
    return new Uint8Array(await subtle().digest("SHA-256", bytes));
  }

  let fallbackUrl = null;
  let fallback = null;
  let webCryptoEd25519 = null;  // null: not tried yet

  async function makeVerifier(publicRaw) {
    if (webCryptoEd25519 !== false) {
      try {
        const key = await subtle().importKey("raw", publicRaw, { name: "Ed25519" }, false, ["verify"]);
        webCryptoEd25519 = true;
        return (signature, message) => subtle().verify({ name: "Ed25519" }, key, signature, message);
      } catch (error) {
        if (error instanceof CheckError || error.name !== "NotSupportedError") throw error;
        webCryptoEd25519 = false;  // this browser has no Ed25519 in WebCrypto
      }
    }
    if (!fallbackUrl) throw new CheckError("no_verifier", "no Ed25519 verifier in this browser");
    fallback = fallback || import(fallbackUrl);
    let ed;
    try { ed = await fallback; } catch (error) {
      fallback = null;
      throw new CheckError("no_verifier", "the fallback Ed25519 verifier did not load");
    }
    return async (signature, message) => {
      try { return await ed.verifyAsync(signature, message, publicRaw, { zip215: false }); } catch (error) { return false; }
    };
  }

  // --- trust list ----------------------------------------------------------------------------
  function canonical(v) {
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    if (v !== null && typeof v === "object") {
      return "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
    }
    return JSON.stringify(v);
  }

  // As passes._check_portable: what JavaScript and Python could serialise differently.
  function checkPortable(v, depth) {
    if (depth > 32) throw new CheckError("trust_list_invalid", "the document is nested too deeply");
    if (Array.isArray(v)) { v.forEach(x => checkPortable(x, depth + 1)); return; }
    if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (!/^[\x00-\x7f]*$/.test(k)) throw new CheckError("trust_list_invalid", "object keys must be ASCII");
        checkPortable(x, depth + 1);
      }
      return;
    }
    if (typeof v === "number" && !Number.isSafeInteger(v)) {
      throw new CheckError("trust_list_invalid", "numbers must be integers below 2**53");
    }
  }

  function field(doc, name, kind) {
    const value = doc[name];
    const ok = kind === "int" ? isInt(value) : kind === "list" ? Array.isArray(value)
      : kind === "object" ? value !== null && typeof value === "object" && !Array.isArray(value)
      : typeof value === kind;
    if (!ok) throw new CheckError("trust_list_invalid", name + " is missing or not " + kind);
    return value;
  }

  /* Verify a trust list document against the pinned root key (raw 32 bytes) and build its
   * lookup tables. Rejects (CheckError) with reason trust_list_invalid or trust_list_stale. */
  async function loadTrustList(doc, rootPublic, now, maxAge) {
    maxAge = maxAge === undefined ? MAX_LIFETIME : maxAge;
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      throw new CheckError("trust_list_invalid", "the trust list is not a JSON object");
    }
    if (doc.format !== TRUST_LIST_FORMAT) throw new CheckError("trust_list_invalid", "unknown format");
    const rootEntry = field(doc, "root", "object");
    if (rootEntry.alg !== "EdDSA") throw new CheckError("trust_list_invalid", "the root key is not EdDSA");
    const rootKid = b64uDecode(rootEntry.kid, KID_LEN);
    const embedded = b64uDecode(rootEntry.public_key, 32);
    if (!equalBytes(embedded, rootPublic)) throw new CheckError("trust_list_invalid", "signed by another root key");
    const signature = b64uDecode(doc.signature, 64);
    const body = Object.assign({}, doc);
    delete body.signature;
    checkPortable(body, 0);
    let verify;
    try { verify = await makeVerifier(embedded); } catch (error) {
      if (error instanceof CheckError) throw error;
      throw new CheckError("trust_list_invalid", "bad root key");
    }
    if (!(await verify(signature, new TextEncoder().encode(canonical(body))))) {
      throw new CheckError("trust_list_invalid", "the root signature does not verify");
    }
    const issuedAt = field(doc, "issued_at", "int");
    if (now - issuedAt > maxAge) throw new CheckError("trust_list_stale", "issued " + (now - issuedAt) + " s ago");
    if (issuedAt - now > CLOCK_LEEWAY) throw new CheckError("trust_list_stale", "issued in the future");
    const revoked = new Set(field(doc, "revoked", "list").map(item => hex(b64uDecode(item, REVOCATION_ID_LEN))));
    const issuers = new Map();
    for (const entry of field(doc, "issuers", "list")) {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw new CheckError("trust_list_invalid", "an issuer entry is not an object");
      }
      if (field(entry, "alg", "string") !== "EdDSA") continue;  // an algorithm we do not know
      const kid = hex(b64uDecode(entry.kid, KID_LEN));
      if (issuers.has(kid)) throw new CheckError("trust_list_invalid", "two issuer entries share a key id");
      const publicKey = b64uDecode(entry.public_key, 32);
      let keyVerify;
      try { keyVerify = await makeVerifier(publicKey); } catch (error) {
        if (error instanceof CheckError) throw error;
        throw new CheckError("trust_list_invalid", "bad issuer public key");
      }
      issuers.set(kid, {
        name: field(entry, "name", "string"), verify: keyVerify,
        validFrom: field(entry, "valid_from", "int"), validTo: field(entry, "valid_to", "int"),
      });
    }
    return {
      version: field(doc, "version", "int"), issuedAt, expiresAt: issuedAt + maxAge,
      rootKid: hex(rootKid), issuers, revoked,
    };
  }

  // --- verification (as passes.verify_pass) ---------------------------------------------
  const reject = (reason, extra) => Object.assign(
    { valid: false, reason, colour: null, subject: null, ruleSet: null, expiresAt: null, issuer: null, passRef: null },
    extra || {});

  /* Check a scanned pass. Resolves to {valid, reason, colour, subject, ruleSet, expiresAt
   * (POSIX seconds), issuer, passRef (hex SHA-256(cti)[:16])}; never rejects for any input. */
  async function verifyPass(code, trust, now) {
    if (!trust || now >= trust.expiresAt || trust.issuedAt - now > CLOCK_LEEWAY) return reject("trust_list_stale");
    if (typeof code !== "string") return reject("format");
    code = code.trim();
    if (!code.startsWith(PREFIX)) return reject("format");
    if (code.length > MAX_CODE_CHARS) return reject("encoding");
    let parsed;
    try { parsed = parseSign1(b45decode(code.slice(PREFIX.length))); } catch (error) { return reject("encoding"); }
    if (parsed === null) return reject("encoding");
    let header;
    try { header = decodeCbor(parsed.protected); } catch (error) { return reject("encoding"); }
    if (!sameKeys(header, ["i:1", "i:4"])) return reject("encoding");
    const kid = header.get("i:4"), alg = header.get("i:1");
    if (!(kid instanceof Uint8Array) || !isInt(alg)) return reject("encoding");
    const issuer = trust.issuers.get(hex(kid));
    if (issuer === undefined) return reject("unknown_key");
    if (alg !== ALG_EDDSA) return reject("signature");
    let good = false;
    try { good = await issuer.verify(parsed.signature, sigStructure(parsed.protected, parsed.payload)); } catch (e) {
      good = false;
    }
    if (!good) return reject("signature");

    const claims = readClaims(parsed.payload);
    if (claims === null) return reject("encoding");
    const passRef = hex((await sha256(claims.cti)).slice(0, REVOCATION_ID_LEN));
    const seen = { subject: claims.sub, ruleSet: claims.ruleSet, expiresAt: claims.exp, issuer: issuer.name, passRef };
    let reason;
    if (!(issuer.validFrom <= claims.iat && claims.iat <= issuer.validTo)) reason = "unknown_key";
    else if (!(claims.exp - claims.iat > 0 && claims.exp - claims.iat <= MAX_LIFETIME)) reason = "lifetime";
    else if (claims.iat > now + CLOCK_LEEWAY) reason = "not_yet_valid";
    else if (now >= claims.exp) reason = "expired";
    else if (trust.revoked.has(passRef)) reason = "revoked";
    else return Object.assign(reject("ok", seen), { valid: true, colour: COLOURS[claims.colour] });
    return reject(reason, seen);
  }

  const api = {
    PREFIX, MAX_LIFETIME, CLOCK_LEEWAY, CheckError, b45decode, b64uDecode, canonical, decodeCbor, parseSign1,
    sigStructure, loadTrustList, verifyPass, hex,
    useFallback(url) { fallbackUrl = url; },
  };
  if (typeof module === "object" && module.exports) module.exports = api;
  root.LinliPass = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
