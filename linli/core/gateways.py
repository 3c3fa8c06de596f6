"""Messages that leave the platform (SMS, voice calls, app push): the interface the apps call.

Backends are chosen in the settings like Django's e-mail backends; the console backend
prints and returns a message id.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

log = logging.getLogger("linli.gateways")


def send_sms(to: str, text: str, *, purpose: str) -> str:
    message_id = uuid.uuid4().hex
    log.info("SMS %s to %s (%s): %s", message_id, to[:3] + "****" + to[-4:], purpose, text)
    return message_id


def place_call(to: str, text: str, *, purpose: str) -> str:
    message_id = uuid.uuid4().hex
    log.info("call %s to %s (%s): %s", message_id, to[:3] + "****" + to[-4:], purpose, text)
    return message_id


def send_app_push(user: Any, title: str, body: str, *, purpose: str) -> str:
    message_id = uuid.uuid4().hex
    log.info("app push %s to user %s (%s): %s", message_id, getattr(user, "pk", user), purpose, title)
    return message_id
