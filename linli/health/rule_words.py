"""The health-code rules in words, for the health staff who read them.

A rule set is JSON (``linli.health.rules``); people read "14 天内核酸检测阳性 → 红码，需隔离 14
天". The facts the rules read each get a phrase here; a condition this module cannot put in
words (an operator or a fact added later) falls back to the facts' descriptions and symbols,
never to the JSON itself, which stays in the page's technical details for the rule's author.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from linli.health import rules

# What a yes/no fact says when it holds, and when it does not.
_TRUE = {
    "confirmed": (gettext_lazy("is a confirmed case"), gettext_lazy("is not a confirmed case")),
    "missed_checkin": (gettext_lazy("has not checked in by today's deadline"),
                       gettext_lazy("has checked in today")),
    "quarantine_completed": (gettext_lazy("has no quarantine still running"),
                             gettext_lazy("is still in quarantine")),
    "last_test_negative": (gettext_lazy("the latest test was negative"),
                           gettext_lazy("the latest test was not negative")),
}
# What happened, for the facts counting the days since an event.
_EVENTS = {
    "days_since_positive_test": gettext_lazy("tested positive"),
    "days_since_close_contact": gettext_lazy("was a close contact of a confirmed case"),
    "days_since_secondary_contact": gettext_lazy("was a secondary contact (a contact of a close contact)"),
    "days_since_high_risk_arrival": gettext_lazy("arrived from a medium- or high-risk area"),
    "days_since_last_negative_test": gettext_lazy("had a negative test"),
}
_TEMPERATURES = {"max_temperature_today": gettext_lazy("today's highest temperature")}
COLOURS = {"red": pgettext_lazy("health code", "red code"), "yellow": pgettext_lazy("health code", "yellow code"),
           "green": pgettext_lazy("health code", "green code")}
_SYMBOLS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _var(node: Any) -> str | None:
    """The fact a ``{"var": name}`` node reads, or None."""
    if isinstance(node, dict) and len(node) == 1 and "var" in node:
        args = node["var"] if isinstance(node["var"], list) else [node["var"]]
        return str(args[0]) if args else None
    return None


def _value(node: Any, params: dict[str, Any]) -> Any:
    """A literal, or a rule set parameter's value; None for anything computed."""
    if isinstance(node, dict) and len(node) == 1 and "param" in node:
        args = node["param"] if isinstance(node["param"], list) else [node["param"]]
        return params.get(str(args[0])) if args else None
    if isinstance(node, bool) or node is None or isinstance(node, int | float | str):
        return node
    return None


def fact_label(name: str, english: bool) -> str:
    """A fact by its description, in the reader's language."""
    fact = rules.FACTS.get(name)
    return (fact.en if english else fact.zh) if fact else name


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _comparison(op: str, name: str, value: Any, english: bool) -> str | None:
    """``days_since_x <= 14`` and the like in a sentence; None when there is no phrase for it."""
    fact = rules.FACTS.get(name)
    if fact is None or value is None or isinstance(value, bool):
        if fact is not None and fact.type == "bool" and isinstance(value, bool) and op in ("==", "!="):
            holds = value if op == "==" else not value
            phrases = _TRUE.get(name)
            if phrases:
                return str(phrases[0] if holds else phrases[1])
        return None
    if fact.type == "days|null" and name in _EVENTS and isinstance(value, int):
        event = _EVENTS[name]
        if op == "<":
            op, value = "<=", value - 1
        if op == "<=" and value == 0 or op == "==" and value == 0:
            return _("%(event)s today") % {"event": event}
        if op == "<=":
            return _("%(event)s in the last %(days)s days") % {"event": event, "days": value}
        if op == ">":
            op, value = ">=", value + 1
        if op == ">=":
            return _("%(event)s at least %(days)s days ago") % {"event": event, "days": value}
        if op == "==":
            return _("%(event)s %(days)s days ago") % {"event": event, "days": value}
        return None
    if fact.type == "°C|null" and isinstance(value, int | float) and op in (">=", ">", "<", "<="):
        words = {">=": _("%(fact)s is %(value)s °C or more"), ">": _("%(fact)s is above %(value)s °C"),
                 "<": _("%(fact)s is below %(value)s °C"), "<=": _("%(fact)s is %(value)s °C or less")}[op]
        label = _TEMPERATURES.get(name) or fact_label(name, english)
        return words % {"fact": label, "value": _number(value)}
    if name == "consecutive_normal_checkins" and op == ">=" and isinstance(value, int):
        return _("at least %(n)s normal check-ins in a row") % {"n": value}
    if fact.type == "colour|null" and op in ("==", "!=") and value in COLOURS:
        words = _("the previous decision was a %(colour)s") if op == "==" else \
            _("the previous decision was not a %(colour)s")
        return words % {"colour": COLOURS[value]}
    return None


