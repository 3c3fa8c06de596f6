"""Addresses as a request shows them: from the compound down, enough to find the door."""

from __future__ import annotations

from linli.places.models import Place, names_by_path
from linli.places.rules import ancestor_paths


def short_addresses(places: list[Place]) -> dict[int, str]:
    """Addresses from the compound down ("玉兰苑 1号楼1单元101室"), a few queries for a page."""
    names = names_by_path({p.path for p in places})
    addresses = {}
    for place in places:
        chain = [*ancestor_paths(place.path)[5:], place.path]
        addresses[place.pk] = " ".join([names.get(chain[0], ""), "".join(names.get(a, "") for a in chain[1:])]).strip()
    return addresses
