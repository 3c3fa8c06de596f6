"""Pass keys kept by this server: one root key that signs the trust list, one issuer key per
street that signs passes. Private keys are sealed in the database like ID numbers.

The trust list (``trust_list()``) is what gates download and cache: the issuers' public keys
and the revoked passes of the last day, signed by the root. Its root public key is pinned in
the gate page and printed by ``linli health trust-list``.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.health import passes
from linli.health.models import IssuedPass, PassKey

ISSUER_VALIDITY = datetime.timedelta(days=365)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _create(role: str, name: str) -> PassKey:
    issuer, public = passes.generate_key(name=name)
    now = timezone.now()
    return PassKey.objects.create(kid=issuer.kid.hex(), role=role, name=name, public_key=_b64(public),
                                  private_key=_b64(issuer.private_raw), valid_from=now,
                                  valid_to=None if role == PassKey.Role.ROOT else now + ISSUER_VALIDITY)


def _as_issuer(key: PassKey) -> passes.IssuerKey:
    return passes.IssuerKey.from_raw(bytes.fromhex(key.kid), _unb64(key.private_key), key.name)


@transaction.atomic
def root_key() -> PassKey:
    key = PassKey.objects.select_for_update().filter(role=PassKey.Role.ROOT, retired=False).first()
    return key or _create(PassKey.Role.ROOT, "Linli root")


def root_public() -> bytes:
    return _unb64(root_key().public_key)


@transaction.atomic
def issuer_key(name: str = "Linli") -> PassKey:
    now = timezone.now()
    key = (PassKey.objects.select_for_update().filter(role=PassKey.Role.ISSUER, retired=False, valid_to__gt=now)
           .order_by("-valid_from").first())
    return key or _create(PassKey.Role.ISSUER, name)


def trust_list(now: datetime.datetime | None = None, version: int | None = None) -> dict[str, Any]:
    """The signed trust list: every issuer key not retired, and the passes revoked that have
    not expired yet (an expired pass is refused anyway)."""
    now = now or timezone.now()
    issuer_key()
    issuers: list[passes.IssuerRecord] = [
        {"kid": bytes.fromhex(k.kid), "public_key": _unb64(k.public_key), "name": k.name,
         "valid_from": int(k.valid_from.timestamp()), "valid_to": int((k.valid_to or now).timestamp())}
        for k in PassKey.objects.filter(role=PassKey.Role.ISSUER, retired=False).order_by("valid_from")]
    revoked = [bytes.fromhex(r) for r in IssuedPass.objects.filter(revoked_at__isnull=False, expires_at__gt=now)
               .values_list("revocation_id", flat=True)]
    return passes.make_trust_list(_as_issuer(root_key()), issuers, revoked, issued_at=int(now.timestamp()),
                                  version=version or int(now.timestamp()) // 60)


def subject_id(person_pk: int) -> str:
    """A pseudonymous subject for passes: a keyed hash, so a pass reveals no ID or name."""
    from linli.core.crypto import blind_index

    digest = blind_index(str(person_pk), purpose="health.pass.subject")
    return _b64(hashlib.sha256(digest.encode()).digest()[:16])


def issue_for(person: Any, colour: str, rule_set: str, *, printed: bool = False,
              now: datetime.datetime | None = None) -> tuple[str, IssuedPass]:
    """A pass for ``person`` valid until the end of the day's 24 hours, recorded so that it
    can be revoked when her colour changes."""
    # The key first: the first pass of a server creates its issuer key, trusted from that moment,
    # and a pass dated a second before it would be refused as signed by an untrusted key.
    issuer = issuer_key()
    now = now or timezone.now()
    pass_id = secrets.token_bytes(16)
    code = passes.issue_pass(_as_issuer(issuer), subject_id(person.pk), colour, rule_set[:18],
                             issued_at=int(now.timestamp()), ttl_seconds=passes.MAX_LIFETIME, pass_id=pass_id)
    issued = IssuedPass.objects.create(person=person, path=person.path,
                                       revocation_id=passes.revocation_id(pass_id).hex(), colour=colour,
                                       issued_at=now, expires_at=now + datetime.timedelta(seconds=passes.MAX_LIFETIME),
                                       printed=printed)
    return code, issued
