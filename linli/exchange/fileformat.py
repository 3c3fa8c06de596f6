"""The exchange file: JSON Lines, a header, the data lines, then an Ed25519 signature line.

The signature covers the exact bytes of every line before it (each ending in ``\\n``), so a
changed byte anywhere, a dropped line or a reordered one fails verification; nothing is
re-serialised before checking.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from linli.exchange.errors import ExchangeError
from linli.ledger.note import Signer, Verifier

FORMAT = "linli-exchange/v1"
MAX_FILE_SIZE = 512 * 1024 * 1024


def dumps_line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def write_signed(lines: Iterable[dict[str, Any]], signer: Signer) -> bytes:
    body = b"".join(dumps_line(line) for line in lines)
    signature = base64.b64encode(signer.sign(body)).decode("ascii")
    return body + dumps_line({"signature": signature, "key_id": signer.key_id.hex()})


@dataclass(frozen=True)
class ParsedFile:
    header: dict[str, Any]
    lines: list[dict[str, Any]]  # aggregate and record lines
    body: bytes  # the signed bytes
    signature: bytes
    key_id: str
    sha256: str


def _malformed(english: str, chinese: str) -> ExchangeError:
    return ExchangeError("malformed", f"malformed exchange file: {english}", f"交换文件格式错误：{chinese}")


def parse(data: bytes) -> ParsedFile:
    """Split and check the structure; the signature is checked by the caller, who knows the keys."""
    if len(data) > MAX_FILE_SIZE:
        raise _malformed("the file is too large", "文件过大")
    if not data.endswith(b"\n"):
        raise _malformed("the last line is incomplete", "最后一行不完整")
    raw_lines = data[:-1].split(b"\n")
    if len(raw_lines) < 2:
        raise _malformed("a header and a signature line are required", "缺少表头行或签名行")
    try:
        objects = [json.loads(line.decode("utf-8")) for line in raw_lines]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _malformed(f"a line is not UTF-8 JSON ({exc})", "某行不是 UTF-8 编码的 JSON") from exc
    if not all(isinstance(obj, dict) for obj in objects):
        raise _malformed("every line must be a JSON object", "每一行都必须是 JSON 对象")
    header, final = objects[0], objects[-1]
    if header.get("format") != FORMAT:
        raise _malformed(f"the header does not say format {FORMAT}", f"表头未声明格式 {FORMAT}")
    for name in ("scope", "generated_at", "sender_key_id", "k"):
        if name not in header:
            raise _malformed(f"the header lacks {name!r}", f"表头缺少 {name!r}")
    if set(final) != {"signature", "key_id"} or not all(isinstance(v, str) for v in final.values()):
        raise _malformed("the last line must be the signature line", "最后一行必须是签名行")
    try:
        signature = base64.b64decode(final["signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _malformed("the signature is not base64", "签名不是 base64 编码") from exc
    if final["key_id"] != header["sender_key_id"]:
        raise _malformed("the signature's key ID differs from the header's", "签名行与表头的密钥标识不一致")
    body = data[: len(data) - len(raw_lines[-1]) - 1]
    return ParsedFile(header=header, lines=objects[1:-1], body=body, signature=signature,
                      key_id=final["key_id"], sha256=hashlib.sha256(data).hexdigest())


def verify(parsed: ParsedFile, verifier: Verifier) -> bool:
    return verifier.verify(parsed.body, parsed.signature)
