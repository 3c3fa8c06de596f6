"""An uploaded file carried from its preview to its import inside the page, signed and
compressed, so that the import takes exactly the file that was previewed (for imports small
enough to run while the page waits)."""

from __future__ import annotations

import base64

from django.core import signing

MAX_AGE = 3600


def pack_upload(data: bytes, name: str, *, salt: str) -> str:
    return signing.dumps({"n": name[:100], "d": base64.b64encode(data).decode()}, salt=salt, compress=True)


def unpack_upload(token: str, *, salt: str) -> tuple[bytes, str] | None:
    """The file and its name, or None when the token is forged, broken or older than an hour."""
    try:
        packed = signing.loads(token, salt=salt, max_age=MAX_AGE)
        return base64.b64decode(packed["d"]), str(packed["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
