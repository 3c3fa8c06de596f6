"""The exchange page: a street office imports the signed files its communities send up,
reads the figures, and sends its own figures further up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import PermissionDenied, area_of, get_or_404, may, route
from linli.core.forms import CleanTextMixin, FilePickerInput
from linli.core.http import attachment
from linli.exchange import actions
from linli.exchange.errors import ExchangeError
from linli.exchange.keys import office_signer
from linli.exchange.labels import breakdown_label
from linli.exchange.models import ExchangeSnapshot, TrustedOffice
from linli.exchange.places import is_within, path_of_code
from linli.people.exports import export_places
from linli.places.models import Place

MAX_FILE = 50 * 1024 * 1024
IMPORT = "exchange.import"


class ImportForm(CleanTextMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Exchange file (.jsonl)"),
                           widget=FilePickerInput(attrs={"accept": ".jsonl,.json,.txt",
                                                                  "class": "form-control"}))


def _refusal(exc: ExchangeError) -> str:
    return str(exc.message)  # in the reader's language


def _office() -> tuple[str, str] | None:
    """This office's place code and name, or None before `linli exchange keys init`."""
    try:
        code = office_signer().name
    except ExchangeError:
        return None
    place = Place.objects.filter(code=code).first()
    return code, place.name if place else code


def _may_send(user: Any, office: tuple[str, str] | None) -> list[Place]:
    if office is None:
        return []
    own = path_of_code(office[0])
    return [p for p in export_places(user) if is_within(p.path, own)]


@route(IMPORT, "people.export")
@login_required
def index(request: HttpRequest) -> HttpResponse:
    may_import = may(request.user, IMPORT)
    office = _office()
    sendable = _may_send(request.user, office)
    if not may_import and not sendable:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and may_import and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_FILE:
            form.add_error("file", _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE // (1024 * 1024)})
        else:
            try:
                imported = actions.do_import(upload.read(), acting_user=request.user, filename=upload.name)
            except ExchangeError as exc:
                form.add_error("file", _refusal(exc))
            except PermissionDenied:
                form.add_error("file", _("This file comes from outside your area; it cannot be imported here."))
            else:
                if imported.created:
                    messages.success(request, _("Imported %(n)d figures for %(scope)s.") % {
                        "n": imported.figures, "scope": imported.snapshot.scope_code})
                else:
                    messages.info(request, _("This file had already been imported; nothing changed."))
                return redirect("exchange:snapshot", pk=imported.snapshot.pk)
    snapshots = list(ExchangeSnapshot.objects.restrict(request.user, IMPORT).order_by("-imported_at")[:50])
    names = dict(Place.objects.filter(code__in={s.scope_code for s in snapshots}).values_list("code", "name"))
    context = {
        "form": form, "may_import": may_import, "office": office, "sendable": sendable,
        "snapshots": [(s, names.get(s.scope_code, s.scope_code)) for s in snapshots],
        "offices": TrustedOffice.objects.restrict(request.user, IMPORT), "k": actions.default_k(),
    }
    return render(request, "exchange/index.html", context, status=422 if form.errors else 200)


@route(IMPORT, model=ExchangeSnapshot)
@login_required
def snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    shot = get_or_404(ExchangeSnapshot.objects.all(), request.user, IMPORT, pk=pk)
    dictionary = shot.payload.get("header", {}).get("dictionary", {})
    zh = not (get_language() or "").startswith("en")
    names = dict(Place.objects.filter(code__in=set(shot.figures.values_list("place_code", flat=True)))
                 .values_list("code", "name"))
    rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    withheld: set[str] = set()
    for figure in shot.figures.order_by("place_code", "pk"):
        rows.setdefault((figure.place_code, figure.measure), []).append({
            "label": breakdown_label(figure.measure, figure.breakdown), "value": figure.value,
            "withheld": figure.withheld if figure.value is None else ""})
        if figure.value is None:
            withheld.add(figure.withheld or "unknown")
    table = [{"place": names.get(place, place), "code": place,
              "measure": (dictionary.get(measure, {}).get("zh" if zh else "en") or measure),
              "cells": cells} for (place, measure), cells in rows.items()]
    audit.record("exchange.view", actor=request.user, obj=shot, detail={"scope": shot.scope_code},
                 path=area_of(request.user, "exchange.import"))
    return render(request, "exchange/snapshot.html", {"shot": shot, "table": table, "withheld": withheld,
                                                      "k": shot.payload.get("header", {}).get("k")})


@route("people.export")
@login_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    """Download this office's signed figures for one of its areas, to send to the next level."""
    sendable = {p.code: p for p in _may_send(request.user, _office())}
    if not sendable:
        raise Http404
    if not request.POST.get("scope"):
        messages.error(request, _("Choose one of your areas."))
        return redirect("exchange:index")
    place = sendable.get(str(request.POST.get("scope", ""))[:32])
    if place is None:
        raise Http404
    try:
        export = actions.do_export(place, acting_user=request.user)
    except ExchangeError as exc:
        messages.error(request, _refusal(exc))
        return redirect("exchange:index")
    return attachment(export.content, f"{place.code}_上报_{timezone.localdate():%Y%m%d}.jsonl",
                      "application/jsonl; charset=utf-8")
