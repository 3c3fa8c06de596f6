"""Template helpers other apps' pages use to link to the alerts' pages."""

from __future__ import annotations

from typing import Any

from django import template

from linli.alerts.access import MANAGE
from linli.core.access import allows
from linli.places.models import Level

register = template.Library()


@register.simple_tag
def may_print_stickers(user: Any, place: Any) -> bool:
    """Whether the building's or compound's page offers its houses' QR stickers."""
    return bool(place is not None and place.level in (Level.BUILDING, Level.COMPOUND)
                and getattr(user, "is_authenticated", False) and allows(user, MANAGE, place.path))
