"""Open311 GeoReport v2 at ``/open311/v2/``: the open interchange for service requests.

- ``services.{json,xml}``, ``services/{code}.{format}``: the catalogue, with the attributes a
  client may send (the house's code);
- ``requests.{format}`` GET (``service_request_id`` list, ``service_code``, ``start_date``,
  ``end_date``, ``status``) and POST (``api_key``, ``service_code``, ``lat``/``long`` or
  ``address_string`` or ``address_id``, ``attribute[…]``, ``description``, ``media_url``,
  ``first_name``, ``last_name``, ``phone``);
- ``requests/{id}.{format}`` and ``tokens/{token}.{format}``.

Location privacy: public answers place a request at its compound (its name and the compound's
point), never at a house, and carry no personal data and no description; a client reads the
descriptions of the requests it filed itself.

Photos: a photo of a request may show the inside of someone's home, so public answers never
carry a ``media_url``. The client that filed a request reads, in ``media_url``, the address of
its first photo that the request's own resident would see (the office's photos of the fix,
say), on the JSON API: it fetches it with its api_key as a bearer token, and the photo is
access-checked and audited there like any other. A ``media_url`` a client POSTs is kept as
text in the request's office history and never opened: fetching an address a client names
would let it make the server call anything (server-side request forgery), and the server has
no outside network. The photo itself is not accepted here (a body larger than a form is
refused); residents and the office attach photos on the pages and the JSON API. A client is a program with an API key (``linli
open311_client NAME --scope CODE``) acting through an account that may only file requests.
Errors are the specification's ``[{"code": 400, "description": "…"}]`` in both languages.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML, never parse it
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from linli.core import photos
from linli.core.access import PermissionDenied, restricted, route
from linli.core.api_auth import user_for_token
from linli.core.errors import Bilingual
from linli.core.text import clean_query_text
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import actions
from linli.tickets.access import FOLLOW
from linli.tickets.models import OPEN_STATUSES, Category, Source, Ticket, TicketPhoto

MAX_REQUESTS = 1000  # the specification's default upper bound for a list
DEFAULT_DAYS = 90  # without dates, the last 90 days (as the specification suggests)
HOUSE_ATTRIBUTE = "house_code"


# --- output ------------------------------------------------------------------------------------

def _render(request: HttpRequest, fmt: str, root: str, item: str, rows: list[dict[str, Any]],
            status: int = 200) -> HttpResponse:
    if fmt == "xml":
        top = ET.Element(root)
        for row in rows:
            _xml(ET.SubElement(top, item), row)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(rows, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _xml(node: ET.Element, row: dict[str, Any]) -> None:
    for key, value in row.items():
        if isinstance(value, list):
            holder = ET.SubElement(node, key)
            for entry in value:
                _xml(ET.SubElement(holder, key.rstrip("s") or key), entry)
        elif isinstance(value, dict):
            _xml(ET.SubElement(node, key), value)
        else:
            child = ET.SubElement(node, key)
            child.text = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))


def _error(request: HttpRequest, fmt: str, status: int, message: Bilingual) -> HttpResponse:
    return _render(request, fmt, "errors", "error", [{"code": status, "description": f"{message.en} / {message.zh}"}],
                   status=status)


def _format(fmt: str) -> str:
    if fmt not in ("json", "xml"):
        raise Http404
    return fmt


def _time(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- services -------------------------------------------------------------------------------------

def _service(category: Category) -> dict[str, Any]:
    return {"service_code": category.code, "service_name": category.name, "description": category.name_en,
            "metadata": True, "type": "realtime", "keywords": category.name_en, "group": category.get_level_display()}


@route(public=True)
@require_http_methods(["GET"])
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _format(fmt)
    return _render(request, fmt, "services", "service", [_service(c) for c in Category.objects.filter(active=True)])


@route(public=True, model=Category, kwarg="code", field="code")
@require_http_methods(["GET"])
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    fmt = _format(fmt)
    category = Category.objects.filter(code=clean_query_text(code, 40), active=True).first()
    if category is None:
        return _error(request, fmt, 404, Bilingual("No such service_code.", "没有这个服务类别。"))
    attributes = [{"variable": True, "code": HOUSE_ATTRIBUTE, "datatype": "string", "required": False,
                   "datatype_description": "the house's 24-digit standard address code (门牌编码)",
                   "order": 1, "description": "房屋编码 / house code", "values": []}]
    return _definition(request, fmt, category.code, attributes)


def _definition(request: HttpRequest, fmt: str, code: str, attributes: list[dict[str, Any]]) -> HttpResponse:
    body = {"service_code": code, "attributes": attributes}
    if fmt == "xml":
        top = ET.Element("service_definition")
        _xml(top, body)
        data = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(data, content_type="text/xml; charset=utf-8")
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


# --- requests -------------------------------------------------------------------------------------

def _compound(ticket: Ticket, compounds: dict[str, Place]) -> Place | None:
    return compounds.get("/".join(ticket.path.split("/")[:6]) + "/")


def _request_out(ticket: Ticket, compound: Place | None, own: bool, media_url: str = "") -> dict[str, Any]:
    status = "open" if ticket.status in OPEN_STATUSES else "closed"
    return {
        "service_request_id": ticket.number, "status": status,
        "status_notes": ticket.outcome if status == "closed" else str(ticket.get_status_display()),
        "service_name": ticket.category.name, "service_code": ticket.category.code,
        "description": ticket.description if own else "",
        "agency_responsible": ticket.department or str(ticket.get_level_display()),
        "service_notice": "", "requested_datetime": _time(ticket.created_at),
        "updated_datetime": _time(ticket.updated_at),
        "expected_datetime": _time(ticket.resolve_by if ticket.is_open else None),
        "address": compound.name if compound else "", "address_id": compound.code if compound else "",
        "zipcode": "", "lat": compound.latitude if compound else None, "long": compound.longitude if compound else None,
        "media_url": media_url if own else "",
    }


def _first_photos(request: HttpRequest, client: Any, tickets: list[Ticket]) -> dict[int, str]:
    """The address of the first photo of each request the client filed, that it may see as the
    request's filer (none of anybody else's: see the module's note on photos)."""
    own = [t.pk for t in tickets if client is not None and t.submitted_by_id == client.pk]
    if not own:
        return {}
    first: dict[int, str] = {}
    rows = restricted(TicketPhoto.objects.filter(ticket_id__in=own), client, FOLLOW).order_by("ticket_id", "pk")
    for ticket_id, photo_id in rows.values_list("ticket_id", "pk"):
        first.setdefault(ticket_id, request.build_absolute_uri(f"/api/requests/{ticket_id}/photos/{photo_id}"))
    return first


