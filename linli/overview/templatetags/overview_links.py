"""The one-screen overview's scenario, kept down the drill-down (street → community → compound →
building 一楼一图 → household 一房一图) and back: the place pages reached from the screen carry
``?scenario=`` and hand it on to the places below and above them, and say which screen (and
scenario) one came from, with a link back to it."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from linli.core.access import allows
from linli.overview import registry
from linli.overview.access import VIEW
from linli.places.models import Level

register = template.Library()


def scenario_in(context: template.Context) -> str:
    """The screen's scenario the page was opened with (``?scenario=``, or ``?s=``), or ""."""
    request = context.get("request")
    if request is None:
        return ""
    value = request.GET.get("scenario") or request.GET.get("s") or ""
    return value if value in registry.SCENARIOS else ""


@register.simple_tag(takes_context=True)
def scenario_query(context: template.Context) -> str:
    """``?scenario=flood`` to append to a place link when the page has a scenario, else ""."""
    scenario = scenario_in(context)
    return f"?scenario={scenario}" if scenario else ""


@register.simple_tag(takes_context=True)
def overview_back(context: template.Context, place: Any = None) -> SafeString | str:
    """A link back to the screen of the nearest street or community above ``place`` that the
    user may open, in the scenario the page carries; nothing without a scenario or a screen."""
    scenario = scenario_in(context)
    request = context.get("request")
    place = place or context.get("place")
    if not scenario or request is None or place is None or not hasattr(place, "ancestors"):
        return ""
    user = request.user
    above = [p for p in place.ancestors() if p.pk != place.pk]
    links = []
    screen = next((p for p in reversed([*above, place]) if p.level in (Level.STREET, Level.COMMUNITY)
                   and allows(user, VIEW, p.path)), None)
    if screen is not None:
        links.append(format_html('<a href="{}?scenario={}">← {} · {} · {}</a>',
                                 reverse("overview:screen", args=[screen.pk]), scenario, _("One screen"),
                                 screen.name, registry.SCENARIOS[scenario]))
    # one step up within the compound (household → building, building → compound), same scenario
    up = next((p for p in reversed(above) if p.level in (Level.BUILDING, Level.COMPOUND)), None)
    if up is not None and place.level in (Level.HOUSE, Level.BUILDING) and allows(user, "places.view", up.path):
        links.append(format_html('<a href="{}?scenario={}">↑ {}</a>', reverse("places:detail", args=[up.pk]),
                                 scenario, up.name))
    if not links:
        return ""
    return format_html('<p class="small mb-1 overview-back d-flex flex-wrap gap-3">{}</p>',
                       format_html_join("", "{}", ((link,) for link in links)))
