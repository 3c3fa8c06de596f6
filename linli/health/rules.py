"""Health status (green / yellow / red) from declared, versioned rule sets.

Pure standard-library Python (no Django) so that the rules can be tested, benchmarked and run
by a test bench alone. The Django layer computes *facts* per person, keeps rule sets as JSON
documents and stores every :class:`Decision` (colour, rule-set id and version, reasons).

Expressions
===========
Rule conditions are JSON in the JsonLogic form ``{"op": [arg, ...]}`` (a single non-list
argument may be written bare: ``{"var": "confirmed"}``, ``{"!": x}``). Literals are ``null``,
booleans, finite numbers and strings; a JSON array evaluates element by element. Operators:

``var``        ``{"var": "a.b"}`` or ``{"var": ["a.b", default]}``: a dotted path into the facts
               (a numeric segment indexes a list). Missing or ``null`` gives the default, or
               ``null``. The path must be a literal string.
``param``      ``{"param": "consecutive_normal_checkins"}``: a number taken from the rule set
               document itself, fixed when it is compiled.
``==`` ``!=``  strict equality (no JavaScript coercion: ``1 != "1"``, ``true != 1``);
               ``null == null`` is true.
``<`` ``<=`` ``>`` ``>=``  two or three arguments (``{"<=": [0, x, 14]}`` is 0 <= x <= 14).
               If any argument is ``null`` the result is false. Numbers compare with numbers,
               strings with strings; anything else is an evaluation error.
``and`` ``or`` short-circuit; like JsonLogic they return the deciding value.
``!`` ``!!``   negation and truthiness. Falsy: ``null``, ``false``, ``0``, ``""``, ``[]``.
``if``         ``[cond, then, cond2, then2, ..., else]``; with no else the result is ``null``.
``in``         ``[needle, list]`` (strict equality) or ``[string, string]`` (substring);
               ``null`` on either side gives false.
``+`` ``-``    numbers only; ``null`` anywhere gives ``null`` (unknown stays unknown).
               ``-`` takes one argument (negation) or two.
``max`` ``min`` numbers, ignoring ``null`` (all ``null`` gives ``null``).
``missing``    ``{"missing": ["a", "b.c"]}``: the listed paths whose value is missing or
               ``null`` (a list, so it is truthy when anything is missing).

The evaluator never raises to its caller. Problems are found in two places:

* statically by :func:`validate_rule_set` (unknown operator, wrong number of arguments,
  unknown fact, non-finite number, nesting deeper than :data:`MAX_DEPTH` ...), and
* at evaluation time (for example comparing a string with a number, or a fact of the wrong
  type): the rule is reported as an *error*, never as "did not fire".

Rule set documents
==================
::

    {"id": "default", "version": 1, "title_zh": "...", "title_en": "...",
     "consecutive_normal_checkins": 3,
     "rules": [{"id": "close_contact", "colour": "red", "quarantine_days": 14,
                "when": {"<=": [{"var": "days_since_close_contact"}, 14]},
                "reason_zh": "...", "reason_en": "..."}, ...],
     "release": {"held_reason_zh": "...", "held_reason_en": "...",
                 "released_reason_zh": "...", "released_reason_en": "...",
                 "conditions": [{"id": "quarantine_completed",
                                 "when": {"var": "quarantine_completed"},
                                 "reason_zh": "...", "reason_en": "..."}, ...]},
     "green": {"reason_zh": "...", "reason_en": "..."}}

``id`` is a short identifier (1..12 of ``a-z 0-9 _ -``) and ``version`` 1..99999, so that
``<id>@<version>`` fits the 18 bytes a signed pass has for its rule set; rule and condition
ids are identifiers like ``close_contact`` (they are stored with every decision).
Rule colours are ``yellow`` or ``red`` (green is what remains when no rule fires);
``quarantine_days`` is an integer 0..28. Reason texts may contain the placeholder
``{consecutive_normal_checkins}``. A ``comment`` key is allowed anywhere; other unknown keys
are reported, because a misspelt key would otherwise be silently ignored.

Compared with the first design sketch, the release rule is a list of named conditions rather
than one expression, so that a resident whose code is held is told exactly which condition is
still missing ("还需要连续3天健康打卡正常。"), and N is written once (``param``).
:func:`validate_rule_set` reports a release section that does not use the parameter, since
changing N would then do nothing.

Evaluation
==========
Every rule is evaluated. The colour is the worst (red > yellow > green) among the rules that
fired, ``quarantine_days`` the largest among them, ``fired`` and ``reasons`` list them in rule
order. ``quarantine_days`` is the observation period that the *event* requires (counted by the
Django layer from the event's date, not from today: the close-contact rule fires every day of
the 14 days).

Hysteresis: if the rules give a milder colour than ``previous_colour``, the person keeps the
previous colour (``held``) unless every release condition holds (``released``, and the colour
becomes what the rules give, e.g. red → yellow while a yellow rule still fires). Reasons are:
the fired rules', then when held the held sentence and one sentence per unmet condition (ids
in ``unmet``), when released the released sentence, and the green sentence when the colour is
green and no rule fired. ``previous_colour`` ``null`` means "no earlier decision": no
hysteresis.

Errors: if anything goes wrong (a rule cannot be evaluated, a fact has the wrong type, the rule
set document itself has problems), the decision has ``error`` set and ``needs_review`` true so
that staff are alerted, and the colour never improves: it is the worst of the previous colour
and the rules that did fire, and yellow when there is no (valid) previous colour. It is never
silently green. Rules that read a fact of the wrong type are treated as failed; the other rules
are still evaluated, so a confirmed case with a malformed temperature is still red. The
resident's last reason then says that staff are checking her code.

The default rule set
====================
``default_rules.json``: red (14 days) for ``confirmed``, a positive test or a close contact
0..14 days ago (day 14 still counts, day 15 no longer); yellow (7 days of home health
monitoring) for a secondary contact or an arrival from a high-risk area 0..7 days ago; yellow
with no observation period (``quarantine_days`` 0) for a temperature of 37.3 °C or more today
and for a missed check-in, which are states of today rather than exposures. Release: the
quarantine or monitoring is over, ``consecutive_normal_checkins`` >= N (3) and the latest test
is negative and at most 2 days old (a negative test from before the exposure proves nothing).

Facts
=====
See :data:`FACTS` (name, type, description in both languages). Types: ``bool`` (``null`` is
read as false), ``days|null`` (a non-negative integer number of whole days since the event in
Asia/Shanghai, 0 being today, ``null`` when there was no such event), ``°C|null`` (a finite
float or int, not ``Decimal``), ``count`` (a non-negative integer), ``colour|null``. A fact
that is absent from the dict counts as ``null``. Facts that no rule reads are not checked.
A rule set may only read the facts in :data:`FACTS` unless ``known_facts`` says otherwise
(a misspelt fact would otherwise never fire).

Performance
===========
:func:`compile_rule_set` turns the expressions into nested Python closures once, and
:class:`CompiledRuleSet` reuses identical :class:`Decision` objects (they are frozen), so a
bulk recomputation costs a few microseconds per person. :func:`evaluate` also accepts a plain
document but then compiles it on every call.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any, Final, NamedTuple, TypeGuard

__all__ = [
    "COLOURS",
    "FACTS",
    "CompiledRule",
    "MAX_DEPTH",
    "OPERATORS",
    "CompiledRuleSet",
    "Decision",
    "EvaluationError",
    "Fact",
    "RuleTrace",
    "compile_rule_set",
    "evaluate",
    "explain",
    "load_default",
    "validate_rule_set",
]

#: Colours from mildest to worst.
COLOURS: Final = ("green", "yellow", "red")
_RANK: Final = {colour: rank for rank, colour in enumerate(COLOURS)}

#: Deepest expression nesting accepted (a bound on recursion, far above any real rule).
MAX_DEPTH: Final = 32
_MAX_NODES: Final = 2000  # per expression
_MAX_RULES: Final = 100
_MAX_CONDITIONS: Final = 20
_MAX_QUARANTINE_DAYS: Final = 28
_MAX_CHECKINS: Final = 28
_MAX_DECISION_CACHE: Final = 4096

#: Parameters that ``{"param": name}`` may read from the rule set document.
_PARAMS: Final = ("consecutive_normal_checkins",)


class Fact(NamedTuple):
    """One fact the Django layer supplies: its type and what it means, in both languages."""

    type: str
    zh: str
    en: str


#: Every fact the default rules read, for the Django layer and the test bench.
FACTS: Final[dict[str, Fact]] = {
    "confirmed": Fact("bool", "是否为确诊病例", "Is a confirmed case"),
    "days_since_positive_test": Fact(
        "days|null", "距最近一次核酸阳性结果的天数", "Days since the latest positive test"
    ),
    "days_since_close_contact": Fact(
        "days|null",
        "距最近一次作为密切接触者接触确诊病例的天数",
        "Days since the latest contact as a close contact of a confirmed case",
    ),
    "days_since_secondary_contact": Fact(
        "days|null",
        "距最近一次作为次密切接触者（密接的密接）的天数",
        "Days since the latest contact as a secondary contact (contact of a close contact)",
    ),
    "days_since_high_risk_arrival": Fact(
        "days|null",
        "距从中高风险地区来（返）本地的天数",
        "Days since arriving from a medium- or high-risk area",
    ),
    "max_temperature_today": Fact(
        "°C|null", "今日打卡和测温中的最高体温", "Highest temperature recorded today"
    ),
    "missed_checkin": Fact(
        "bool",
        "今日打卡截止时间已过但尚未健康打卡",
        "Today's check-in deadline has passed without a check-in",
    ),
    "previous_colour": Fact(
        "colour|null",
        "上一次判定的健康码颜色（从未判定为空）",
        "Colour of the previous decision (null if there was none)",
    ),
    "quarantine_completed": Fact(
        "bool",
        "没有未结束的隔离（从未隔离也为是）",
        "No quarantine is still running (true if there never was one)",
    ),
    "consecutive_normal_checkins": Fact(
        "count",
        "截至今天连续正常健康打卡的天数",
        "Consecutive days, up to today, with a normal health check-in",
    ),
    "last_test_negative": Fact(
        "bool", "最近一次核酸检测结果为阴性", "The latest test result is negative"
    ),
    "days_since_last_negative_test": Fact(
        "days|null", "距最近一次核酸阴性结果的天数", "Days since the latest negative test"
    ),
}


_NUMBER_TYPES: Final = frozenset({int, float})


def _check_bool(value: Any) -> bool:
    return value is None or type(value) is bool


def _check_days(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _check_count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _check_temperature(value: Any) -> bool:
    return value is None or (type(value) in _NUMBER_TYPES and math.isfinite(value))


def _check_colour(value: Any) -> bool:
    return value is None or (type(value) is str and value in _RANK)


_NONE_TYPE: Final = type(None)

# Fact type → (types that need no further check, the full check).
_FACT_CHECKS: Final[dict[str, tuple[frozenset[type], Callable[[Any], bool]]]] = {
    "bool": (frozenset({_NONE_TYPE, bool}), _check_bool),
    "days|null": (frozenset({_NONE_TYPE}), _check_days),
    "count": (frozenset({_NONE_TYPE}), _check_count),
    "°C|null": (frozenset({_NONE_TYPE, int}), _check_temperature),
    "colour|null": (frozenset({_NONE_TYPE}), _check_colour),
}

Facts = dict[str, Any]
Evaluator = Callable[[Facts], Any]


class EvaluationError(Exception):
    """An expression could not be evaluated. Caught by the engine, never seen by callers."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """The colour of one person's code and why.

    ``rules_colour`` is what the rules alone gave; ``colour`` differs from it when the previous
    colour is ``held`` (release conditions in ``unmet``) or after an ``error``.
    ``reasons`` are plain-word sentences for the resident, ``(zh, en)``; ``error`` is for
    staff ("中文 / English") and comes with ``needs_review``. ``rule_set_version`` is 0 and
    ``rule_set_id`` empty when the rule set document was unusable.
    """

    colour: str
    rules_colour: str
    quarantine_days: int
    fired: tuple[str, ...]
    reasons: tuple[tuple[str, str], ...]
    rule_set_id: str
    rule_set_version: int
    held: bool = False
    released: bool = False
    unmet: tuple[str, ...] = ()
    error: str | None = None
    needs_review: bool = False

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (tuples become lists) for storing with the decision."""
        data = asdict(self)
        data["fired"] = list(self.fired)
        data["reasons"] = [list(pair) for pair in self.reasons]
        data["unmet"] = list(self.unmet)
        return data


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """One line of the test bench: a rule (``kind="rule"``) or release condition."""

    kind: str
    id: str
    colour: str | None
    fired: bool
    value: Any
    error: str | None
    reason_zh: str
    reason_en: str
    reads: tuple[str, ...]


