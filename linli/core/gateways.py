"""Messages that leave the platform: SMS, voice calls and app push, each through a pluggable
backend chosen in the settings, like Django's e-mail backends (decision 0026).

    from linli.core.gateways import send_sms
    message_id = send_sms("13812345678", "…", purpose="alert escalation")

- ``LINLI_SMS_BACKEND``, ``LINLI_CALL_BACKEND``, ``LINLI_APP_PUSH_BACKEND``: ``console`` (the
  default: prints one line per message and logs it, the number masked), ``locmem`` (keeps them in
  ``outbox``, for tests), ``disabled`` (refuses: a deployment without that provider), or the dotted
  path of a class with ``send(message) -> str`` (a provider's adapter).
- A message that cannot be sent raises ``GatewayError`` (a provider's own errors are wrapped).
- Many messages at once (a notice to 90,000 households): ``send_batch`` hands them to the backend
  together (its ``send_many`` when it has one, as providers' bulk APIs do) and audits them in one
  insert (``audit.record_many``): one event per message, as one by one.
- Every attempt is written to the audit log with its stated purpose, the number masked, the
  backend's message id and the outcome.
- A call gateway may also hold a conversation (``hold_calls``: an outbound screening call that
  asks questions and gives back what it heard after each, decision 0039): a provider's adapter
  adds ``converse(message, prompts) -> CallResult``. The console and locmem backends simulate the
  resident (``linli.core.callsim``): nothing leaves the machine.
- Sending is not part of the caller's transaction: call it from a task or after the commit
  (``transaction.on_commit``), not halfway through an action.
"""

from __future__ import annotations

import logging
import random
import re
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from linli.core.validators import mask_phone

log = logging.getLogger("linli.gateways")

SMS, CALL, APP_PUSH = "sms", "call", "app_push"
_SETTINGS = {SMS: "LINLI_SMS_BACKEND", CALL: "LINLI_CALL_BACKEND", APP_PUSH: "LINLI_APP_PUSH_BACKEND"}
MAX_TEXT = 1000
_PHONE = re.compile(r"\+?[0-9][0-9-]{2,19}")


class GatewayError(Exception):
    """The message was not sent (no gateway, the provider refused, the provider is unreachable)."""


@dataclass(frozen=True)
class Message:
    channel: str  # "sms", "call" or "app_push"
    to: str  # a phone number, or "user:<id>" for app push
    text: str
    purpose: str
    title: str = ""
    at: Any = field(default_factory=timezone.now)

    @property
    def shown_to(self) -> str:
        """The recipient as logs show it: a masked number."""
        return self.to if self.channel == APP_PUSH else mask_phone(self.to)


class Backend(Protocol):
    def send(self, message: Message) -> str:
        """Send it; return the provider's message id; raise GatewayError when it is not sent."""


@dataclass(frozen=True)
class Prompt:
    """One question of a conversation call: its words, and what kind of answer it wants
    (yes_no, number, temperature, choice, text), for providers that guide recognition."""

    text: str
    kind: str = ""
    topic: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallResult:
    """How a conversation call ended: ``outcome`` answered, no_answer, busy, refused or failed;
    ``replies``: what speech recognition heard after each prompt ("" for silence). A simulated
    call also gives ``truths``, what the simulated resident meant."""

    id: str
    outcome: str
    replies: tuple[str, ...] = ()
    truths: tuple[object, ...] = ()


class Conversation(Protocol):
    def converse(self, message: Message, prompts: Sequence[Prompt]) -> CallResult:
        """Call, read ``message.text`` and each prompt, and return what was heard."""


def _simulated(message: Message, prompts: Sequence[Prompt], rng: random.Random) -> CallResult:
    from linli.core import callsim

    heard = callsim.call(prompts, rng)
    return CallResult(uuid.uuid4().hex, heard.outcome, heard.replies, heard.truths)


class BatchBackend(Protocol):
    def send_many(self, messages: Sequence[Message]) -> list[str | Exception]:
        """Send them together; per message, the provider's id or the error that kept it back."""


def _send_each(chosen: Backend, messages: Sequence[Message]) -> list[str | Exception]:
    results: list[str | Exception] = []
    for message in messages:
        try:
            results.append(chosen.send(message))
        except Exception as exc:  # noqa: BLE001 - reported per message, like a provider's bulk answer
            results.append(exc)
    return results


