"""The shared ledger's storage: parties, the append-only log, checkpoints and cosignatures.

The log tables (``LedgerEntry``, ``Checkpoint``, ``Cosignature``) are append-only: the
application never updates or deletes them and database triggers refuse it. Payloads live
beside the log in ``Payload`` and can be redacted; the log keeps only their salted hash.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import AppendOnlyError, RestrictedQuerySet


class PartyKind(models.TextChoices):
    COMMUNITY = "community", _("community office")
    STREET = "street", _("street office")
    HEALTH = "health", _("health commission")
    CDC = "cdc", _("centre for disease control")
    POLICE = "police", _("police")
    CIVIL_AFFAIRS = "civil_affairs", _("civil affairs")
    SUPPLIER = "supplier", _("supplier")
    OTHER = "other", _("other")


class Party(models.Model):
    """Someone who may write to the ledger: a department with an Ed25519 key and the entry
    types it may submit (only health bodies submit quarantine orders, say)."""

    name = models.CharField(_("key name"), max_length=128, unique=True)
    display_name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices)
    verifier_key = models.TextField(_("public key (note verifier key)"))
    key_id = models.CharField(max_length=8, db_index=True)
    entry_types = models.JSONField(_("entry types it may submit"), default=list)
    managed = models.BooleanField(_("key held by this Linli server"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger party")
        verbose_name_plural = _("ledger parties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the ledger is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the ledger is append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the ledger is append-only")


class LedgerEntry(AppendOnlyModel):
    """One leaf of the log. ``body`` is the canonical encoding the submitter signed
    (``linli.ledger.entry``); the other columns repeat it for querying (``linli ledger
    verify`` checks that they agree), except ``path``, ``submission_id`` and
    ``sequenced_at``, which ``seal`` covers."""

    index = models.BigIntegerField(unique=True)
    leaf_hash = models.CharField(max_length=64)
    body = models.BinaryField()
    signature = models.BinaryField()
    submission_id = models.UUIDField(unique=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    entry_type = models.CharField(max_length=64, db_index=True)
    subject_ref = models.CharField(max_length=128, db_index=True)
    claimed_at = models.DateTimeField()
    references = models.JSONField(default=list)
    path = models.CharField(max_length=64, blank=True, db_index=True)
    sequenced_at = models.DateTimeField()
    # A keyed MAC (integrity key, outside the database) over what the signed body does not
    # cover: the place the entry is filed under, its payload's id and when it was sequenced.
    seal = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["index"]

    def __str__(self) -> str:
        return f"#{self.index} {self.entry_type}"


class PendingEntry(models.Model):
    """Accepted and signed, waiting for the sequencer to give it an index (not the log)."""

    submission_id = models.UUIDField(unique=True)
    body = models.BinaryField()
    signature = models.BinaryField()
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.submission_id)


class Payload(models.Model):
    """What an entry is about, kept beside the log so it can be redacted (a lawful erasure)
    while the log keeps proving that *something* with this hash was recorded."""

    submission_id = models.UUIDField(unique=True)
    salt = models.CharField(max_length=128)
    content = models.JSONField(null=True, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    redaction_reason = models.CharField(max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return str(self.submission_id)


class Checkpoint(AppendOnlyModel):
    """A signed tree head in the C2SP tlog-checkpoint format (signed note text)."""

    size = models.BigIntegerField(unique=True)
    root = models.CharField(max_length=64)
    note = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(AppendOnlyModel):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.CharField(max_length=128)
    timestamp = models.BigIntegerField()
    line = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_per_witness")]

    def __str__(self) -> str:
        return f"{self.witness} @ {self.checkpoint.size}"


class Witness(models.Model):
    """A witness this log asks for cosignatures (another department's server)."""

    name = models.CharField(max_length=128, unique=True)
    url = models.URLField(_("submission prefix"))
    verifier_key = models.TextField(_("cosignature verifier key"))
    active = models.BooleanField(default=True)
    last_size = models.BigIntegerField(default=0)
    last_contact = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name


class LedgerHead(models.Model):
    """The sequencer's state (one row, locked while a batch is sequenced)."""

    size = models.BigIntegerField(default=0)
    frontier = models.JSONField(default=list)  # hex of the compact range's nodes

    def __str__(self) -> str:
        return f"ledger head {self.size}"
