"""Words for the exchange file's measure and breakdown keys, in the reader's language.

The keys (``registered``, ``alone_elder``, ``owner`` …) are the shared code lists of the file
format; people read the labels of the same code lists."""

from __future__ import annotations

from django.utils.translation import gettext as _

from linli.exchange.aggregate import AGE_BANDS, UNKNOWN
from linli.people.models import PopulationType, Sex, SpecialGroup
from linli.places.models import Usage

_CHOICES = {"population_type": PopulationType, "sex": Sex, "special_group": SpecialGroup, "house_usage": Usage}


def breakdown_label(measure: str, breakdown: str) -> str:
    """``owner`` under ``house_usage`` reads 自住; an unknown key is shown as it came."""
    if breakdown == "total":
        return _("total")
    if breakdown == UNKNOWN:
        return _("not recorded")
    choices = _CHOICES.get(measure)
    if choices is not None and breakdown in choices.values:
        return str(choices(breakdown).label)
    if measure == "age_band":
        for band, low, high in AGE_BANDS:
            if band == breakdown:
                if high is None:
                    return _("%(low)d and over") % {"low": low}
                return _("%(low)d–%(high)d") % {"low": low, "high": high}
    return breakdown
