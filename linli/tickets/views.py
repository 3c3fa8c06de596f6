"""The request pages: a resident files and follows her requests on her phone; grid workers
accept and answer theirs; the community and the street dispatch and supervise."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from linli.core import photos
from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import denied
from linli.core.pagination import CappedPaginator
from linli.core.scope import scope_for
from linli.core.text import clean_query_text
from linli.grids.models import Grid
from linli.people.models import Person
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.places.rules import ancestor_paths
from linli.tickets import actions, machine, routing
from linli.tickets.access import (
    CATALOGUE,
    DISPATCH,
    FOLLOW,
    HANDLE,
    HOTLINE,
    SUBMIT,
    SUPERVISE,
    VIEW,
)
from linli.tickets.addresses import short_addresses
from linli.tickets.forms import (
    AssignForm,
    CloseForm,
    MergeForm,
    NewTicketForm,
    NoteForm,
    OutcomeForm,
    RateForm,
    ReasonForm,
    ReceiptForm,
    StaffTicketForm,
    TransferForm,
)
from linli.tickets.models import (
    MAX_PHOTOS,
    OPEN_STATUSES,
    UNFINISHED_DELIVERY,
    Category,
    Delivery,
    DeliveryStatus,
    Level,
    PhotoStage,
    Source,
    Ticket,
    TicketPhoto,
)

PER_PAGE = 25


def _rows(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("category", "place", "grid", "handler")


def _is_staff(user: Any) -> bool:
    return may(user, VIEW)


# --- lists ------------------------------------------------------------------------------------------

@route(VIEW, FOLLOW)
@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _is_staff(user):
        if not may(user, FOLLOW):
            return denied(request)
        mine = _rows(Ticket.objects.restrict(user, FOLLOW)).order_by("-created_at")
        page = CappedPaginator(mine, PER_PAGE).get_page(request.GET.get("page"))
        at_door = (Delivery.objects.restrict(user, FOLLOW).filter(status=DeliveryStatus.AT_DOOR)
                   .select_related("ticket__category").order_by("left_at"))
        return render(request, "tickets/mine.html", {"page": page, "rows": _with_addresses(page),
                                                     "may_submit": may(user, SUBMIT), "at_door": at_door})
    view = request.GET.get("view", "")
    area = Ticket.objects.restrict(user, VIEW)
    views = _queues(user, area)
    if view not in views:
        view = next(iter(views))
    rows = views[view]["rows"]
    category = request.GET.get("category", "")
    if category:
        rows = rows.filter(category__code=clean_query_text(category, 40))
    query = clean_query_text(request.GET.get("q", ""), 20)
    if query:
        rows = rows.filter(number__contains=query)
    page = CappedPaginator(_rows(rows).order_by(*views[view]["order"]), PER_PAGE).get_page(request.GET.get("page"))
    tabs = [{"key": key, "label": v["label"], "count": None if key == "all" else v["rows"].count()}
            for key, v in views.items()]
    return render(request, "tickets/queue.html", {
        "page": page, "rows": _with_addresses(page), "tabs": tabs, "view": view, "query": query, "category": category,
        "categories": Category.objects.all(), "may_submit": may(user, SUBMIT),
        "may_supervise": may(user, SUPERVISE), "may_catalogue": may(user, CATALOGUE), "may_hotline": may(user, HOTLINE),
        "now": timezone.now(),
    })


def _queues(user: Any, area: QuerySet[Ticket]) -> dict[str, dict[str, Any]]:
    """The office's views of its requests, the most urgent first."""
    open_rows = area.filter(status__in=OPEN_STATUSES)
    mine = actions.for_me(user)
    views: dict[str, dict[str, Any]] = {
        "mine": {"label": _("For me to handle"), "rows": open_rows.filter(mine), "order": ["-overdue", "respond_by"]},
    }
    if may(user, DISPATCH):
        views["dispatch"] = {"label": _("To dispatch"),
                             "rows": open_rows.filter(level__in=[Level.COMMUNITY, Level.STREET, Level.DEPARTMENT]),
                             "order": ["-overdue", "respond_by"]}
    # marked by the sweep, or past the limit since it last ran
    views["overdue"] = {"label": _("Overdue"), "order": ["respond_by"],
                        "rows": open_rows.filter(Q(overdue=True) | Ticket.past_limit(timezone.now()))}
    views["open"] = {"label": _("All open"), "rows": open_rows, "order": ["-created_at"]}
    views["all"] = {"label": _("All"), "rows": area, "order": ["-created_at"]}
    return views


