from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def fresh_ledger_caches() -> Iterator[None]:
    # Quarantine orders go to the shared ledger, whose process-wide tree must not outlive a test's rows.
    from linli.ledger import log

    log.forget_tree()
    yield
    log.forget_tree()
