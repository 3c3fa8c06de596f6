"""Department reports over the API: the templates, and a generation that returns the file, or,
for a report naming more people with full values than ``LINLI_EXPORT_APPROVAL_THRESHOLD``, a
request that waits for a second person's approval (202, decision 0023)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from linli.core.access import PermissionDenied, route
from linli.core.api_auth import ERRORS, PurposeCode, PurposeText, api_user
from linli.core.http import attachment
from linli.downloads.actions import check_download, do_request_download, held
from linli.downloads.api import DownloadOut, download_out
from linli.places.models import Place
from linli.reports.actions import (
    REPORT_ACTIONS,
    do_generate_all_reports,
    do_generate_report,
    may_report,
    report_place,
)
from linli.reports.engine import parse_spec, zip_reports
from linli.reports.models import ReportTemplate

router = Router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TemplateOut(Schema):
    code: str
    department: str
    title: str
    version: int
    headers: list[str]


class GenerateIn(Schema):
    template: str = Field(max_length=64, description='a template code, or "__all__" for a zip of every report')
    scope: str = Field(max_length=32, description="code of the street, community or compound")
    # A health report names people only for health roles stating a lawful purpose; without one it
    # counts them per compound.
    purpose_code: PurposeCode = Field("", description=(
        "a lawful purpose's code: a health report names people only for health roles stating one (without one "
        "it counts them per compound). Required when the file names more than LINLI_EXPORT_APPROVAL_THRESHOLD "
        "(500) people with full ID numbers or phones: it then waits for a second person's approval (202)"))
    purpose: PurposeText = ""


@router.get("/templates", response={200: list[TemplateOut], **ERRORS}, summary="Department report templates")
@route(*REPORT_ACTIONS)
def templates(request: HttpRequest) -> list[dict[str, Any]]:
    if not may_report(api_user(request)):
        raise PermissionDenied("people.export")
    return [{"code": t.code, "department": t.department, "title": t.title, "version": t.version,
             "headers": [c.header for c in parse_spec(t.spec).columns]}
            for t in ReportTemplate.objects.filter(active=True).order_by("department", "code")]


@router.post("/generate", response={200: None, 202: DownloadOut, **ERRORS},
             summary="Generate a report (xlsx) or all of them (zip); 202 when it waits for a second person")
@route(*REPORT_ACTIONS, model=Place, kwarg="scope", field="code")
def generate_report(request: HttpRequest, payload: GenerateIn) -> HttpResponse | Status:
    """The file at once (200). A report (or zip) naming more people with full ID numbers or
    phones than ``LINLI_EXPORT_APPROVAL_THRESHOLD`` is not made yet: the answer is 202 with the
    download request (status ``pending``), which someone else who may make the same report for
    the area approves or refuses; ``GET /api/downloads/{id}`` follows it, ``…/file`` fetches it."""
    user = api_user(request)
    place = report_place(user, payload.scope)
    if place is None:
        raise Http404
    every = payload.template == "__all__"
    if not every and not ReportTemplate.objects.filter(code=payload.template, active=True).exists():
        raise ValidationError({"template": [ValidationError(_("No active report has this code."),
                                                            code="unknown_template")]})
    params = {"purpose": payload.purpose, "purpose_code": payload.purpose_code,
              **({} if every else {"template": payload.template})}
    kind = "all_reports" if every else "report"
    try:
        asked = check_download(kind, scope=place, params=params, acting_user=user)
        if held(asked):
            download = do_request_download(kind, scope=place, params=params, acting_user=user, asked=asked)
            return Status(202, download_out(download))
        if every:
            reports = do_generate_all_reports(scope=place, acting_user=user, purpose=payload.purpose,
                                              purpose_code=payload.purpose_code)
            return attachment(zip_reports(reports), f"{place.name}_reports.zip", "application/zip")
        template = ReportTemplate.objects.get(code=payload.template, active=True)
        report = do_generate_report(template, scope=place, acting_user=user, purpose=payload.purpose,
                                    purpose_code=payload.purpose_code)
    except PermissionDenied as exc:
        raise Http404 from exc
    return attachment(report.content, report.filename, XLSX)