# --- filing ------------------------------------------------------------------------------------------

def _reportable(user: Any, request: HttpRequest, posted: Any) -> tuple[list[Place], Person | None, Place | None]:
    """The places the user may file a request about, and the resident it is for when the
    office files it from a person's or a house's page (``?person=`` / ``?house=``, or the
    ``posted`` form's hidden fields)."""
    person = None
    house = None
    if (person_id := request.GET.get("person") or posted.get("person")) and _is_staff(user):
        person = get_or_404(Person.objects.select_related("current_house"), user, "people.view", pk=person_id)
        house = person.current_house
    elif (house_id := request.GET.get("house") or posted.get("house")) and _is_staff(user):
        house = get_or_404(Place.objects.filter(level=PlaceLevel.HOUSE), user, SUBMIT, pk=house_id)
    elif not _is_staff(user) and getattr(user, "person_id", None):
        house = getattr(user.person, "current_house", None)
    if house is not None:
        around = [p for p in Place.objects.filter(path__in=ancestor_paths(house.path),
                                                  level__in=actions.REPORTABLE_LEVELS).order_by("-path")]
        return [house, *around], person, house
    if not _is_staff(user):
        return [], None, None
    public = (Place.objects.restrict(user, SUBMIT)
              .filter(level__in=[PlaceLevel.COMPOUND, PlaceLevel.BUILDING]).order_by("path"))
    grid_ids = scope_for(user, HANDLE).grid_ids
    if grid_ids and not scope_for(user, VIEW).everything:
        covered = Place.objects.filter(covering_grids__in=grid_ids)
        paths = {p.path for p in covered} | {a for p in covered for a in ancestor_paths(p.path)}
        public = public.filter(path__in=paths)
    return list(public[:2000]), None, None


def _with_addresses(tickets: Any) -> Any:
    rows = list(tickets)
    addresses = short_addresses([t.place for t in rows])
    for t in rows:
        t.address = addresses.get(t.place_id, t.place.name)
    return rows


def place_labels(places: list[Place], own_house: Place | None) -> dict[int, str]:
    """"玉兰苑 1号楼1单元101室（我家）", "玉兰苑 1号楼 楼栋公共部位": names from the compound down,
    with what kind of place each is."""
    addresses = short_addresses(places)
    labels = {}
    for place in places:
        name = addresses[place.pk]
        if own_house is not None and place.pk == own_house.pk:
            labels[place.pk] = _("%(name)s (my home)") % {"name": name}
        elif place.level == PlaceLevel.HOUSE:
            labels[place.pk] = name
        else:
            labels[place.pk] = _("%(name)s, shared parts") % {"name": name}
    return labels


@route(SUBMIT)
@csrf_exempt  # checked in _ticket_new, once the body is known to be of a reasonable size
@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    """File a request, with up to three photos. A body larger than the photos may make it is
    refused before anything reads it (the CSRF check would otherwise spool it to disk)."""
    if not may(request.user, SUBMIT):
        return denied(request)
    refused = photos.body_too_large(request, MAX_PHOTOS) if request.method == "POST" else None
    if refused is not None:
        return _new_page(request, *_new_form(request, bound=False), refused=refused)
    return _ticket_new(request)


def _new_form(request: HttpRequest, *, bound: bool) -> tuple[NewTicketForm, dict[str, Any]]:
    """The form for the user (a resident's, or the office's for a caller) and what the page
    says about it (for whom, which house)."""
    user = request.user
    staff = _is_staff(user)
    # A refused upload's body is never read: the page starts again from its address.
    places, person, house = _reportable(user, request, request.POST if bound else {})
    labels = place_labels(places, own_house=None if staff else house)
    form_class = StaffTicketForm if staff else NewTicketForm
    initial: dict[str, Any] = {"place": places[0].pk if places else None}
    if staff and request.GET.get("source") == Source.VISIT:
        initial["source"] = Source.VISIT
    quarantined = house is not None and actions.under_home_quarantine(house)
    form = form_class(request.POST if bound else None, request.FILES if bound else None, places=places,
                      place_labels=labels, initial=initial, deliveries=staff or quarantined,
                      shopping_list=quarantined)
    return form, {"staff": staff, "person": person, "house": house, "no_places": not places}


