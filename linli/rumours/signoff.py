"""The three-party sign-off of a clarification (三方发布, seed 003 §4.3), as plain rules (no
Django here: tested alone).

The government office, a health or subject expert and a media or communications role each sign
the same version of the text. An edit makes a new version, on which nobody has signed yet (the
earlier signatures stay on record, for the earlier text). One person signs for one party only,
over every version of the clarification; and the text is released once, when all three have
signed its current version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

OFFICE, EXPERT, MEDIA = "office", "expert", "media"
PARTIES = (OFFICE, EXPERT, MEDIA)


class Refused(Exception):
    """``code`` says why: ``unknown_party``, ``already_signed``, ``two_parties``, ``released``,
    ``incomplete``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Signed:
    party: str
    version: int
    user: int


def current(signatures: Iterable[Signed], version: int) -> dict[str, int]:
    """party → who signed the current version."""
    return {s.party: s.user for s in signatures if s.version == version}


def missing(signatures: Iterable[Signed], version: int) -> list[str]:
    done = current(signatures, version)
    return [p for p in PARTIES if p not in done]


def check_sign(party: str, user: int, version: int, signatures: Iterable[Signed], *, released: bool) -> None:
    signatures = list(signatures)
    if released:
        raise Refused("released")
    if party not in PARTIES:
        raise Refused("unknown_party")
    if party in current(signatures, version):
        raise Refused("already_signed")
    if any(s.user == user and s.party != party for s in signatures):
        raise Refused("two_parties")


def check_edit(*, released: bool) -> None:
    if released:
        raise Refused("released")


def check_release(signatures: Iterable[Signed], version: int, *, released: bool) -> None:
    if released:
        raise Refused("released")
    if missing(signatures, version):
        raise Refused("incomplete")