# ---------------------------------------------------------------------------
# Expression compiler
# ---------------------------------------------------------------------------

_NOT_CONST: Final = object()
_NOTHING: Final[frozenset[str]] = frozenset()


class _Node(NamedTuple):
    fn: Evaluator
    const: Any  # the literal value, or _NOT_CONST
    key: str | None = None  # the fact name, for a plain {"var": "name"}: read it inline


class _Context:
    """What compiling one rule set collects: problems, facts read, parameters."""

    def __init__(self, params: dict[str, int], known_facts: frozenset[str]) -> None:
        self.problems: list[str] = []
        self.reads: set[str] = set()
        self.params_used: set[str] = set()
        self.params = params
        self.known_facts = known_facts
        self.nodes = 0

    def problem(self, where: str, zh: str, en: str) -> None:
        self.problems.append(f"{where}: {zh} / {en}")


def _raise(zh: str, en: str) -> Evaluator:
    def fail(facts: Facts) -> Any:
        raise EvaluationError(zh, en)

    return fail


def _broken(ctx: _Context, where: str, zh: str, en: str) -> _Node:
    ctx.problem(where, zh, en)
    return _Node(_raise(f"{where}: {zh}", f"{where}: {en}"), _NOT_CONST)


def _const(value: Any) -> _Node:
    return _Node(lambda facts: value, value)


