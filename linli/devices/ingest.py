"""Storing what devices send: the one entry point of the MQTT consumer and the HTTPS endpoint.

``receive(batch, via=...)`` reads a batch of messages in a handful of queries whatever its
size: the devices by serial number (one query), the new events in one
``INSERT … ON CONFLICT DO NOTHING RETURNING`` per few hundred (SQLite 3.35+ and PostgreSQL
both), and the devices' own columns in one ``executemany``. An event already stored (MQTT
delivers at least once; a device may post again) is recognised by ``(device, event id)``.

Out of order is normal: ``last_seen_at`` (when we last heard from it), ``last_event_at`` (its
own latest time), ``last_activity_at`` and the battery only ever move forward.

Bad input never raises: a message that cannot be read is counted on its device (count, time
and latest reason); one for a device that does not exist, is not active, or is named under
another community's topic is counted as unknown. Only infrastructure errors (the database is
down) raise, so that the consumer acknowledges messages only once they are stored.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from linli.devices import hooks, wire
from linli.devices.models import Device, DeviceEvent, DeviceKind, DeviceStatus

log = logging.getLogger(__name__)

STORED, DUPLICATE, MALFORMED, UNKNOWN = "stored", "duplicate", "malformed", "unknown"
# The only columns ingest and the rules read (every other one costs a conversion a device a batch,
# the dates most: the UPDATE moves them forward in SQL without reading them; read on demand if
# someone asks). The house and the person are not loaded either: the alerts load the few houses
# they raise alerts for.
READ = ("uid", "kind_id", "status", "path", "house_id", "person_id")
INSERT_CHUNK = 400  # rows per INSERT statement (8 parameters a row, well under SQLite's limit)


@dataclass
class Outcome:
    stored: int = 0
    duplicates: int = 0
    malformed: int = 0
    unknown: int = 0

    def add(self, other: Outcome) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.malformed += other.malformed
        self.unknown += other.unknown


@dataclass
class Result:
    """What became of one message (the HTTPS endpoint answers per event)."""

    status: str
    event: wire.Event | None = None
    error: wire.Malformed | None = None


@dataclass
class _Touch:
    """What a batch tells about one device."""

    seen: datetime.datetime | None = None
    latest: datetime.datetime | None = None
    activity: datetime.datetime | None = None
    battery: int | None = None
    battery_at: datetime.datetime | None = None
    malformed: int = 0
    malformed_at: datetime.datetime | None = None
    reason: str = ""
    stored: list[Any] = field(default_factory=list)


def receive(batch: Sequence[wire.Incoming], *, via: str) -> Outcome:
    """Store a batch of messages (see the module's docstring)."""
    return receive_detailed(batch, via=via)[0]


def receive_detailed(batch: Sequence[wire.Incoming], *, via: str) -> tuple[Outcome, list[Result]]:
    """``receive``, with what became of each message, in the batch's order."""
    if not batch:
        return Outcome(), []
    with transaction.atomic():
        return _receive(batch, via)


def _max(a: datetime.datetime | None, b: datetime.datetime | None) -> datetime.datetime | None:
    if a is None:
        return b
    return a if b is None or a >= b else b


def _devices(uids: set[str]) -> dict[str, Device]:
    # Only the columns in READ: the secret, for one, would be unsealed for every device of every
    # batch. The kinds are a handful of rows read apart: joined, SQLite's planner may walk the devices
    # of each kind instead of looking the serial numbers up.
    # No row locks: the UPDATE moves each column forward from the row's own current value, so two
    # consumers storing the same device's messages at once cannot move it back. (No ORDER BY
    # either: on SQLite it would make the planner scan the table in id order.)
    rows = Device.objects.filter(uid__in=uids).only(*READ).order_by()
    found = {device.uid: device for device in rows}
    kinds = DeviceKind.objects.in_bulk({device.kind_id for device in found.values()})
    cache = Device.kind.field.set_cached_value  # as select_related does, without the setter's checks
    for device in found.values():
        cache(device, kinds[device.kind_id])
    return found


def _receive(batch: Sequence[wire.Incoming], via: str) -> tuple[Outcome, list[Result]]:
    devices = _devices({item.uid for item in batch})
    results: list[Result] = []
    touched: dict[int, _Touch] = {}
    pending: dict[tuple[int, str], tuple[int, Device, wire.Event, datetime.datetime]] = {}
    now = timezone.now()
    for index, item in enumerate(batch):
        device = devices.get(item.uid)
        if device is None or device.status != DeviceStatus.ACTIVE or \
                (item.community and wire.community_of(device.path) != item.community):
            results.append(Result(UNKNOWN))
            continue
        touch = touched.setdefault(device.pk, _Touch())
        touch.seen = _max(touch.seen, item.received_at)
        try:
            event = wire.parse(item.payload, device.kind.event_types, now=max(now, item.received_at))
        except wire.Malformed as error:
            touch.malformed += 1
            if touch.malformed_at is None or item.received_at >= touch.malformed_at:
                touch.malformed_at, touch.reason = item.received_at, error.reason
            results.append(Result(MALFORMED, error=error))
            continue
        key = (device.pk, event.event_id)
        if key in pending:  # the same event twice in one batch
            results.append(Result(DUPLICATE, event=event))
            continue
        pending[key] = (index, device, event, item.received_at)
        results.append(Result(DUPLICATE, event=event))  # until the insert says it is new
    dates = _Dates(connections[connection.alias])
    new = _insert(pending, via, dates)
    attach = DeviceEvent.device.field.set_cached_value
    stored = []
    for key in new:
        index, device, event, received_at = pending[key]
        results[index].status = STORED
        touch = touched[device.pk]
        touch.latest = _max(touch.latest, event.occurred_at)
        if event.is_activity:
            touch.activity = _max(touch.activity, event.occurred_at)
        if event.battery is not None and (touch.battery_at is None or event.occurred_at >= touch.battery_at):
            touch.battery, touch.battery_at = event.battery, event.occurred_at
        row = DeviceEvent(pk=new[key], device_id=device.pk, event_id=event.event_id, type=event.type,
                          value=event.value, occurred_at=event.occurred_at, received_at=received_at, via=via,
                          path=device.path)
        row._state.adding, row._state.db = False, connection.alias
        attach(row, device)
        stored.append(row)
    _update(touched, dates)
    stored.sort(key=lambda row: (row.occurred_at, row.pk))
    hooks.events_stored(stored)
    outcome = Outcome(stored=len(stored), malformed=sum(r.status == MALFORMED for r in results),
                      unknown=sum(r.status == UNKNOWN for r in results))
    outcome.duplicates = len(results) - outcome.stored - outcome.malformed - outcome.unknown
    return outcome, results


class _Dates:
    """Times converted for the database once each: a batch's devices' latest times are the
    times of its events, and most are None (no malformed message, no activity)."""

    def __init__(self, db: Any) -> None:
        self.convert = db.ops.adapt_datetimefield_value
        self.done: dict[datetime.datetime, Any] = {}

    def adapt(self, value: datetime.datetime | None) -> Any:
        if value is None:
            return None
        found = self.done.get(value)
        if found is None:
            found = self.done[value] = self.convert(value)
        return found


def _insert(pending: dict[tuple[int, str], tuple[int, Device, wire.Event, datetime.datetime]],
            via: str, dates: _Dates) -> dict[tuple[int, str], int]:
    """Insert the events not stored yet; the keys of those that were new, with their ids."""
    db = connections[connection.alias]
    quote = db.ops.quote_name
    meta = DeviceEvent._meta
    names = ["device", "event_id", "type", "value", "occurred_at", "received_at", "via", "path"]
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(quote(column[name]) for name in names)
    device_col, event_col = quote(column["device"]), quote(column["event_id"])
    adapt = dates.adapt
    rows = [(device.pk, event.event_id, event.type, event.value, adapt(event.occurred_at), adapt(received_at), via,
             device.path) for _, device, event, received_at in pending.values()]
    new: dict[tuple[int, str], int] = {}
    with db.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start:start + INSERT_CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            # Only quoted identifiers from the model's metadata go into the text; values are parameters.
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values} "  # noqa: S608
                f"ON CONFLICT ({device_col}, {event_col}) DO NOTHING "
                f"RETURNING {quote(str(meta.pk.column))}, {device_col}, {event_col}",
                [value for row in chunk for value in row])
            for pk, device_id, event_id in cursor.fetchall():
                new[(device_id, event_id)] = pk
    return new


