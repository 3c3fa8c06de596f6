"""The hotline import's pages: upload the 12345 export, confirm its columns, look at the preview
(choose places, skip rows), import. Thin: the steps are ``hotline_actions``'."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import PermissionDenied, may, route
from linli.core.errors import bilingual, in_language
from linli.core.http import denied
from linli.imports.cells import is_blank_row
from linli.tickets import hotline_actions as steps
from linli.tickets import routing
from linli.tickets.access import HOTLINE
from linli.tickets.forms import HotlineColumnsForm, HotlinePlacesForm, HotlineUploadForm
from linli.tickets.models import Category, HotlineBatch, HotlineStatus, Level

PER_PAGE = 50
SHOW = {
    steps.ATTENTION: gettext_lazy("Needs attention"), steps.READY: gettext_lazy("Ready"),
    steps.IMPORTED: gettext_lazy("Already imported"), steps.SKIPPED: gettext_lazy("Skipped"),
    "all": gettext_lazy("All rows"),
}


def _batch(request: HttpRequest, pk: int) -> HotlineBatch:
    batch = steps.batches_for(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def _text(exc: ValidationError) -> str:
    return in_language(bilingual(exc), get_language())


@route(HOTLINE)
@login_required
def hotline_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, HOTLINE):
        return denied(request)
    streets = steps.streets_for(user)
    form = HotlineUploadForm(request.POST or None, request.FILES or None, streets=streets)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = steps.do_hotline_upload(acting_user=user, street=form.cleaned_data["street"],
                                                file_name=upload.name, data=upload.read())
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                form.add_error("file", _text(exc))
            else:
                return redirect("tickets:hotline_detail", pk=batch.pk)
        status = 422
    return render(request, "tickets/hotline/index.html", {
        "form": form, "batches": steps.batches_for(user)[:20], "streets": list(streets[:2])}, status=status)


@route(HOTLINE, model=HotlineBatch)
@login_required
def hotline_columns(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    context: dict[str, Any] = {"batch": batch, "open": batch.status in steps.OPEN}
    if not context["open"]:
        return render(request, "tickets/hotline/columns.html", context)
    try:
        table = steps.table_of(batch)
    except ValidationError as exc:
        messages.error(request, _text(exc))
        return redirect("tickets:hotline_detail", pk=batch.pk)
    first = next((row for row in table.rows if not is_blank_row(row)), [])
    samples = [_sample(value) for value in first]
    form = HotlineColumnsForm(request.POST or None, headers=batch.headers, columns=steps.columns_of(batch),
                              samples=samples, texts=steps.category_texts(batch, table))
    if request.method == "POST" and form.is_valid():
        try:
            batch = steps.do_hotline_set_mapping(batch, acting_user=request.user, columns=form.columns(),
                                                 categories=form.categories())
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, _text(exc))
        else:
            if batch.status == HotlineStatus.MAPPING:
                messages.info(request, _("Now say what the category texts of the column you chose mean."))
                return redirect("tickets:hotline_columns", pk=batch.pk)
            return redirect("tickets:hotline_detail", pk=batch.pk)
    context["form"] = form
    return render(request, "tickets/hotline/columns.html", context, status=422 if request.method == "POST" else 200)


def _sample(value: Any) -> str:
    """A cell of the first row as the user wrote it, to recognise the column by."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return steps.words(value)[:30]


@route(HOTLINE, model=HotlineBatch)
@login_required
def hotline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    context: dict[str, Any] = {"batch": batch, "open": batch.status in steps.OPEN}
    if batch.status == HotlineStatus.MAPPING:
        return render(request, "tickets/hotline/detail.html", context)
    rows = steps.preview_rows(batch)
    show = request.GET.get("show", "")
    if show not in SHOW:
        show = steps.ATTENTION if batch.count(steps.ATTENTION) else steps.READY if batch.count(steps.READY) else "all"
    chosen = [r for r in rows if show == "all" or r["status"] == show]
    page = Paginator(chosen, PER_PAGE).get_page(request.GET.get("page"))
    shown = _display(list(page))
    fixable = [r["row"] for r in shown if _editable(r) and batch.status == HotlineStatus.PREVIEW]
    context.update({
        "page": page, "rows": shown, "show": show, "query": f"show={show}",
        "tabs": [{"key": k, "label": _("Filed orders") if k == steps.READY and batch.status == HotlineStatus.COMMITTED else v,
                  "count": len(rows) if k == "all" else batch.count(k)} for k, v in SHOW.items()],
        "places": HotlinePlacesForm(rows=fixable), "fixable": ",".join(map(str, fixable)),
        "compounds": _compound_names(batch, request.user) if fixable else [],
    })
    if batch.status == HotlineStatus.PREVIEW:
        audit.record("tickets.hotline_view", actor=request.user, obj=batch, detail={"show": show})
    return render(request, "tickets/hotline/detail.html", context)


