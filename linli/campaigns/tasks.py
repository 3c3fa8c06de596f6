"""Background work for campaigns (Huey): `linli worker` runs it, `linli demo` starts it.

Starting a campaign sends its links and begins the calls at once; every minute the clock
calls the households whose retry is due, hands over those whose calls or link went
unanswered, and applies the confirmed answers. The calls of one campaign are placed by one
worker at a time (a task lock), paced at ``LINLI_CAMPAIGN_CALLS_PER_SECOND`` (500: seed 000's
"一秒可以自动拨打 500 个电话").
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from linli.campaigns import actions, effects, links
from linli.campaigns.models import Campaign, Status
from linli.core import context

log = logging.getLogger(__name__)


def calls_per_second() -> int:
    return max(1, int(getattr(settings, "LINLI_CAMPAIGN_CALLS_PER_SECOND", 500) or 500))


def dial(campaign_id: int, *, rate: int | None = None, limit: int | None = None, keep_truths: bool = False,
         late: list[float] | None = None) -> actions.CallBatch:
    """Call every household whose call is due, ``rate`` calls a second, in batches of one
    second's calls, keeping to the schedule from the first call (a slow batch is made up by
    the next ones); returns what was done (``late``: filled with how far behind the schedule
    each batch ended, in seconds, for measuring whether the pace holds)."""
    rate = rate or calls_per_second()
    total = actions.CallBatch()
    campaign = Campaign.objects.get(pk=campaign_id)
    questions = list(campaign.questions.order_by("number"))
    began = time.monotonic()
    while campaign.status == Status.RUNNING and (limit is None or total.calls < limit):
        now = timezone.now()
        due = actions.due_calls(campaign, now, rate if limit is None else min(rate, limit - total.calls))
        if not due:
            break
        made = actions.call_batch(campaign, questions, due, now, keep_truths=keep_truths)
        for name in ("calls", "answered", "answers", "uncertain", "handed_over"):
            setattr(total, name, getattr(total, name) + getattr(made, name))
        total.truths += made.truths
        spare = total.calls / rate - (time.monotonic() - began)
        if spare > 0:
            time.sleep(spare)
        elif late is not None:
            late.append(-spare)
        campaign.refresh_from_db(fields=["status"])
    return total


def run(campaign_id: int) -> dict[str, int]:
    """One pass over a running campaign: hand-overs, due calls, effects of confirmed answers."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=Status.RUNNING).first()
    if campaign is None:
        return {}
    token = context.set_current(context.RequestContext(channel="task"))
    try:
        with HUEY.lock_task(f"campaign-calls-{campaign_id}"):
            handed = actions.hand_over_due(campaign, timezone.now())
            made = dial(campaign_id) if campaign.plan().calls else actions.CallBatch()
    except TaskLockedException:
        log.info("campaign %s: another worker is calling", campaign_id)
        return {}
    finally:
        context.reset(token)
    applied = effects.apply_pending(campaign_id)
    return {"calls": made.calls, "answered": made.answered, "handed_over": handed + made.handed_over, **applied}


@db_task()
def start_task(campaign_id: int) -> dict[str, int]:
    sent = links.send(campaign_id)
    return {**run(campaign_id), "links": sent}


def after_start(campaign_id: int) -> None:
    start_task(campaign_id)


@db_task()
def apply_task(campaign_id: int) -> dict[str, int]:
    return effects.apply_pending(campaign_id)


def apply_answers(campaign_id: int) -> None:
    apply_task(campaign_id)


@db_periodic_task(crontab())
def run_campaigns() -> int:
    """Every minute: the retries that are due, hand-overs to grid workers, answers' effects."""
    ids = list(Campaign.objects.filter(status=Status.RUNNING).values_list("pk", flat=True))
    for campaign_id in ids:
        run(campaign_id)
    return len(ids)
