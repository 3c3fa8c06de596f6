"""Typed answers checked once for every channel (the resident's link and page, the grid worker's
phone form, the API) and shown once: what a question accepts and how an answer reads."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from linli.campaigns import extract
from linli.campaigns.models import Question, QuestionKind
from linli.core.text import strip_invisible

MAX_TEXT = 300
YES_WORDS = {"yes", "true", "1", "是", "有", "y", "on"}
NO_WORDS = {"no", "false", "0", "否", "没有", "无", "n", "off"}


def _bad(question: Question, message: str) -> ValidationError:
    return ValidationError({f"q{question.number}": [ValidationError(message, code="answer")]})


def clean(question: Question, raw: Any) -> bool | float | str | None:
    """The answer ``raw`` gives to ``question`` (None: left blank), or a ValidationError naming
    the question (``q<number>``) with what is wrong, in the reader's language."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise _bad(question, _("Answer question %(n)d with yes or no.") % {"n": question.number})
    if kind in (QuestionKind.NUMBER, QuestionKind.TEMPERATURE):
        value = _number(raw)
        if value is None:
            raise _bad(question, _("Answer question %(n)d with a number.") % {"n": question.number})
        if kind == QuestionKind.TEMPERATURE and not extract.LOWEST_TEMPERATURE <= value <= extract.HIGHEST_TEMPERATURE:
            raise _bad(question, _("The temperature of question %(n)d must be between 34 and 43 °C.")
                       % {"n": question.number})
        if kind == QuestionKind.NUMBER and not 0 <= value <= 100000:
            raise _bad(question, _("The number of question %(n)d must be between 0 and 100,000.")
                       % {"n": question.number})
        return round(value, 1)
    if kind == QuestionKind.CHOICE:
        word = str(raw).strip()
        if word not in question.choice_names():
            raise _bad(question, _("Choose an answer to question %(n)d from the list.") % {"n": question.number})
        return word
    text = " ".join(strip_invisible(str(raw)).split())
    if len(text) > MAX_TEXT:
        raise _bad(question, _("The answer to question %(n)d is at most %(max)d characters.")
                   % {"n": question.number, "max": MAX_TEXT})
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise _bad(question, _("This text contains control characters; please retype it."))
    return text


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    try:
        return float(text)
    except ValueError:
        return extract.parse_number(text)


def shown(question: Question, value: Any) -> str:
    """An answer as the pages show it."""
    if value is None:
        return "—"
    if question.kind == QuestionKind.YES_NO:
        return _("yes") if value else _("no")
    if question.kind == QuestionKind.TEMPERATURE:
        return f"{value} °C"
    if question.kind == QuestionKind.NUMBER:
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value)
