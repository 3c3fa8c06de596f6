"""Pages of the opinion analysis (/opinion/): upload exports, read the month's analysis, file
demands as requests, generate, read and send the monthly report."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, get_or_404, may
from linli.core.access import route as access_route
from linli.core.errors import Bilingual
from linli.core.http import denied
from linli.opinion import actions, queries, reporting
from linli.opinion.access import DEMAND, IMPORT, REPORT, VIEW
from linli.opinion.forms import ReportForm, UploadForm, parse_month
from linli.opinion.models import ChatGroup, ChatImport, Demand, OpinionReport
from linli.places.models import Level, Place


def _message(error: ValidationError) -> str:
    return str(Bilingual.of_error(error))


def _latest_month(place: Place) -> datetime.date:
    months = queries.months(place)
    return months[0] if months else timezone.localdate().replace(day=1)


@access_route(VIEW, IMPORT)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (may(user, VIEW) or may(user, IMPORT)):
        return denied(request)
    form = UploadForm(communities=queries.upload_places(user))
    return render(request, "opinion/index.html", {
        "form": form, "can_upload": may(user, IMPORT),
        "uploads": ChatImport.objects.restrict(user, VIEW).select_related("community", "created_by")[:20],
        "places": queries.places_for(user, VIEW, (Level.STREET, Level.COMMUNITY)),
        "reports": OpinionReport.objects.restrict(user, VIEW).select_related("place")[:12]})


@access_route(IMPORT)
@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, IMPORT):
        return denied(request)
    form = UploadForm(request.POST, request.FILES, communities=queries.upload_places(user))
    if form.is_valid():
        files = [(f.name, f.read()) for f in form.cleaned_data["exports"]]
        try:
            made = actions.do_upload(form.cleaned_data["community"], files, acting_user=user)
        except PermissionDenied:
            return denied(request)
        except ValidationError as exc:
            form.add_error(None, _message(exc))
        else:
            return redirect("opinion:upload_detail", pk=made.pk)
    return render(request, "opinion/index.html", {
        "form": form, "can_upload": True, "status": 400,
        "uploads": ChatImport.objects.restrict(user, VIEW).select_related("community", "created_by")[:20],
        "places": queries.places_for(user, VIEW, (Level.STREET, Level.COMMUNITY)),
        "reports": OpinionReport.objects.restrict(user, VIEW).select_related("place")[:12]}, status=400)


@access_route(VIEW, model=ChatImport)
@login_required
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_or_404(ChatImport.objects.select_related("community", "created_by"), request.user, VIEW, pk=pk)
    template = "opinion/_progress.html" if request.headers.get("HX-Request") else "opinion/upload.html"
    return render(request, template, {"upload": item})


@access_route(VIEW, model=Place, kwarg="place_id", where=Q(level__in=(Level.COMMUNITY, Level.STREET)))
@login_required
def analysis(request: HttpRequest, place_id: int) -> HttpResponse:
    user = request.user
    place = get_or_404(Place.objects.all(), user, VIEW, pk=place_id)
    if place.level not in (Level.COMMUNITY, Level.STREET):
        raise Http404
    month = parse_month(request.GET.get("month")) or _latest_month(place)
    group = None
    if request.GET.get("group", "").isdigit():
        group = ChatGroup.objects.restrict(user, VIEW).filter(path__startswith=place.path,
                                                              pk=int(request.GET["group"])).first()
    data = queries.dashboard(user, place, month, group)
    return render(request, "opinion/analysis.html", {
        **data, "place": place, "month": month, "group": group, "months": queries.months(place),
        "can_demand": allows(user, DEMAND, place) and may(user, "tickets.submit")})


@access_route(DEMAND, model=Demand)
@login_required
@require_POST
def demand_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """File the demand as a request (``do=file``) or dismiss it (``do=dismiss``)."""
    user = request.user
    demand = get_or_404(Demand.objects.select_related("compound"), user, DEMAND, pk=pk)
    compound = None
    if request.POST.get("compound", "").isdigit():
        compound = Place.objects.filter(pk=int(request.POST["compound"]), level=Level.COMPOUND,
                                        path__startswith=demand.path).first()
    try:
        if request.POST.get("do") == "dismiss":
            actions.do_dismiss_demand(demand, acting_user=user)
            messages.success(request, _("The demand was dismissed."))
        else:
            demand = actions.do_file_demand(demand, acting_user=user, compound=compound)
            messages.success(request, _("Filed as request %(number)s.") % {"number": demand.ticket.number if demand.ticket else ""})
    except PermissionDenied:
        return denied(request)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    return redirect(f"{_analysis_url(demand.community_id)}?month={demand.day:%Y-%m}#demands")


def _analysis_url(place_id: int) -> str:
    from django.urls import reverse

    return reverse("opinion:analysis", args=[place_id])


@access_route(VIEW, REPORT)
@login_required
def reports(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (may(user, VIEW) or may(user, REPORT)):
        return denied(request)
    form = ReportForm(request.POST or None, places=queries.report_places(user),
                      initial={"month": (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")})
    status = 200
    if request.method == "POST":
        if not may(user, REPORT):
            return denied(request)
        if form.is_valid():
            try:
                report = actions.do_generate_report(form.cleaned_data["place"], form.cleaned_data["month"],
                                                    acting_user=user)
            except PermissionDenied:
                return denied(request)
            except ValidationError as exc:
                form.add_error(None, _message(exc))
            else:
                return redirect("opinion:report", pk=report.pk)
        status = 400
    visible = OpinionReport.objects.restrict(user, VIEW).select_related("place", "generated_by", "sent_by")
    return render(request, "opinion/reports.html", {
        "form": form, "can_report": may(user, REPORT), "reports": visible[:100]}, status=status)


@access_route(VIEW, model=OpinionReport)
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_or_404(OpinionReport.objects.select_related("place__parent", "generated_by", "sent_by"), request.user, VIEW,
                        pk=pk)
    content = report.content
    chart = {"days": [d[0] for d in content.get("daily", [])], "messages": [d[1] for d in content.get("daily", [])],
             "positive": [d[2] for d in content.get("daily", [])], "negative": [d[3] for d in content.get("daily", [])],
             "topics": [{"name": t["label"], "value": t["size"]} for t in content.get("topics", [])]}
    return render(request, "opinion/report.html", {
        "report": report, "c": content, "chart": chart,
        "can_send": actions.may_send(request.user, report)})


@access_route(VIEW, model=OpinionReport)
@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from linli.core import audit

    report = get_or_404(OpinionReport.objects.select_related("place"), request.user, VIEW, pk=pk)
    data = reporting.workbook(report)
    audit.record("opinion.report.download", actor=request.user, obj=report)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="opinion-{report.place.code}-{report.month:%Y-%m}.xlsx"'
    return response


@access_route(REPORT, model=OpinionReport)
@login_required
@require_POST
def report_send(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_or_404(OpinionReport.objects.select_related("place"), request.user, REPORT, pk=pk)
    try:
        actions.do_send_report(report, acting_user=request.user)
        messages.success(request, _("The report was sent to the street."))
    except PermissionDenied:
        return denied(request)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    return redirect("opinion:report", pk=report.pk)


