from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def end_time(moment: datetime.datetime | None) -> str:
    """When a shift ends, as the gate reads it: a shift to midnight ends at 24:00, not at 00:00."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return "24:00" if local.time() == datetime.time.min else f"{local:%H:%M}"