def condition(node: Any, params: dict[str, Any], english: bool) -> str:
    """A rule's ``when`` in words, in the active language."""
    if isinstance(node, dict) and len(node) == 1:
        op, args = next(iter(node.items()))
        args = args if isinstance(args, list) else [args]
        name = _var(node)
        if name is not None:  # a yes/no fact on its own: it holds
            phrases = _TRUE.get(name)
            return str(phrases[0]) if phrases else fact_label(name, english)
        if op == "!" and args and _var(args[0]) in _TRUE:
            return str(_TRUE[str(_var(args[0]))][1])
        if op in _SYMBOLS and len(args) == 2:
            left, right = _var(args[0]), _var(args[1])
            if left is not None and right is None:
                said = _comparison(op, left, _value(args[1], params), english)
                if said:
                    return said
            return f" {_SYMBOLS[op]} ".join(_operand(a, params, english) for a in args)
        if op in ("and", "or"):
            word = _(" and ") if op == "and" else _(" or ")
            return word.join(f"（{condition(a, params, english)}）" if _is_group(a) else condition(a, params, english)
                             for a in args)
        if op == "!" and args:
            return _("not (%(condition)s)") % {"condition": condition(args[0], params, english)}
        if op == "!!" and args:
            return condition(args[0], params, english)
    return _operand(node, params, english)


def _is_group(node: Any) -> bool:
    return isinstance(node, dict) and next(iter(node), "") in ("and", "or")


def _operand(node: Any, params: dict[str, Any], english: bool) -> str:
    name = _var(node)
    if name is not None:
        return fact_label(name, english)
    value = _value(node, params)
    if node is True:
        return _("yes")
    if node is False:
        return _("no")
    if value is None and node is None:
        return _("(none)")
    if value is not None:
        return str(COLOURS.get(value, value)) if isinstance(value, str) else _number(value)
    if isinstance(node, dict):
        return condition(node, params, english)
    return json.dumps(node, ensure_ascii=False)


def outcome(colour: str, days: Any) -> str:
    """What a rule gives: "红码，需隔离 14 天"."""
    said = str(COLOURS.get(colour, colour))
    if isinstance(days, int) and not isinstance(days, bool) and days > 0:
        return pgettext("a rule's outcome", "%(colour)s, %(days)s days of quarantine") % {"colour": said,
                                                                                            "days": days}
    return said


def rule_line(rule: dict[str, Any], params: dict[str, Any], english: bool) -> str:
    """One rule: "14 天内核酸检测阳性 → 红码，需隔离 14 天"."""
    return f"{condition(rule.get('when'), params, english)} → {outcome(str(rule.get('colour', '')), rule.get('quarantine_days'))}"


def fact_hint(fact_type: str) -> str:
    """How to fill in a fact on the test bench, in words."""
    hints = {
        "days|null": _("Days ago (0 is today); leave empty if it never happened."),
        "°C|null": _("In °C; leave empty if nobody took a temperature today."),
        "count": _("Number of days."),
    }
    return hints.get(fact_type, "")
