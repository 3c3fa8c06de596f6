"""What a household keeps at home for three days without help (家庭应急储备清单)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ITEMS = [
    ("water", _("Drinking water for 3 days (2 litres a person a day)")),
    ("food", _("Food for 3 days that keeps and needs no cooking")),
    ("medicine", _("Everyday medicines for 3 days, and a list of them")),
    ("first_aid", _("First-aid kit (plasters, bandages, disinfectant)")),
    ("masks", _("Masks and a thermometer")),
    ("light", _("Torch and spare batteries, a charged power bank")),
    ("radio", _("Radio or other way to hear news without the network")),
    ("documents", _("Copies of ID cards and important papers, some cash")),
]
CODES = [code for code, _label in ITEMS]
