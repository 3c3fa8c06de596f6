"""Real-time push to staff screens: the interface the apps call.

The delivery (cross-process, scoped to the users who may see the row) is built behind this
function; until then ``publish`` records nothing and delivers nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def publish(topic: str, payload: Mapping[str, Any], *, path: str, action: str) -> None:
    """Send ``payload`` on ``topic`` to the live screens of every signed-in user who may do
    ``action`` on a row filed under ``path``, once the current transaction commits. The payload
    must carry nothing those users may not see."""
