"""The offices this server writes ledger entries for, one key each."""

from __future__ import annotations

from linli.ledger import keys
from linli.ledger.models import Party
from linli.places.models import LEVELS, Level, Place

OFFICE_TYPES = {
    Level.COMMUNITY: ("community", "", ["report_submitted", "import_committed", "correction"]),
    Level.STREET: ("street", "办事处", ["report_submitted", "import_committed", "material_transfer", "correction",
                                     "supplier_qualification", "supplier_delivery"]),
    Level.DISTRICT: ("health", "卫健委", ["quarantine_order", "test_result", "correction"]),
}


def _office(place: Place) -> Party:
    kind, suffix, entry_types = OFFICE_TYPES[Level(place.level)]
    base = keys.origin().split("/")[0]
    return keys.ensure_managed_party(f"{base}/{kind}/{place.code}", f"{place.name}{suffix}", kind, entry_types)


def office_party(place: Place) -> Party:
    """The office that vouches for work done at ``place``: its community's office when the place
    lies in a community, else its street's office (the first street when above one)."""
    chain = [*place.ancestors(), place]
    depth = LEVELS.index(Level(place.level))
    for level in (Level.COMMUNITY, Level.STREET):
        if depth >= LEVELS.index(level):
            return _office(next(p for p in chain if p.level == level))
    street = Place.objects.filter(level=Level.STREET, path__under=place.path).order_by("code").first()
    if street is None:
        raise ValueError(f"no street office under {place.code}")
    return _office(street)


def health_party(place: Place) -> Party:
    """The district health commission's office for ``place``."""
    district = next(p for p in [*place.ancestors(), place] if p.level == Level.DISTRICT)
    return _office(district)
