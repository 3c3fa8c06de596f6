from __future__ import annotations

from typing import Any

import pytest

from linli.ledger import keys, log
from linli.ledger.models import Party


@pytest.fixture(autouse=True)
def fresh_tree_cache() -> Any:
    # Tests roll their rows back; the process-wide tree cache must not outlive them.
    log.forget_tree()
    yield
    log.forget_tree()


@pytest.fixture
def street_party(db: Any) -> Party:
    return keys.ensure_managed_party("test.linli/street", "明月街道办事处", "street",
                                     ["report_submitted", "import_committed", "correction"])
