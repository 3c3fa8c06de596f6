from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _analyse_in_this_process(settings: Any) -> None:
    """No forking under pytest: the analysis runs in the test's process."""
    settings.LINLI_OPINION_WORKERS = 1