class ConsoleBackend:
    """Prints one line per message (the demo): nothing leaves the machine."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream

    def send(self, message: Message) -> str:
        ident = uuid.uuid4().hex
        title = f"{message.title}: " if message.title else ""
        line = f"[{message.channel} {ident[:8]}] to {message.shown_to} ({message.purpose}): {title}{message.text}\n"
        stream = self.stream or sys.stdout
        stream.write(line)
        stream.flush()
        return ident

    def converse(self, message: Message, prompts: Sequence[Prompt]) -> CallResult:
        """The demo's conversation: a simulated resident answers (``linli.core.callsim``)."""
        return _simulated(message, prompts, _RNG)


# What the locmem backend "sent", oldest first (tests read and clear it).
outbox: list[Message] = []


# The simulated residents' dice; tests and benchmarks seed it for repeatable runs.
_RNG = random.Random()  # noqa: S311 - simulated residents, not secrets


def seed_simulation(seed: int) -> None:
    _RNG.seed(seed)


class LocmemBackend:
    def send(self, message: Message) -> str:
        outbox.append(message)
        return uuid.uuid4().hex

    def converse(self, message: Message, prompts: Sequence[Prompt]) -> CallResult:
        outbox.append(message)
        return _simulated(message, prompts, _RNG)

    def send_many(self, messages: Sequence[Message]) -> list[str | Exception]:
        outbox.extend(messages)
        return [uuid.uuid4().hex for _ in messages]


class DisabledBackend:
    def send(self, message: Message) -> str:
        raise GatewayError(f"no {message.channel} gateway is configured ({_SETTINGS[message.channel]})")


_NAMED: dict[str, type[Any]] = {"console": ConsoleBackend, "locmem": LocmemBackend, "disabled": DisabledBackend}
_INSTANCES: dict[tuple[str, str], Backend] = {}


def backend(channel: str) -> Backend:
    name = str(getattr(settings, _SETTINGS[channel]) or "console")
    key = (channel, name)
    if key not in _INSTANCES:
        try:
            cls = _NAMED.get(name) or import_string(name)
        except ImportError as exc:
            raise ImproperlyConfigured(f"{_SETTINGS[channel]}={name!r} is not a backend: console, locmem, "
                                       "disabled or a dotted path to a class") from exc
        _INSTANCES[key] = cls()
    return _INSTANCES[key]


def _phone(to: str) -> str:
    number = "".join(str(to).split())
    if not _PHONE.fullmatch(number):
        raise GatewayError(f"not a phone number: {mask_phone(number)!r}")
    return number


def _check(text: str, purpose: str) -> None:
    if not text or not text.strip():
        raise GatewayError("a message needs a text")
    if len(text) > MAX_TEXT:
        raise GatewayError(f"a message is at most {MAX_TEXT} characters")
    if not purpose or not purpose.strip():
        raise GatewayError("state the purpose of a message that leaves the platform")


def _send(message: Message, path: str, user: Any = None) -> str:
    from linli.core import audit
    from linli.core.models import AuditEvent

    chosen = backend(message.channel)
    detail = {"to": message.shown_to, "backend": type(chosen).__name__}
    try:
        ident = chosen.send(message)
    except Exception as exc:
        error = exc if isinstance(exc, GatewayError) else GatewayError(f"{type(exc).__name__}: {exc}")
        log.warning("%s to %s not sent (%s): %s", message.channel, message.shown_to, message.purpose, error)
        audit.record(f"gateway.{message.channel}", obj=user, purpose=message.purpose, path=path,
                     outcome=AuditEvent.Outcome.FAILED, detail={**detail, "error": str(error)[:200]})
        if error is exc:
            raise
        raise error from exc
    log.info("%s %s to %s sent (%s)", message.channel, ident, message.shown_to, message.purpose)
    audit.record(f"gateway.{message.channel}", obj=user, purpose=message.purpose, path=path,
                 detail={**detail, "id": str(ident)[:100]})
    return str(ident)


def send_sms(to: str, text: str, *, purpose: str, path: str = "") -> str:
    """Send a text message; return its id. ``path`` files the audit event under a place."""
    _check(text, purpose)
    return _send(Message(SMS, _phone(to), text, purpose), path)


def place_call(to: str, text: str, *, purpose: str, path: str = "") -> str:
    """Place a voice call that reads ``text`` out (text to speech at the provider); return its id."""
    _check(text, purpose)
    return _send(Message(CALL, _phone(to), text, purpose), path)


