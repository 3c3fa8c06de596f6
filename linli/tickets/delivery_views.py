"""The delivery pages (/deliveries/), phone first: a volunteer's open deliveries in her community
and her own, one delivery with its steps, each step, and the photo left at the door; the
office's deliveries under way and those not confirmed in time (to call the household).

A volunteer reads the door and what to buy, never a name or an ID number; the household's
phone only masked (decision 0018). Every list and page that shows a door is audited: a door
on it is a household under home quarantine.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from linli.core import audit, photos
from linli.core.access import PermissionDenied, area_of, may, restricted, route
from linli.core.http import denied
from linli.core.validators import mask_phone
from linli.tickets import actions
from linli.tickets.access import DELIVER, FOLLOW, VIEW
from linli.tickets.forms import AtDoorForm
from linli.tickets.models import UNFINISHED_DELIVERY, Delivery, DeliveryStatus

LIST_LIMIT = 50
DONE_DAYS = 7


def _related(rows: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return rows.select_related("ticket__category", "ticket__handler", "ticket__person", "volunteer")


def _shown(deliveries: Any) -> list[Delivery]:
    """The rows with the household's phone masked: all a volunteer reads of it."""
    rows = list(deliveries)
    for d in rows:
        ticket = d.ticket
        phone = ticket.contact_phone or (ticket.person.phone if ticket.person_id and ticket.person else "")
        d.phone = mask_phone(phone) if phone else ""  # type: ignore[attr-defined]
    return rows


def _visible(user: Any, *actions_: str) -> QuerySet[Delivery]:
    rows = Delivery.objects.none()
    for action in actions_:
        if may(user, action):
            rows = rows | restricted(Delivery.objects.all(), user, action)
    return rows


def _gone(request: HttpRequest) -> HttpResponse:
    """A delivery she may not see (any more): taken by another volunteer, closed, outside her
    community, or none at all; the same answer for each, so it tells nothing."""
    return render(request, "tickets/delivery_gone.html", status=404)


@route(DELIVER, VIEW)
@login_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    volunteer, office = may(user, DELIVER), may(user, VIEW)
    if not (volunteer or office):
        return denied(request)
    context: dict[str, Any] = {"volunteer": volunteer, "office": office,
                               "hours": settings.LINLI_DELIVERY_CONFIRM_HOURS}
    shown = 0
    if volunteer:
        offered = _related(Delivery.objects.restrict(user, DELIVER))
        mine = offered.filter(volunteer_id=user.pk)
        since = timezone.now() - datetime.timedelta(days=DONE_DAYS)
        sections = {
            "mine": mine.filter(status__in=[DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP]).order_by("taken_at"),
            "waiting": offered.filter(status=DeliveryStatus.OPEN).order_by("created_at", "pk")[:LIST_LIMIT],
            "at_door": mine.filter(status=DeliveryStatus.AT_DOOR).order_by("-left_at")[:LIST_LIMIT],
            "done": mine.filter(status__in=[DeliveryStatus.RECEIVED, DeliveryStatus.CANCELLED],
                                updated_at__gte=since).order_by("-updated_at")[:20],
        }
        for key, rows in sections.items():
            context[key] = _shown(rows)
            shown += len(context[key])
    if office:
        area = _related(Delivery.objects.restrict(user, VIEW))
        context["to_call"] = _shown(area.filter(pk__in=actions.unconfirmed().values("pk")).order_by("left_at"))
        context["under_way"] = _shown(area.filter(status__in=UNFINISHED_DELIVERY)
                                      .exclude(pk__in=[d.pk for d in context["to_call"]])
                                      .order_by("created_at", "pk")[:LIST_LIMIT])
        shown += len(context["to_call"]) + len(context["under_way"])
    if shown:
        audit.record("tickets.delivery.list", actor=user, path=area_of(user, DELIVER if volunteer else VIEW),
                     detail={"shown": shown})
    return render(request, "tickets/deliveries.html", context)


