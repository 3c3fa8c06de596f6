from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join

from linli.people.models import CommunityRole, SpecialGroup
from linli.places.layout import GROUP_BADGES, ROLE_BADGES

register = template.Library()


@register.simple_tag
def group_badges(codes: list[str] | dict[str, int] | None) -> str:
    """Badges for special groups, each with its name in words for tooltips and screen readers."""
    if not codes:
        return ""
    items = []
    for code in codes:
        label = SpecialGroup(code).label if code in SpecialGroup.values else code
        count = codes[code] if isinstance(codes, dict) and codes[code] > 1 else ""
        items.append((label, GROUP_BADGES.get(SpecialGroup(code), "?") if code in SpecialGroup.values else "?",
                      count, label))
    return format_html_join("", '<span class="badge-group" title="{}">{}{}<span class="visually-hidden">{}</span></span>', items)


@register.simple_tag
def role_badges(codes: list[str] | dict[str, int] | None) -> str:
    if not codes:
        return ""
    items = []
    for code in codes:
        label = CommunityRole(code).label if code in CommunityRole.values else code
        count = codes[code] if isinstance(codes, dict) and codes[code] > 1 else ""
        items.append((label, ROLE_BADGES.get(CommunityRole(code), "?") if code in CommunityRole.values else "?",
                      count, label))
    return format_html_join("", '<span class="badge-role" title="{}">{}{}<span class="visually-hidden">{}</span></span>', items)


@register.simple_tag
def usage_label(usage: str) -> str:
    from linli.places.models import Usage

    return format_html("{}", Usage(usage).label) if usage in Usage.values else ""
