from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.access import may, route
from linli.core.pagination import Pager
from linli.core.text import clean_query_text
from linli.ledger.log import inclusion_status, latest_checkpoint
from linli.ledger.models import Checkpoint, LedgerEntry, Witness
from linli.ledger.templatetags.linli_ledger import ENTRY_TYPES


def _visible(request: HttpRequest) -> QuerySet[LedgerEntry]:
    if not may(request.user, "ledger.view"):
        raise Http404
    return LedgerEntry.objects.restrict(request.user, "ledger.view").select_related("party")


@route("ledger.view")
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    entries = _visible(request).order_by("-index")
    entry_type = clean_query_text(request.GET.get("type", ""), 64)
    if entry_type:
        entries = entries.filter(entry_type=entry_type)
    page = Pager(entries, 30).get_page(request.GET.get("page"))
    latest = latest_checkpoint()
    return render(request, "ledger/overview.html", {
        "page": page, "latest": latest, "entry_type": entry_type,
        "entry_types": sorted(((code, str(words)) for code, words in ENTRY_TYPES.items()), key=lambda c: c[1]),
        "cosignatures": latest.cosignatures.order_by("witness") if latest else [],
        "checkpoints": Checkpoint.objects.order_by("-size").prefetch_related("cosignatures")[:15],
        "witnesses": Witness.objects.order_by("name"),
    })


@route("ledger.view", model=LedgerEntry, kwarg="ref", field="subject_ref")
@login_required
def subject(request: HttpRequest, ref: str) -> HttpResponse:
    """The history of one subject (a quarantine order, a supplier …) with proof status:
    each entry's inclusion in the latest checkpoint is verified as the page is drawn."""
    entries = list(_visible(request).filter(subject_ref=clean_query_text(ref, 128)).order_by("index"))
    if not entries:
        raise Http404
    rows = list(zip(entries, inclusion_status(entries), strict=True))
    return render(request, "ledger/subject.html", {"ref": ref, "rows": rows, "latest": latest_checkpoint()})