def _new_page(request: HttpRequest, form: NewTicketForm, about: dict[str, Any],
              refused: ValidationError | None = None) -> HttpResponse:
    status = 413 if refused is not None else 200
    return render(request, "tickets/new.html", {
        **about, "form": form, "refused": " ".join(refused.messages) if refused is not None else "",
        **_photo_limits(),
        "anonymous_codes": list(Category.objects.filter(anonymous_allowed=True).values_list("pk", flat=True)),
    }, status=status)


def _photo_limits() -> dict[str, int]:
    return {"max_photos": MAX_PHOTOS, "max_bytes": photos.MAX_UPLOAD_BYTES,
            "max_mb": photos.MAX_UPLOAD_BYTES // 1024 // 1024}


@csrf_protect
def _ticket_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    form, about = _new_form(request, bound=request.method == "POST")
    if request.method == "POST" and form.is_valid():
        try:
            data = actions.NewTicket(
                category=form.cleaned_data["category"], place=form.chosen_place(),
                description=form.cleaned_data["description"], source=form.cleaned_data.get("source", Source.APP),
                person=about["person"], contact_name=form.cleaned_data.get("contact_name", ""),
                contact_phone=form.cleaned_data.get("contact_phone", ""), anonymous=form.cleaned_data["anonymous"],
                external_ref=form.cleaned_data.get("external_ref", ""), items=form.item_lines(),
                photos=photos.read_uploads(form.cleaned_data["photo"], limit=MAX_PHOTOS))
            ticket = actions.do_submit(data, acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error(None, _("You may not file a request about this place."))
        else:
            messages.success(request, _("Request %(number)s is filed. %(reason)s") % {
                "number": ticket.number, "reason": routing.reason_text(ticket.routing)})
            return redirect("tickets:detail", pk=ticket.pk)
    return _new_page(request, form, about)


# --- one request ---------------------------------------------------------------------------------------

@route(VIEW, FOLLOW, model=Ticket)
@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _detail_page(request: HttpRequest, pk: int, refused: ValidationError | None = None) -> HttpResponse:
    user = request.user
    ticket, office = actions.find_ticket(
        user, _rows(Ticket.objects.select_related("community", "merged_into", "submitted_by", "person")), pk)
    events = list(actions.history(ticket, office))
    ticket.address = short_addresses([ticket.place])[ticket.place_id]  # type: ignore[attr-defined]
    delivery = actions.current_delivery(ticket)
    shown = list(actions.photos_of(user, ticket, office))
    by_event: dict[int, list[TicketPhoto]] = {}
    for picture in shown:
        by_event.setdefault(picture.event_id, []).append(picture)
    for event in events:
        event.shown_photos = by_event.get(event.pk, [])  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "ticket": ticket, "office": office, "events": events, "delivery": delivery,
        "reason": routing.reason_text(ticket.routing),
        "now": timezone.now(), "report_photos": [p for p in shown if p.stage == PhotoStage.REPORT],
        "refused": " ".join(refused.messages) if refused is not None else "",
        **_photo_limits(),
        "fix_photos_left": MAX_PHOTOS - TicketPhoto.objects.filter(ticket=ticket, stage=PhotoStage.FIX).count(),
    }
    if office:
        handler = actions.may_handle(user, ticket)
        dispatch = allows(user, DISPATCH, ticket)
        moves = _delivery_moves(set(machine.allowed_moves(ticket.status)) if handler else set(), delivery)
        grids = Grid.objects.filter(community_id=ticket.community_id).order_by("code")
        context.update({
            "handler": handler, "dispatch": dispatch and ticket.is_open, "moves": moves,
            "note_form": NoteForm(), "reason_form": ReasonForm(), "outcome_form": OutcomeForm(),
            "close_form": CloseForm(), "transfer_form": TransferForm(grids=grids), "merge_form": MergeForm(),
            "receipt_form": ReceiptForm(),
            "on_duty": actions.volunteers_on_duty(routing.community_path(ticket.path)).count()
            if delivery is not None and delivery.status == DeliveryStatus.OPEN else 0,
            "assign_form": AssignForm(grids=grids, initial={"level": ticket.level, "grid": ticket.grid_id}),
            "duplicates": list(actions.possible_duplicates(ticket)[:5]) if ticket.is_open else [],
            "followers": list(ticket.merged.only("pk", "number")),
        })
    else:
        own = allows(user, FOLLOW, ticket)
        moves = set(machine.allowed_moves(ticket.status)) & {"rate", "reopen", "confirm_receipt"} if own else set()
        moves = _delivery_moves(moves, delivery)
        if ticket.rating:
            moves.discard("rate")
        context.update({"moves": moves, "rate_form": RateForm(), "reason_form": ReasonForm()})
    return render(request, "tickets/detail.html", context, status=413 if refused is not None else 200)


@route(VIEW, FOLLOW, model=TicketPhoto)
@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """One photo of a request, where the request may be read (404 elsewhere); every view audited."""
    picture = actions.find_photo(request.user, pk)
    return photos.serve(picture, viewer=request.user, action="tickets.photo.view")


def _delivery_moves(moves: set[str], delivery: Delivery | None) -> set[str]:
    """What a request's delivery leaves to do: no plain "resolved" while a volunteer delivers;
    receipt confirmed once it is at the door; the volunteers' own steps are on their pages."""
    moves -= {"take_delivery", "delivery_step"}
    under_way = delivery is not None and delivery.status in UNFINISHED_DELIVERY
    if under_way and delivery.status != DeliveryStatus.OPEN:  # type: ignore[union-attr]
        moves.discard("resolve")
    if not under_way or delivery.status != DeliveryStatus.AT_DOOR:  # type: ignore[union-attr]
        moves.discard("confirm_receipt")
    return moves


HANDLER_MOVES = {"accept", "note", "transfer", "return", "resolve", "close_unfixed", "merge", "confirm_receipt"}


@route(HANDLE, DISPATCH, model=Ticket)
@require_POST
@csrf_exempt  # checked in _handle_move, once the body is known to be of a reasonable size
@login_required
def handle_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    """A handler's move; a progress note and the resolution may carry photos of the work, so
    a body larger than they may make it is refused before anything reads it."""
    if move not in HANDLER_MOVES:
        raise Http404
    refused = photos.body_too_large(request, MAX_PHOTOS)
    if refused is not None:
        actions.handled_ticket(request.user, Ticket.objects.all(), pk)  # 404 outside the scope first
        return _detail_page(request, pk, refused=refused)
    return _handle_move(request, pk, move)


@csrf_protect
def _handle_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    user = request.user
    ticket = actions.handled_ticket(user, Ticket.objects.all(), pk)
    try:
        _do_handler_move(request, ticket, move)
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
    except PermissionDenied:
        messages.error(request, _("This request is not assigned to you or your grid: the office that holds it "
                                  "handles it."))
    return redirect("tickets:detail", pk=ticket.pk)


def _uploads(request: HttpRequest) -> list[bytes]:
    return photos.read_uploads(request.FILES.getlist(photos.FIELD), limit=MAX_PHOTOS)


def _messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _do_handler_move(request: HttpRequest, ticket: Ticket, move: str) -> None:
    user, post = request.user, request.POST
    if move == "accept":
        actions.do_accept(ticket, acting_user=user)
        messages.success(request, _("Accepted: the resident sees that you are on it."))
    elif move == "note":
        actions.do_note(ticket, acting_user=user, note=post.get("note", ""), public=post.get("public") == "on",
                        photos=_uploads(request))
        messages.success(request, _("Note added."))
    elif move == "transfer":
        grids = Grid.objects.filter(community_id=ticket.community_id)
        form = TransferForm(post, grids=grids)
        grid = form.cleaned_data.get("grid") if form.is_valid() else None
        actions.do_transfer(ticket, acting_user=user, reason=post.get("reason", ""), grid=grid,
                            department=post.get("department", ""))
        messages.success(request, _("Transferred."))
    elif move == "return":
        actions.do_return(ticket, acting_user=user, reason=post.get("reason", ""))
        messages.success(request, _("Returned to the office that dispatches it."))
    elif move == "resolve":
        actions.do_resolve(ticket, acting_user=user, outcome=post.get("outcome", ""), photos=_uploads(request))
        messages.success(request, _("Resolved: the resident is asked to rate the result."))
    elif move == "close_unfixed":
        actions.do_close_unfixed(ticket, acting_user=user, reason=post.get("reason", ""))
        messages.success(request, _("Closed without a fix; the resident reads your reason."))
    elif move == "confirm_receipt":
        actions.do_confirm_receipt_for(ticket, acting_user=user, note=post.get("note", ""))
        messages.success(request, _("Receipt confirmed for the household, as told on the phone: the request is "
                                    "resolved."))
    elif move == "merge":
        number = clean_query_text(post.get("into", ""), 20)
        into = Ticket.objects.restrict(user, VIEW).filter(number=number).first()
        if into is None:
            raise ValidationError(_("No request with this number in your area."), code="not_found")
        actions.do_merge(ticket, acting_user=user, into=into)
        messages.success(request, _("Merged into %(number)s.") % {"number": into.number})


@route(DISPATCH, model=Ticket)
@require_POST
@login_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    ticket = get_or_404(Ticket.objects.all(), user, DISPATCH, pk=pk)
    form = AssignForm(request.POST, grids=Grid.objects.filter(community_id=ticket.community_id))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("tickets:detail", pk=ticket.pk)
    try:
        actions.do_assign(ticket, acting_user=user, level=form.cleaned_data["level"], grid=form.cleaned_data["grid"],
                          department=form.cleaned_data["department"])
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
    else:
        messages.success(request, _("Assigned."))
    return redirect("tickets:detail", pk=ticket.pk)


@route(FOLLOW, model=Ticket)
@require_POST
@login_required
def resident_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    user = request.user
    ticket = get_or_404(Ticket.objects.all(), user, FOLLOW, pk=pk)
    try:
        if move == "rate":
            actions.do_rate(ticket, acting_user=user, rating=request.POST.get("rating", ""),
                            comment=request.POST.get("comment", ""))
            messages.success(request, _("Thank you: your rating is recorded."))
        elif move == "reopen":
            actions.do_reopen(ticket, acting_user=user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Reopened: the same team takes it up again."))
        elif move == "received":
            actions.do_confirm_receipt(ticket, acting_user=user)
            messages.success(request, _("Thank you: receipt confirmed. Stay well!"))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
    return redirect("tickets:detail", pk=ticket.pk)


# --- supervision -------------------------------------------------------------------------------------------

@route(SUPERVISE)
@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    """督办: overdue requests by community and by department, with their age."""
    user = request.user
    if not may(user, SUPERVISE):
        return denied(request)
    from linli.tickets.rates import overdue_summary

    now = timezone.now()
    overdue = Ticket.objects.restrict(user, SUPERVISE).filter(status__in=OPEN_STATUSES, overdue=True)
    by_community, by_department = overdue_summary(overdue, now)
    oldest = _with_addresses(_rows(overdue).order_by("created_at")[:50])
    return render(request, "tickets/supervision.html", {
        "by_community": by_community, "by_department": by_department, "oldest": oldest, "now": now,
        "total": overdue.count(), "week_ago": now - datetime.timedelta(days=7),
    })


@route(SUPERVISE)
@login_required
def rates(request: HttpRequest) -> HttpResponse:
    """响应率、解决率、满意率 of one's area, by grid, community, category or department, for a week
    or a month, beside the previous one."""
    from linli.tickets import rates as three

    user = request.user
    if not may(user, SUPERVISE):
        return denied(request)
    group = request.GET.get("group", "community")
    group = group if group in three.GROUPS else "community"
    kind = "week" if request.GET.get("period") == "week" else "month"
    try:
        offset = min(max(int(request.GET.get("offset", "0")), 0), 120)
    except ValueError:
        offset = 0
    table = three.rates_table(Ticket.objects.restrict(user, SUPERVISE), group, kind, offset)
    rows = [{"now": now, "before": before, "delta": _deltas(now, before)} for now, before in table.rows]
    return render(request, "tickets/rates.html", {
        "rows": rows, "group": group, "kind": kind, "offset": offset, "start": table.start,
        "end": table.end - datetime.timedelta(days=1), "overall": table.overall,
        "overall_delta": _deltas(table.overall, table.overall_before) if table.overall else {},
        "groups": [("community", _("community")), ("grid", _("grid")), ("category", _("category")),
                   ("department", _("outside department"))],
    })


def _deltas(now: Any, before: Any) -> dict[str, float | None]:
    keys = ("response", "resolution", "resolution_by_residents", "satisfaction")
    if before is None:
        return dict.fromkeys(keys)
    return {k: None if getattr(now, k) is None or getattr(before, k) is None
            else round(getattr(now, k) - getattr(before, k), 1) for k in keys}
