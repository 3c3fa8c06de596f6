"""Users, roles scoped to places, the audit chain and API tokens; base models for the apps."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

import linli.core.lookups  # noqa: F401 - registers the path__under lookup
from linli.core import crypto
from linli.core.access import policy_for, validate_actions
from linli.core.fields import EncryptedTextField


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class RestrictedQuerySet(models.QuerySet):
    """A queryset that cuts itself down to the rows a user may act on, by the policy the
    model's app declared for the action (``linli.core.access``)."""

    def restrict(self, user: Any, action: str) -> Any:
        return self.filter(policy_for(self.model, action).q(user, action))


class PlaceScopedModel(TimeStampedModel):
    """Every row carries the materialised path of the place it belongs to."""

    # Indexed by each concrete model with ``path_index`` (prefix-friendly on PostgreSQL).
    path = models.CharField(_("place path"), max_length=64, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


class SealedPhoto(PlaceScopedModel):
    """A photo re-encoded by ``linli.core.photos`` (a JPEG of its pixels only, no metadata) and
    sealed with the data keys, filed under the place it shows (decision 0016). Each app keeps
    its own photos in a subclass and declares who may see them; ``photos.serve`` shows one."""

    data = EncryptedTextField(_("image (JPEG, base64)"))
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(_("bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"photo {self.pk} ({self.width}×{self.height})"


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

    def get_short_name(self) -> str:
        """The name the admin greets her by: her display name (李秀兰), not her account name."""
        return self.display_name or self.first_name


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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A role naming an action nobody checks would grant nothing and look as if it did.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            validate_actions(self.actions)
        except ValidationError as exc:
            raise ValidationError({"actions": exc.error_list}) from exc


class RoleAssignmentQuerySet(RestrictedQuerySet):
    def current(self, at: Any = None) -> RoleAssignmentQuerySet:
        """Assignments in force at ``at`` (now): started, and not yet ended."""
        at = at or timezone.now()
        return self.filter(models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=at)).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=at))


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
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    granted_by = models.ForeignKey(User, verbose_name=_("granted by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The place the assignment concerns (the grid's community for a grid), so assignments
    # are scoped like every other row: who may manage them is a place-scope decision.
    path = models.CharField(_("place path"), max_length=64, blank=True, editable=False)

    objects = RoleAssignmentQuerySet.as_manager()

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.place_id:
            self.path = self.place.path  # type: ignore[union-attr]
        elif self.grid_id:
            self.path = self.grid.path  # type: ignore[union-attr]
        super().save(*args, **kwargs)


def default_token_expiry() -> Any:
    """When a token made now stops working: ``LINLI_API_TOKEN_DAYS`` from now."""
    import datetime

    return timezone.now() + datetime.timedelta(days=settings.LINLI_API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for programs. Only a hash is stored; the token is shown once. Every token
    expires (``expires_at``); a revoked one stays listed, with when it was revoked."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("API token", "active")
        EXPIRED = "expired", pgettext_lazy("API token", "expired")
        REVOKED = "revoked", pgettext_lazy("API token", "revoked")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), default=default_token_expiry)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def status_at(self, now: Any = None) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def status_label(self) -> str:
        return str(self.Status(self.status).label)


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(RestrictedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")


AUDIT_GENESIS = "0" * 64
_KEYED_DOMAIN = b"linli-audit/v2\n"
_HEAD_DOMAIN = "linli-audit-head/v1"


def audit_canonical(seq: int, at: str, actor_id: int | None, actor_name: str, ip: str, action: str,
                    object_type: str, object_id: str, purpose: str, outcome: str, detail: Any, path: str,
                    key_id: str) -> bytes:
    """The bytes an audit row's hash covers (the same for a model and a database tuple);
    ``at`` is the time in ISO 8601 with microseconds and offset (``AuditEvent.at_text``)."""
    body = {
        "seq": seq,
        "at": at,
        "actor": actor_id,
        "actor_name": actor_name,
        "ip": ip,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "purpose": purpose,
        "outcome": outcome,
        "detail": detail,
    }
    if path:  # events written before events carried a place keep their hashes
        body["path"] = path
    if key_id:  # so is the key: a keyed row cannot pass for an unkeyed one
        body["key_id"] = key_id
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def audit_hash(prev_hash: str, canonical: bytes, key_id: str) -> str:
    """HMAC-SHA256 under integrity key ``key_id`` of (previous hash ‖ canonical row); rows
    written before the chain was keyed (``key_id`` empty) keep their plain SHA-256.
    Raises ``crypto.UnknownIntegrityKey`` for a key id the data keys do not hold."""
    if not key_id:
        return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()
    mac = crypto.integrity_mac(key_id)
    mac.update(_KEYED_DOMAIN + bytes.fromhex(prev_hash) + canonical)
    return mac.hexdigest()


def audit_head_message(seq: int, entry_hash: str, keyed_from: int) -> bytes:
    return f"{_HEAD_DOMAIN}\n{seq}\n{entry_hash}\n{keyed_from}".encode()


class AuditEvent(models.Model):
    """One line of the append-only, hash-chained audit log.

    ``entry_hash`` = HMAC-SHA256(integrity key ``key_id``, previous entry_hash ‖ canonical
    JSON of this row), so changing, removing or reordering any row breaks the chain from
    that row on, and nobody without the key (kept outside the database) can compute the
    hashes again after a change. Rows from before the chain was keyed have an empty
    ``key_id`` and a plain SHA-256; ``AuditHead.keyed_from`` marks where keying began.
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
    # The place the event concerns (the object's path, or the area a search or export
    # covered), so each viewer of the log sees the events of her own scope. Empty for
    # events that belong to no place (sign-ins, system tasks): those only superusers see.
    path = models.CharField(max_length=64, blank=True, default="")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=8, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [prefix_index("path", "audit_path_prefix")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit log is append-only")

    def canonical(self) -> bytes:
        return audit_canonical(self.seq, self.at.isoformat(timespec="microseconds"), self.actor_id, self.actor_name, self.ip, self.action,
                               self.object_type, self.object_id, self.purpose, self.outcome, self.detail,
                               self.path, self.key_id)

    def compute_hash(self) -> str:
        return audit_hash(self.prev_hash, self.canonical(), self.key_id)


class AuditHead(models.Model):
    """The single row that serialises appends to the audit chain (locked FOR UPDATE).

    ``seal`` is a keyed MAC of (seq, entry_hash, keyed_from): someone who drops the tail of
    the log cannot move the head back to an earlier row without the integrity key, nor
    move ``keyed_from`` (the first row hashed with a key) to pass keyed rows off as old,
    unkeyed ones. A database trigger refuses to delete the head or move it backwards."""

    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=AUDIT_GENESIS)
    keyed_from = models.BigIntegerField(default=1)
    seal = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class PushEvent(models.Model):
    """An event on its way to the staff screens (``linli.core.push``): written when the action
    that published it commits, read by the push servers, purged after an hour. ``path`` and
    ``action`` say who may receive it (whoever may do the action on a row filed there)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    topic = models.CharField(max_length=100)
    action = models.CharField(max_length=100)
    path = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("live event")
        verbose_name_plural = _("live events")

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
