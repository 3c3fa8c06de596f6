"""``{% open_surveys user %}``: the running surveys a resident's household may answer on her page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("campaigns/_surveys.html")
def open_surveys(user: Any) -> dict[str, Any]:
    from linli.campaigns.views import open_surveys as rows

    return {"targets": rows(user)}
