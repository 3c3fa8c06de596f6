"""Writing tens of thousands of rows fast, with Django's own value conversion.

``bulk_create`` compiles its SQL field by field, batch after batch (on SQLite only ~37
people fit in one statement), and that cost more per row than everything else an import or
the ledger does. Here the statement is written once: PostgreSQL (psycopg 3) takes the rows
through ``COPY``, other databases through one INSERT run with ``executemany``. Every value
still goes through its field's ``get_db_prep_save`` (so sealed fields are encrypted, dates
and JSON adapted) exactly as ``save()`` would. Like ``bulk_create``: no signals, no
``save()``.
"""

from __future__ import annotations

import contextlib
import gc
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max, Model
from django.db.models.base import ModelState
from django.utils import timezone

CHUNK = 2000  # rows converted and sent at a time: bounded memory, and progress between chunks


_pause_lock = threading.Lock()
_pauses = 0  # how many threads are inside no_cycle_collection()
_resume = False  # whether the collector was on when the first of them came in


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """For work that makes hundreds of thousands of small objects and no reference cycles worth
    collecting (a report's rows, an import's): the cycle collector, set off by the allocations
    alone, would walk them all again and again (a tenth of the time or more).

    The switch is the process's: in a threaded server two reports may overlap, so the collector
    comes back on when the last of them ends (and only if it was on before the first)."""
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


def insert_rows(db: BaseDatabaseWrapper, model: type[Model], fields: Sequence[str],
                rows: Sequence[tuple[Any, ...]] | bytes) -> None:
    """Insert ``rows`` into ``model``'s table: each a tuple of the values of the fields named
    ``fields``, already converted for ``db``; or, on PostgreSQL, the bytes
    :func:`copy_text` made of such tuples."""
    if not rows:
        return
    quote, column = db.ops.quote_name, {f.name: str(f.column) for f in model._meta.concrete_fields}
    # Only quoted identifiers from the model's metadata go into the text; values are parameters.
    into = f"{quote(model._meta.db_table)} ({', '.join(quote(column[name]) for name in fields)})"
    with db.cursor() as cursor:
        if db.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):  # psycopg 3
            with cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
                if isinstance(rows, bytes):
                    copy.write(rows)
                else:
                    for row in rows:
                        copy.write_row(row)
        else:
            if isinstance(rows, bytes):
                raise TypeError("COPY text is PostgreSQL's only")
            cursor.executemany(f"INSERT INTO {into} VALUES ({', '.join(['%s'] * len(fields))})", rows)  # noqa: S608


def copy_text(db: BaseDatabaseWrapper, rows: Sequence[tuple[Any, ...]]) -> Sequence[tuple[Any, ...]] | bytes:
    """On PostgreSQL, ``rows`` (converted as for :func:`insert_rows`) in ``COPY``'s text
    format, made by psycopg's own formatter with ``db``'s adapters, so that they go in exactly as
    ``insert_rows`` would send them one by one; elsewhere ``rows`` as they are. It sends
    nothing: a seed's helper process formats its rows, and its parent only passes the bytes on.
    Bytes cross between processes for a fraction of what pickling the tuples costs."""
    if db.vendor != "postgresql" or not rows:
        return rows
    try:
        from psycopg import adapt
        from psycopg._copy_base import TextFormatter  # the formatter behind Copy.write_row
    except ImportError:  # another psycopg: the tuples go instead
        return rows
    db.ensure_connection()
    formatter = TextFormatter(adapt.Transformer(db.connection))
    data = bytearray()
    for row in rows:
        data += formatter.write_row(row)
    data += formatter.end()
    return bytes(data)


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for new rows. PostgreSQL hands them out from the table's sequence. SQLite
    runs an import's transaction with the write lock held (BEGIN IMMEDIATE), so nobody else
    can insert until it ends and the next ids are free to take."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once: inside the generated rows PostgreSQL looks it up for
            # every id, which made a million ids cost seconds instead of a fraction of one.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
    highest = max(found[0] if found else 0, model._default_manager.aggregate(m=Max("pk"))["m"] or 0)
    return list(range(highest + 1, highest + 1 + count))


