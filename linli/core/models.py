"""Users, roles scoped to places, the audit chain and API tokens; base models for the apps."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

import linli.core.lookups  # noqa: F401 - registers the path__under lookup
from linli.core.scope import scope_for

if TYPE_CHECKING:
    from linli.core.scope import Scope


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to cut itself down to what a user may see or do.

    Each scoped model names the column holding its place path (``scope_path_field``);
    ``restrict`` turns the user's role assignments for ``action`` into a prefix filter.
    """

    def restrict(self, user: Any, action: str) -> ScopedQuerySet:
        scope = scope_for(user, action)
        return self.filter(self.model.scope_q(scope))  # type: ignore[attr-defined]


class PlaceScopedModel(TimeStampedModel):
    """Every row carries the materialised path of the place it belongs to."""

    # Indexed by each concrete model with ``path_index`` (prefix-friendly on PostgreSQL).
    path = models.CharField(_("place path"), max_length=64, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "path"

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> models.Q:
        return scope.q(cls.scope_path_field)


def prefix_index(field: str, name: str) -> models.Index:
    """An index for prefix filters (``startswith``): PostgreSQL needs the pattern opclass
    for ``LIKE 'x%'`` under a non-C collation; SQLite ignores the opclass."""
    return models.Index(fields=[field], name=name, opclasses=["varchar_pattern_ops"])


def path_index(name: str) -> models.Index:
    return prefix_index("path", name)


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    elder_mode = models.BooleanField(_("large-text mode"), default=False)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("resident record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.Model):
    """A named bundle of actions. Permissions are data: the actions a role may do are rows,
    not ``if`` statements in views."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=64)
    actions = models.JSONField(_("actions"), default=list)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A user holds a role within a place (street, community, house …) or a grid."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    place = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    grid = models.ForeignKey(
        "grids.Grid", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(place__isnull=False, grid__isnull=True)
                           | models.Q(place__isnull=True, grid__isnull=False)),
                name="assignment_scope_is_place_or_grid",
                violation_error_message=_("A role is held either in a place or in a grid."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.place or self.grid}"


class ApiToken(models.Model):
    """A bearer token for programs. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")


class AuditEvent(models.Model):
    """One line of the append-only, hash-chained audit log.

    ``entry_hash`` = SHA-256(previous entry_hash ‖ canonical JSON of this row), so changing,
    removing or reordering any row breaks the chain from that row on.
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("succeeded")
        DENIED = "denied", _("denied")
        FAILED = "failed", _("failed")

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    purpose = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")

    def canonical(self) -> bytes:
        body = {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "ip": self.ip,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "purpose": self.purpose,
            "outcome": self.outcome,
            "detail": self.detail,
        }
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(bytes.fromhex(self.prev_hash) + self.canonical()).hexdigest()


class AuditHead(models.Model):
    """The single row that serialises appends to the audit chain (locked FOR UPDATE)."""

    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
