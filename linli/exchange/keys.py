"""This office's exchange signing key and the place it speaks for.

The key is named by the office's place code (a street office signs as ``310115099``) and
lives outside the database: ``LINLI_EXCHANGE_KEY`` / ``LINLI_EXCHANGE_KEY_FILE``, or the
file ``<data dir>/exchange/office.key`` written with mode 0600 by ``linli exchange keys init``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from linli.core.keys import load_secret, write_private
from linli.exchange.errors import ExchangeError
from linli.ledger.note import NoteError, Signer


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "exchange" / "office.key"


def create_office_key(place_code: str) -> Signer:
    """Generate the office key; refuses to overwrite one (files already signed need it)."""
    path = key_path()
    signer = Signer.generate(place_code)
    try:
        write_private(path, signer.encode() + "\n")
    except FileExistsError as exc:
        raise ExchangeError("key_exists", f"an office key already exists at {path}",
                            f"本办公室密钥已存在：{path}") from exc
    return signer


def office_signer() -> Signer:
    configured = load_secret("LINLI_EXCHANGE_KEY", key_path())
    if not configured:
        raise ExchangeError("no_office_key", "this office has no exchange key; run `linli exchange keys init`",
                            "本办公室尚无交换密钥，请先运行 `linli exchange keys init`")
    try:
        return Signer.decode(configured)
    except (NoteError, TypeError) as exc:
        raise ExchangeError("bad_office_key", f"the office key cannot be read: {exc}",
                            "本办公室交换密钥无法读取") from exc