def drop_secondary_indexes(*models: type[Model]) -> list[tuple[str, str]]:
    """On PostgreSQL, drop the secondary indexes of ``models``' tables before a large load and
    return them as (name, definition as the catalogue holds it: columns, condition,
    uniqueness), for :func:`create_indexes` after the load, so the schema after is the schema
    before. Building an index once over a million loaded rows costs a fraction of keeping it
    up to date row by row (decision 0042). Indexes that belong to a constraint (primary keys,
    unique constraints) stay. Call both inside one transaction: if the load fails, the
    rollback restores the indexes. Elsewhere it drops nothing and returns []."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = to_regnamespace(i.schemaname) "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) ORDER BY i.indexname",
            [tables])
        found: list[tuple[str, str]] = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return found


def _run_pending_checks(cursor: Any) -> None:
    """Run now the foreign keys' checks that wait for the commit, then let the next ones wait
    again: PostgreSQL builds no index on, and alters no, table with checks pending."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def create_indexes(indexes: Sequence[tuple[str, str]]) -> None:
    """Build again the indexes :func:`drop_secondary_indexes` dropped. The foreign keys'
    checks that wait for the commit run first (PostgreSQL builds no index on a table with
    checks pending), then wait for it again."""
    if not indexes:
        return
    with connection.cursor() as cursor:
        _run_pending_checks(cursor)
        for _name, definition in indexes:
            cursor.execute(definition)  # the catalogue's own CREATE INDEX text


def drop_foreign_keys(*models: type[Model]) -> list[tuple[str, str, str]]:
    """On PostgreSQL, drop the foreign keys of ``models``' tables before a large load and return
    them as (table, name, definition as the catalogue holds it) for :func:`add_foreign_keys`
    after the load. Kept during the load, each key queues a check for every row written, run
    one row at a time at the commit (a lookup and a row lock in the table referred to); added
    again afterwards, PostgreSQL checks the whole table in one join, as a restore of a dump
    does. Call both inside one transaction, as with the indexes. Elsewhere it drops nothing
    and returns []."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype = 'f' "
            "AND c.relnamespace = to_regnamespace(current_schema()) AND c.relname = ANY(%s) "
            "ORDER BY c.relname, k.conname", [tables])
        found: list[tuple[str, str, str]] = cursor.fetchall()
        quote = connection.ops.quote_name
        if found:
            _run_pending_checks(cursor)
        for table, name, _definition in found:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    return found


def add_foreign_keys(keys: Sequence[tuple[str, str, str]]) -> None:
    """Add again the foreign keys :func:`drop_foreign_keys` dropped, under their own names and
    definitions; each checks every row already there, and a row that refers to nothing fails
    the transaction. The checks other tables' rows have pending run first (PostgreSQL alters no
    table with checks pending), as in :func:`create_indexes`."""
    if not keys:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        _run_pending_checks(cursor)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


Converter = Callable[[Any], Any]
_AS_IS = (models.CharField, models.TextField, models.SlugField, models.BooleanField, models.IntegerField,
          models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
          models.PositiveSmallIntegerField, models.BigAutoField, models.AutoField)


def _converter(field: Any, db: BaseDatabaseWrapper) -> Converter:
    """How a value becomes a database value. Plain text, numbers and dates are converted the
    way their fields do it, without the generic path's per-value overhead; every other field
    (sealed text, JSON, foreign keys …) goes through its own ``get_db_prep_save``."""
    if type(field) in _AS_IS:
        return _identity
    if type(field) is models.DateField:
        return db.ops.adapt_datefield_value  # type: ignore[no-any-return]
    if type(field) is models.DateTimeField:
        return _same_as_last(db.ops.adapt_datetimefield_value)
    if isinstance(field, models.ForeignKey) and type(field.target_field) in _AS_IS:
        return _identity
    return lambda value: field.get_db_prep_save(value, db)


def _identity(value: Any) -> Any:
    return value


def _same_as_last(convert: Converter) -> Converter:
    """``convert``, remembering its last value: the rows inserted together share their time
    stamps (``auto_now``), converted once instead of once per row."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]
    return converted


