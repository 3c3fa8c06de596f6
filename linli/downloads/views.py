"""A file being made: its progress (polled by the page every second), then the file; and the
requests for long lists with full values that wait for a second person's approval (0023)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from linli.core import leases
from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.errors import in_language
from linli.core.http import attachment
from linli.downloads import actions
from linli.downloads.access import ACTIONS, APPROVABLE, APPROVE
from linli.downloads.models import Download, DownloadStatus

# What a maker says it is doing (other stages are a report's title, shown as it is).
STAGES = {"reading": gettext_lazy("Reading the registry"), "writing": gettext_lazy("Writing the spreadsheet"),
          "saving": gettext_lazy("Saving the file")}
# Where the user asked for each kind of file (to ask again), and what that page is called.
ASKED_AT = {"people_list": ("people:export", gettext_lazy("Export a list")),
            "report": ("reports:index", gettext_lazy("Department reports")),
            "all_reports": ("reports:index", gettext_lazy("Department reports")),
            "handout_list": ("handout:round", gettext_lazy("The reservation round")),
            "stock": ("supplies:index", gettext_lazy("Emergency materials"))}


def _asked_at(download: Download) -> tuple[str, str, str]:
    """(the page to ask again, the same with the area chosen, its name)."""
    name, label = ASKED_AT.get(download.kind, ("home", gettext_lazy("Home")))
    if download.kind == "handout_list":  # back to the round the list is of
        round_id = download.params.get("round")
        url = reverse(name, args=[round_id]) if isinstance(round_id, int) else reverse("home")
    else:
        url = reverse(name)
    back = f"{url}?scope={download.scope.code}" if download.kind in ("report", "all_reports") else url
    return url, back, str(label)


def _download(request: HttpRequest, pk: int) -> Download:
    try:
        download = actions.visible(request.user).select_related("scope").get(pk=pk)
    except (Download.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    actions.fail_if_abandoned(download)
    actions.expire_if_due(download)
    return download


def _context(download: Download) -> dict[str, object]:
    done, total = download.progress_done, download.progress_total
    percent = min(100, int(100 * done / total)) if total > 0 else 0
    asked_url, back_url, asked_label = _asked_at(download)
    return {
        "download": download, "asked_url": asked_url, "back_url": back_url, "asked_label": asked_label,
        # no count for this stage (a query, saving): the bar runs full width, striped, without a figure
        "live": {"done": done, "total": total, "stage": STAGES.get(download.stage, download.stage),
                 "percent": percent, "width": 5 * round(percent / 5) if total else 100, "counted": total > 0},
        "worker": leases.worker_status() if download.is_queued else {"silent": False},
        "error": in_language(download.error, get_language() or "zh-hans") if download.error else "",
        "keep_minutes": actions.keep_minutes(),
        "threshold": actions.approval_threshold(),
    }


@route(*ACTIONS, model=Download)
@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "downloads/detail.html", _context(_download(request, pk)))


@route(*ACTIONS, model=Download)
@login_required
@require_safe
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every second while the file is being made; reloads the page when it is done."""
    download = _download(request, pk)
    response = render(request, "downloads/_progress.html", _context(download))
    if not download.is_running:
        response["HX-Refresh"] = "true"
    return response


@route(*ACTIONS, model=Download, where=Q(status=DownloadStatus.READY))  # others: back to the page
@login_required
@require_safe
def file(request: HttpRequest, pk: int) -> HttpResponse:
    download = _download(request, pk)
    try:
        content = actions.content_of(download, acting_user=request.user)
    except ValidationError:
        return redirect("downloads:detail", pk=download.pk)
    return attachment(content, download.file_name, download.content_type)


# --- four eyes (decision 0023) ----------------------------------------------------------------------

@route(APPROVE)
@login_required
@require_safe
def approvals(request: HttpRequest) -> HttpResponse:
    """The requests waiting for her decision, and the last ones she decided."""
    if not may(request.user, APPROVE):
        raise Http404
    waiting = list(actions.waiting_for(request.user).select_related("scope", "created_by").order_by("approve_by"))
    decided = list(Download.objects.restrict(request.user, APPROVE).filter(decided_by=request.user)
                   .select_related("scope", "created_by").defer("content").order_by("-decided_at")[:10])
    return render(request, "downloads/approvals.html", {
        "waiting": [(d, _purpose_words(d)) for d in waiting], "decided": decided,
        "threshold": actions.approval_threshold(), "min_reason": actions.REASON_MIN_LENGTH})


def _purpose_words(download: Download) -> str:
    from linli.core import purposes

    stated = purposes.state_if_any(download.params.get("purpose_code"), download.params.get("purpose"))
    return purposes.words(stated.recorded, stated.code) if stated else ""


def _decide(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    download = get_or_404(Download.objects.select_related("created_by"), request.user, APPROVE, pk=pk)
    try:
        if approve:
            actions.do_approve_download(download, acting_user=request.user)
            messages.success(request, gettext("Approved: the list is being made for %(name)s.")
                             % {"name": download.created_by})
        else:
            actions.do_refuse_download(download, acting_user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, gettext("Refused: %(name)s reads your reason.") % {"name": download.created_by})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect("downloads:approvals")


@route(APPROVE, model=Download, where=APPROVABLE)
@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@route(APPROVE, model=Download, where=APPROVABLE)
@login_required
@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)
