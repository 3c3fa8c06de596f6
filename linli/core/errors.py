"""Errors in English and Chinese at once.

Staff read Chinese or English; the API, import reports and stored failures carry both, so
that what one reader saw the other can read too. A message is written once, as a lazy
translation string (or a ValidationError holding one), and rendered here in both languages;
fixed protocol texts that must not depend on a .po file are written as a :class:`Bilingual`
directly.

Three shapes leave this module, and each is pinned by tests:

* the API's validation items ``{"loc", "code", "msg", "msg_zh"}`` (:func:`api_errors`);
* the stored form ``{"code", "zh", "en"}`` of import and upload problems (:func:`bilingual`);
* a :class:`Bilingual` itself, which reads as the active language wherever Django shows
  text (a ValidationError's message, a flash message, a template).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.functional import Promise, lazy

ENGLISH, CHINESE = "en", "zh-hans"


def reads_english(language: str | None) -> bool:
    """Chinese unless the reader chose English (the site's first language is Chinese)."""
    return (language or "").startswith("en")


def _render(message: Any, params: Mapping[str, Any] | None, language: str) -> str:
    with translation.override(language):
        # A lazy message renders in each language. A plain string is looked up as a message
        # id, in case it was rendered early (under English) before it reached us.
        text = translation.gettext(message) if isinstance(message, str) else str(message)
        if params:
            try:
                text = text % {k: str(v) if isinstance(v, Promise | Bilingual) else v for k, v in params.items()}
            except (KeyError, TypeError, ValueError):
                pass  # a translation that lost a placeholder still shows its words
        return text


@dataclass(frozen=True)
class Bilingual:
    """One message in English and in Chinese. As text (``str()``, templates, a
    ValidationError's message) it is in the active language."""

    en: str
    zh: str

    @classmethod
    def of(cls, message: Any, params: Mapping[str, Any] | None = None) -> Bilingual:
        """A lazy translation string, with its ``%(name)s`` parameters, in both languages."""
        return cls(en=_render(message, params, ENGLISH), zh=_render(message, params, CHINESE))

    @classmethod
    def of_error(cls, error: ValidationError) -> Bilingual:
        """The first message of a ValidationError in both languages."""
        first = _first(error)
        return cls.of(first.message, first.params)

    def in_language(self, language: str | None) -> str:
        return self.en if reads_english(language) else self.zh

    def __str__(self) -> str:
        return self.in_language(translation.get_language())

    def error(self, code: str) -> ValidationError:
        """A ValidationError with this message: a page shows it in the reader's language,
        the API in both."""
        return ValidationError(lazy(self.__str__, str)(), code=code)


# The API's answer to a multipart body it cannot read (shared by the API's error handlers and
# the photo uploads that read a form before the operation does).
BAD_UPLOAD = Bilingual("The upload is not a well-formed multipart form (no boundary, or cut off); send the "
                       "file as multipart/form-data.", "上传内容不是完整的 multipart 表单（缺少分隔符或被截断），"
                       "请以 multipart/form-data 发送文件。")


def _first(error: ValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict.values()))[0]
    return error.error_list[0]


def _each(error: ValidationError) -> list[ValidationError]:
    if hasattr(error, "error_dict"):
        return [e for errors in error.error_dict.values() for e in errors]
    return list(error.error_list)


def bilingual(error: ValidationError) -> dict[str, str]:
    """``{"code", "zh", "en"}`` for one ValidationError (the first of a list): how import
    rows, upload problems and failed batches keep their reason."""
    text = Bilingual.of_error(error)
    return {"code": _first(error).code or "invalid", "zh": text.zh, "en": text.en}


def bilingual_all(error: ValidationError) -> list[dict[str, str]]:
    """:func:`bilingual` for every message of a ValidationError, of every field."""
    return [bilingual(e) for e in _each(error)]


def in_language(entry: Mapping[str, str], language: str | None) -> str:
    """A stored ``{"zh", "en"}`` message in the reader's language."""
    return entry.get("en" if reads_english(language) else "zh") or entry.get("en", "")


def api_item(loc: Sequence[str | int], code: str, text: Bilingual) -> dict[str, Any]:
    """One item of an API 422's ``detail``."""
    return {"loc": list(loc), "code": code, "msg": text.en, "msg_zh": text.zh}


def api_errors(error: ValidationError, loc: Sequence[str | int] = ("body",)) -> list[dict[str, Any]]:
    """A ValidationError as the API's ``detail`` list: one item per message; a field's name
    is appended to ``loc`` (errors not about one field stay at ``loc``)."""
    by_field = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
    items: list[dict[str, Any]] = []
    for field, errors in by_field.items():
        where = list(loc) if field == NON_FIELD_ERRORS else [*loc, field]
        items.extend(api_item(where, e.code or "invalid", Bilingual.of(e.message, e.params)) for e in errors)
    return items
