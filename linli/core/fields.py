"""Model fields for sensitive data."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from linli.core.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """A text column stored sealed with AES-GCM (see ``linli.core.crypto``).

    Python code sees plaintext; the database sees only ``keyid$ciphertext``. The column
    cannot be filtered or ordered on: search through a blind-index column beside it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return decrypt(value, context=self._context())

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt(str(value), context=self._context())


class EncryptedJSONListField(EncryptedTextField):
    """A list of short strings (e.g. special-group tags) stored sealed as one JSON array."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> list[str]:  # type: ignore[override]
        text = super().from_db_value(value, expression, connection)
        return json.loads(text) if text else []

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        if not value:
            return []
        return json.loads(value)

    def get_prep_value(self, value: Any) -> str:
        if not value:
            return ""
        return encrypt(json.dumps(sorted(set(value)), ensure_ascii=False), context=self._context())

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
