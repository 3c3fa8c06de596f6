"""Department reports over the API: the templates, and a generation that returns the file."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from linli.core.access import PermissionDenied, allows, route
from linli.core.api_auth import ERRORS, api_user
from linli.core.http import attachment
from linli.core.scope import scope_for
from linli.places.models import Place
from linli.reports.engine import generate, generate_all, parse_spec, zip_reports
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


@router.get("/templates", response={200: list[TemplateOut], **ERRORS}, summary="Department report templates")
@route("people.export")
def templates(request: HttpRequest) -> list[dict[str, Any]]:
    if scope_for(api_user(request), "people.export").empty:
        raise PermissionDenied("people.export")
    return [{"code": t.code, "department": t.department, "title": t.title, "version": t.version,
             "headers": [c.header for c in parse_spec(t.spec).columns]}
            for t in ReportTemplate.objects.filter(active=True).order_by("department", "code")]


@router.post("/generate", response={200: None, **ERRORS}, summary="Generate a report (xlsx) or all of them (zip)")
@route("people.export", model=Place, kwarg="scope", field="code")
def generate_report(request: HttpRequest, payload: GenerateIn) -> HttpResponse:
    user = api_user(request)
    place = Place.objects.filter(code=payload.scope).first()
    if place is None or not allows(user, "people.export", place.path):
        raise Http404
    if payload.template == "__all__":
        content, name, ctype = zip_reports(generate_all(scope=place, acting_user=user)), f"{place.name}_reports.zip", \
            "application/zip"
    else:
        template = ReportTemplate.objects.filter(code=payload.template, active=True).first()
        if template is None:
            raise Http404
        report = generate(template, scope=place, acting_user=user)
        content, name, ctype = report.content, report.filename, XLSX
    return attachment(content, name, ctype)
