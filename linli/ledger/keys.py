"""Signing keys of the log and of the parties this Linli server writes for.

The log key signs checkpoints; each managed party (the street office, a community office,
the health commission …) has its own key so that every entry says who vouches for it.
Keys live outside the database: ``LINLI_LEDGER_KEY`` / ``LINLI_LEDGER_KEY_FILE`` for the
log, and otherwise files generated with mode 0600 under ``<data dir>/ledger/``. Parties
run by other servers register only their public key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from linli.core.keys import load_secret
from linli.ledger.models import Party
from linli.ledger.note import Signer

KEY_NAME = re.compile(r"[^\s+]{1,128}")


def ledger_dir() -> Path:
    path = settings.DATA_DIR / "ledger"
    path.mkdir(exist_ok=True, mode=0o700)
    return path


def origin() -> str:
    return settings.LINLI_LEDGER_ORIGIN


def _load_or_create(env_name: str | None, path: Path, name: str) -> Signer:
    return Signer.decode(load_secret(env_name, path, create=lambda: Signer.generate(name).encode()))


@lru_cache(maxsize=1)
def log_signer() -> Signer:
    signer = _load_or_create("LINLI_LEDGER_KEY", ledger_dir() / "log.key", origin())
    if signer.name != origin():
        raise ImproperlyConfigured(
            f"the ledger key is named {signer.name!r} but the log's origin is {origin()!r}")
    return signer


@lru_cache(maxsize=64)
def party_signer(name: str) -> Signer:
    if not KEY_NAME.fullmatch(name):
        raise ValueError(f"a party key name has no spaces or '+': {name!r}")
    return _load_or_create(None, ledger_dir() / "parties" / f"{name.replace('/', '_')}.key", name)


def ensure_managed_party(name: str, display_name: str, kind: str, entry_types: list[str]) -> Party:
    """The party with this key name, created with a fresh key held here if it is new.
    Entry types are only ever added here, never taken away (old entries must stay valid)."""
    signer = party_signer(name)
    verifier = signer.verifier()
    party, created = Party.objects.get_or_create(name=name, defaults={
        "display_name": display_name, "kind": kind, "verifier_key": verifier.encode(),
        "key_id": verifier.key_id.hex(), "entry_types": sorted(entry_types), "managed": True})
    if not created and not set(entry_types) <= set(party.entry_types):
        party.entry_types = sorted(set(party.entry_types) | set(entry_types))
        party.save(update_fields=["entry_types"])
    return party
