"""The demo's upward exchange: the street office gets its key, and the first community's
office (as if it ran its own Linli) sends up a signed file, ready for the street to import
on the exchange page."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from linli.core.models import User
from linli.exchange import actions, keys
from linli.exchange.errors import ExchangeError
from linli.ledger.note import Signer
from linli.places.models import Level, Place


def inbox() -> Path:
    return Path(settings.DATA_DIR) / "exchange" / "inbox"


def prepare_demo_exchange() -> Path | None:
    """Returns the community's signed file, or None when the street has no community."""
    street = Place.objects.filter(level=Level.STREET).order_by("code").first()
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if street is None or community is None or admin is None:
        return None
    try:
        keys.office_signer()
    except ExchangeError:
        keys.create_office_key(street.code)
    community_key = Signer.generate(community.code)
    actions.do_trust_office(community_key.verifier().encode(), community.code, acting_user=admin)
    export = actions.do_export(community, acting_user=admin, signer=community_key)
    folder = inbox()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{community.code}_{community.name}_上报.jsonl"
    path.write_bytes(export.content)
    return path
