"""Place codes to paths, so scopes can be compared even for places this server lacks."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from linli.core.validators import validate_region_code
from linli.exchange.errors import ExchangeError
from linli.places.models import Place
from linli.places.rules import path_for


def path_of_code(code: str) -> str:
    """The place path of a code: from the local place tree, or for an administrative
    division code (6, 9 or 12 digits) from the code itself."""
    found = Place.objects.filter(code=code).values_list("path", flat=True).first()
    if found:
        return found
    try:
        info = validate_region_code(code)
    except ValidationError as exc:
        raise ExchangeError("unknown_place", f"no place has the code {code!r}",
                            f"没有编码为 {code!r} 的地点") from exc
    return path_for(code, info.level)


def is_within(inner_path: str, outer_path: str) -> bool:
    return inner_path.startswith(outer_path)
