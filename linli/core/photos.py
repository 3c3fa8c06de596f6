"""Photos people upload (a household ticked off, a resident's request, the fix of it): checked
by their content, re-encoded, stripped of metadata, sealed, served with an audit row.

A phone's photo carries the place it was taken (GPS), the phone's make and a thumbnail of the
original in its EXIF block; an "image" may be anything with an image's name. So an upload is
refused above ``MAX_UPLOAD_BYTES``, refused unless its first bytes say JPEG, PNG or WebP and
Pillow decodes it as that format, refused above ``MAX_PIXELS`` (checked from the header before
anything is decoded: a small file can unpack to gigabytes), then turned upright, scaled to
at most ``MAX_SIDE`` pixels and written again as a plain JPEG: nothing of the original file
but its pixels is kept. Apps keep the result in a model built on
``linli.core.models.SealedPhoto`` (decision 0016).

A request body larger than the photos it may carry is refused by its declared length, before
anything reads it (``body_too_large``): Django's CSRF check and ninja's parsers would otherwise
spool the whole upload to disk first.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from linli.core import audit
from linli.core.errors import BAD_UPLOAD, Bilingual

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
QUALITY = 80
FORMATS = ("JPEG", "PNG", "WEBP")
# What a form or a multipart body carries besides its photos (fields, boundaries, file names).
FORM_OVERHEAD = 64 * 1024
FIELD = "photo"  # the name of the file field, and of the field errors name


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int

    def sealed_fields(self) -> dict[str, Any]:
        """The columns of a ``SealedPhoto`` for this picture (the data sealed on save)."""
        return {"data": base64.b64encode(self.jpeg).decode("ascii"), "width": self.width, "height": self.height,
                "size": len(self.jpeg), "sha256": hashlib.sha256(self.jpeg).hexdigest()}


def sniff(data: bytes) -> str | None:
    """The image format the first bytes announce (None: not one we take)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _refused(message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({FIELD: [ValidationError(message, code=code, params=params or None)]})


def _not_an_image() -> ValidationError:
    return _refused(_("This file is not a photo: take or choose a JPEG, PNG or WebP picture."), "not_image")


def too_large_message(size: int) -> ValidationError:
    return ValidationError(_("The photo is too large (%(size)s MB); at most %(max)s MB."), code="photo_too_large",
                           params={"size": f"{size / 1024 / 1024:.1f}", "max": MAX_UPLOAD_BYTES // 1024 // 1024})


def check_size(size: int) -> None:
    """Refuse an upload by its size alone, before it is read."""
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({FIELD: [too_large_message(size)]})
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
                raise _refused(_("The photo has too many pixels (%(pixels)s million); at most %(max)s million."),
                               "photo_too_many_pixels", pixels=round(width * height / 1e6),
                               max=MAX_PIXELS // 1_000_000)
            image.load()
            upright = ImageOps.exif_transpose(image)
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return CleanPhoto(out.getvalue(), picture.width, picture.height)


def clean_photos(uploads: Sequence[bytes], *, limit: int) -> list[CleanPhoto]:
    """Several photos sent at once (at most ``limit``): all are good, or none is kept."""
    if len(uploads) > limit:
        raise too_many(limit)
    return [clean_photo(data) for data in uploads]


def too_many(limit: int) -> ValidationError:
    return _refused(_("At most %(n)d photos at a time."), "too_many_photos", n=limit)


# --- uploads -------------------------------------------------------------------------------------

def read_uploads(files: Sequence[Any], *, limit: int) -> list[bytes]:
    """The bytes of uploaded files (Django's ``UploadedFile``), each refused by its size before
    it is read, and no more than ``limit`` of them."""
    files = [f for f in files if f is not None]
    if len(files) > limit:
        raise too_many(limit)
    for upload in files:
        check_size(upload.size or 0)
    return [upload.read() for upload in files]


def body_limit(photos: int) -> int:
    """The largest request body that may carry ``photos`` photos and a form."""
    return photos * MAX_UPLOAD_BYTES + FORM_OVERHEAD


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def body_too_large(request: HttpRequest, photos: int) -> ValidationError | None:
    """The error for a body longer than ``photos`` photos may make it (None: reasonable). Read
    from the declared length only: nothing of the body is read."""
    size = declared_length(request)
    if size <= body_limit(photos):
        return None
    if photos == 1:
        return too_large_message(size)
    return ValidationError(_("The photos are too large together (%(size)s MB); at most %(max)s MB."),
                           code="photos_too_large", params={"size": f"{size / 1024 / 1024:.1f}",
                                                            "max": body_limit(photos) // 1024 // 1024})


def refuse_large_bodies(photos: int) -> Callable[[Any], Any]:
    """For an API operation (``ninja.decorators.decorate_view``): a POST body too large for
    ``photos`` photos is answered 413 before authentication or parsing reads it (the session's
    CSRF check reads the body, and ninja's file parameters spool it to disk)."""

    def decorate(run: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            error = body_too_large(request, photos) if request.method == "POST" else None
            if error is not None:
                return _too_large_response(error)
            return run(request, *args, **kwargs)

        return checked

    return decorate


def _api_error(text: Bilingual, status: int, code: str | None) -> JsonResponse:
    return JsonResponse({"detail": text.en, "detail_zh": text.zh, "code": code}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _too_large_response(error: ValidationError) -> JsonResponse:
    return _api_error(Bilingual.of_error(error), 413, error.code)


def json_or_photos(photos: int) -> Callable[[Any], Any]:
    """For an API operation whose body is JSON (``ninja.decorators.decorate_view``): the same
    fields may come as multipart/form-data instead, with up to ``photos`` files named
    ``photo`` (the handler reads them from ``request.FILES``). A body too large for them is
    answered 413 before anything reads it; a form's fields become the JSON body the operation
    validates as usual (empty fields left out, so they take their defaults)."""

    def decorate(run: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(run)
        def accept(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method == "POST":
                error = body_too_large(request, photos)
                if error is not None:
                    return _too_large_response(error)
                if request.content_type == "multipart/form-data":
                    try:
                        posted = request.POST
                    except MultiPartParserError:
                        return _api_error(BAD_UPLOAD, 400, "bad_upload")
                    fields = {k: v for k, v in posted.items() if v != "" and k != "csrfmiddlewaretoken"}
                    request._body = json.dumps(fields).encode()  # read by the operation's body parameter
            return run(request, *args, **kwargs)

        return accept

    return decorate


def multipart_schema(schema: str, photos: int) -> dict[str, Any]:
    """``openapi_extra`` of such an operation: the multipart form beside its JSON body."""
    files = {"type": "array", "maxItems": photos, "items": {"type": "string", "format": "binary"},
             "description": f"up to {photos} photos (JPEG, PNG or WebP, at most {MAX_UPLOAD_BYTES // 1024 // 1024} "
                            "MB each); re-encoded, their metadata (GPS position, camera) removed"}
    return {"requestBody": {"content": {"multipart/form-data": {"schema": {
        "allOf": [{"$ref": f"#/components/schemas/{schema}"}],
        "properties": {FIELD: files}}}}}}


# --- showing one ---------------------------------------------------------------------------------

def serve(photo: Any, *, viewer: Any, action: str) -> HttpResponse:
    """A sealed photo as a JPEG, the view audited (``action``, filed under the photo's place).
    The viewer's browser may keep it for an hour, no shared cache may."""
    audit.record(action, actor=viewer, obj=photo)
    response = HttpResponse(base64.b64decode(photo.data), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