def _requests_out(request: HttpRequest, tickets: list[Ticket], client: Any) -> list[dict[str, Any]]:
    paths = {"/".join(t.path.split("/")[:6]) + "/" for t in tickets}
    compounds = {p.path: p for p in Place.objects.filter(path__in=paths)}
    media = _first_photos(request, client, tickets)
    return [_request_out(t, _compound(t, compounds), client is not None and t.submitted_by_id == client.pk,
                         media.get(t.pk, "")) for t in tickets]


def _client(request: HttpRequest) -> Any:
    key = request.POST.get("api_key") or request.GET.get("api_key") or ""
    return user_for_token(key) if key else None


def _date(value: str) -> datetime.datetime | None:
    moment = parse_datetime(value.strip()) if value else None
    if value and moment is None:
        raise ValueError(value)
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@route(public=True)
@csrf_exempt  # programs authenticate with their api_key, never with a browser's cookies
@require_http_methods(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _format(fmt)
    if request.method == "POST":
        return _post(request, fmt)
    query: QuerySet[Ticket] = Ticket.objects.exclude(status="merged").select_related("category")
    ids = [clean_query_text(i, 20) for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        query = query.filter(number__in=ids[:MAX_REQUESTS])
    else:
        try:
            start, end = _date(request.GET.get("start_date", "")), _date(request.GET.get("end_date", ""))
        except ValueError:
            return _error(request, fmt, 400, Bilingual("start_date and end_date are W3C date-times "
                                                       "(2026-12-01T00:00:00+08:00).",
                                                       "start_date 和 end_date 须为 W3C 日期时间格式。"))
        end = end or timezone.now()
        start = start or end - datetime.timedelta(days=DEFAULT_DAYS)
        query = query.filter(created_at__gte=start, created_at__lte=end)
        if code := request.GET.get("service_code", ""):
            query = query.filter(category__code__in=[clean_query_text(c, 40) for c in code.split(",")])
        status = request.GET.get("status", "")
        if status == "open":
            query = query.filter(status__in=OPEN_STATUSES)
        elif status == "closed":
            query = query.exclude(status__in=OPEN_STATUSES)
        elif status:
            return _error(request, fmt, 400, Bilingual("status is open or closed.", "status 只能是 open 或 closed。"))
    tickets = list(query.order_by("-created_at")[:MAX_REQUESTS])
    return _render(request, fmt, "service_requests", "request", _requests_out(request, tickets, _client(request)))


@route(public=True, model=Ticket, kwarg="number", field="number")
@require_http_methods(["GET"])
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    fmt = _format(fmt)
    ticket = Ticket.objects.exclude(status="merged").select_related("category").filter(
        number=clean_query_text(number, 20)).first()
    if ticket is None:
        return _error(request, fmt, 404, Bilingual("No such service_request_id.", "没有这个诉求编号。"))
    return _render(request, fmt, "service_requests", "request", _requests_out(request, [ticket], _client(request)))


@route(public=True, model=Ticket, kwarg="token", field="token")
@require_http_methods(["GET"])
def token_view(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    fmt = _format(fmt)
    ticket = Ticket.objects.filter(token=clean_query_text(token, 40)).first()
    if ticket is None:
        return _error(request, fmt, 404, Bilingual("No such token.", "没有这个令牌。"))
    return _render(request, fmt, "service_requests", "request",
                   [{"service_request_id": ticket.number, "token": ticket.token}])


# --- filing -----------------------------------------------------------------------------------------

def _locate(post: Any) -> Place | None:
    """The house or public place a client names: an attribute or address_id (a standard address
    code), a lat/long inside a compound, or an address string naming a compound, a building and
    a room."""
    code = (post.get(f"attribute[{HOUSE_ATTRIBUTE}]") or post.get("address_id") or "").strip()
    if code:
        return Place.objects.filter(code=clean_query_text(code, 32), level__in=actions.REPORTABLE_LEVELS).first()
    if post.get("lat") and post.get("long"):
        try:
            lat, lon = float(post["lat"]), float(post["long"])
        except ValueError:
            return None
        return _compound_at(lat, lon)
    text = clean_query_text(post.get("address_string", ""), 200)
    return _by_words(text) if text else None


def _compound_at(lat: float, lon: float) -> Place | None:
    """The compound whose boundary holds the point, else the nearest within about 500 m."""
    best, best_d = None, 0.005 ** 2
    for place in Place.objects.filter(level=PlaceLevel.COMPOUND, latitude__isnull=False):
        ring = ((place.boundary or {}).get("coordinates") or [[]])[0]
        if ring and _inside(lon, lat, ring):
            return place
        if place.latitude is None or place.longitude is None:
            continue
        d = (place.latitude - lat) ** 2 + (place.longitude - lon) ** 2
        if d < best_d:
            best, best_d = place, d
    return best


def _inside(x: float, y: float, ring: list[list[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=False):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / ((y2 - y1) or 1e-12) + x1:
            inside = not inside
    return inside


def _by_words(text: str) -> Place | None:
    compound = next((c for c in Place.objects.filter(level=PlaceLevel.COMPOUND).order_by("-name")
                     if c.name and c.name in text), None)
    if compound is None:
        return None
    place = compound
    for level in (PlaceLevel.BUILDING, PlaceLevel.UNIT, PlaceLevel.HOUSE):
        child = next((c for c in Place.objects.filter(parent=place, level=level).order_by("-name")
                      if c.name and c.name in text), None)
        if child is None:
            break
        place = child
    return place


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    if photos.declared_length(request) > photos.FORM_OVERHEAD:
        # Refused before the body is read: a form is small; a photo comes as a media_url.
        return _error(request, fmt, 413, Bilingual(
            "The request is too large: send the photo's address in media_url, not the photo.",
            "请求内容过大：请在 media_url 中提供照片地址，而不是照片本身。"))
    post = request.POST
    category = Category.objects.filter(code=clean_query_text(post.get("service_code", ""), 40), active=True).first()
    if category is None:
        return _error(request, fmt, 400, Bilingual("service_code is missing or unknown.", "缺少服务类别或类别不存在。"))
    client = _client(request)
    if client is None:
        return _error(request, fmt, 403, Bilingual("A valid api_key is required to file requests.",
                                                   "提交诉求需要有效的 api_key。"))
    place = _locate(post)
    if place is None:
        return _error(request, fmt, 400, Bilingual(
            "Say where: attribute[house_code] or address_id (a standard address code), lat and long inside a "
            "compound, or an address_string naming the compound.",
            "请说明地点：attribute[house_code] 或 address_id（标准地址编码），小区范围内的 lat/long，"
            "或写明小区名称的 address_string。"))
    name = clean_query_text(f"{post.get('last_name', '')}{post.get('first_name', '')}", 64)
    try:
        ticket = actions.do_submit(actions.NewTicket(
            category=category, place=place, description=post.get("description", ""), source=Source.OPEN311,
            contact_name=name, contact_phone=post.get("phone", ""),
            media_url=post.get("media_url", "")), acting_user=client)  # kept as text, never fetched
    except PermissionDenied:
        return _error(request, fmt, 403, Bilingual("This client may not file requests at this place.",
                                                   "该客户端无权就此地点提交诉求。"))
    except ValidationError as exc:
        return _error(request, fmt, 400, Bilingual.of_error(exc))
    due = f"{timezone.localtime(ticket.respond_by):%Y-%m-%d %H:%M}"
    return _render(request, fmt, "service_requests", "request", [{
        "service_request_id": ticket.number, "token": ticket.token,
        "service_notice": f"First response due {due} / 首次响应时限 {due}", "account_id": ""}],
        status=201)

