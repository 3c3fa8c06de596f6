"""A round's reservations as a spreadsheet, made in the background (``linli.downloads``): the
page or the API asks for it and follows its progress; the task worker makes it. The file is
read by its author while she manages the round's community (``handout.manage``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from linli.core import audit
from linli.core.access import PermissionDenied
from linli.downloads.registry import Asked, Made, Maker, ProgressFn, register
from linli.handout import sheets
from linli.handout.access import MANAGE
from linli.handout.models import Round
from linli.places.models import Place

KIND = "handout_list"


def _round(user: Any, scope: Place, params: dict[str, Any]) -> Round:
    """The round asked for, if she manages it (and it is the scope's): PermissionDenied otherwise."""
    pk = params.get("round")
    round_ = (Round.objects.restrict(user, MANAGE).filter(pk=pk, community=scope).first()
              if isinstance(pk, int) and 0 < pk < 2**31 else None)
    if round_ is None:
        raise PermissionDenied(MANAGE)
    return round_


def _asked(user: Any, scope: Place, params: dict[str, Any]) -> Asked:
    round_ = _round(user, scope, params)
    return Asked(f"{round_.title} · 预约名单", MANAGE)


def _made(user: Any, scope: Place, params: dict[str, Any], progress: ProgressFn) -> Made:
    round_ = _round(user, scope, params)  # her rights may have changed since she asked
    rows = round_.reservations.count()
    content = sheets.export_xlsx(round_, progress=progress)
    audit.record("handout.export", actor=user, obj=round_, detail={"rows": rows, "background": True})
    return Made(f"{round_.title}_预约名单_{timezone.localdate():%Y%m%d}.xlsx", sheets.XLSX, content)


def register_maker() -> None:
    register(KIND, Maker(check=_asked, make=_made))
