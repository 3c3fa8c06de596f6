"""Upload → confirm the columns → dry-run report → merge, skip or stop. Views stay thin:
the steps are in ``linli.imports.actions``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from linli.core import audit, leases
from linli.core.access import PermissionDenied, may, route
from linli.core.errors import bilingual, in_language
from linli.core.http import attachment
from linli.imports import actions, report, template
from linli.imports.forms import DecisionForm, MappingForm, UploadForm
from linli.imports.models import BatchStatus, ImportBatch, RowStatus
from linli.imports.progress import read_live

REPORT_PAGE = 50


def _denied(request: HttpRequest) -> HttpResponse:
    return render(request, "core/denied.html", status=403)


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    try:
        batch = actions.batches_for(request.user).get(pk=pk)
    except ImportBatch.DoesNotExist as exc:
        raise Http404 from exc
    actions.fail_if_abandoned(batch)  # a run whose worker died is failed, not "running" for ever
    return batch


def _language() -> str:
    return get_language() or "zh-hans"


def _error_text(exc: ValidationError) -> str:
    return in_language(bilingual(exc), _language())


@route("people.change")
@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not may(request.user, actions.ACTION):
        return _denied(request)
    form = UploadForm(request.POST or None, request.FILES or None, places=actions.importable_places(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = actions.do_upload(acting_user=request.user, area=form.cleaned_data["area"],
                                          file_name=form.cleaned_data["file"].name,
                                          data=form.cleaned_data["file"].read())
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                form.add_error("file", _error_text(exc))
            else:
                return redirect("imports:mapping", pk=batch.pk)
        status = 422
    batches = actions.batches_for(request.user)[:20]
    return render(request, "imports/index.html", {"form": form, "batches": batches, "columns": template.columns()},
                  status=status)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@route("people.change")
@login_required
@require_safe
def template_file(request: HttpRequest, fmt: str) -> HttpResponse:
    """The import template (.xlsx, or CSV in UTF-8 with a byte-order mark): the accepted
    headers and one example row."""
    if not may(request.user, actions.ACTION):
        return _denied(request)
    if fmt == "csv":
        return attachment(template.template_csv(), "居民导入模板.csv", "text/csv; charset=utf-8")
    return attachment(template.template_xlsx(), "居民导入模板.xlsx", XLSX)


@route("people.change", model=ImportBatch)
@login_required
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = MappingForm(request.POST or None, layouts=actions.layouts_of(batch))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_mapping(batch, form.mappings(), acting_user=request.user)
            actions.start_dry_run(batch, acting_user=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            return redirect("imports:detail", pk=batch.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "imports/mapping.html", {"batch": batch, "form": form}, status=status)


def _report_context(request: HttpRequest, batch: ImportBatch) -> dict[str, object]:
    language = _language()
    rejected = Paginator(batch.rows.filter(status=RowStatus.REJECTED).order_by("pk"), REPORT_PAGE).get_page(
        request.GET.get("rejected"))
    matched = Paginator(batch.rows.filter(status=RowStatus.MATCHED).order_by("pk"), REPORT_PAGE).get_page(
        request.GET.get("matched"))
    problems, matches = report.problem_lines(list(rejected), language), report.match_lines(list(matched))
    report.link_people([*problems, *matches], request.user)
    return {
        "rejected_page": rejected, "problems": problems,
        "matched_page": matched, "matches": matches,
        "decision": DecisionForm(initial={"on_match": batch.on_match or ""}),
        "error": in_language(batch.error, language) if batch.error else "",
    }


@route("people.change", model=ImportBatch)
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    context: dict[str, object] = {"batch": batch, "live": _live(batch), "worker": _worker(batch)}
    if batch.fingerprint and not batch.is_running and batch.status != BatchStatus.MAPPING:
        context.update(_report_context(request, batch))
        audit.record("import.report_view", actor=request.user, obj=batch)
    elif batch.error:
        context["error"] = in_language(batch.error, _language())
    return render(request, "imports/detail.html", context)


def _worker(batch: ImportBatch) -> dict[str, object]:
    """Whether the run waits for a task worker that has not reported in lately."""
    return leases.worker_status() if batch.is_queued else {"silent": False}


def _live(batch: ImportBatch) -> dict[str, object]:
    live = read_live(batch.pk) if batch.is_running else None
    done = int((live or {}).get("done", batch.progress_done))
    total = int((live or {}).get("total", batch.progress_total))
    stage = str((live or {}).get("stage", batch.stage))
    percent = min(100, int(100 * done / total)) if total > 0 else 0
    # the bar's width as a class in steps of 5 (no inline style: decision 0014)
    return {"done": done, "total": total, "stage": stage, "percent": percent, "width": 5 * round(percent / 5)}


@route("people.change", model=ImportBatch)
@login_required
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every second by the page while a run is going; reloads the page when it ends."""
    batch = _batch(request, pk)
    response = render(request, "imports/_progress.html",
                      {"batch": batch, "live": _live(batch), "worker": _worker(batch)})
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@route("people.change", model=ImportBatch)
@login_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        actions.start_commit(batch, acting_user=request.user, on_match=form.cleaned_data.get("on_match") or "",
                             allow_rejected=bool(form.cleaned_data.get("allow_rejected")))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("imports:detail", pk=batch.pk)


@route("people.change", model=ImportBatch)
@login_required
@require_POST
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        actions.do_stop(batch, acting_user=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The import was stopped; nothing was written and the file was deleted."))
    return redirect("imports:detail", pk=batch.pk)


@route("people.change", model=ImportBatch)
@login_required
@require_POST
def rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the dry run again (after the registry changed, or after a failure)."""
    batch = _batch(request, pk)
    try:
        actions.start_dry_run(batch, acting_user=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("imports:detail", pk=batch.pk)