def _rows(db: BaseDatabaseWrapper, objs: Sequence[Model], fields: Sequence[Any],
          extra_pk: bool = False) -> list[tuple[Any, ...]]:
    names = [f.attname for f in fields] + (["pk"] if extra_pk else [])
    # The attributes read in one call per object; only the values that need it converted.
    get = operator.attrgetter(*names)
    converting = _converting(db, fields)
    if len(names) == 1:
        return [(converting[0][1](get(obj)),) if converting else (get(obj),) for obj in objs]
    return _converted((get(obj) for obj in objs), converting)


def _converting(db: BaseDatabaseWrapper, fields: Sequence[Any]) -> list[tuple[int, Converter]]:
    """(position, converter) of the fields whose values need converting for ``db``."""
    return [(i, convert) for i, convert in enumerate(_converter(f, db) for f in fields) if convert is not _identity]


def _converted(rows: Iterable[tuple[Any, ...]], converting: list[tuple[int, Converter]],
               before: tuple[Any, ...] = (), after: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """``rows`` with the values at the ``converting`` positions converted, each between
    ``before`` and ``after``."""
    if not converting and not before and not after:
        return list(rows)
    out = []
    for row in rows:
        values = list(row)
        for i, convert in converting:
            values[i] = convert(values[i])
        out.append((*before, *values, *after))
    return out


_DEFAULTS: dict[type[Model], tuple[list[tuple[str, Any, bool]], frozenset[str]]] = {}


def new(model: type[Model], **values: Any) -> Any:
    """An unsaved ``model`` instance holding ``values`` (by attribute name: ``house_id``, not
    ``house``) and the defaults of the other fields, made without ``Model.__init__``, which
    walks every field and descriptor: for the hundreds of thousands of rows of a seed or a
    refresh, it cost more than drawing them. Related objects are not cached on it."""
    known = _DEFAULTS.get(model)
    if known is None:
        fields = model._meta.concrete_fields
        known = _DEFAULTS[model] = (
            [(f.attname, f.default if f.has_default() and callable(f.default) else f.get_default(),
              f.has_default() and callable(f.default)) for f in fields],
            frozenset(f.attname for f in fields))
    defaults, names = known
    if not values.keys() <= names:  # a field by its relation's name would be silently lost
        raise TypeError(f"{model.__name__} has no field attribute {sorted(values.keys() - names)}")
    obj = model.__new__(model)
    obj._state = ModelState()
    state = obj.__dict__
    for name, default, call in defaults:
        state[name] = default() if call else default
    state.update(values)
    return obj


def insert(model: type[Model], objs: Sequence[Model]) -> None:
    """INSERT every object (primary keys are assigned here, ``auto_now`` fields set)."""
    if not objs:
        return
    for obj, pk in zip(objs, reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
    write(model, objs)


def write(model: type[Model], objs: Sequence[Model], *, stamp: bool = True) -> None:
    """INSERT objects whose primary keys are already set, as a seed that numbers its own rows
    does (so children can point at parents before anything is saved); ``auto_now`` fields are
    set here, unless ``stamp`` is false (a history whose rows carry the times they were made).
    On PostgreSQL the rows go through ``COPY``; the caller moves the table's sequence past the
    highest key when it is done (``connection.ops.sequence_reset_sql``)."""
    if not objs:
        return
    db = connections[connection.alias]  # the wrapper itself: the proxy costs a lookup per access
    for start in range(0, len(objs), CHUNK):
        insert_rows(db, model, *prepared(model, objs[start : start + CHUNK], stamp=stamp))
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def prepared(model: type[Model], objs: Sequence[Model], *, stamp: bool = True) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The field names and database values :func:`write` inserts for ``objs`` (``auto_now``
    fields stamped unless ``stamp`` is false), for :func:`insert_rows`. It reads no row and runs
    no query, so a seed's helper process can prepare rows that its parent inserts."""
    now = timezone.now()
    fields: list[Any] = list(model._meta.concrete_fields)
    stamped = [f.attname for f in fields if stamp and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))]
    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
    db = connections[connection.alias]
    return [f.name for f in fields], _rows(db, objs, fields)


