"""Shared by the gate tests: a gate in the test street, shifts, and events as the browser sends them."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import cbor2
from django.utils import timezone

from linli.conftest import Street
from linli.gates import actions
from linli.gates.models import DutyShift, Gate
from linli.health import passes


def compound_of(street: Street) -> Any:
    return street.grid_building.parent


def make_gate(street: Street, name: str = "东门") -> Gate:
    return actions.do_create_gate(compound_of(street), name, acting_user=street.secretary)


def put_on_duty(gate: Gate, user: Any, *, hours_ago: float = 1, hours_left: float = 7) -> DutyShift:
    now = timezone.now()
    return DutyShift.objects.create(gate=gate, user=user, starts_at=now - datetime.timedelta(hours=hours_ago),
                                    ends_at=now + datetime.timedelta(hours=hours_left))


def read_pass(code: str) -> tuple[str, str]:
    """The subject and pass reference a gate reads from a valid pass."""
    envelope = cbor2.loads(passes.b45decode(code[len(passes.PREFIX):]))
    claims = cbor2.loads(envelope.value[2])
    return claims[passes.CLAIM_SUB], passes.revocation_id(claims[passes.CLAIM_CTI]).hex()


def event(kind: str = "scan", **fields: Any) -> dict[str, Any]:
    """An event as gate.js sends it; by default a green pass let in (naming no pass: give it a
    ``subject`` and ``pass_ref``, or use :func:`scan_of`, for one the server accepts)."""
    base: dict[str, Any] = {
        "client_id": str(uuid.uuid4()), "kind": kind, "verdict": "pass", "reason": "ok", "colour": "green",
        "temperature": None, "subject": "", "pass_ref": "", "note": "", "visitor": None,
        "occurred_at": timezone.now().isoformat(),
    }
    if kind == "visitor":
        base.update(reason="visitor", colour="", visitor={
            "name": "访客甲", "phone": "13912345678", "purpose": "探亲访友", "visiting": "3号楼201室"})
    if kind == "manual":
        base.update(reason="manual", colour="", verdict="refer", note="老人无手机，已电话核实")
    base.update(fields)
    return base


def scan_of(person: Any, colour: str = "green", **fields: Any) -> dict[str, Any]:
    """A scan of a pass issued now to ``person``, as the gate sends it after reading it: by
    default the pass's colour, let in as the gate's rules say (fields override)."""
    from linli.health import keys

    code, _issued = keys.issue_for(person, colour, "default@3")
    subject, pass_ref = read_pass(code)
    reason, verdict = {"green": ("ok", "pass"), "yellow": ("yellow", "refer"), "red": ("red", "deny")}[colour]
    return event(**{"subject": subject, "pass_ref": pass_ref, "colour": colour, "reason": reason, "verdict": verdict,
                    **fields})
