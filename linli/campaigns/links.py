"""The households' own short links (/c/<token>/, no sign-in): one per household of a campaign,
signed like the notices' links, and sent by text message when the campaign uses links."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from linli.campaigns.models import Campaign, Channel, Status, Target, TargetStatus
from linli.core import gateways
from linli.notices import tokens

SALT = "linli.campaigns.household"
PURPOSE = "campaign questions to households (摸排、问卷)"
BATCH = 2000


def token(target_id: int) -> str:
    return tokens.sign(SALT, target_id)


def read(value: str) -> int | None:
    return tokens.read(SALT, value)


def url(target_id: int) -> str:
    base = str(getattr(settings, "LINLI_PUBLIC_URL", "") or "").rstrip("/")
    return base + reverse("campaign_link", kwargs={"token": token(target_id)})


def send(campaign_id: int) -> int:
    """Text every open household its link (to the person asked, else its eldest adult)."""
    from linli.campaigns.actions import phones_of

    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status != Status.RUNNING or Channel.LINK not in campaign.channels:
        return 0
    rows = Target.objects.filter(campaign=campaign, status__in=[TargetStatus.WAITING, TargetStatus.KNOCK])
    sent, last = 0, 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return sent
        last = batch[-1].pk
        phones = phones_of(batch)
        # One batch to the gateway, its audit events written together (decision 0041).
        outgoing = [gateways.Outgoing(phones[t.pk], f"【{campaign.title}】请点击链接回答几个问题：{url(t.pk)}"
                                      [: gateways.MAX_TEXT], t.path) for t in batch if phones[t.pk]]
        sent += sum(1 for result in gateways.send_batch(gateways.SMS, outgoing, purpose=PURPOSE)
                    if not isinstance(result, gateways.GatewayError))