@route(DELIVER, VIEW, model=Delivery)
@login_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    delivery = _related(_visible(user, DELIVER, VIEW)).filter(pk=pk).first()
    if delivery is None:
        return _gone(request)
    return _detail(request, delivery, AtDoorForm())


def _detail(request: HttpRequest, delivery: Delivery, form: AtDoorForm, status: int = 200,
            refused: str = "") -> HttpResponse:
    user = request.user
    audit.record("tickets.delivery.view", actor=user, obj=delivery)
    mine = delivery.volunteer_id == user.pk
    return render(request, "tickets/delivery.html", {
        "d": _shown([delivery])[0], "mine": mine, "form": form, "refused": refused,
        "may_take": delivery.status == DeliveryStatus.OPEN and may(user, DELIVER),
        "office": may(user, VIEW) and restricted(Delivery.objects.filter(pk=delivery.pk), user, VIEW).exists(),
    }, status=status)


def _step_target(request: HttpRequest, pk: int) -> Delivery | None:
    return Delivery.objects.restrict(request.user, DELIVER).filter(pk=pk).first()


def _back(request: HttpRequest, delivery: Delivery) -> HttpResponse:
    if request.POST.get("back") == "list":
        return redirect("deliveries:list")
    return redirect("deliveries:detail", pk=delivery.pk)


@route(DELIVER, model=Delivery)
@require_POST
@login_required
def take(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _step_target(request, pk)
    if delivery is None:
        return _gone(request)
    try:
        actions.do_take_delivery(delivery, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("deliveries:list")
    messages.success(request, _("It is yours: buy what is listed, then leave it at the door. The household "
                                "sees that you are on the way."))
    return redirect("deliveries:detail", pk=delivery.pk)


@route(DELIVER, model=Delivery)
@require_POST
@login_required
def picked_up(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _step_target(request, pk)
    if delivery is None:
        return _gone(request)
    try:
        actions.do_pick_up(delivery, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        return _gone(request)
    else:
        messages.success(request, _("Bought: the household is told you are on the way."))
    return _back(request, delivery)


@route(DELIVER, model=Delivery)
@require_POST
@csrf_exempt  # checked below, once the size of the upload is known to be reasonable
@login_required
def at_door(request: HttpRequest, pk: int) -> HttpResponse:
    """Left at the door, with a note and a photo if she takes one. A body larger than a photo
    may be is refused before anything reads it (as on the task pages)."""
    delivery = _step_target(request, pk)
    if delivery is None:
        return _gone(request)
    refused = photos.body_too_large(request, 1)
    if refused is not None:
        return _detail(request, _related(Delivery.objects.filter(pk=delivery.pk)).get(), AtDoorForm(), 413,
                       " ".join(refused.messages))
    return _at_door(request, delivery)


@csrf_protect
def _at_door(request: HttpRequest, delivery: Delivery) -> HttpResponse:
    form = AtDoorForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("photo")
        try:
            data = None
            if upload is not None:
                photos.check_size(upload.size or 0)
                data = upload.read()
            actions.do_leave_at_door(delivery, acting_user=request.user, note=form.cleaned_data["note"], photo=data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # a step out of order: said above the page
                messages.error(request, " ".join(exc.messages))
                return redirect("deliveries:detail", pk=delivery.pk)
            form.add_action_errors(exc)
        except PermissionDenied:
            return _gone(request)
        else:
            messages.success(request, _("Left at the door: the household is asked to take it in and confirm. Thank "
                                        "you!"))
            return redirect("deliveries:list")
    delivery = _related(Delivery.objects.filter(pk=delivery.pk)).get()
    return _detail(request, delivery, form, 422)


@route(DELIVER, FOLLOW, VIEW, model=Delivery, where=Q(photo__isnull=False))
@login_required
def delivery_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The bag at the door, for the volunteer who left it, the household and the office."""
    delivery = _visible(request.user, DELIVER, FOLLOW, VIEW).filter(pk=pk, photo__isnull=False) \
        .select_related("photo").first()
    if delivery is None or delivery.photo is None:
        return _gone(request)
    return photos.serve(delivery.photo, viewer=request.user, action="tickets.delivery.photo.view")
