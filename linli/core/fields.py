"""Model fields for sensitive data."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import models

from linli.core.crypto import decrypt, encrypt


def _context(field: models.Field) -> str:
    # Bound as associated data: a ciphertext copied into another column does not decrypt.
    # Worked out once per field: it is asked for every value read.
    cached = field.__dict__.get("_linli_context")
    if cached is None or cached[0] is not field.model:  # a field copied to another model works it out again
        cached = field.__dict__["_linli_context"] = (field.model, f"{field.model._meta.label_lower}.{field.name}")
    return cached[1]


class EncryptedTextField(models.TextField):
    """A text column stored sealed with AES-GCM (see ``linli.core.crypto``).

    Python code sees plaintext; the database sees only ``keyid$ciphertext``. The column
    cannot be filtered or ordered on: search through a blind-index column beside it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value, context=_context(self)) if value else ""

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return encrypt(str(value), context=_context(self)) if value else ""


class EncryptedJSONListField(models.Field):
    """A list of short strings (e.g. special-group tags) stored sealed as one JSON array."""

    if TYPE_CHECKING:  # what django-stubs reads as the Python type of the attribute
        _pyi_private_set_type: list[str]
        _pyi_private_get_type: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> list[str]:
        return json.loads(decrypt(value, context=_context(self))) if value else []

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        return json.loads(value) if value else []

    def get_prep_value(self, value: Any) -> str:
        if not value:
            return ""
        return encrypt(json.dumps(sorted(set(value)), ensure_ascii=False), context=_context(self))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
