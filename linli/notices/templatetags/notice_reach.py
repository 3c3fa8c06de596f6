"""The reach table's building rows, written in one pass: a street-wide notice has a few
thousand buildings, and the template language's loop cost most of the page's time."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from linli.notices.queries import ReachRow

register = template.Library()


@register.simple_tag
def building_rows(compound: ReachRow) -> SafeString:
    return format_html_join(
        "", '<tr class="small"><td class="ps-5">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
            '<td class="text-end">{}</td></tr>',
        ((b.name, b.households, b.reached, b.percent) for b in compound.children))
