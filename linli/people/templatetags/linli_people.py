from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join

from linli.people.layout import GROUP_BADGES, ROLE_BADGES
from linli.people.models import CommunityRole, SpecialGroup

register = template.Library()


def _badges(codes: list[str] | dict[str, int] | None, labels: dict[str, Any], marks: dict[str, str],
            css: str) -> str:
    """One-character badges, each with its name in words for tooltips and screen readers;
    a dict of counts adds the count when it is more than one."""
    if not codes:
        return ""
    items = []
    for code in codes:
        label = str(labels.get(code, code))
        count = codes[code] if isinstance(codes, dict) and codes[code] > 1 else ""
        items.append((css, label, marks.get(code, "?"), count, label))
    return format_html_join("", '<span class="{}" title="{}">{}{}<span class="visually-hidden">{}</span></span>', items)


@register.simple_tag
def group_badges(codes: list[str] | dict[str, int] | None) -> str:
    return _badges(codes, dict(SpecialGroup.choices), GROUP_BADGES, "badge-group")


@register.simple_tag
def role_badges(codes: list[str] | dict[str, int] | None) -> str:
    return _badges(codes, dict(CommunityRole.choices), ROLE_BADGES, "badge-role")


@register.simple_tag
def usage_label(usage: str) -> str:
    from linli.places.models import Usage

    return format_html("{}", Usage(usage).label) if usage in Usage.values else ""


@register.simple_tag
def badge_legend(shows_groups: bool) -> str:
    """The legend of the building view: every badge a cell can show, from the same tables the
    cells use, so that a new badge can never be missing from it."""
    from django.utils.translation import gettext as _

    items: list[tuple[str, str, str]] = []
    if shows_groups:
        labels = dict(SpecialGroup.choices)
        items += [("badge-group", mark, str(labels[code])) for code, mark in GROUP_BADGES.items()]
    roles = dict(CommunityRole.choices)
    items += [("badge-role", mark, str(roles[code])) for code, mark in ROLE_BADGES.items()]
    head = format_html("<li>{}</li>", _("Badges:"))
    return head + format_html_join("", '<li><span class="{}" aria-hidden="true">{}</span> {}</li>', items)
