"""Telling residents who took part that their consultation or proposal has an answer: a
notification to their phone app through the app push gateway (``linli.core.gateways``, the
console backend in the demo; every message audited there). Their page also marks what is new
(``Participant.told_at``), so a resident without the app sees it at her next visit."""

from __future__ import annotations

from django.urls import reverse

from linli.consult.models import Participant
from linli.core import gateways

PURPOSE = "consultation answer to participants (协商答复)"


def tell(consultation_id: int, participant_ids: list[int], title: str, body: str) -> dict[str, int]:
    counts = {"sent": 0, "no_account": 0, "failed": 0}
    link = reverse("consult:take_part", kwargs={"pk": consultation_id})
    rows = (Participant.objects.filter(consultation_id=consultation_id, pk__in=participant_ids)
            .select_related("user").order_by("pk"))
    for participant in rows:
        user = participant.user
        if user is None or not user.is_active:
            counts["no_account"] += 1
            continue
        try:
            gateways.send_app_push(user, title, f"{body} {link}"[: gateways.MAX_TEXT], purpose=PURPOSE,
                                   path=participant.path)
        except gateways.GatewayError:
            counts["failed"] += 1
        else:
            counts["sent"] += 1
    return counts
