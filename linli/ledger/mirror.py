"""``linli ledger mirror``: pull another Linli server's ledger over its API and audit it."""

from __future__ import annotations

import base64
import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from linli.ledger.auditing import Finding
from linli.ledger.public import auditor_from_keys

PAGE = 1000


@dataclass
class MirrorReport:
    entries: int
    checkpoints: int
    finding: Finding | None


def _get(base: str, path: str, token: str) -> Any:
    request = urllib.request.Request(base.rstrip("/") + path)  # noqa: S310 - an operator-given URL
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def mirror(url: str, *, token: str = "", trusted_keys: dict[str, Any] | None = None,
           progress: Any = None) -> MirrorReport:
    """Recompute the remote tree from its entries, check every submitter signature and
    entry-type permission, and every checkpoint the server published."""
    keys = trusted_keys or _get(url, "/api/ledger/keys", token)
    auditor = auditor_from_keys(keys)
    checkpoints = _get(url, "/api/ledger/checkpoints", token)["items"]
    checkpoints.sort(key=lambda c: c["size"])
    start, done = 0, 0
    while True:
        page = _get(url, f"/api/ledger/entries?start={start}&limit={PAGE}", token)["items"]
        for item in page:
            ok = auditor.add_entry(int(item["index"]), base64.b64decode(item["entry"]),
                                   base64.b64decode(item["signature"]))
            if not ok:
                return MirrorReport(auditor.tree.size, done, auditor.finding)
            while done < len(checkpoints) and checkpoints[done]["size"] == auditor.tree.size:
                if not auditor.check_checkpoint(checkpoints[done]["note"].encode()):
                    return MirrorReport(auditor.tree.size, done, auditor.finding)
                done += 1
        if progress is not None and page:
            progress.write(f"\rmirrored {auditor.tree.size} entries")
        if len(page) < PAGE:
            break
        start += PAGE
    if progress is not None:
        progress.write("\n")
    if done < len(checkpoints):
        size = checkpoints[done]["size"]
        return MirrorReport(auditor.tree.size, done, Finding(
            "checkpoint", size, f"covers {size} entries but the server returned only {auditor.tree.size}"))
    return MirrorReport(auditor.tree.size, done, None)
