"""The policy layer: the one place where "who may do which action on which rows" is decided.

Each app declares, in its ``access.py``, the actions it adds and the policy that decides
each action on each of its models (and, for the actions it adds, on the lower models it
works with). Everything else asks here:

- ``Model.objects.restrict(user, action)``: the rows the user may act on (a filter);
- ``allows(user, action, obj)`` / ``require(...)``: one object, already loaded;
- ``get_or_404(queryset, user, action, **lookup)``: one object by id, "not found" either way;
- ``may(user, action)``: the user may do the action somewhere (menus, page guards).

A policy turns the user's role assignments into a filter and an object check, so both
agree by construction. The policies (after NetBox's object permissions, with Linli's own
place paths): ``PlaceScope`` (the row's path under a scope prefix), ``Reach`` (the row is
in scope or above it: a grid worker reaches her compound to open her buildings),
``OwnPerson`` (a resident and her own records), ``Author`` (an import batch: its author,
while she still holds the right where it lands), ``Related`` (a filter through another
declared model, e.g. the gates one is on duty at), ``Root`` (superusers only), and
``AnyOf`` / ``AllOf`` to combine them. Asking about an action the model did not declare is
a programming error (``ImproperlyConfigured``), never a silent "allowed" or "denied".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.core.scope import SECOND_FACTOR_ACTIONS, Scope, scope_for

M = TypeVar("M", bound=Model)

NOTHING = Q(pk__in=[])


class PermissionDenied(Exception):
    """The user may not perform this action on this object (shown as 403 or 404)."""


# --- the registry of actions ----------------------------------------------------------------

# action → what it allows (shown in the role editor); filled by each app's access.py
ACTIONS: dict[str, str | Promise] = {}


def register_actions(actions: Mapping[str, str | Promise]) -> None:
    """Make actions known. A role may only name registered actions."""
    for code, description in actions.items():
        if "." not in code or code != code.strip():
            raise ImproperlyConfigured(f"an action is named app.verb: {code!r}")
        if ACTIONS.get(code, description) != description:
            raise ImproperlyConfigured(f"action {code!r} is registered twice with different meanings")
        ACTIONS[code] = description


def needs_second_factor_for(*actions: str) -> None:
    """These registered actions hand out full values (a full ID number or phone, a list with
    them): whoever holds one of them signs in with a second factor, and a browser session that
    has not passed it may not do them (``linli.core.scope.second_factor_passed``)."""
    for action in actions:
        if action not in ACTIONS:
            raise ImproperlyConfigured(f"{action!r} is not a registered action")
        SECOND_FACTOR_ACTIONS.add(action)


def unknown_actions(actions: Iterable[str]) -> list[str]:
    return sorted(a for a in set(actions) if a not in ACTIONS)


def validate_actions(actions: Any) -> None:
    """For a role's list of actions: refuse anything that is not a registered action."""
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise ValidationError(_("List the actions as text."), code="invalid")
    unknown = unknown_actions(actions)
    if unknown:
        raise ValidationError(_("Unknown action: %(codes)s"), code="unknown_action",
                              params={"codes": ", ".join(unknown)})


# --- policies -----------------------------------------------------------------------------------

