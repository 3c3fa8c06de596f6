"""One exception for every refusal, carrying the reason in English and Chinese."""

from __future__ import annotations

from linli.core.errors import Bilingual


class ExchangeError(Exception):
    """An exchange step was refused; ``code`` is stable, ``message`` is bilingual."""

    def __init__(self, code: str, english: str, chinese: str) -> None:
        super().__init__(f"{english} / {chinese}")
        self.code = code
        self.message = Bilingual(en=english, zh=chinese)
