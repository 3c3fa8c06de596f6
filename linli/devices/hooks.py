"""What the apps above ``devices`` hear from it, without ``devices`` importing them.

``linli.alerts`` registers its handlers in its ``AppConfig.ready``:

- ``on_events(handler)``: ``handler(events)`` is called with the newly stored
  ``DeviceEvent`` rows (never a duplicate), inside the ingest transaction, oldest first. Each
  event's ``device`` is loaded with its kind and its ids (``house_id``, ``person_id``, ``path``,
  ``status``) only: a handler loads the houses or persons it needs, in bulk.
- ``on_silence(handler)``: ``handler(devices)`` is called by the silent-device sweep with the
  active devices silent for longer than their kind's heartbeat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

EventsHandler = Callable[[Sequence[Any]], None]
SilenceHandler = Callable[[Sequence[Any]], None]

_events: list[EventsHandler] = []
_silence: list[SilenceHandler] = []


def on_events(handler: EventsHandler) -> None:
    if handler not in _events:
        _events.append(handler)


def on_silence(handler: SilenceHandler) -> None:
    if handler not in _silence:
        _silence.append(handler)


def events_stored(events: Sequence[Any]) -> None:
    if events:
        for handler in _events:
            handler(events)


def devices_silent(devices: Sequence[Any]) -> None:
    if devices:
        for handler in _silence:
            handler(devices)
