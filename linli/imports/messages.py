"""Error messages rendered in Chinese and in English at once, for reports read by both."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise

LANGUAGES = ("zh-hans", "en")


def render(message: Any, params: dict[str, Any] | None, language: str) -> str:
    with translation.override(language):
        text = str(message)
        if params:
            try:
                text = text % {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}
            except (KeyError, TypeError, ValueError):
                pass  # a translation that lost a placeholder still shows its words
        return text


def bilingual(error: ValidationError) -> dict[str, str]:
    """``{"code", "zh", "en"}`` for one ValidationError (the first of a list)."""
    first = error.error_list[0] if hasattr(error, "error_list") else error
    return {
        "code": first.code or "invalid",
        "zh": render(first.message, first.params, "zh-hans"),
        "en": render(first.message, first.params, "en"),
    }



def in_language(entry: dict[str, str], language: str) -> str:
    """The stored message in the reader's language (Chinese unless she chose English)."""
    return entry.get("en" if language.startswith("en") else "zh") or entry.get("en", "")