def _show(value: Any) -> str:
    """A short, safe rendering of a value for an error message."""
    try:
        text = repr(value)
    except Exception:
        return type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "boolean"
    if type(value) in _NUMBER_TYPES:
        return "number"
    if type(value) is str:
        return "string"
    if type(value) is list:
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


_TYPE_NAMES_ZH: Final = {
    "null": "空值",
    "boolean": "布尔值",
    "number": "数字",
    "string": "文本",
    "array": "列表",
    "object": "对象",
}


def _type_name_zh(value: Any) -> str:
    name = _type_name(value)
    return _TYPE_NAMES_ZH.get(name, name)


def _compile(node: Any, ctx: _Context, where: str, depth: int) -> _Node:
    ctx.nodes += 1
    if ctx.nodes > _MAX_NODES:
        if ctx.nodes == _MAX_NODES + 1:  # say it once, not for every node beyond the limit
            ctx.problem(where, "表达式过大", f"expression larger than {_MAX_NODES} nodes")
        return _Node(_raise("表达式过大", "expression too large"), _NOT_CONST)
    if depth > MAX_DEPTH:
        return _broken(ctx, where, "表达式嵌套过深", f"expression nested deeper than {MAX_DEPTH}")
    if node is None or type(node) is bool or type(node) is str or type(node) is int:
        return _const(node)
    if type(node) is float:
        if math.isfinite(node):
            return _const(node)
        return _broken(ctx, where, "数字必须是有限值", "numbers must be finite")
    if type(node) is list:
        if len(node) > _MAX_NODES:
            return _broken(ctx, where, "列表过长", f"a list longer than {_MAX_NODES} items")
        items = [_compile(item, ctx, f"{where}[{i}]", depth + 1) for i, item in enumerate(node)]
        if all(item.const is not _NOT_CONST for item in items):
            return _const([item.const for item in items])
        fns = tuple(item.fn for item in items)
        return _Node(lambda facts: [fn(facts) for fn in fns], _NOT_CONST)
    if type(node) is dict:
        if len(node) != 1:
            return _broken(
                ctx,
                where,
                f"表达式对象必须恰好有一个运算符，实际有{len(node)}个键",
                f"an expression object must have exactly one operator key, not {len(node)}",
            )
        ((op, raw),) = node.items()
        spec = OPERATORS.get(op) if type(op) is str else None
        if spec is None:
            return _broken(ctx, where, f"未知的运算符 {_show(op)}", f"unknown operator {_show(op)}")
        args = raw if type(raw) is list else [raw]
        low, high, build = spec
        if len(args) < low or (high is not None and len(args) > high):
            wanted = str(low) if high == low else f"{low}..{'' if high is None else high}"
            return _broken(
                ctx,
                f"{where}.{op}",
                f"运算符“{op}”需要{wanted}个参数，实际为{len(args)}个",
                f"operator {op!r} takes {wanted} arguments, not {len(args)}",
            )
        return build(args, ctx, f"{where}.{op}", depth)
    return _broken(
        ctx,
        where,
        f"不支持的值类型 {_type_name_zh(node)}",
        f"unsupported value type {_type_name(node)}",
    )


def _compile_args(args: list[Any], ctx: _Context, where: str, depth: int) -> list[_Node]:
    return [_compile(arg, ctx, f"{where}[{i}]", depth + 1) for i, arg in enumerate(args)]


def _fns(nodes: list[_Node]) -> tuple[Evaluator, ...]:
    return tuple(node.fn for node in nodes)


# --- data access -----------------------------------------------------------


def _read_path(facts: Any, parts: tuple[str, ...]) -> Any:
    value = facts
    for part in parts:
        if type(value) is dict:
            value = value.get(part)
        elif type(value) is list and part.isascii() and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def _checked_path(raw: Any, ctx: _Context, where: str) -> tuple[str, ...] | None:
    if type(raw) is not str or not raw or any(not part for part in raw.split(".")):
        ctx.problem(
            where,
            f"变量路径必须是非空的文字字符串（如“confirmed”），不能是{_type_name_zh(raw)}",
            f"a variable path must be a non-empty literal string like 'confirmed', "
            f"not {_type_name(raw)} {_show(raw)}",
        )
        return None
    parts = tuple(raw.split("."))
    if parts[0] not in ctx.known_facts:
        ctx.problem(where, f"未知的事实“{parts[0]}”", f"unknown fact {parts[0]!r}")
        return None
    ctx.reads.add(parts[0])
    return parts


