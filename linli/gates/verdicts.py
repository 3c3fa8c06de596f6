"""What the gate decides and says: one table shared by the server and the gate's JavaScript.

The pass checks themselves are ``linli.health.passes`` (and their JavaScript twin in
``static/gates/passcheck.js``). This module adds the gate's own reasons (colour, fever,
visitor, manual decision) and maps every reason to a verdict. The page embeds
:func:`gate_table` as JSON, so the browser and the server cannot disagree.

Messages are fixed (Chinese, English) pairs like ``passes.MESSAGES``: the gate shows both at
once, the Chinese large, whatever the interface language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from linli.health import passes

PASS, DENY, REFER = "pass", "deny", "refer"
VERDICTS: Final = (PASS, DENY, REFER)

# 37.3 °C is the usual threshold at Shanghai compound gates in 2020–2022.
FEVER_THRESHOLD: Final = Decimal("37.3")
TEMPERATURE_MIN: Final = Decimal("30.0")
TEMPERATURE_MAX: Final = Decimal("45.0")

# The gate's own reasons, added to the pass-check reasons of passes.MESSAGES.
GATE_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "yellow": ("黄码：请工作人员核实后决定是否放行", "Yellow code: staff must check before letting the person in"),
    "red": ("红码：不得进入，请联系社区工作人员", "Red code: entry refused; contact the community staff"),
    "fever": ("体温偏高（≥37.3 °C）：不得进入，请到临时留观点复测",
              "Temperature 37.3 °C or higher: entry refused; re-measure at the observation point"),
    "visitor": ("访客已登记", "Visitor registered"),
    "manual": ("值守人员人工判断", "Decided by the person on duty"),
    "trust_list_missing": ("本机还没有信任名单，请联网后刷新本页",
                           "This device has no trust list yet; go online and reload this page"),
}
MESSAGES: Final[dict[str, tuple[str, str]]] = {**passes.MESSAGES, **GATE_MESSAGES}
REASONS: Final = frozenset(MESSAGES)

# The gate cannot check anything without a usable trust list: staff decide (refer).
_CANNOT_CHECK: Final = frozenset({"trust_list_stale", "trust_list_invalid", "trust_list_missing"})

# reason -> (verdict, colour shown on the screen). "ok" is a valid green pass.
RULES: Final[dict[str, tuple[str, str]]] = {
    "ok": (PASS, "green"),
    "yellow": (REFER, "yellow"),
    "red": (DENY, "red"),
    "fever": (DENY, "yellow"),
    "visitor": (PASS, "green"),
    **{reason: (REFER, "yellow") for reason in _CANNOT_CHECK},
    **{reason: (DENY, "red") for reason in passes.REASONS - _CANNOT_CHECK - {"ok"}},
}

VERDICT_WORDS: Final[dict[str, tuple[str, str]]] = {
    PASS: ("通行", "PASS"),
    DENY: ("禁止通行", "DENY"),
    REFER: ("请找工作人员", "SEE STAFF"),
}

# Which reasons each kind of event may carry.
KIND_REASONS: Final[dict[str, frozenset[str]]] = {
    "scan": frozenset(passes.REASONS | {"yellow", "red", "fever", "trust_list_missing"}),
    "visitor": frozenset({"visitor", "fever"}),
    "manual": frozenset({"manual"}),
}


def is_fever(temperature: Decimal | None) -> bool:
    return temperature is not None and temperature >= FEVER_THRESHOLD


def scan_reason(check: str, colour: str | None, temperature: Decimal | None) -> str:
    """The gate's reason for a pass checked with outcome ``check`` (a passes reason):
    a bad pass first, then red, fever, yellow. gate.js decides the same way."""
    if check != "ok":
        return check
    if colour == "red":
        return "red"
    if is_fever(temperature):
        return "fever"
    return "yellow" if colour == "yellow" else "ok"


def expected_verdict(reason: str) -> str | None:
    """The verdict the gate must show for ``reason``; None for a manual decision (any)."""
    rule = RULES.get(reason)
    return rule[0] if rule else None


def gate_table() -> dict[str, Any]:
    """Everything the gate's JavaScript needs to decide and explain, as JSON."""
    return {
        "messages": MESSAGES,
        "rules": RULES,
        "words": VERDICT_WORDS,
        "fever": str(FEVER_THRESHOLD),
        "temperature_range": [str(TEMPERATURE_MIN), str(TEMPERATURE_MAX)],
    }
