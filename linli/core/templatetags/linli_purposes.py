"""``{% purpose_fields %}``: the lawful purpose as a choice from the list, and the sentence that
"other" needs (decision 0023). app.js shows the sentence's field only while "other" is chosen."""

from __future__ import annotations

from typing import Any

from django import template

from linli.core import purposes

register = template.Library()


@register.inclusion_tag("core/_purpose_fields.html")
def purpose_fields(prefix: str, code: str = "", text: str = "", blank: str = "", label: str = "",
                   small: bool = False) -> dict[str, Any]:
    """``prefix`` makes the ids unique on the page; ``blank`` is the first choice's words (no
    purpose: masked or counted), or, empty, a choice the form requires to be made."""
    return {"prefix": prefix, "code": code, "text": text, "blank": blank, "label": label, "small": small,
            "purposes": purposes.offered(), "other": purposes.OTHER, "min_length": purposes.other_min_length()}