def _authenticated(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def _attr(obj: Any, dotted: str) -> Any:
    for part in dotted.split("__"):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


class Policy(ABC):
    """Decides one action on one model: ``q`` for querysets, ``allows`` for a loaded object."""

    @abstractmethod
    def q(self, user: Any, action: str) -> Q: ...

    @abstractmethod
    def allows(self, user: Any, action: str, obj: Any) -> bool: ...

    def describe(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class PlaceScope(Policy):
    """The row's place path lies under one of the user's scope prefixes for the action."""

    field: str = "path"
    via: str = ""  # the action whose scope counts, when not the action asked about

    def _scope(self, user: Any, action: str) -> Scope:
        return scope_for(user, self.via or action)

    def q(self, user: Any, action: str) -> Q:
        return self._scope(user, action).q(self.field)

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        path = obj if isinstance(obj, str) else _attr(obj, self.field)
        return isinstance(path, str) and bool(path) and self._scope(user, action).covers(path)

    def describe(self) -> str:
        return f"place scope ({self.field}{', as ' + self.via if self.via else ''})"


@dataclass(frozen=True)
class Reach(Policy):
    """In scope, or above something in scope: a grid worker reaches the compound and building
    that hold her grid's houses (to open them), without covering their other houses."""

    field: str = "path"
    via: str = ""

    def q(self, user: Any, action: str) -> Q:
        scope = scope_for(user, self.via or action)
        if scope.everything or scope.empty:
            return scope.q(self.field)
        ancestors = {prefix[: i + 1] for prefix in scope.prefixes for i, c in enumerate(prefix) if c == "/"}
        return scope.q(self.field) | Q(**{f"{self.field}__in": sorted(ancestors)})

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        path = obj if isinstance(obj, str) else _attr(obj, self.field)
        return isinstance(path, str) and bool(path) and scope_for(user, self.via or action).reaches(path)

    def describe(self) -> str:
        return f"reach ({self.field})"


@dataclass(frozen=True)
class CodeScope(Policy):
    """Like ``PlaceScope`` for rows that name their place by its code rather than its path
    (exchange files carry codes). Codes are the path's segments joined, each level of a fixed
    width, so a path prefix is a code prefix."""

    field: str = "place_code"

    def q(self, user: Any, action: str) -> Q:
        scope = scope_for(user, action)
        if scope.everything:
            return Q()
        condition = NOTHING
        for prefix in scope.prefixes:
            condition |= Q(**{f"{self.field}__startswith": prefix.replace("/", "")})
        return condition

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        code = _attr(obj, self.field)
        scope = scope_for(user, action)
        return isinstance(code, str) and bool(code) and (
            scope.everything or any(code.startswith(p.replace("/", "")) for p in scope.prefixes))

    def describe(self) -> str:
        return f"place scope by code ({self.field})"


@dataclass(frozen=True)
class Anywhere(Policy):
    """Rows that belong to no place and are shown to whoever holds the action somewhere (risk
    areas, published rules, the whole shared ledger for its auditors)."""

    def q(self, user: Any, action: str) -> Q:
        return NOTHING if scope_for(user, action).empty else Q()

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return not scope_for(user, action).empty

    def describe(self) -> str:
        return "anywhere the action is held"


@dataclass(frozen=True)
class OwnPerson(Policy):
    """Rows about the user's own resident record (``field`` names the person: "pk" on Person)."""

    field: str = "person"

    def q(self, user: Any, action: str) -> Q:
        person_id = getattr(user, "person_id", None) if _authenticated(user) else None
        if person_id is None:
            return NOTHING
        return Q(**{"pk" if self.field == "pk" else f"{self.field}_id": person_id})

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        person_id = getattr(user, "person_id", None) if _authenticated(user) else None
        if person_id is None:
            return False
        own = obj.pk if self.field == "pk" else _attr(obj, f"{self.field}_id")
        return own == person_id

    def describe(self) -> str:
        return "own person"


@dataclass(frozen=True)
class Author(Policy):
    """Rows the user wrote (``field`` names the author), and only while she still holds the
    action where they lie (``place``): losing the role closes her own old batches too."""

    field: str = "created_by"
    place: Policy | None = None

    def q(self, user: Any, action: str) -> Q:
        if not _authenticated(user):
            return NOTHING
        if user.is_superuser:
            return Q()
        own = Q(**{f"{self.field}_id": user.pk})
        return own & self.place.q(user, action) if self.place else own

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        if not _authenticated(user):
            return False
        if user.is_superuser:
            return True
        return _attr(obj, f"{self.field}_id") == user.pk and (
            self.place is None or self.place.allows(user, action, obj))

    def describe(self) -> str:
        return f"author ({self.field})"


@dataclass(frozen=True)
class Related(Policy):
    """Rows reached through another model's declared policy: ``rows(user, action)`` gives the
    allowed primary keys (a subquery), ``check(user, action, obj)`` the object test. Used for
    on-duty access (the gates one holds a shift at now)."""

    rows: Callable[[Any, str], QuerySet[Any]]
    check: Callable[[Any, str, Any], bool]
    name: str = "related"

    def q(self, user: Any, action: str) -> Q:
        if not _authenticated(user):
            return NOTHING
        return Q(pk__in=self.rows(user, action).values("pk"))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return _authenticated(user) and self.check(user, action, obj)

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class Root(Policy):
    """Superusers only: system-wide rows that belong to no place."""

    def q(self, user: Any, action: str) -> Q:
        return Q() if _authenticated(user) and user.is_superuser else NOTHING

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return _authenticated(user) and user.is_superuser

    def describe(self) -> str:
        return "root"


class AnyOf(Policy):
    def __init__(self, *policies: Policy) -> None:
        self.policies = policies

    def q(self, user: Any, action: str) -> Q:
        condition = NOTHING
        for policy in self.policies:
            part = policy.q(user, action)
            if not part:
                # Q() is "every row"; Django drops an empty Q from an OR, which would turn
                # "everything" (a superuser, an action held everywhere) into "nothing".
                return Q()
            condition |= part
        return condition

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return any(policy.allows(user, action, obj) for policy in self.policies)

    def describe(self) -> str:
        return " or ".join(p.describe() for p in self.policies)


class AllOf(Policy):
    def __init__(self, *policies: Policy) -> None:
        self.policies = policies

    def q(self, user: Any, action: str) -> Q:
        condition = Q()
        for policy in self.policies:
            condition &= policy.q(user, action)
        return condition

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        return all(policy.allows(user, action, obj) for policy in self.policies)

    def describe(self) -> str:
        return " and ".join(p.describe() for p in self.policies)


# --- declarations ---------------------------------------------------------------------------------

_POLICIES: dict[tuple[str, str], Policy] = {}


def declare(model: type[Model], policies: Mapping[str, Policy]) -> None:
    """Declare which policy decides each action on ``model``. Declarations add up across apps
    (an app declares its own actions on the lower models it works with); the same action on
    the same model cannot be declared twice."""
    label = model._meta.label_lower
    for action, policy in policies.items():
        if action not in ACTIONS:
            raise ImproperlyConfigured(f"{label}: {action!r} is not a registered action")
        key = (label, action)
        if key in _POLICIES and _POLICIES[key] is not policy:
            raise ImproperlyConfigured(f"{label}: {action!r} is declared twice")
        _POLICIES[key] = policy


def policy_for(model: type[Model] | Model, action: str) -> Policy:
    label = model._meta.label_lower
    policy = _POLICIES.get((label, action))
    if policy is None:
        concrete = model._meta.concrete_model
        if concrete is not None and concrete._meta.label_lower != label:
            policy = _POLICIES.get((concrete._meta.label_lower, action))
    if policy is None:
        raise ImproperlyConfigured(
            f"{label} declares no policy for {action!r}: declare it in its app's access.py")
    return policy


def declared() -> dict[tuple[str, str], Policy]:
    """Every (model, action) → policy, for tests and the documentation."""
    return dict(_POLICIES)


def restricted(queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
    return queryset.filter(policy_for(queryset.model, action).q(user, action))


def allows(user: Any, action: str, target: Model | str) -> bool:
    """The user may do ``action`` on ``target``: a loaded object (decided by its model's
    declared policy) or a bare place path (decided by the action's place scope)."""
    if isinstance(target, str):
        return bool(target) and scope_for(user, action).covers(target)
    return policy_for(type(target), action).allows(user, action, target)


def require(user: Any, action: str, target: Model | str) -> None:
    if not allows(user, action, target):
        raise PermissionDenied(action)


def may(user: Any, action: str) -> bool:
    """The user may do ``action`` somewhere (to show a menu entry or a page at all)."""
    if action not in ACTIONS:
        raise ImproperlyConfigured(f"{action!r} is not a registered action")
    return not scope_for(user, action).empty


def get_or_404(queryset: QuerySet[M], user: Any, action: str, **lookup: Any) -> M:
    """The object if it exists and the user may act on it; 404 either way otherwise, so a
    guessed id does not tell whether something exists outside the scope."""
    try:
        return restricted(queryset, user, action).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


# --- core's own models ------------------------------------------------------------------------------

class AuditScope(Policy):
    """The audit log: the events of the viewer's scope (the place each event concerns); reads
    of health data only where she also holds a health role; events of no place (sign-ins,
    system tasks) only to superusers."""

    HEALTH_PREFIX = "health."

    def q(self, user: Any, action: str) -> Q:
        scope = scope_for(user, action)
        if scope.everything:
            return Q()
        health = scope_for(user, "health.view")
        return scope.q("path") & (~Q(action__startswith=self.HEALTH_PREFIX) | health.q("path"))

    def allows(self, user: Any, action: str, obj: Any) -> bool:
        path = obj.path or ""
        if not path or not scope_for(user, action).covers(path):
            return scope_for(user, action).everything
        return not obj.action.startswith(self.HEALTH_PREFIX) or scope_for(user, "health.view").covers(path)

    def describe(self) -> str:
        return "place scope, health events to health roles"


def declare_core() -> None:
    from linli.core.models import ApiToken, AuditEvent, PushEvent, RoleAssignment, User

    register_actions({
        "audit.view": _("read the audit log of one's area"),
        "roles.manage": _("grant and revoke the roles of staff, volunteers and grid workers in one's area"),
    })
    declare(AuditEvent, {"audit.view": AuditScope()})
    declare(RoleAssignment, {"roles.manage": PlaceScope()})
    register_actions({"tokens.manage": _("see and revoke one's own API tokens")})
    declare(ApiToken, {"tokens.manage": Author(field="user")})
    # A lost phone: administrators remove someone's second factor so that she sets up a new one.
    register_actions({"users.reset_second_factor": _("reset a user's second factor after a lost phone")})
    declare(User, {"users.reset_second_factor": Root()})
    # Live events in transit (decision 0026): each is sent only to the streams whose user may do
    # its own action at its path (linli.core.push.visible_to); the raw rows, superusers only.
    declare(PushEvent, {"audit.view": Root()})


def area_of(user: Any, action: str) -> str:
    """Where to file an event about everything the user may reach with ``action`` (a search,
    a list): the narrowest place holding her whole scope."""
    return scope_for(user, action).area


# --- routes ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RouteAccess:
    """What a page or API operation needs, declared beside it with ``@route``. The generated
    access matrix (``linli/web/tests/test_access_matrix.py``) reads these declarations and
    checks every route as each persona: a route without one fails it.

    - ``actions``: the route needs one of these actions (held somewhere for a list, over the
      object for an object route); empty with ``public`` or ``signed_in``.
    - ``model`` / ``kwarg``: the object the request names (a path parameter; a query parameter
      with ``query=True``; for an API operation also a field of the request body), by its
      primary key or by ``field`` (a place's code, a ledger subject); ``where`` narrows which
      rows the route accepts. ``also`` fills the request's other parameters from the same
      object (a duty shift's gate in the shift's URL).
    - ``public``: anyone, signed in or not. ``signed_in``: any signed-in user (her own pages).
    - ``creates``: the route adds a row of this model that belongs to no place yet: who may is
      who the model's policy allows the action on a new row (rows every street shares).
    """

    actions: tuple[str, ...] = ()
    model: type[Model] | None = None
    kwarg: str = "pk"
    query: bool = False
    where: Q | None = None
    public: bool = False
    signed_in: bool = False
    field: str = "pk"
    also: tuple[tuple[str, str], ...] = ()
    creates: type[Model] | None = None


def route(*actions: str, model: type[Model] | None = None, kwarg: str = "pk", query: bool = False,
          where: Q | None = None, public: bool = False, signed_in: bool = False, field: str = "pk",
          also: Mapping[str, str] | None = None, creates: type[Model] | None = None) -> Callable[[Any], Any]:
    """Declare what a view or API handler needs (see ``RouteAccess``). It only declares: the
    view still decides through ``restrict`` / ``get_or_404`` / ``allows``, and the matrix test
    proves that the two agree."""
    # (Whether the actions are registered is checked by the matrix test: views may be imported
    # before every app's access.py has registered its actions.)
    if not actions and not (public or signed_in):
        raise ImproperlyConfigured("a route names its actions, or says it is public or for any signed-in user")
    if model is None and (kwarg != "pk" or query or where is not None or field != "pk" or also):
        raise ImproperlyConfigured("a route names the object's parameter only together with its model")
    access = RouteAccess(tuple(actions), model, kwarg, query, where, public, signed_in, field,
                         tuple(sorted((also or {}).items())), creates)

    def decorate(view: Any) -> Any:
        view.linli_access = access
        return view

    return decorate


def scope_roots(user: Any, action: str) -> tuple[str, ...] | None:
    """The paths at the top of the user's scope for ``action`` (the places an area browser
    starts from); None when the scope is everything."""
    scope = scope_for(user, action)
    return None if scope.everything else scope.prefixes