def send_app_push(user: Any, title: str, body: str, *, purpose: str, path: str = "") -> str:
    """Send a notification to the user's phone app; return its id."""
    if getattr(user, "pk", None) is None:
        raise GatewayError("app push goes to a saved user")
    _check(body, purpose)
    return _send(Message(APP_PUSH, f"user:{user.pk}", body, purpose, title=title[:200]), path, user)


def hold_calls(calls: Sequence[tuple[str, str]], text: str, prompts: Sequence[Prompt], *,
               purpose: str) -> list[CallResult]:
    """Conversation calls to ``calls`` ((phone, place path) pairs), each reading ``text`` and
    asking ``prompts``; one result per call, in order (a call that could not be placed is
    "failed"). The whole batch is audited in one append (numbers masked), so a campaign of
    thousands of calls a minute costs one lock per batch."""
    from linli.core import audit

    _check(text, purpose)
    chosen = backend(CALL)
    converse = getattr(chosen, "converse", None)
    if converse is None:
        raise GatewayError(f"the call gateway {type(chosen).__name__} cannot hold a conversation")
    results, entries = [], []
    for to, path in calls:
        try:
            result = converse(Message(CALL, _phone(to), text, purpose), prompts)
        except Exception as exc:  # one failed call does not stop the batch
            log.warning("call to %s failed (%s): %s", mask_phone(str(to)), purpose, exc)
            result = CallResult("", "failed")
        results.append(result)
        entries.append(audit.Entry("gateway.call", purpose=purpose, path=path, detail={
            "to": mask_phone(str(to)), "backend": type(chosen).__name__, "id": result.id[:100],
            "outcome": result.outcome, "questions": len(prompts)}))
    audit.record_many(entries)
    return results


@dataclass(frozen=True)
class Outgoing:
    """One message of a batch: to whom, what, and the place its audit event is filed under."""
    to: str
    text: str
    path: str = ""


def send_batch(channel: str, outgoing: Sequence[Outgoing], *, purpose: str) -> list[str | GatewayError]:
    """Send many text messages or calls (``channel``: ``SMS`` or ``CALL``) with one purpose; per
    message, in order, its id or the ``GatewayError`` that kept it back (a bad number, the
    provider's refusal). Every message is audited as ``send_sms``/``place_call`` audit it, the
    events written together under one lock of the chain's head."""
    from linli.core import audit
    from linli.core.models import AuditEvent

    if channel not in (SMS, CALL):
        raise GatewayError(f"not a batch channel: {channel!r}")
    if not purpose or not purpose.strip():
        raise GatewayError("state the purpose of a message that leaves the platform")
    results: list[str | GatewayError] = []
    ready: list[tuple[int, Message]] = []
    for item in outgoing:
        try:
            _check(item.text, purpose)
            ready.append((len(results), Message(channel, _phone(item.to), item.text, purpose)))
            results.append("")
        except GatewayError as exc:
            results.append(exc)
    chosen = backend(channel)
    messages = [m for _, m in ready]
    many = getattr(chosen, "send_many", None)
    try:
        answers = many(messages) if callable(many) else _send_each(chosen, messages)
    except Exception as exc:  # noqa: BLE001 - the whole batch refused: each message failed
        answers = [exc] * len(messages)
    entries = []
    name = type(chosen).__name__
    for (index, message), answer in zip(ready, answers, strict=True):
        item = outgoing[index]
        detail: dict[str, Any] = {"to": message.shown_to, "backend": name}
        if isinstance(answer, Exception):
            error = answer if isinstance(answer, GatewayError) else GatewayError(f"{type(answer).__name__}: {answer}")
            results[index] = error
            entries.append(audit.Entry(f"gateway.{channel}", purpose=purpose, path=item.path,
                                       outcome=AuditEvent.Outcome.FAILED,
                                       detail={**detail, "error": str(error)[:200]}))
        else:
            results[index] = str(answer)
            entries.append(audit.Entry(f"gateway.{channel}", purpose=purpose, path=item.path,
                                       detail={**detail, "id": str(answer)[:100]}))
    audit.record_many(entries)
    sent = sum(1 for r in results if not isinstance(r, GatewayError))
    log.info("%s batch: %d sent, %d not (%s)", channel, sent, len(results) - sent, purpose)
    return results
