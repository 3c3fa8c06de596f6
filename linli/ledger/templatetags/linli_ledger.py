from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ENTRY_TYPES = {
    "quarantine_order": _("quarantine order"),
    "test_result": _("test result"),
    "material_transfer": _("material transfer"),
    "report_submitted": _("report submitted"),
    "import_committed": _("data import"),
    "supplier_qualification": _("supplier qualification"),
    "supplier_delivery": _("supplier delivery"),
    "correction": _("correction"),
    "audit_head": _("audit log head"),
}


@register.filter
def entry_type_label(code: str) -> str:
    return str(ENTRY_TYPES.get(code, code))