def _update(touched: dict[int, _Touch], dates: _Dates) -> None:
    """Move each device's columns forward (never back), in one statement run per device."""
    if not touched:
        return
    db = connections[connection.alias]
    quote = db.ops.quote_name
    meta = Device._meta
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    col = {name: quote(column[name]) for name in (
        "battery", "last_seen_at", "last_event_at", "last_activity_at", "malformed_count", "last_malformed_at",
        "last_malformed_reason")}
    ts = "CAST(%s AS timestamp with time zone)" if db.vendor == "postgresql" else "%s"
    num = "CAST(%s AS integer)" if db.vendor == "postgresql" else "%s"

    def forward(name: str) -> str:
        return f"{col[name]} = CASE WHEN {ts} IS NOT NULL AND ({col[name]} IS NULL OR {col[name]} < {ts}) " \
               f"THEN {ts} ELSE {col[name]} END"

    # The battery follows the device's latest event: an old event arriving late does not set it.
    battery = f"{col['battery']} = CASE WHEN {num} IS NOT NULL AND ({col['last_event_at']} IS NULL OR " \
              f"{col['last_event_at']} <= {ts}) THEN {num} ELSE {col['battery']} END"
    malformed = f"{col['malformed_count']} = {col['malformed_count']} + {num}, " \
                f"{col['last_malformed_at']} = CASE WHEN {num} > 0 THEN {ts} ELSE {col['last_malformed_at']} END, " \
                f"{col['last_malformed_reason']} = CASE WHEN {num} > 0 THEN %s ELSE {col['last_malformed_reason']} END"
    sql = (f"UPDATE {quote(meta.db_table)} SET {battery}, {forward('last_seen_at')}, {forward('last_event_at')}, "  # noqa: S608
           f"{forward('last_activity_at')}, {malformed} WHERE {quote(str(meta.pk.column))} = %s")
    adapt = dates.adapt
    params = []
    for pk, t in sorted(touched.items()):  # rows locked in one order by every consumer: no deadlock
        seen, latest, activity = adapt(t.seen), adapt(t.latest), adapt(t.activity)
        battery_at = adapt(t.battery_at)
        params.append((
            t.battery, battery_at, t.battery,
            seen, seen, seen, latest, latest, latest, activity, activity, activity,
            t.malformed, t.malformed, adapt(t.malformed_at), t.malformed, t.reason, pk))
    with db.cursor() as cursor:
        cursor.executemany(sql, params)
