"""Notices leaving the platform: a text message or a voice call to one adult of each
household, with the household's own short link, through the pluggable gateways
(``linli.core.gateways``: the console backend in the demo; every message audited there with
the number masked). Sent by the task worker after the publishing commits."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from linli.core import gateways
from linli.notices import tokens
from linli.notices.models import ElderContact, Notice, NoticeHousehold, Status
from linli.people.models import Person

SMS, CALL = gateways.SMS, gateways.CALL
CHANNELS = (SMS, CALL)
ADULT_AGE = 18
BATCH = 2000
PURPOSE = "notice to households (通知送达)"


def link(household_id: int) -> str:
    """The household's short link, absolute when ``LINLI_PUBLIC_URL`` names the site."""
    return _link_prefix() + tokens.household_token(household_id) + "/"


def _link_prefix() -> str:
    base = str(getattr(settings, "LINLI_PUBLIC_URL", "") or "").rstrip("/")
    return base + reverse("notice_link", kwargs={"token": "t"})[:-2]


def _adult_born_by(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ADULT_AGE, day=28)


def _phones(house_ids: list[int], today: datetime.date) -> dict[int, str]:
    """house → the phone of its eldest adult resident who has one. The phones are sealed: only
    the chosen resident's is read (and unsealed), not every adult's."""
    eldest: dict[int, int] = {}
    rows = (Person.objects.filter(current_house_id__in=house_ids, is_active=True, birth_date__lte=_adult_born_by(today))
            .exclude(phone="").order_by("current_house_id", "birth_date", "pk").values_list("current_house_id", "pk"))
    for house, pk in rows:
        if house is not None:
            eldest.setdefault(house, pk)
    chosen = {pk: house for house, pk in eldest.items()}
    return {chosen[pk]: phone for pk, phone in Person.objects.filter(pk__in=list(chosen)).values_list("pk", "phone")
            if phone}


def _batches(notice: Notice, channel: str, only_reread: bool, contact: str | None
             ) -> Iterator[list[tuple[int, int, str]]]:
    """(household, house, path) of the households to send to, a batch at a time. Elders'
    households their community has called or visited instead get no text with the link; those
    to be visited get no call either (``contact``: only the households reached so)."""
    rows = NoticeHousehold.objects.filter(notice=notice)
    rows = rows.filter(reread=True) if only_reread else rows.filter(reached_at__isnull=True)
    if contact is not None:
        rows = rows.filter(contact=contact)
    elif channel == gateways.SMS:
        rows = rows.filter(contact=ElderContact.LINK)
    else:
        rows = rows.exclude(contact=ElderContact.VISIT)
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", "house_id", "path")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def text_for(notice: Notice, household_id: int, only_reread: bool, url: str = "") -> str:
    head = "【更正】" if only_reread else "【通知】"
    return f"{head}{notice.title}。请点击链接阅读并确认已知晓：{url or link(household_id)}"[: gateways.MAX_TEXT]


def send(notice_id: int, channel: str, only_reread: bool = False, contact: str | None = None) -> dict[str, int]:
    """Send to every household not yet reached (or, after a correction, asked to read it again),
    a batch of households at a time through the gateway's batch interface."""
    notice = Notice.objects.get(pk=notice_id)
    counts = {"sent": 0, "no_phone": 0, "failed": 0}
    if notice.status != Status.PUBLISHED or channel not in CHANNELS:
        return counts
    today = timezone.localdate()
    prefix = _link_prefix()
    for batch in _batches(notice, channel, only_reread, contact):
        phones = _phones([house for _, house, _ in batch], today)
        wanted = [(pk, house, path) for pk, house, path in batch if phones.get(house)]
        links = tokens.household_tokens([pk for pk, _, _ in wanted])
        outgoing = [gateways.Outgoing(phones[house], text_for(notice, pk, only_reread, f"{prefix}{token}/"), path)
                    for (pk, house, path), token in zip(wanted, links, strict=True)]
        counts["no_phone"] += len(batch) - len(outgoing)
        for result in gateways.send_batch(channel, outgoing, purpose=PURPOSE):
            counts["failed" if isinstance(result, gateways.GatewayError) else "sent"] += 1
    return counts


def send_after_commit(notice_id: int, channel: str, only_reread: bool = False, contact: str | None = None) -> None:
    from linli.notices.tasks import send_notice

    transaction.on_commit(lambda: send_notice(notice_id, channel, only_reread, contact))
