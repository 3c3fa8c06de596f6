"""From role assignments to a filter: the one place where "who may see what" is decided.

A user's scope for an action is the set of place-path prefixes of the assignments whose
role includes that action (a grid contributes the paths of the places it covers). A
queryset restricted to a scope matches rows whose path starts with one of the prefixes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.functional import LazyObject, empty


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    prefixes: tuple[str, ...] = ()
    grid_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.prefixes

    def q(self, path_field: str) -> Q:
        if self.everything:
            return Q()
        if not self.prefixes:
            return Q(pk__in=[])
        condition = Q()
        for prefix in self.prefixes:
            condition |= Q(**{f"{path_field}__under": prefix})
        return condition

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.prefixes)

    @property
    def area(self) -> str:
        """The narrowest place path holding the whole scope (its prefixes' common segments):
        where an event about "everything this user may see" is filed in the audit log."""
        if self.everything or not self.prefixes:
            return ""
        common = self.prefixes[0].split("/")[:-1]
        for prefix in self.prefixes[1:]:
            parts = prefix.split("/")[:-1]
            n = 0
            while n < min(len(common), len(parts)) and common[n] == parts[n]:
                n += 1
            common = common[:n]
        return "/".join(common) + "/" if common else ""

    def reaches(self, path: str) -> bool:
        """Covers ``path``, or something below it: a grid worker reaches her compound (to
        open the buildings of her grid) without covering the whole compound."""
        return self.covers(path) or any(prefix.startswith(path) for prefix in self.prefixes)


EMPTY = Scope()
EVERYTHING = Scope(everything=True)


def _minimal(prefixes: set[str]) -> tuple[str, ...]:
    """Drop prefixes already covered by a shorter one, so filters stay short."""
    kept: list[str] = []
    for prefix in sorted(prefixes, key=len):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return tuple(sorted(kept))


# The actions that put full values in someone's hands (a full ID number, an export with them):
# whoever holds one of them, and every superuser, signs in with a second factor, and a browser
# session that has not passed it may not do them (decision 0022). Filled by the apps' access.py
# through ``linli.core.access.needs_second_factor_for``.
SECOND_FACTOR_ACTIONS: set[str] = set()


def _unwrapped(user: Any) -> Any:
    """The user itself rather than the request's lazy proxy of it: a page asks for scopes about
    a hundred times (menus, links, counters), and every attribute read through the proxy costs
    a call of its own."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def scope_for(user: Any, action: str) -> Scope:
    user = _unwrapped(user)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    if action in SECOND_FACTOR_ACTIONS and not second_factor_passed(user):
        return EMPTY
    if user.is_superuser:
        return EVERYTHING
    cache: dict[str, Scope] = user.__dict__.setdefault("_linli_scope_cache", {})
    if action not in cache:
        cache[action] = _compute(_grants(user), action)
    return cache[action]


def needs_second_factor(user: Any) -> bool:
    """The user holds, now, a role with an action that hands out full values (or is a
    superuser): she must sign in with a second factor. Read from her role assignments, so
    granting such a role makes her set one up at her next request."""
    user = _unwrapped(user)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(grant.actions & SECOND_FACTOR_ACTIONS for grant in _grants(user))


def second_factor_passed(user: Any) -> bool:
    """Whether ``user`` may do the actions that hand out full values as far as the second factor
    is concerned: a browser session must have passed it (django-otp's middleware gives the
    request's user ``is_verified``); an API token counts as passed (it was made in a verified
    session or by an administrator at the server); so does work with no request at all (a
    command, a task). A user object met in a web or API request without either mark is refused:
    the check fails closed."""
    if not needs_second_factor(user):
        return True
    verified = getattr(user, "is_verified", None)
    if callable(verified):
        return bool(verified())
    if getattr(user, "linli_bearer_token", False):
        return True
    from linli.core import context

    return context.current().channel not in ("web", "api")


@dataclass(frozen=True)
class _Grant:
    actions: frozenset[str]
    prefixes: tuple[str, ...]
    grid_id: int | None


def _grants(user: Any) -> list[_Grant]:
    """The user's current assignments, read once per request (one query, plus one per grid)."""
    if "_linli_grants" not in user.__dict__:
        from linli.core.models import RoleAssignment

        assignments = (RoleAssignment.objects.filter(user=user).current().select_related("role", "place", "grid")
                       .only("role__actions", "place__path", "grid__id"))
        grants = []
        for assignment in assignments:
            actions = frozenset(assignment.role.actions)
            if assignment.place is not None:
                grants.append(_Grant(actions, (assignment.place.path,), None))
            elif assignment.grid is not None:
                grants.append(_Grant(actions, tuple(assignment.grid.covered_paths()), assignment.grid.pk))
        user.__dict__["_linli_grants"] = grants
    return user.__dict__["_linli_grants"]


def grants_fingerprint(user: Any) -> str:
    """A short digest of what decides the user's scopes now (her current roles, their areas and
    grids, superuser, the second factor): equal digests, equal answers from ``scope_for``."""
    user = _unwrapped(user)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return "anonymous"
    grants = sorted((sorted(g.actions), g.prefixes, g.grid_id or 0) for g in _grants(user))
    basis = repr((user.pk, bool(user.is_superuser), second_factor_passed(user), grants))
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def _compute(grants: list[_Grant], action: str) -> Scope:
    prefixes: set[str] = set()
    grid_ids: set[int] = set()
    for grant in grants:
        if action in grant.actions:
            prefixes.update(grant.prefixes)
            if grant.grid_id is not None:
                grid_ids.add(grant.grid_id)
    return Scope(prefixes=_minimal(prefixes), grid_ids=frozenset(grid_ids))


def clear_scope_cache(user: Any) -> None:
    user = _unwrapped(user)
    user.__dict__.pop("_linli_scope_cache", None)
    user.__dict__.pop("_linli_grants", None)
