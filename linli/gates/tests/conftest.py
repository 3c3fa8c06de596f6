from __future__ import annotations

import pytest

from linli.conftest import Street
from linli.gates.models import Gate
from linli.gates.tests.helpers import make_gate


@pytest.fixture
def gate(street: Street) -> Gate:
    """The east gate of the test street's grid compound, set up by its secretary."""
    return make_gate(street)
