"""``path__under``: the prefix filter behind every scope, written so both databases use an index.

Paths are digit segments ending in "/" (``31/01/15/``). On SQLite, ``LIKE 'x%'`` only uses an
index declared NOCASE, so the prefix becomes a range: every path under ``31/01/`` sorts between
``31/01/`` and ``31/010`` because "/" is the character just before "0". PostgreSQL keeps
``LIKE 'x%'``, served by the ``varchar_pattern_ops`` index whatever the database collation
(a range would be wrong under a linguistic collation that ignores "/").
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Lookup

# Paths with at most this many segments (province, city, district, street) are broad.
BROAD_DEPTH = 4


def _upper_bound(prefix: str) -> str:
    if not prefix.endswith("/"):
        raise ValueError(f"a place path ends with '/': {prefix!r}")
    return prefix[:-1] + "0"


class Under(Lookup):
    lookup_name = "under"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        escaped = connection.ops.prep_for_like_query(prefix)
        return f"{lhs} LIKE %s ESCAPE '\\'", [*lhs_params, escaped + "%"]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        if prefix.count("/") <= BROAD_DEPTH:
            # A street or anything above holds (nearly) every row: the index on path would
            # only slow the query down, yet SQLite's planner (no histograms) may prefer it to
            # a selective index on name or phone. Unary + keeps the term out of index choice.
            lhs = f"+{lhs}"
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, _upper_bound(prefix)]


CharField.register_lookup(Under)


class Begins(Lookup):
    """``name__begins='王'``: a prefix match that uses the column's index on both databases
    (a range on SQLite, ``LIKE 'x%'`` with the pattern opclass index on PostgreSQL)."""

    lookup_name = "begins"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        escaped = connection.ops.prep_for_like_query(str(self.rhs))
        return f"{lhs} LIKE %s ESCAPE '\\'", [*lhs_params, escaped + "%"]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        # SQLite compares text byte-wise (BINARY): everything starting with the prefix sorts
        # below the prefix followed by the highest code point.
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, *lhs_params, prefix + "\U0010ffff"]


CharField.register_lookup(Begins)
