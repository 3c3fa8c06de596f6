"""Secrets kept outside the database: the one way Linli loads them.

A secret is read from the environment (NAME, or a file named by NAME_FILE, as container
secrets are mounted) or, failing that, from its file in the data directory, generated there
once with mode 0600 so that a demo works with no configuration and keeps its keys across
restarts. The Django secret key, the data keys, the ledger's keys and the exchange office
key all load through :func:`load_secret`.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from django.core.exceptions import ImproperlyConfigured


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


@dataclass(frozen=True)
class DataKeys:
    """AES-256-GCM keys by key id (the active one encrypts) and the blind-index HMAC key."""

    active: str
    encryption: dict[str, bytes]
    index: bytes

    @classmethod
    def generate(cls) -> DataKeys:
        return cls(active="k1", encryption={"k1": secrets.token_bytes(32)}, index=secrets.token_bytes(32))

    def to_json(self) -> str:
        return json.dumps(
            {
                "active": self.active,
                "encryption": {k: base64.b64encode(v).decode() for k, v in self.encryption.items()},
                "index": base64.b64encode(self.index).decode(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: str) -> DataKeys:
        try:
            raw = json.loads(text)
            keys = {k: base64.b64decode(v) for k, v in raw["encryption"].items()}
            index = base64.b64decode(raw["index"])
            active = raw["active"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ImproperlyConfigured(f"data keys in {source} are malformed: {exc}") from exc
        if active not in keys:
            raise ImproperlyConfigured(f"data keys in {source}: active key {active!r} is missing")
        if any(len(k) != 32 for k in keys.values()) or len(index) < 32:
            raise ImproperlyConfigured(f"data keys in {source}: every key must be 32 bytes")
        return cls(active=active, encryption=keys, index=index)


def load_data_keys(path: Path) -> DataKeys:
    from_env = env_secret("LINLI_DATA_KEYS")
    if from_env:
        return DataKeys.from_json(from_env, "LINLI_DATA_KEYS")
    return DataKeys.from_json(load_secret(None, path, create=lambda: DataKeys.generate().to_json()), str(path))
