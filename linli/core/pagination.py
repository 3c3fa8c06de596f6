"""Pagination for search results that can match tens of thousands of rows."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows: nobody pages through 20,000 residents, and counting
    them all costs more than finding the first page. ``capped`` tells the page to say
    "more than N, narrow your search"."""

    cap = 1000

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self.object_list[: self.cap + 1].count()  # type: ignore[index,union-attr,attr-defined]

    @property
    def capped(self) -> bool:
        return self.count > self.cap