def insert_values(model: type[Model], names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """INSERT rows given as plain values of the fields ``names`` (foreign keys by id), without
    making a model object for each: a seed's hundreds of thousands of history rows spent more in
    ``Model.__init__`` than in drawing them. Primary keys are assigned here and returned in
    order, ``auto_now`` fields stamped, fields not named take their defaults, and every value is
    converted by its field as :func:`write` does (sealed fields are encrypted)."""
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(name) for name in names]
    stamped = [f for f in meta.concrete_fields if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
               and f not in given]
    named = {f.name for f in given} | {f.name for f in stamped} | {meta.pk.name}
    rest = [f for f in meta.concrete_fields if f.name not in named]
    db = connections[connection.alias]
    ids = reserve_ids(model, len(rows))
    now = db.ops.adapt_datetimefield_value(timezone.now())
    tail = (*[now for _ in stamped], *[f.get_db_prep_save(f.get_default(), db) for f in rest])
    converting = _converting(db, given)
    columns = [*(f.name for f in given), meta.pk.name, *(f.name for f in stamped), *(f.name for f in rest)]
    for start in range(0, len(rows), CHUNK):
        with_ids = ((*row, pk) for row, pk in zip(rows[start:start + CHUNK], ids[start:start + CHUNK], strict=True))
        insert_rows(db, model, columns, _converted(with_ids, converting, after=tail))
    return ids


# From this many rows on, PostgreSQL updates through a temporary table filled with COPY and one
# UPDATE … FROM: a statement per row, even pipelined, cost several times more.
UPDATE_THROUGH_COPY = 500


def update(model: type[Model], objs: Sequence[Model], names: Sequence[str]) -> None:
    """UPDATE the named fields of every object: one statement run with ``executemany``, or on
    PostgreSQL for many objects, ``COPY`` into a temporary table and one ``UPDATE … FROM``."""
    if not objs:
        return
    db = connections[connection.alias]
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    quote = db.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    columns = [quote(f.column) for f in fields]
    with db.cursor() as cursor:
        if db.vendor == "postgresql" and hasattr(cursor.cursor, "copy") and len(objs) >= UPDATE_THROUGH_COPY:
            with transaction.atomic(using=db.alias):
                _update_through_copy(cursor, objs, fields, db, table, pk, columns)
            return
        assignments = ", ".join(f"{column} = %s" for column in columns)
        sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
        for start in range(0, len(objs), CHUNK):
            cursor.executemany(sql, _rows(db, objs[start : start + CHUNK], fields, extra_pk=True))


def _update_through_copy(cursor: Any, objs: Sequence[Model], fields: list[Any], db: BaseDatabaseWrapper,
                         table: str, pk: str, columns: list[str]) -> None:
    # Only quoted identifiers from the model's metadata go into the text; values go through COPY.
    # The temporary table takes its columns' types from the table itself. It is dropped at the
    # end; the caller's savepoint takes it away with everything else if anything fails.
    staging = "pg_temp." + db.ops.quote_name("linli_bulk_update")  # never a table of the schema
    listed = ", ".join(columns)
    cursor.execute(f"CREATE TEMPORARY TABLE {staging} AS SELECT {listed}, {pk} FROM {table} WITH NO DATA")  # noqa: S608
    with cursor.cursor.copy(f"COPY {staging} ({listed}, {pk}) FROM STDIN") as copy:
        for start in range(0, len(objs), CHUNK):
            for row in _rows(db, objs[start : start + CHUNK], fields, extra_pk=True):
                copy.write_row(row)
    assignments = ", ".join(f"{column} = s.{column}" for column in columns)
    cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {staging} AS s WHERE t.{pk} = s.{pk}")  # noqa: S608
    cursor.execute(f"DROP TABLE {staging}")
