"""The templates shipped with Linli, created once; sites edit them in the admin afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BUILTIN_DIR = Path(__file__).parent / "builtin"


def builtin_definitions() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(BUILTIN_DIR.glob("*.json"))]


def install_builtin_templates(**_: object) -> None:
    from linli.reports.models import ReportTemplate

    for definition in builtin_definitions():
        template, created = ReportTemplate.objects.get_or_create(code=definition["code"], defaults={
            "department": definition["department"], "title": definition["title"], "spec": definition["spec"],
            "builtin": True})
        if not created and template.builtin and template.version == 1 and template.spec != definition["spec"]:
            # never edited on this site: it follows the shipped definition (an edit bumps the version)
            ReportTemplate.objects.filter(pk=template.pk).update(title=definition["title"], spec=definition["spec"])
