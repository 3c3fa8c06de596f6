"""Shift swaps between colleagues: the person on call offers her shift, the colleague accepts or
declines on her phone, the office sees the offers and may cancel one.

Each step is atomic, checks its own permission and is audited. The shift changes hands only
when the colleague accepts, and only if it is still the offerer's and not over: from then on
the roster (``linli.alerts.roster.on_shift``) and so the escalation chain page the colleague.
The colleague hears of an offer, and the offerer of the answer, by app push after the commit.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.alerts.access import MANAGE, RESPOND
from linli.alerts.actions import colleague_may_stand_in
from linli.alerts.models import Shift, SwapOffer, SwapState
from linli.core import audit, gateways
from linli.core.access import PermissionDenied, allows
from linli.core.text import has_control_characters, strip_invisible


def _error(field: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code, params=params or None)]})


def _name(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


def _tell(user: Any, title: str, body: str, offer: SwapOffer) -> None:
    transaction.on_commit(partial(gateways.send_app_push, user, title, body, purpose=f"alert-swap:{offer.pk}",
                                  path=offer.path))


def _when(shift: Shift) -> str:
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return f"{start:%m-%d %H:%M}–{end:%H:%M}"


def may_stand_in(user: Any, shift: Shift) -> bool:
    """A colleague who may take the shift: of the same grid's team (or, for community duty,
    answering alerts across the community), and answering alerts where the shift is."""
    return colleague_may_stand_in(user, shift.community, shift.grid) and allows(user, RESPOND, shift)


def _open_shift(shift: Shift) -> Shift:
    locked = Shift.objects.select_for_update(of=("self",)).select_related("community", "grid", "user").get(pk=shift.pk)
    if locked.ends_at <= timezone.now():
        raise _error("shift", _("This shift is over."), "over")
    return locked


@transaction.atomic
def do_offer_swap(shift: Shift, *, acting_user: Any, to: Any, note: str = "") -> SwapOffer:
    """The person on call offers her shift to a colleague."""
    if shift.user_id != getattr(acting_user, "pk", None) or not allows(acting_user, RESPOND, shift):
        raise PermissionDenied(RESPOND)
    shift = _open_shift(shift)
    if shift.user_id != acting_user.pk:
        raise _error("shift", _("This shift is no longer yours."), "not_yours")
    if to is None or to.pk == acting_user.pk or not may_stand_in(to, shift):
        raise _error("to", _("%(name)s cannot be on call here."), "not_colleague",
                     name=_name(to) if to is not None else "—")
    text = strip_invisible(note or "").strip()
    if has_control_characters(text) or len(text) > 200:
        raise _error("note", _("At most %(limit)d characters, without control characters."), "note", limit=200)
    try:
        with transaction.atomic():
            offer = SwapOffer.objects.create(shift=shift, path=shift.path, offered_by=acting_user, offered_to=to,
                                             note=text)
    except IntegrityError:
        raise _error("shift", _("This shift is already offered to a colleague."), "already_offered") from None
    audit.record("alert.swap_offer", actor=acting_user, obj=offer, detail={"shift": shift.pk, "to": to.pk})
    _tell(to, gettext("Shift swap offered"), f"{_name(acting_user)}: {_when(shift)}", offer)
    return offer


def _locked_offer(offer: SwapOffer) -> SwapOffer:
    locked = SwapOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
    if locked.state != SwapState.OFFERED:
        raise _error("state", _("This swap offer was already answered or cancelled."), "answered")
    return locked


@transaction.atomic
def do_answer_swap(offer: SwapOffer, *, acting_user: Any, accept: bool) -> SwapOffer:
    """The colleague accepts (the shift becomes hers) or declines."""
    if offer.offered_to_id != getattr(acting_user, "pk", None) or not allows(acting_user, RESPOND, offer):
        raise PermissionDenied(RESPOND)
    offer = _locked_offer(offer)
    shift = _open_shift(offer.shift)
    now = timezone.now()
    if accept:
        if shift.user_id != offer.offered_by_id:
            raise _error("shift", _("This shift has changed hands since it was offered."), "changed")
        if not may_stand_in(acting_user, shift):
            raise _error("to", _("%(name)s cannot be on call here."), "not_colleague", name=_name(acting_user))
        shift.swapped_from, shift.user = shift.user, acting_user
        shift.save(update_fields=["swapped_from", "user", "updated_at"])
    offer.state = SwapState.ACCEPTED if accept else SwapState.DECLINED
    offer.answered_at, offer.answered_by = now, acting_user
    offer.save(update_fields=["state", "answered_at", "answered_by"])
    audit.record("alert.swap_accept" if accept else "alert.swap_decline", actor=acting_user, obj=offer,
                 detail={"shift": shift.pk, "from": offer.offered_by_id, "to": acting_user.pk})
    title = gettext("Shift swap accepted") if accept else gettext("Shift swap declined")
    _tell(offer.offered_by, title, f"{_name(acting_user)}: {_when(shift)}", offer)
    return offer


@transaction.atomic
def do_cancel_swap(offer: SwapOffer, *, acting_user: Any) -> SwapOffer:
    """The office cancels an offer not yet answered; the offerer may withdraw her own."""
    own = offer.offered_by_id == getattr(acting_user, "pk", None) and allows(acting_user, RESPOND, offer)
    if not own and not allows(acting_user, MANAGE, offer):
        raise PermissionDenied(MANAGE)
    offer = _locked_offer(offer)
    offer.state, offer.answered_at, offer.answered_by = SwapState.CANCELLED, timezone.now(), acting_user
    offer.save(update_fields=["state", "answered_at", "answered_by"])
    audit.record("alert.swap_cancel", actor=acting_user, obj=offer, detail={"shift": offer.shift_id, "own": own})
    for user in {offer.offered_by, offer.offered_to} - {acting_user}:
        _tell(user, gettext("Shift swap cancelled"), _when(offer.shift), offer)
    return offer
