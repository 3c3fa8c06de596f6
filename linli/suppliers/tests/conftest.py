from __future__ import annotations

from typing import Any

import pytest

from linli.ledger import log


@pytest.fixture(autouse=True)
def fresh_ledger_caches() -> Any:
    # Tests roll their rows back; the ledger's process-wide caches must not outlive them.
    log.forget_tree()
    yield
    log.forget_tree()
