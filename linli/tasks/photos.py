"""Photos taken at a household: checked by their content, re-encoded, stripped of metadata.

A phone's photo carries the place it was taken (GPS), the phone's make and a thumbnail of the
original in its EXIF block; an "image" may be anything with an image's name. So an upload is
refused above ``MAX_UPLOAD_BYTES``, refused unless its first bytes say JPEG, PNG or WebP and
Pillow decodes it as that format, refused above ``MAX_PIXELS`` (checked from the header before
anything is decoded: a small file can unpack to gigabytes), then turned upright, scaled to
at most ``MAX_SIDE`` pixels and written again as a plain JPEG: nothing of the original file
but its pixels is kept. A page taking a photo refuses a body too large for one before anything
reads it (``body_too_large``); a stored photo is sent back by ``jpeg_response``.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
QUALITY = 80
FORMATS = ("JPEG", "PNG", "WEBP")
# A request body this much larger than the photo limit is refused before it is read.
FORM_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The image format the first bytes announce (None: not one we take)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _not_an_image() -> ValidationError:
    return ValidationError({"photo": [ValidationError(
        _("This file is not a photo: take or choose a JPEG, PNG or WebP picture."), code="not_image")]})


def too_large_message(size: int) -> ValidationError:
    return ValidationError(_("The photo is too large (%(size)s MB); at most %(max)s MB."), code="photo_too_large",
                           params={"size": f"{size / 1024 / 1024:.1f}", "max": MAX_UPLOAD_BYTES // 1024 // 1024})


def check_size(size: int) -> None:
    """Refuse an upload by its size alone, before it is read."""
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({"photo": [too_large_message(size)]})
    if size == 0:
        raise _not_an_image()


def clean_photo(data: bytes) -> CleanPhoto:
    check_size(len(data))
    announced = sniff(data)
    if announced is None:
        raise _not_an_image()
    try:
        with Image.open(io.BytesIO(data), formats=[announced]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError({"photo": [ValidationError(
                    _("The photo has too many pixels (%(pixels)s million); at most %(max)s million."),
                    code="photo_too_many_pixels",
                    params={"pixels": round(width * height / 1e6), "max": MAX_PIXELS // 1_000_000})]})
            image.load()
            upright = ImageOps.exif_transpose(image)
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return CleanPhoto(out.getvalue(), picture.width, picture.height)


def body_too_large(request: HttpRequest) -> bool:
    """The request announces a body larger than a photo and its form may be: refuse it before
    the CSRF check parses it (which would spool the upload to disk)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > MAX_UPLOAD_BYTES + FORM_OVERHEAD


def request_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def jpeg_response(picture: Any) -> HttpResponse:
    """A stored photo (``tasks.Photo``) as the browser gets it: private, and nothing but an image."""
    response = HttpResponse(base64.b64decode(picture.data), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
