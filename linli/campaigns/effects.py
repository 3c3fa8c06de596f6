"""What an answer does outside the campaign, always through the owning app's own action (each
checks its permission, is atomic and audited): a health check-in (``health.do_check_in``),
a request or a visit need (``tickets.do_submit``: a visit need is a request of the 为老服务
category, routed to the household's grid), the house's usage (``people.do_set_house_usage``).

The acting user is whoever recorded the answer (a grid worker's knock), else the campaign's
author (calls, links and pages run in her name). An effect that cannot be applied (no person
to check in, the actor may not) is recorded on the answer with the reason, never half done.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linli.campaigns.models import Answer, ApplyState, Effect, Target
from linli.core.access import PermissionDenied

log = logging.getLogger(__name__)

VISIT_CATEGORY = "elderly"
REQUEST_CATEGORY = "other"
USAGES = {"自住": "owner", "出租": "rented", "空置": "vacant", "商用": "commercial"}
SOURCES = {"call": "phone", "knock": "visit", "link": "app", "page": "app"}
BATCH = 500


def wants(effect: str, value: Any) -> bool:
    """Whether an answer with this value has something to do."""
    if effect in (Effect.REQUEST, Effect.VISIT):
        return value is True
    if effect == Effect.CHECK_IN:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if effect == Effect.HOUSE_USAGE:
        return str(value).split("|")[0] in USAGES
    return False


def _fever(target: Target) -> bool:
    return Answer.objects.filter(target=target, question__effect=Effect.FEVER, value=True).exists()


def _check_in(answer: Answer, actor: Any) -> str:
    from linli.health.actions import do_check_in
    from linli.health.models import Channel

    target = answer.target
    if target.person is None:
        raise ValidationError("no person to check in")
    channel = Channel.ON_BEHALF
    checkin = do_check_in(target.person, acting_user=actor, temperature=Decimal(str(answer.value)),
                          symptoms=["fever"] if _fever(target) else [], channel=channel,
                          whereabouts=f"{target.campaign.title}"[:500], day=timezone.localdate())
    return f"health.checkin:{checkin.pk}"


def _request(answer: Answer, actor: Any, category_code: str) -> str:
    from linli.tickets.actions import NewTicket, do_submit
    from linli.tickets.models import Category

    target, question = answer.target, answer.question
    category = Category.objects.filter(code=category_code, active=True).first()
    if category is None:
        raise ValidationError(f"no active request category {category_code!r}")
    words = f"{target.campaign.title}：{question.text} — {answer.heard or '是'}"
    ticket = do_submit(NewTicket(category=category, place=target.house, description=words[:500],
                                 source=SOURCES.get(answer.channel, "visit"), person=target.person),
                       acting_user=actor)
    return f"tickets.ticket:{ticket.pk}"


def _usage(answer: Answer, actor: Any) -> str:
    from linli.people.actions import do_set_house_usage

    house = do_set_house_usage(answer.target.house, USAGES[str(answer.value)], acting_user=actor)
    return f"places.place:{house.pk}"


def apply_one(answer: Answer) -> str:
    """Apply one confirmed answer; returns the state it ends in."""
    actor = answer.by or answer.target.campaign.created_by
    effect = answer.question.effect
    try:
        with transaction.atomic():
            if effect == Effect.CHECK_IN:
                ref = _check_in(answer, actor)
            elif effect == Effect.REQUEST:
                ref = _request(answer, actor, answer.question.category or REQUEST_CATEGORY)
            elif effect == Effect.VISIT:
                ref = _request(answer, actor, answer.question.category or VISIT_CATEGORY)
            elif effect == Effect.HOUSE_USAGE:
                ref = _usage(answer, actor)
            else:
                ref = ""
    except (ValidationError, PermissionDenied) as exc:
        reason = "; ".join(getattr(exc, "messages", None) or [str(exc) or type(exc).__name__])
        Answer.objects.filter(pk=answer.pk).update(apply_state=ApplyState.FAILED, apply_error=reason[:300])
        log.info("campaign answer %s not applied: %s", answer.pk, reason)
        return ApplyState.FAILED
    Answer.objects.filter(pk=answer.pk).update(apply_state=ApplyState.APPLIED, applied_to=ref)
    return ApplyState.APPLIED


def apply_pending(campaign_id: int | None = None, limit: int = 5000) -> dict[str, int]:
    """Apply the confirmed answers waiting for their effect (the task worker runs this)."""
    rows = Answer.objects.filter(apply_state=ApplyState.PENDING, needs_review=False)
    if campaign_id is not None:
        rows = rows.filter(target__campaign_id=campaign_id)
    counts: dict[str, int] = {ApplyState.APPLIED: 0, ApplyState.FAILED: 0}
    # check-ins last: a fever answered in the same call is then already in
    ordered = rows.select_related("question", "target__campaign__created_by", "target__person", "target__house",
                                  "by").order_by("target_id", "question__number")[:limit]
    for answer in ordered:
        counts[apply_one(answer)] += 1
    return {"applied": counts[ApplyState.APPLIED], "failed": counts[ApplyState.FAILED]}
