"""A file being made: its progress (polled by the page every second), then the file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.http import require_safe

from linli.core import leases
from linli.core.access import route
from linli.core.errors import in_language
from linli.core.http import attachment
from linli.downloads import actions
from linli.downloads.access import ACTIONS
from linli.downloads.models import Download

# What a maker says it is doing (other stages are a report's title, shown as it is).
STAGES = {"reading": gettext_lazy("Reading the registry"), "writing": gettext_lazy("Writing the spreadsheet"),
          "saving": gettext_lazy("Saving the file")}
# Where the user asked for each kind of file (to ask again).
ASKED_AT = {"people_list": "people:export", "report": "reports:index", "all_reports": "reports:index"}


def _download(request: HttpRequest, pk: int) -> Download:
    try:
        download = actions.visible(request.user).select_related("scope").get(pk=pk)
    except (Download.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404 from exc
    actions.fail_if_abandoned(download)
    return download


def _context(download: Download) -> dict[str, object]:
    done, total = download.progress_done, download.progress_total
    percent = min(100, int(100 * done / total)) if total > 0 else 0
    return {
        "download": download, "asked_at": ASKED_AT.get(download.kind, "home"),
        # no count for this stage (a query, saving): the bar runs full width, striped, without a figure
        "live": {"done": done, "total": total, "stage": STAGES.get(download.stage, download.stage),
                 "percent": percent, "width": 5 * round(percent / 5) if total else 100, "counted": total > 0},
        "worker": leases.worker_status() if download.is_queued else {"silent": False},
        "error": in_language(download.error, get_language() or "zh-hans") if download.error else "",
        "keep_minutes": actions.keep_minutes(),
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


@route(*ACTIONS, model=Download)
@login_required
@require_safe
def file(request: HttpRequest, pk: int) -> HttpResponse:
    download = _download(request, pk)
    try:
        content = actions.content_of(download, acting_user=request.user)
    except ValidationError:
        return redirect("downloads:detail", pk=download.pk)
    return attachment(content, download.file_name, download.content_type)