def _build_var(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    parts = _checked_path(args[0], ctx, f"{where}[0]")
    if parts is None:
        return _Node(
            _raise(f"{where}: 变量路径无效", f"{where}: invalid variable path"), _NOT_CONST
        )
    default = _compile(args[1], ctx, f"{where}[1]", depth + 1).fn if len(args) > 1 else None
    if len(parts) == 1:
        key = parts[0]
        if default is None:
            return _Node(lambda facts: facts.get(key), _NOT_CONST, key)
        fallback = default

        def var_default(facts: Facts) -> Any:
            value = facts.get(key)
            return fallback(facts) if value is None else value

        return _Node(var_default, _NOT_CONST)

    def var_path(facts: Facts) -> Any:
        value = _read_path(facts, parts)
        if value is None and default is not None:
            return default(facts)
        return value

    return _Node(var_path, _NOT_CONST)


def _build_missing(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    paths: list[tuple[str, tuple[str, ...]]] = []
    for i, raw in enumerate(args):
        parts = _checked_path(raw, ctx, f"{where}[{i}]")
        if parts is None:
            return _Node(_raise(f"{where}: 路径无效", f"{where}: invalid path"), _NOT_CONST)
        paths.append((raw, parts))

    def missing(facts: Facts) -> Any:
        return [raw for raw, parts in paths if _read_path(facts, parts) is None]

    return _Node(missing, _NOT_CONST)


def _build_param(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    name = args[0]
    if type(name) is not str or name not in ctx.params:
        return _broken(
            ctx,
            where,
            f"未知的参数“{name}”，可用：{', '.join(_PARAMS)}",
            f"unknown parameter {name!r}; known: {', '.join(_PARAMS)}",
        )
    ctx.params_used.add(name)
    return _const(ctx.params[name])


# --- comparison --------------------------------------------------------------


def _comparable(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is str:
        return tb is str
    return ta in _NUMBER_TYPES and tb in _NUMBER_TYPES


def _incomparable(op: str, a: Any, b: Any) -> EvaluationError:
    return EvaluationError(
        f"“{op}”无法比较{_type_name_zh(a)}和{_type_name_zh(b)}",
        f"{op!r} cannot compare {_type_name(a)} with {_type_name(b)}",
    )


_ORDER_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _build_order(op: str) -> Callable[[list[Any], _Context, str, int], _Node]:
    compare = _ORDER_OPS[op]

    def build(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
        nodes = _compile_args(args, ctx, where, depth)
        if len(nodes) == 3:
            fa, fb, fc = _fns(nodes)

            def between(facts: Facts) -> bool:
                a, b, c = fa(facts), fb(facts), fc(facts)
                if a is None or b is None or c is None:
                    return False
                if not _comparable(a, b):
                    raise _incomparable(op, a, b)
                if not _comparable(b, c):
                    raise _incomparable(op, b, c)
                return compare(a, b) and compare(b, c)

            return _Node(between, _NOT_CONST)
        left, right = nodes
        fa = left.fn
        constant = right.const
        if constant is not _NOT_CONST and type(constant) in _NUMBER_TYPES and left.key:
            # The common shape {">=": [{"var": "name"}, 37.3]}: one call, one type check.
            key = left.key

            def fact_with_number(facts: Facts) -> bool:
                a = facts.get(key)
                if a is None:
                    return False
                if type(a) in _NUMBER_TYPES:
                    return compare(a, constant)
                raise _incomparable(op, a, constant)

            return _Node(fact_with_number, _NOT_CONST)
        if constant is not _NOT_CONST and type(constant) in _NUMBER_TYPES:

            def with_number(facts: Facts) -> bool:
                a = fa(facts)
                if a is None:
                    return False
                if type(a) in _NUMBER_TYPES:
                    return compare(a, constant)
                raise _incomparable(op, a, constant)

            return _Node(with_number, _NOT_CONST)
        fb = right.fn

        def general(facts: Facts) -> bool:
            a, b = fa(facts), fb(facts)
            if a is None or b is None:
                return False
            if _comparable(a, b):
                return compare(a, b)
            raise _incomparable(op, a, b)

        return _Node(general, _NOT_CONST)

    return build


def _strict_equal(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta in _NUMBER_TYPES and tb in _NUMBER_TYPES:
        return bool(a == b)
    if ta is not tb:
        return False
    if ta is list:
        return len(a) == len(b) and all(_strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if ta is dict:
        return a.keys() == b.keys() and all(_strict_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _build_equal(negate: bool) -> Callable[[list[Any], _Context, str, int], _Node]:
    def build(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
        left, right = _compile_args(args, ctx, where, depth)
        if left.const is not _NOT_CONST and right.const is _NOT_CONST:
            left, right = right, left
        constant = right.const
        if constant is None or type(constant) is bool:
            # Strictly equal to null, true or false means being that very object.
            key, fn = left.key, left.fn
            if key is not None:
                if negate:
                    return _Node(lambda facts: facts.get(key) is not constant, _NOT_CONST)
                return _Node(lambda facts: facts.get(key) is constant, _NOT_CONST)
            if negate:
                return _Node(lambda facts: fn(facts) is not constant, _NOT_CONST)
            return _Node(lambda facts: fn(facts) is constant, _NOT_CONST)
        fa, fb = left.fn, right.fn
        if negate:
            return _Node(lambda facts: not _strict_equal(fa(facts), fb(facts)), _NOT_CONST)
        return _Node(lambda facts: _strict_equal(fa(facts), fb(facts)), _NOT_CONST)

    return build


def _build_in(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    needle, haystack = _compile_args(args, ctx, where, depth)
    fn_needle, fn_haystack = needle.fn, haystack.fn
    constant = haystack.const
    if type(constant) is list and all(type(item) is str for item in constant):
        # {"in": [{"var": "area"}, ["A", "B"]]}: a set lookup; a non-string is in no list of
        # strings under strict equality.
        members = frozenset(constant)

        def in_strings(facts: Facts) -> bool:
            value = fn_needle(facts)
            return type(value) is str and value in members

        return _Node(in_strings, _NOT_CONST)

    def contains(facts: Facts) -> bool:
        value, within = fn_needle(facts), fn_haystack(facts)
        if value is None or within is None:
            return False
        if type(within) is list:
            return any(_strict_equal(value, item) for item in within)
        if type(within) is str and type(value) is str:
            return value in within
        raise EvaluationError(
            f"“in”无法在{_type_name_zh(within)}中查找{_type_name_zh(value)}",
            f"'in' cannot look for {_type_name(value)} in {_type_name(within)}",
        )

    return _Node(contains, _NOT_CONST)


# --- logic ----------------------------------------------------------------------


def _build_not(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    (fn,) = _fns(_compile_args(args, ctx, where, depth))
    return _Node(lambda facts: not fn(facts), _NOT_CONST)


def _build_truthy(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    (fn,) = _fns(_compile_args(args, ctx, where, depth))
    return _Node(lambda facts: bool(fn(facts)), _NOT_CONST)


def _build_and(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    fns = _fns(_compile_args(args, ctx, where, depth))

    def all_of(facts: Facts) -> Any:
        value = None
        for fn in fns:
            value = fn(facts)
            if not value:
                return value
        return value

    return _Node(all_of, _NOT_CONST)


def _build_or(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    fns = _fns(_compile_args(args, ctx, where, depth))

    def any_of(facts: Facts) -> Any:
        value = None
        for fn in fns:
            value = fn(facts)
            if value:
                return value
        return value

    return _Node(any_of, _NOT_CONST)


def _build_if(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    fns = _fns(_compile_args(args, ctx, where, depth))
    pairs = tuple(zip(fns[0:-1:2], fns[1::2], strict=False))
    otherwise = fns[-1] if len(fns) % 2 else None

    def choose(facts: Facts) -> Any:
        for condition, then in pairs:
            if condition(facts):
                return then(facts)
        return otherwise(facts) if otherwise is not None else None

    return _Node(choose, _NOT_CONST)


# --- arithmetic ---------------------------------------------------------------


def _number(op: str, value: Any) -> Any:
    if type(value) in _NUMBER_TYPES:
        return value
    raise EvaluationError(
        f"“{op}”只能用于数字，不能用于{_type_name_zh(value)}",
        f"{op!r} takes numbers, not {_type_name(value)}",
    )


def _finite(op: str, value: Any) -> Any:
    if type(value) is float and not math.isfinite(value):
        raise EvaluationError(f"“{op}”的结果超出范围", f"the result of {op!r} is out of range")
    return value


def _build_plus(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    fns = _fns(_compile_args(args, ctx, where, depth))

    def plus(facts: Facts) -> Any:
        total: Any = 0
        for fn in fns:
            value = fn(facts)
            if value is None:
                return None
            total += _number("+", value)
        return _finite("+", total)

    return _Node(plus, _NOT_CONST)


def _build_minus(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
    fns = _fns(_compile_args(args, ctx, where, depth))

    def minus(facts: Facts) -> Any:
        values = [fn(facts) for fn in fns]
        if any(value is None for value in values):
            return None
        numbers = [_number("-", value) for value in values]
        return _finite("-", -numbers[0] if len(numbers) == 1 else numbers[0] - numbers[1])

    return _Node(minus, _NOT_CONST)


def _build_extreme(op: str) -> Callable[[list[Any], _Context, str, int], _Node]:
    pick = max if op == "max" else min

    def build(args: list[Any], ctx: _Context, where: str, depth: int) -> _Node:
        fns = _fns(_compile_args(args, ctx, where, depth))

        def extreme(facts: Facts) -> Any:
            values = [_number(op, v) for v in (fn(facts) for fn in fns) if v is not None]
            return pick(values) if values else None

        return _Node(extreme, _NOT_CONST)

    return build


_Builder = Callable[[list[Any], _Context, str, int], _Node]

#: Known operators: name → (fewest arguments, most arguments or None, builder).
OPERATORS: Final[dict[str, tuple[int, int | None, _Builder]]] = {
    "var": (1, 2, _build_var),
    "missing": (1, None, _build_missing),
    "param": (1, 1, _build_param),
    "==": (2, 2, _build_equal(negate=False)),
    "!=": (2, 2, _build_equal(negate=True)),
    "<": (2, 3, _build_order("<")),
    "<=": (2, 3, _build_order("<=")),
    ">": (2, 3, _build_order(">")),
    ">=": (2, 3, _build_order(">=")),
    "in": (2, 2, _build_in),
    "!": (1, 1, _build_not),
    "!!": (1, 1, _build_truthy),
    "and": (1, None, _build_and),
    "or": (1, None, _build_or),
    "if": (2, None, _build_if),
    "+": (1, None, _build_plus),
    "-": (1, 2, _build_minus),
    "max": (1, None, _build_extreme("max")),
    "min": (1, None, _build_extreme("min")),
}


# ---------------------------------------------------------------------------
# Rule set compiler
# ---------------------------------------------------------------------------


class CompiledRule(NamedTuple):
    """A rule (``kind="rule"``) or a release condition (``kind="release"``), compiled."""

    kind: str
    id: str
    colour: str | None
    rank: int
    quarantine_days: int
    fn: Evaluator
    reason: tuple[str, str]
    reads: frozenset[str]


_RULE_KEYS: Final = frozenset(
    {"id", "colour", "quarantine_days", "when", "reason_zh", "reason_en", "comment"}
)
_CONDITION_KEYS: Final = frozenset({"id", "when", "reason_zh", "reason_en", "comment"})
_RELEASE_KEYS: Final = frozenset(
    {
        "held_reason_zh",
        "held_reason_en",
        "released_reason_zh",
        "released_reason_en",
        "conditions",
        "comment",
    }
)
_GREEN_KEYS: Final = frozenset({"reason_zh", "reason_en", "comment"})
_TOP_KEYS: Final = frozenset(
    {
        "id",
        "version",
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "consecutive_normal_checkins",
        "rules",
        "release",
        "green",
        "comment",
    }
)
# "<id>@<version>" then fits the 18 bytes a signed pass has for its rule set (passes.py).
_MAX_VERSION: Final = 99_999
_RULE_SET_ID: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,11}")
# Rule and condition ids are stored with every decision: short identifiers, not prose.
_ITEM_ID: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")

# What the resident reads when her code could not be worked out automatically.
_ERROR_KEEPS_COLOUR: Final = (
    "系统暂时无法自动判定您的健康码，已转交工作人员核实；核实前保持原来的颜色。",
    "Your code could not be worked out automatically and has been passed to staff to check; "
    "until then it keeps its colour.",
)
_ERROR_YELLOW: Final = (
    "系统暂时无法自动判定您的健康码，已转交工作人员核实；核实前暂为黄码。",
    "Your code could not be worked out automatically and has been passed to staff to check; "
    "until then it is yellow.",
)
_ERROR_PARTLY: Final = (
    "另有部分情况无法自动判定，已转交工作人员核实。",
    "Some of your information could not be checked automatically and has been passed to staff.",
)


def _int_in(value: object, low: int, high: int) -> TypeGuard[int]:
    return type(value) is int and low <= value <= high


def _text(
    section: Mapping[Any, Any], key: str, ctx: _Context, where: str, params: Mapping[str, int]
) -> str:
    value = section.get(key)
    if type(value) is not str or not value.strip():
        ctx.problem(f"{where}.{key}", "必须是非空文本", "must be non-empty text")
        return ""
    for name, number in params.items():
        value = value.replace("{" + name + "}", str(number))
    return value


def _unknown_keys(
    section: Mapping[Any, Any], allowed: frozenset[str], ctx: _Context, where: str
) -> None:
    for key in section:
        if key not in allowed:
            ctx.problem(
                where,
                f"未知的键 {_show(key)}（是否拼写错误？）",
                f"unknown key {_show(key)} (misspelt?)",
            )


def _item_id(item: Mapping[Any, Any], index: int, seen: set[str], ctx: _Context, where: str) -> str:
    item_id = item.get("id")
    if type(item_id) is not str or not _ITEM_ID.fullmatch(item_id):
        ctx.problem(
            f"{where}.id",
            "必须是以小写字母开头的英文标识符（小写字母、数字、下划线，最多40个字符），如 close_contact",
            "must be an identifier like close_contact: a lowercase letter, then up to 39 "
            "lowercase letters, digits or underscores",
        )
        return f"#{index}"
    if item_id in seen:
        ctx.problem(f"{where}.id", f"编号“{item_id}”重复", f"duplicate id {item_id!r}")
    seen.add(item_id)
    return item_id


def _compile_when(
    section: Mapping[Any, Any], ctx: _Context, where: str
) -> tuple[Evaluator, frozenset[str]]:
    if "when" not in section:
        ctx.problem(f"{where}.when", "缺少条件", "the condition is missing")
        return _raise(f"{where}: 缺少条件", f"{where}: no condition"), frozenset()
    outer = ctx.reads
    ctx.reads = set()
    ctx.nodes = 0  # the size limit is per expression
    fn = _compile(section["when"], ctx, f"{where}.when", 0).fn
    reads = frozenset(ctx.reads)
    ctx.reads = outer | reads
    return fn, reads


def _compile_rules(
    doc: Mapping[Any, Any], ctx: _Context, params: Mapping[str, int]
) -> list[CompiledRule]:
    rules_doc = doc.get("rules")
    if type(rules_doc) is not list or not 1 <= len(rules_doc) <= _MAX_RULES:
        ctx.problem(
            "rules",
            f"必须是1到{_MAX_RULES}条规则的列表",
            f"must be a list of 1 to {_MAX_RULES} rules",
        )
        return []
    rules: list[CompiledRule] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules_doc):
        where = f"rules[{index}]"
        if type(rule) is not dict:
            ctx.problem(where, "每条规则必须是对象", "each rule must be an object")
            continue
        rule_id = _item_id(rule, index, seen, ctx, where)
        where = f"rules[{index}]({rule_id})"
        _unknown_keys(rule, _RULE_KEYS, ctx, where)
        colour = rule.get("colour")
        if type(colour) is not str or colour not in ("yellow", "red"):
            ctx.problem(
                f"{where}.colour",
                f"规则颜色必须是 yellow 或 red（没有规则触发即为绿码），不能是 {_show(colour)}",
                f"a rule's colour must be yellow or red (green is what no rule firing gives), "
                f"not {_show(colour)}",
            )
            colour = "yellow"
        days = rule.get("quarantine_days")
        if not _int_in(days, 0, _MAX_QUARANTINE_DAYS):
            ctx.problem(
                f"{where}.quarantine_days",
                f"必须是0到{_MAX_QUARANTINE_DAYS}之间的整数",
                f"must be a whole number from 0 to {_MAX_QUARANTINE_DAYS}",
            )
            days = 0
        fn, reads = _compile_when(rule, ctx, where)
        reason = (
            _text(rule, "reason_zh", ctx, where, params),
            _text(rule, "reason_en", ctx, where, params),
        )
        rules.append(CompiledRule("rule", rule_id, colour, _RANK[colour], days, fn, reason, reads))
    return rules


def _compile_release(
    doc: Mapping[Any, Any], ctx: _Context, params: Mapping[str, int]
) -> tuple[list[CompiledRule], tuple[str, str], tuple[str, str]]:
    release = doc.get("release")
    if type(release) is not dict:
        ctx.problem("release", "缺少解除条件（对象）", "the release section (an object) is missing")
        return [], ("", ""), ("", "")
    _unknown_keys(release, _RELEASE_KEYS, ctx, "release")
    held = (
        _text(release, "held_reason_zh", ctx, "release", params),
        _text(release, "held_reason_en", ctx, "release", params),
    )
    released = (
        _text(release, "released_reason_zh", ctx, "release", params),
        _text(release, "released_reason_en", ctx, "release", params),
    )
    conditions_doc = release.get("conditions")
    if type(conditions_doc) is not list or not 1 <= len(conditions_doc) <= _MAX_CONDITIONS:
        ctx.problem(
            "release.conditions",
            f"必须是1到{_MAX_CONDITIONS}个条件的列表",
            f"must be a list of 1 to {_MAX_CONDITIONS} conditions",
        )
        return [], held, released
    used_before = ctx.params_used
    ctx.params_used = set()
    conditions: list[CompiledRule] = []
    seen: set[str] = set()
    for index, condition in enumerate(conditions_doc):
        where = f"release.conditions[{index}]"
        if type(condition) is not dict:
            ctx.problem(where, "每个条件必须是对象", "each condition must be an object")
            continue
        condition_id = _item_id(condition, index, seen, ctx, where)
        where = f"release.conditions[{index}]({condition_id})"
        _unknown_keys(condition, _CONDITION_KEYS, ctx, where)
        fn, reads = _compile_when(condition, ctx, where)
        reason = (
            _text(condition, "reason_zh", ctx, where, params),
            _text(condition, "reason_en", ctx, where, params),
        )
        conditions.append(CompiledRule("release", condition_id, None, 0, 0, fn, reason, reads))
    if params and "consecutive_normal_checkins" not in ctx.params_used:
        # Otherwise staff would change N and nothing would happen.
        ctx.problem(
            "release.conditions",
            '没有条件使用 {"param": "consecutive_normal_checkins"}，该设置将不起作用',
            'no condition uses {"param": "consecutive_normal_checkins"}, so that setting '
            "would have no effect",
        )
    ctx.params_used |= used_before
    return conditions, held, released


def _check_header(doc: Mapping[Any, Any], ctx: _Context) -> None:
    _unknown_keys(doc, _TOP_KEYS, ctx, "$")
    doc_id = doc.get("id")
    if type(doc_id) is not str or not _RULE_SET_ID.fullmatch(doc_id):
        ctx.problem(
            "id",
            "必须是1到12个字符的英文标识符（小写字母、数字、_、-），如 default",
            "must be an identifier of 1 to 12 characters (lowercase letters, digits, _ and -) "
            "like default",
        )
    if not _int_in(doc.get("version"), 1, _MAX_VERSION):
        ctx.problem(
            "version",
            f"必须是1到{_MAX_VERSION}之间的整数",
            f"must be a whole number from 1 to {_MAX_VERSION}",
        )
    for key in ("title_zh", "title_en"):
        value = doc.get(key)
        if type(value) is not str or not value.strip():
            ctx.problem(key, "必须是非空文本", "must be non-empty text")
    if not _int_in(doc.get("consecutive_normal_checkins"), 0, _MAX_CHECKINS):
        ctx.problem(
            "consecutive_normal_checkins",
            f"必须是0到{_MAX_CHECKINS}之间的整数",
            f"must be a whole number from 0 to {_MAX_CHECKINS}",
        )


def _safe_previous_rank(facts: object) -> int | None:
    try:
        previous = facts.get("previous_colour") if isinstance(facts, Mapping) else None
        return _RANK.get(previous) if type(previous) is str else None
    except Exception:
        return None


class CompiledRuleSet:
    """A rule set turned into Python closures; evaluate it for as many people as needed.

    ``problems`` is what :func:`validate_rule_set` reports. A rule set with problems still
    evaluates (never raises), but every decision from it then needs review. ``rules`` and
    ``conditions`` are in document order; ``reads`` is every fact name the rule set uses.
    Compiled rule sets are safe to share between threads.
    """

    __slots__ = (
        "_cache",
        "_error_prefix",
        "_fact_checks",
        "_green_reason",
        "_held_reason",
        "_released_reason",
        "conditions",
        "consecutive_normal_checkins",
        "id",
        "problems",
        "reads",
        "rules",
        "title_en",
        "title_zh",
        "version",
    )

    def __init__(self, doc: object, known_facts: Iterable[str] | None = None) -> None:
        self.id = ""
        self.version = 0
        self.title_zh = ""
        self.title_en = ""
        self.consecutive_normal_checkins: int | None = None
        self.rules: tuple[CompiledRule, ...] = ()
        self.conditions: tuple[CompiledRule, ...] = ()
        self.reads: frozenset[str] = frozenset()
        self.problems: tuple[str, ...] = ()
        self._green_reason = ("", "")
        self._held_reason = ("", "")
        self._released_reason = ("", "")
        self._cache: dict[tuple[Any, ...], Decision] = {}
        try:
            self._compile(doc, known_facts)
        except Exception as exc:  # e.g. a key whose comparison raises: not a JSON document
            self.rules = self.conditions = ()
            self.problems = (
                f"$: 无法读取规则集（{type(exc).__name__}） / "
                f"cannot read the rule set ({type(exc).__name__})",
            )
        self._error_prefix: tuple[str, ...] = ()
        if self.problems:
            count = len(self.problems)
            self._error_prefix = (
                f"规则集“{self.id}”第{self.version}版有{count}个问题，首个：{self.problems[0]}"
                f" / rule set {self.id!r} version {self.version} has {count} problem(s); "
                f"first: {self.problems[0]}",
            )
        checked = sorted((self.reads | {"previous_colour"}) & FACTS.keys())
        self._fact_checks = tuple((name, *_FACT_CHECKS[FACTS[name].type]) for name in checked)

    def _compile(self, doc: object, known_facts: Iterable[str] | None) -> None:
        known = frozenset(FACTS if known_facts is None else known_facts)
        if type(doc) is not dict:
            self.problems = (
                f"$: 规则集必须是 JSON 对象，不能是{_type_name_zh(doc)}"
                f" / a rule set must be a JSON object, not {_type_name(doc)}",
            )
            return
        raw_n = doc.get("consecutive_normal_checkins")
        params: dict[str, int] = {}
        if _int_in(raw_n, 0, _MAX_CHECKINS):
            params["consecutive_normal_checkins"] = raw_n
        ctx = _Context(params, known)
        _check_header(doc, ctx)
        if type(doc.get("id")) is str:
            self.id = doc["id"]
        if _int_in(doc.get("version"), 1, _MAX_VERSION):
            self.version = doc["version"]
        self.title_zh = doc["title_zh"] if type(doc.get("title_zh")) is str else ""
        self.title_en = doc["title_en"] if type(doc.get("title_en")) is str else ""
        self.consecutive_normal_checkins = params.get("consecutive_normal_checkins")
        self.rules = tuple(_compile_rules(doc, ctx, params))
        conditions, self._held_reason, self._released_reason = _compile_release(doc, ctx, params)
        self.conditions = tuple(conditions)
        green = doc.get("green")
        if type(green) is dict:
            _unknown_keys(green, _GREEN_KEYS, ctx, "green")
            self._green_reason = (
                _text(green, "reason_zh", ctx, "green", params),
                _text(green, "reason_en", ctx, "green", params),
            )
        else:
            ctx.problem("green", "缺少绿码说明（对象）", "the green section (an object) is missing")
        self.reads = frozenset(ctx.reads)
        self.problems = tuple(ctx.problems)

    # --- evaluation ---------------------------------------------------------

    def _prepare(self, facts: object) -> tuple[Facts, int | None, frozenset[str], list[str]]:
        """The facts as a dict, the previous colour's rank, facts of the wrong type, errors."""
        errors = list(self._error_prefix)
        if type(facts) is dict:
            data: Facts = facts
        else:
            try:
                if not isinstance(facts, Mapping):
                    raise TypeError(type(facts).__name__)
                data = dict(facts)
            except Exception:
                errors.append(
                    f"事实必须是 JSON 对象，不能是{_type_name_zh(facts)}"
                    f" / facts must be a JSON object, not {_type_name(facts)}"
                )
                return {}, None, frozenset(self.reads | {"previous_colour"}), errors
        bad: set[str] = set()
        for name, trivially_valid, check in self._fact_checks:
            value = data.get(name)
            if type(value) in trivially_valid or check(value):
                continue
            bad.add(name)
            expected = FACTS[name].type
            errors.append(
                f"事实“{name}”应为 {expected}，实际为{_type_name_zh(value)} {_show(value)}"
                f" / fact {name!r} should be {expected}, not {_type_name(value)} {_show(value)}"
            )
        previous = None if "previous_colour" in bad else data.get("previous_colour")
        previous_rank = None if previous is None else _RANK[previous]
        return data, previous_rank, (frozenset(bad) if bad else _NOTHING), errors

    @staticmethod
    def _run(rule: CompiledRule, facts: Facts, bad: frozenset[str]) -> tuple[Any, bool, str | None]:
        """(value, fired, error) of one rule or condition; catches everything."""
        if bad and not rule.reads.isdisjoint(bad):
            names = ", ".join(sorted(rule.reads & bad))
            return (
                None,
                False,
                f"{rule.id}: 事实类型错误（{names}） / {rule.id}: wrong fact type ({names})",
            )
        try:
            value = rule.fn(facts)
            return value, bool(value), None
        except EvaluationError as exc:
            return None, False, f"{rule.id}: {exc.zh} / {rule.id}: {exc.en}"
        except Exception as exc:  # a pathological fact (or a bug): escalate, never raise
            name = type(exc).__name__
            return None, False, f"{rule.id}: 意外错误 {name} / {rule.id}: unexpected {name}"

    def evaluate(self, facts: object) -> Decision:
        """The decision for one person's facts. Never raises."""
        try:
            return self._evaluate(facts)
        except Exception as exc:  # pragma: no cover - defence in depth
            previous = _safe_previous_rank(facts)
            return Decision(
                colour="yellow" if previous is None else COLOURS[previous],
                rules_colour="green",
                quarantine_days=0,
                fired=(),
                reasons=(_ERROR_YELLOW if previous is None else _ERROR_KEEPS_COLOUR,),
                rule_set_id=self.id,
                rule_set_version=self.version,
                error=f"意外错误 {type(exc).__name__} / unexpected {type(exc).__name__}",
                needs_review=True,
            )

    def _evaluate(self, facts: object) -> Decision:
        data, previous, bad, errors = self._prepare(facts)
        fired: list[int] = []
        worst = 0
        for index, rule in enumerate(self.rules):
            if not bad:  # the hot path: no per-rule bookkeeping unless something fails
                try:
                    if not rule.fn(data):
                        continue
                except Exception:
                    errors.append(
                        self._run(rule, data, bad)[2]
                        or f"{rule.id}: 意外错误 / {rule.id}: unexpected error"
                    )
                    continue
            else:
                _value, hit, error = self._run(rule, data, bad)
                if error is not None:
                    errors.append(error)
                if not hit:
                    continue
            fired.append(index)
            if rule.rank > worst:
                worst = rule.rank
        if errors:
            return self._error_decision(fired, worst, previous, errors)
        state = "plain"
        unmet: tuple[int, ...] = ()
        if previous is not None and worst < previous:
            failed = []
            for index, condition in enumerate(self.conditions):
                _value, holds, error = self._run(condition, data, bad)
                if error is not None:
                    errors.append(error)
                elif not holds:
                    failed.append(index)
            if errors:
                return self._error_decision(fired, worst, previous, errors)
            unmet = tuple(failed)
            state = "held" if unmet else "released"
        key = (tuple(fired), state, previous if state == "held" else None, unmet)
        decision = self._cache.get(key)
        if decision is None:
            decision = self._decision(fired, worst, state, previous, unmet)
            if len(self._cache) < _MAX_DECISION_CACHE:
                self._cache[key] = decision
        return decision

    def _decision(
        self, fired: list[int], worst: int, state: str, previous: int | None, unmet: tuple[int, ...]
    ) -> Decision:
        rules = [self.rules[i] for i in fired]
        reasons = [rule.reason for rule in rules]
        colour = COLOURS[worst]
        if state == "held" and previous is not None:
            colour = COLOURS[previous]
            reasons.append(self._held_reason)
            reasons.extend(self.conditions[i].reason for i in unmet)
        elif state == "released":
            reasons.append(self._released_reason)
        if colour == "green" and not rules:
            reasons.append(self._green_reason)
        return Decision(
            colour=colour,
            rules_colour=COLOURS[worst],
            quarantine_days=max((rule.quarantine_days for rule in rules), default=0),
            fired=tuple(rule.id for rule in rules),
            reasons=tuple(reasons),
            rule_set_id=self.id,
            rule_set_version=self.version,
            held=state == "held",
            released=state == "released",
            unmet=tuple(self.conditions[i].id for i in unmet),
        )

    def _error_decision(
        self, fired: list[int], worst: int, previous: int | None, errors: list[str]
    ) -> Decision:
        """Never better than before: the worst of the previous colour and the rules that fired."""
        rules = [self.rules[i] for i in fired]
        floor = _RANK["yellow"] if previous is None else previous
        if worst > floor:
            note = _ERROR_PARTLY  # the fired rules' reasons explain the colour
        elif previous is None:
            note = _ERROR_YELLOW
        else:
            note = _ERROR_KEEPS_COLOUR
        return Decision(
            colour=COLOURS[max(floor, worst)],
            rules_colour=COLOURS[worst],
            quarantine_days=max((rule.quarantine_days for rule in rules), default=0),
            fired=tuple(rule.id for rule in rules),
            reasons=(*(rule.reason for rule in rules), note),
            rule_set_id=self.id,
            rule_set_version=self.version,
            error="; ".join(errors),
            needs_review=True,
        )

    def explain(self, facts: object) -> list[RuleTrace]:
        """Every rule, then every release condition, on these facts. Never raises.

        For a release condition ``fired`` means "holds". A fact of the wrong type shows as the
        error of each rule that reads it.
        """
        try:
            data, _previous, bad, _errors = self._prepare(facts)
            return [
                RuleTrace(
                    kind=rule.kind,
                    id=rule.id,
                    colour=rule.colour,
                    fired=hit,
                    value=value,
                    error=error,
                    reason_zh=rule.reason[0],
                    reason_en=rule.reason[1],
                    reads=tuple(sorted(rule.reads)),
                )
                for rule in (*self.rules, *self.conditions)
                for value, hit, error in (self._run(rule, data, bad),)
            ]
        except Exception:  # pragma: no cover - defence in depth
            return []


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def compile_rule_set(doc: object, *, known_facts: Iterable[str] | None = None) -> CompiledRuleSet:
    """Compile a rule set document once. Never raises; see ``CompiledRuleSet.problems``.

    ``known_facts`` (default: the names in :data:`FACTS`) are the fact names ``var`` may read.
    """
    return CompiledRuleSet(doc, known_facts)


def validate_rule_set(doc: object, *, known_facts: Iterable[str] | None = None) -> list[str]:
    """Human-readable problems ("where: 中文 / English") with a rule set; empty means valid."""
    return list(CompiledRuleSet(doc, known_facts).problems)


def evaluate(rule_set: CompiledRuleSet | object, facts: object) -> Decision:
    """The decision for one person; ``rule_set`` is compiled or a document. Never raises."""
    compiled = rule_set if isinstance(rule_set, CompiledRuleSet) else CompiledRuleSet(rule_set)
    return compiled.evaluate(facts)


def explain(rule_set: CompiledRuleSet | object, facts: object) -> list[RuleTrace]:
    """For the test bench: each rule and release condition, fired or not, value, error."""
    compiled = rule_set if isinstance(rule_set, CompiledRuleSet) else CompiledRuleSet(rule_set)
    return compiled.explain(facts)


def load_default() -> dict[str, Any]:
    """A fresh copy of the default rule set document (``default_rules.json``)."""
    resource = resources.files("linli.health").joinpath("default_rules.json")
    doc: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return doc
