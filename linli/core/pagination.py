"""Pagination for lists, and for search results that can match tens of thousands of rows."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator


class Pager(Paginator):
    """A paginator whose ``get_page`` clamps whatever the page number says (typed into the
    pager's "go to page" box or into the address): below 1 or not a number is the first page,
    beyond the last is the last. Django's own sends 0 and negative numbers to the last page."""

    def get_page(self, number: Any) -> Page:
        try:
            wanted = int(str(number).strip()[:12])
        except (TypeError, ValueError):
            wanted = 1
        return self.page(min(max(wanted, 1), self.num_pages))


class CappedPaginator(Pager):
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
