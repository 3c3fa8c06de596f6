from __future__ import annotations

import functools
from typing import Any

from django import template
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext, pgettext

from linli.overview.templatetags.overview_links import scenario_query
from linli.people.layout import GROUP_BADGES, ROLE_BADGES
from linli.people.models import CommunityRole, SpecialGroup
from linli.places.models import Usage

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


@functools.lru_cache(maxsize=16)
def _labels(choices: type[models.TextChoices], language: str | None) -> dict[str, str]:
    """The choices' labels in ``language``, made once (a building view asks for them per house)."""
    return {code: str(label) for code, label in choices.choices}


@register.simple_tag
def group_badges(codes: list[str] | dict[str, int] | None) -> str:
    if not codes:
        return ""
    return _badges(codes, _labels(SpecialGroup, get_language()), GROUP_BADGES, "badge-group")


@register.simple_tag
def role_badges(codes: list[str] | dict[str, int] | None) -> str:
    if not codes:
        return ""
    return _badges(codes, _labels(CommunityRole, get_language()), ROLE_BADGES, "badge-role")


@register.simple_tag
def usage_label(usage: str) -> str:
    return format_html("{}", _labels(Usage, get_language()).get(usage, ""))


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


@register.simple_tag(takes_context=True)
def house_cell(context: template.Context, cell: Any) -> SafeString | str:
    """One house of the building view (一楼一图): a cell of the table with its number, usage,
    residents and badges, linking to the house in the page's scenario. Written here rather than
    in the template: a tall building has a hundred cells and the template engine took most of
    the page's time on them."""
    if cell is None:
        return format_html("<td></td>")
    if not cell.visible:
        hidden = gettext("not in your area")
        return format_html('<td class="usage-hidden" title="{}"><span class="visually-hidden">{}</span></td>',
                           hidden, hidden)
    shared: dict[str, str] | None = context.render_context.get("linli_house_cell")  # type: ignore[assignment]
    if shared is None:  # once per page
        shared = {"page": reverse("places:detail", args=[0])[:-2], "query": scenario_query(context)}
        context.render_context["linli_house_cell"] = shared
    usage = _labels(Usage, get_language()).get(cell.usage, "")
    title = [cell.number, usage, ngettext("%(n)s resident", "%(n)s residents", cell.residents) % {"n": cell.residents}]
    if cell.elders:
        title.append(ngettext("%(n)s aged 60+", "%(n)s aged 60+", cell.elders) % {"n": cell.elders})
    count = format_html('<small class="text-nowrap ms-1">{}{}</small>', cell.residents,
                        pgettext("short for people, after a number in a small cell", "ppl")) if cell.residents else ""
    return format_html(
        '<td class="usage-{} house-cell" title="{}">\n<a href="{}{}/{}"><strong>{}</strong> '
        '<span class="visually-hidden">{}</span>{}<br>{}{}</a></td>',
        cell.usage, " · ".join(title), shared["page"], cell.house_id, shared["query"], cell.number, usage, count,
        group_badges(cell.groups), role_badges(cell.roles))