def _editable(row: dict[str, Any]) -> bool:
    """A row whose place can be chosen (its address matched no house), or that can be skipped."""
    return bool(row.get("fix")) or row["status"] in (steps.ATTENTION, steps.SKIPPED)


def _compound_names(batch: HotlineBatch, user: Any) -> list[str]:
    """The compounds of the street in the user's area, offered as she types a place."""
    from linli.places.models import Level as PlaceLevel
    from linli.places.models import Place

    return list(Place.objects.restrict(user, HOTLINE).filter(path__startswith=batch.path, level=PlaceLevel.COMPOUND)
                .order_by("path").values_list("name", flat=True)[:500])


def _display(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of one page with what the reader reads: times in the office's zone, messages
    in her language, the category's label and where the request goes."""
    language = get_language()
    categories = Category.objects.in_bulk({r["category"] for r in rows if r.get("category")})
    for row in rows:
        row["when"] = timezone.localtime(datetime.datetime.fromisoformat(row["at"])) if row.get("at") else None
        row["due_when"] = timezone.localtime(datetime.datetime.fromisoformat(row["due"])) if row.get("due") else None
        row["problem_texts"] = [in_language(p, language) for p in row.get("problems", [])]
        row["note_texts"] = [in_language(n, language) for n in row.get("notes", [])]
        if row.get("office_why"):
            row["note_texts"].insert(0, in_language(row["office_why"], language))
        category = categories.get(row.get("category") or 0)
        row["category_label"] = category.label if category else ""
        row["route_text"] = routing.reason_text(row["route"]) if row.get("route") else ""
        row["to_label"] = Level(row["to"]).label if row.get("to") in Level.values else ""
        row["editable"] = _editable(row)
        row["meta"] = " · ".join(part for part in _meta(row) if part)
    return rows


def _meta(row: dict[str, Any]) -> list[str]:
    when, due = row["when"], row["due_when"]
    category = row.get("category_text", "")
    if category and row["category_label"]:
        category = f"{category} → {row['category_label']}"
    return [f"{when:%Y-%m-%d %H:%M}" if when else "",
            _("hotline deadline %(due)s") % {"due": f"{due:%Y-%m-%d %H:%M}"} if due else "", category]


def _back(batch: HotlineBatch, request: HttpRequest) -> HttpResponse:
    url = reverse("tickets:hotline_detail", args=[batch.pk])
    show = request.POST.get("show", "")
    return redirect(f"{url}?show={show}" if show in SHOW else url)


@route(HOTLINE, model=HotlineBatch)
@require_POST
@login_required
def hotline_places(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    fixable = {r["row"] for r in steps.preview_rows(batch) if _editable(r)}
    posted = [int(n) for n in request.POST.get("rows", "").split(",") if n.strip().isdigit()]
    form = HotlinePlacesForm(request.POST, rows=[n for n in posted if n in fixable])
    if not form.is_valid():
        messages.error(request, _("Check the places you typed."))
        return _back(batch, request)
    skipped = set(form.skipped())
    typed = {n: text for n, text in form.addresses().items() if n not in skipped}
    found = steps.places_for_addresses(batch, typed)
    missing = sorted(n for n, place in found.items() if place is None)
    choices = {n: steps.Choice() for n in form.rows}  # neither typed nor skipped: as the file says
    choices.update({n: steps.Choice(skip=True) for n in skipped})
    choices.update({n: steps.Choice(place=place) for n, place in found.items() if place is not None})
    for n in missing:
        choices.pop(n)  # what was chosen before stays
    try:
        if choices:
            steps.do_hotline_choose(batch, acting_user=request.user, choices=choices)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _text(exc))
    if missing:
        messages.warning(request, _("No place of the street matches what you typed for rows %(rows)s; write the "
                                    "compound, building, unit and room (玉兰苑 3号楼 1单元 502室).")
                         % {"rows": "、".join(map(str, missing))})
    elif form.rows:
        messages.success(request, _("Saved; the rows were checked again."))
    return _back(batch, request)


@route(HOTLINE, model=HotlineBatch)
@require_POST
@login_required
def hotline_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        outcome = steps.do_hotline_commit(batch, acting_user=request.user,
                                          fingerprint=request.POST.get("fingerprint", "")[:64])
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _text(exc))
        return _back(batch, request)
    if outcome.changed:
        messages.warning(request, _("The rows changed since you looked (the registry or another import changed "
                                    "them): nothing was imported. Check the preview again, then import."))
        return _back(batch, request)
    messages.success(request, _("%(n)d requests were filed from the hotline's orders.") % {"n": outcome.created})
    return redirect("tickets:hotline_detail", pk=batch.pk)


@route(HOTLINE, model=HotlineBatch)
@require_POST
@login_required
def hotline_stop(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        steps.do_hotline_stop(batch, acting_user=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(request, _("Stopped: nothing was imported and the file was deleted."))
    return redirect("tickets:hotline_detail", pk=batch.pk)
