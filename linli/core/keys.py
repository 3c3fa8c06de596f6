"""Secrets kept outside the database: the one way Linli loads them.

A secret is read from the environment (NAME, or a file named by NAME_FILE, as container
secrets are mounted) or, failing that, from its file in the data directory, generated there
once with mode 0600 so that a demo works with no configuration and keeps its keys across
restarts. The Django secret key, the data keys, the ledger's keys and the exchange office
key all load through :func:`load_secret`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import overload

from django.core.exceptions import ImproperlyConfigured


def replace_private(path: Path, content: str) -> None:
    """Replace ``path`` with ``content`` at once (a new 0600 file renamed over it): readers
    see the old file or the new one, never half of either."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    write_private(temporary, content)
    try:
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def write_private(path: Path, content: str) -> None:
    """Create ``path`` readable by its owner only (and its directory, if new, 0700). Raises
    FileExistsError rather than replace a file: a key that has signed or sealed something
    must never be lost by accident. The mode is set when the file is created, so the secret
    is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)


def env_secret(name: str) -> str | None:
    """NAME or the content of the file named by NAME_FILE; None when neither is set."""
    value = os.environ.get(name)
    if value:
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name} cannot be read: {exc}") from exc
    return None


@overload
def load_secret(name: str | None, path: Path, *, create: Callable[[], str]) -> str: ...
@overload
def load_secret(name: str | None, path: Path, *, create: None = None) -> str | None: ...
def load_secret(name: str | None, path: Path, *, create: Callable[[], str] | None = None) -> str | None:
    """The secret in NAME or NAME_FILE (when ``name`` is given), else the content of
    ``path``. Without the file, ``create()`` makes the secret and it is written there (mode
    0600) for the next start; without ``create``, None."""
    value = env_secret(name) if name else None
    if value:
        return value
    if create is not None and not path.exists():
        try:
            write_private(path, create())
        except FileExistsError:
            pass  # another process created it first; read theirs
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


def load_or_create_secret(name: str, path: Path, *, nbytes: int = 32) -> str:
    """A random token as a secret (the Django secret key, the demo password)."""
    return load_secret(name, path, create=lambda: secrets.token_urlsafe(nbytes))


INTEGRITY_DERIVED = "i0"  # the integrity key derived from the blind-index key (files without one)
INTEGRITY_ID = re.compile(r"i[1-9][0-9]{0,5}")


@dataclass(frozen=True)
class DataKeys:
    """AES-256-GCM keys by key id (the active one encrypts), the blind-index HMAC key, and
    the integrity keys by key id (HMAC-SHA256 over the audit chain and the ledger's rows;
    the active one seals new rows, the others still check old ones)."""

    active: str
    encryption: dict[str, bytes]
    index: bytes
    integrity: dict[str, bytes] = field(default_factory=dict)
    integrity_active: str = ""

    @classmethod
    def generate(cls) -> DataKeys:
        return cls(active="k1", encryption={"k1": secrets.token_bytes(32)}, index=secrets.token_bytes(32),
                   integrity={"i1": secrets.token_bytes(32)}, integrity_active="i1")

    @property
    def integrity_keys(self) -> dict[str, bytes]:
        """Every integrity key by id. Key files written before the audit chain was keyed
        have none: for them ``i0``, derived from the blind-index key, is the active one, so
        an existing deployment is keyed without touching its secrets."""
        derived = hmac.new(self.index, b"linli-integrity-key/v1", hashlib.sha256).digest()
        return {INTEGRITY_DERIVED: derived, **self.integrity}

    @property
    def integrity_key_id(self) -> str:
        return self.integrity_active or INTEGRITY_DERIVED

    def with_new_integrity_key(self) -> tuple[DataKeys, str]:
        """These keys plus a fresh integrity key, made the active one (old ones are kept)."""
        numbers = [int(k[1:]) for k in self.integrity_keys if k[:1] == "i" and k[1:].isdigit()]
        key_id = f"i{max(numbers, default=0) + 1}"
        integrity = {**self.integrity, key_id: secrets.token_bytes(32)}
        return replace(self, integrity=integrity, integrity_active=key_id), key_id

    def to_json(self) -> str:
        data: dict[str, object] = {
            "active": self.active,
            "encryption": {k: base64.b64encode(v).decode() for k, v in self.encryption.items()},
            "index": base64.b64encode(self.index).decode(),
        }
        if self.integrity:
            data["integrity"] = {"active": self.integrity_key_id,
                                 "keys": {k: base64.b64encode(v).decode() for k, v in self.integrity.items()}}
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str, source: str) -> DataKeys:
        try:
            raw = json.loads(text)
            keys = {k: base64.b64decode(v) for k, v in raw["encryption"].items()}
            index = base64.b64decode(raw["index"])
            active = raw["active"]
            integrity_raw = raw.get("integrity") or {"keys": {}}
            integrity = {k: base64.b64decode(v) for k, v in integrity_raw["keys"].items()}
            integrity_active = integrity_raw.get("active", "")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ImproperlyConfigured(f"data keys in {source} are malformed: {exc}") from exc
        if active not in keys:
            raise ImproperlyConfigured(f"data keys in {source}: active key {active!r} is missing")
        if any(len(k) != 32 for k in [*keys.values(), *integrity.values()]) or len(index) < 32:
            raise ImproperlyConfigured(f"data keys in {source}: every key must be 32 bytes")
        if INTEGRITY_DERIVED in integrity or not all(INTEGRITY_ID.fullmatch(k) for k in integrity):
            raise ImproperlyConfigured(f"data keys in {source}: integrity key ids are i1, i2 … (i0 is derived)")
        if integrity_active not in ("", INTEGRITY_DERIVED, *integrity):
            raise ImproperlyConfigured(f"data keys in {source}: active integrity key {integrity_active!r} is missing")
        return cls(active=active, encryption=keys, index=index, integrity=integrity,
                   integrity_active=integrity_active)


def load_data_keys(path: Path) -> DataKeys:
    from_env = env_secret("LINLI_DATA_KEYS")
    if from_env:
        return DataKeys.from_json(from_env, "LINLI_DATA_KEYS")
    return DataKeys.from_json(load_secret(None, path, create=lambda: DataKeys.generate().to_json()), str(path))
