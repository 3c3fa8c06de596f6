"""Tests for :mod:`linli.health.rules`, the health-status rules engine.

Pure unit tests: no database, no Django (pytest-django is loaded but not used).

Cost of one evaluation with the default rule set (compiled once), measured with::

    python -m timeit -s "from linli.health import rules as r; c = r.compile_rule_set(
        r.load_default()); f = {'previous_colour': 'green', 'max_temperature_today': 36.5,
        'consecutive_normal_checkins': 9}" "c.evaluate(f)"

about 3.5 µs per person on the (busy) 2-core development machine; about 7.5 µs when the
release conditions are evaluated too (held or released). 250,000 residents with a realistic
mix took 0.93 s. Passing the uncompiled document costs about 200 µs (it compiles every time).
Timing is not asserted here.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.health import rules
from linli.health.rules import (
    COLOURS,
    FACTS,
    OPERATORS,
    CompiledRuleSet,
    Decision,
    compile_rule_set,
    evaluate,
    explain,
    load_default,
    validate_rule_set,
)

# No example database (keeps the working tree clean) and no deadline (shared CI machines).
SETTINGS = settings(
    database=None,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

RANK = {colour: rank for rank, colour in enumerate(COLOURS)}
DEFAULT = compile_rule_set(load_default())

#: A resident with nothing to report, green yesterday.
NORMAL: dict[str, Any] = {
    "confirmed": False,
    "days_since_positive_test": None,
    "days_since_close_contact": None,
    "days_since_secondary_contact": None,
    "days_since_high_risk_arrival": None,
    "max_temperature_today": 36.5,
    "missed_checkin": False,
    "previous_colour": "green",
    "quarantine_completed": True,
    "consecutive_normal_checkins": 12,
    "last_test_negative": True,
    "days_since_last_negative_test": 1,
}

#: Everything the release conditions ask for, after a red or yellow code.
RECOVERED: dict[str, Any] = {
    **NORMAL,
    "quarantine_completed": True,
    "consecutive_normal_checkins": 3,
    "last_test_negative": True,
    "days_since_last_negative_test": 0,
}


def facts(**changes: Any) -> dict[str, Any]:
    return {**NORMAL, **changes}


def doc_with(expr: Any, *, colour: str = "red", release: Any = None) -> dict[str, Any]:
    """The default rule set with one extra last rule ``probe`` (and optionally its release)."""
    doc = load_default()
    doc["rules"].append(
        {
            "id": "probe",
            "colour": colour,
            "quarantine_days": 0,
            "when": expr,
            "reason_zh": "测试规则。",
            "reason_en": "Probe rule.",
        }
    )
    if release is not None:
        doc["release"]["conditions"].append(
            {"id": "probe_release", "when": release, "reason_zh": "测试。", "reason_en": "Probe."}
        )
    return doc


# ---------------------------------------------------------------------------
# The default rule set
# ---------------------------------------------------------------------------


def test_default_rule_set_is_valid_and_versioned() -> None:
    doc = load_default()
    assert validate_rule_set(doc) == []
    assert (DEFAULT.id, DEFAULT.version, DEFAULT.consecutive_normal_checkins) == ("default", 1, 3)
    assert [rule.id for rule in DEFAULT.rules] == [
        "confirmed",
        "positive_test",
        "close_contact",
        "secondary_contact",
        "high_risk_arrival",
        "fever",
        "missed_checkin",
    ]


def test_load_default_returns_a_fresh_copy() -> None:
    doc = load_default()
    doc["rules"].clear()
    assert len(load_default()["rules"]) == 7


def test_facts_describe_everything_the_default_rules_read() -> None:
    assert DEFAULT.reads | {"previous_colour"} == set(FACTS)
    for name, fact in FACTS.items():
        assert fact == (fact.type, fact.zh, fact.en), name
        assert fact.type in {"bool", "days|null", "count", "°C|null", "colour|null"}
        assert fact.zh and fact.en


def test_nothing_to_report_is_green() -> None:
    decision = evaluate(DEFAULT, NORMAL)
    assert decision == Decision(
        colour="green",
        rules_colour="green",
        quarantine_days=0,
        fired=(),
        reasons=(("未发现风险，可正常通行。", "No risk found; you may come and go normally."),),
        rule_set_id="default",
        rule_set_version=1,
    )


def test_missing_facts_count_as_nothing_to_report() -> None:
    assert evaluate(DEFAULT, {}).colour == "green"
    assert evaluate(DEFAULT, {}).error is None


@pytest.mark.parametrize(
    ("changes", "rule_id", "colour", "days", "reason_zh"),
    [
        ({"confirmed": True}, "confirmed", "red", 14, "您被确认为确诊病例，需隔离治疗。"),
        ({"days_since_positive_test": 2}, "positive_test", "red", 14, "核酸检测阳性"),
        (
            {"days_since_close_contact": 3},
            "close_contact",
            "red",
            14,
            "您在14天内是确诊病例的密切接触者，需隔离14天。",
        ),
        ({"days_since_secondary_contact": 1}, "secondary_contact", "yellow", 7, "次密接"),
        ({"days_since_high_risk_arrival": 0}, "high_risk_arrival", "yellow", 7, "高风险地区"),
        ({"max_temperature_today": 38.1}, "fever", "yellow", 0, "今日体温37.3°C及以上"),
        ({"missed_checkin": True}, "missed_checkin", "yellow", 0, "您今天还没有健康打卡。"),
    ],
)
def test_each_default_rule_fires_alone(
    changes: dict[str, Any], rule_id: str, colour: str, days: int, reason_zh: str
) -> None:
    decision = evaluate(DEFAULT, facts(**changes))
    assert decision.fired == (rule_id,)
    assert (decision.colour, decision.rules_colour) == (colour, colour)
    assert decision.quarantine_days == days
    assert len(decision.reasons) == 1
    zh, en = decision.reasons[0]
    assert reason_zh in zh
    assert en.endswith(".")  # an English sentence too
    assert not decision.held and not decision.needs_review and decision.error is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"max_temperature_today": 37.2}, "green"),
        ({"max_temperature_today": 37.29}, "green"),
        ({"max_temperature_today": 37.3}, "yellow"),
        ({"max_temperature_today": 37}, "green"),
        ({"max_temperature_today": 38}, "yellow"),
        ({"max_temperature_today": None}, "green"),
        ({"days_since_close_contact": 0}, "red"),
        ({"days_since_close_contact": 13}, "red"),
        ({"days_since_close_contact": 14}, "red"),
        ({"days_since_close_contact": 15}, "green"),
        ({"days_since_positive_test": 14}, "red"),
        ({"days_since_positive_test": 15}, "green"),
        ({"days_since_high_risk_arrival": 7}, "yellow"),
        ({"days_since_high_risk_arrival": 8}, "green"),
        ({"days_since_secondary_contact": 7}, "yellow"),
        ({"days_since_secondary_contact": 8}, "green"),
        ({"confirmed": None}, "green"),
        ({"missed_checkin": None}, "green"),
    ],
)
def test_boundaries(changes: dict[str, Any], expected: str) -> None:
    decision = evaluate(DEFAULT, facts(**changes))
    assert decision.colour == expected
    assert decision.error is None


@pytest.mark.parametrize(
    ("changes", "colour", "fired", "days"),
    [
        (
            {"max_temperature_today": 37.8, "days_since_close_contact": 2},
            "red",
            ("close_contact", "fever"),
            14,
        ),
        (
            {"days_since_secondary_contact": 1, "days_since_high_risk_arrival": 3},
            "yellow",
            ("secondary_contact", "high_risk_arrival"),
            7,
        ),
        (
            {"missed_checkin": True, "max_temperature_today": 37.5},
            "yellow",
            ("fever", "missed_checkin"),
            0,
        ),
        (
            {"missed_checkin": True, "confirmed": True, "days_since_high_risk_arrival": 1},
            "red",
            ("confirmed", "high_risk_arrival", "missed_checkin"),
            14,
        ),
    ],
)
def test_worst_colour_wins_and_every_fired_rule_is_a_reason(
    changes: dict[str, Any], colour: str, fired: tuple[str, ...], days: int
) -> None:
    decision = evaluate(DEFAULT, facts(**changes))
    assert decision.colour == colour
    assert decision.fired == fired  # in rule order
    assert decision.quarantine_days == days
    by_id = {rule.id: rule.reason for rule in DEFAULT.rules}
    assert decision.reasons == tuple(by_id[rule_id] for rule_id in fired)


# ---------------------------------------------------------------------------
# Back to green (hysteresis)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("previous", ["red", "yellow"])
@pytest.mark.parametrize(
    ("changes", "unmet"),
    [
        ({"quarantine_completed": False}, ("quarantine_completed",)),
        ({"consecutive_normal_checkins": 2}, ("normal_checkins",)),
        ({"consecutive_normal_checkins": 0}, ("normal_checkins",)),
        ({"last_test_negative": False}, ("negative_test",)),
        ({"days_since_last_negative_test": None}, ("negative_test",)),
        ({"days_since_last_negative_test": 3}, ("negative_test",)),
        (
            {
                "quarantine_completed": False,
                "consecutive_normal_checkins": 1,
                "last_test_negative": None,
            },
            ("quarantine_completed", "normal_checkins", "negative_test"),
        ),
    ],
)
def test_previous_colour_is_held_until_every_release_condition_holds(
    previous: str, changes: dict[str, Any], unmet: tuple[str, ...]
) -> None:
    decision = evaluate(DEFAULT, {**RECOVERED, "previous_colour": previous, **changes})
    assert decision.colour == previous
    assert decision.rules_colour == "green"
    assert decision.held and not decision.released
    assert decision.unmet == unmet
    assert decision.reasons[0] == (
        "您仍在隔离期内，健康码暂时保持原来的颜色。",
        "You are still in quarantine, so your code keeps its colour for now.",
    )
    by_id = {condition.id: condition.reason for condition in DEFAULT.conditions}
    assert decision.reasons[1:] == tuple(by_id[condition_id] for condition_id in unmet)
    assert decision.error is None


def test_held_reason_says_how_many_check_ins_are_needed() -> None:
    decision = evaluate(
        DEFAULT, {**RECOVERED, "previous_colour": "red", "consecutive_normal_checkins": 2}
    )
    assert decision.reasons[1] == (
        "还需要连续3天健康打卡正常。",
        "You still need 3 normal health check-ins in a row.",
    )


@pytest.mark.parametrize("previous", ["red", "yellow"])
def test_released_when_every_condition_holds(previous: str) -> None:
    decision = evaluate(DEFAULT, {**RECOVERED, "previous_colour": previous})
    assert decision.colour == "green"
    assert decision.released and not decision.held
    assert decision.unmet == ()
    assert "连续3天打卡正常" in decision.reasons[0][0]
    assert decision.reasons[-1][0] == "未发现风险，可正常通行。"


def test_red_goes_to_yellow_when_released_while_a_yellow_rule_fires() -> None:
    decision = evaluate(DEFAULT, {**RECOVERED, "previous_colour": "red", "missed_checkin": True})
    assert (decision.colour, decision.released, decision.fired) == (
        "yellow",
        True,
        ("missed_checkin",),
    )


def test_red_is_held_while_only_a_milder_rule_fires() -> None:
    decision = evaluate(
        DEFAULT,
        {
            **RECOVERED,
            "previous_colour": "red",
            "quarantine_completed": False,
            "missed_checkin": True,
        },
    )
    assert (decision.colour, decision.rules_colour, decision.held) == ("red", "yellow", True)
    assert decision.fired == ("missed_checkin",)
    assert decision.reasons[0][0] == "您今天还没有健康打卡。"


@pytest.mark.parametrize(
    ("previous", "changes", "colour"),
    [
        ("yellow", {"confirmed": True}, "red"),
        ("red", {"days_since_close_contact": 5}, "red"),
        ("yellow", {"max_temperature_today": 37.4}, "yellow"),
    ],
)
def test_same_or_worse_colour_is_never_held(
    previous: str, changes: dict[str, Any], colour: str
) -> None:
    decision = evaluate(
        DEFAULT,
        {**RECOVERED, "previous_colour": previous, "quarantine_completed": False, **changes},
    )
    assert (decision.colour, decision.held, decision.released) == (colour, False, False)


def test_no_previous_decision_means_no_hysteresis() -> None:
    decision = evaluate(DEFAULT, facts(previous_colour=None, quarantine_completed=False))
    assert (decision.colour, decision.held) == ("green", False)


@pytest.mark.parametrize(
    ("n", "checkins", "held"), [(5, 4, True), (5, 5, False), (1, 1, False), (0, 0, False)]
)
def test_number_of_normal_check_ins_comes_from_the_rule_set(
    n: int, checkins: int, held: bool
) -> None:
    doc = load_default()
    doc["consecutive_normal_checkins"] = n
    doc["version"] = 2
    compiled = compile_rule_set(doc)
    assert compiled.problems == ()
    decision = compiled.evaluate(
        {**RECOVERED, "previous_colour": "red", "consecutive_normal_checkins": checkins}
    )
    assert decision.held is held
    assert decision.rule_set_version == 2
    if held:
        assert f"还需要连续{n}天健康打卡正常。" in [zh for zh, _en in decision.reasons]
    else:
        assert f"连续{n}天打卡正常" in decision.reasons[0][0]


# ---------------------------------------------------------------------------
# Errors: escalate to staff, never raise, never improve the colour
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "expected"),
    [("green", "green"), ("yellow", "yellow"), ("red", "red"), (None, "yellow")],
)
@pytest.mark.parametrize(
    "expr",
    [
        {"frobnicate": [1]},  # unknown operator
        {">": [{"var": "max_temperature_today"}, "37.3"]},  # number compared with a string
        {"+": [{"var": "confirmed"}, 1]},  # arithmetic on a boolean
        {"in": [1, 2]},
        {"!": [1, 2]},  # wrong number of arguments
    ],
)
def test_an_error_keeps_the_previous_colour_and_asks_for_review(
    expr: Any, previous: str | None, expected: str
) -> None:
    decision = evaluate(doc_with(expr), facts(previous_colour=previous))
    assert decision.colour == expected
    assert decision.needs_review
    assert decision.error and " / " in decision.error
    assert not decision.held and not decision.released
    assert decision.reasons[-1][0].startswith("系统暂时无法自动判定")


def test_an_error_never_hides_a_red_rule() -> None:
    decision = evaluate(
        doc_with({"frobnicate": []}), facts(confirmed=True, previous_colour="green")
    )
    assert (decision.colour, decision.fired, decision.needs_review) == ("red", ("confirmed",), True)
    assert decision.reasons[-1][0].startswith("另有部分情况无法自动判定")


def test_an_error_in_a_release_condition_keeps_the_colour() -> None:
    doc = doc_with(False, release={"<": [{"var": "previous_colour"}, 3]})
    decision = evaluate(doc, {**RECOVERED, "previous_colour": "red"})
    assert (decision.colour, decision.needs_review, decision.released) == ("red", True, False)
    assert "probe_release" in (decision.error or "")
    assert "string" in (decision.error or "")


def test_a_runtime_type_error_names_the_rule_and_both_types() -> None:
    doc = doc_with({">": [{"var": "previous_colour"}, 3]})
    assert validate_rule_set(doc) == []  # only the facts can tell
    decision = evaluate(doc, facts(previous_colour="yellow"))
    assert decision.colour == "yellow" and decision.needs_review
    assert (
        decision.error
        == "probe: “>”无法比较文本和数字 / probe: '>' cannot compare string with number"
    )


@pytest.mark.parametrize(
    ("changes", "fact"),
    [
        ({"max_temperature_today": "37.5"}, "max_temperature_today"),
        ({"max_temperature_today": Decimal("37.5")}, "max_temperature_today"),
        ({"max_temperature_today": float("nan")}, "max_temperature_today"),
        ({"max_temperature_today": float("inf")}, "max_temperature_today"),
        ({"max_temperature_today": True}, "max_temperature_today"),
        ({"confirmed": "false"}, "confirmed"),
        ({"confirmed": 1}, "confirmed"),
        ({"days_since_close_contact": -1}, "days_since_close_contact"),
        ({"days_since_close_contact": 3.0}, "days_since_close_contact"),
        ({"consecutive_normal_checkins": "3"}, "consecutive_normal_checkins"),
        ({"previous_colour": "blue"}, "previous_colour"),
        ({"previous_colour": ""}, "previous_colour"),
    ],
)
def test_facts_of_the_wrong_type_are_errors_not_guesses(changes: dict[str, Any], fact: str) -> None:
    decision = evaluate(DEFAULT, facts(**changes))
    assert decision.needs_review
    assert f"fact {fact!r} should be {FACTS[fact].type}" in (decision.error or "")
    assert decision.colour in {"green", "yellow"}  # green was the previous colour; never better


def test_a_bad_fact_only_disables_the_rules_that_read_it() -> None:
    decision = evaluate(DEFAULT, facts(confirmed=True, max_temperature_today="hot"))
    assert (decision.colour, decision.fired, decision.needs_review) == ("red", ("confirmed",), True)
    assert "fever: 事实类型错误" in (decision.error or "")


def test_an_unknown_previous_colour_falls_back_to_yellow() -> None:
    decision = evaluate(DEFAULT, facts(previous_colour="purple"))
    assert (decision.colour, decision.needs_review) == ("yellow", True)


@pytest.mark.parametrize("bad_facts", [None, [], "confirmed", 42, {1, 2}, object()])
def test_facts_that_are_not_an_object(bad_facts: Any) -> None:
    decision = evaluate(DEFAULT, bad_facts)
    assert (decision.colour, decision.needs_review) == ("yellow", True)
    assert "facts must be a JSON object" in (decision.error or "")


@pytest.mark.parametrize("bad_doc", [None, [], "default", {}, {"rules": "all"}])
def test_an_unusable_rule_set_refers_everybody_to_staff(bad_doc: Any) -> None:
    decision = evaluate(bad_doc, facts(previous_colour="red"))
    assert (decision.colour, decision.needs_review) == ("red", True)
    assert decision.rule_set_version == 0
    assert "problem" in (decision.error or "")


def test_a_rule_set_with_a_problem_still_evaluates_its_good_rules() -> None:
    doc = load_default()
    doc["rules"][5]["colour"] = "orange"
    compiled = compile_rule_set(doc)
    assert len(compiled.problems) == 1
    decision = compiled.evaluate(facts(confirmed=True))
    assert (decision.colour, decision.needs_review) == ("red", True)
    assert decision.error and "orange" in decision.error


def test_mappings_other_than_dict_are_accepted_as_facts() -> None:
    from types import MappingProxyType

    assert evaluate(DEFAULT, MappingProxyType(facts(confirmed=True))).colour == "red"


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _set(path: list[Any], value: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Any:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


def _nest(depth: int) -> Any:
    expr: Any = True
    for _ in range(depth):
        expr = {"!": expr}
    return expr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_delete(["id"]), "id: 必须是1到12个字符的英文标识符"),
        (_set(["id"], "Default rules"), "must be an identifier of 1 to 12 characters"),
        (_set(["id"], "district-default"), "must be an identifier of 1 to 12 characters"),
        (_set(["version"], 0), "version: 必须是1到99999之间的整数"),
        (_set(["version"], 100_000), "version: 必须是1到99999之间的整数"),
        (_set(["version"], "1"), "must be a whole number from 1 to 99999"),
        (_set(["version"], True), "must be a whole number from 1 to 99999"),
        (_delete(["title_en"]), "title_en: 必须是非空文本"),
        (
            _set(["consecutive_normal_checkins"], 29),
            "consecutive_normal_checkins: 必须是0到28之间的整数",
        ),
        (_set(["consecutive_normal_checkins"], 2.5), "consecutive_normal_checkins"),
        (_set(["rules"], []), "rules: 必须是1到100条规则的列表"),
        (_set(["rules"], {"a": 1}), "rules: 必须是1到100条规则的列表"),
        (_set(["rules", 0], "confirmed"), "rules[0]: 每条规则必须是对象"),
        (
            _set(["rules", 0, "colour"], "purple"),
            "rules[0](confirmed).colour: 规则颜色必须是 yellow 或 red",
        ),
        (_set(["rules", 0, "colour"], "green"), "not 'green'"),
        (_set(["rules", 1, "quarantine_days"], 29), "rules[1](positive_test).quarantine_days"),
        (_set(["rules", 1, "quarantine_days"], -1), "must be a whole number from 0 to 28"),
        (_set(["rules", 1, "quarantine_days"], 14.0), "must be a whole number from 0 to 28"),
        (_set(["rules", 1, "quarantine_days"], True), "must be a whole number from 0 to 28"),
        (_set(["rules", 2, "id"], "confirmed"), "duplicate id 'confirmed'"),
        (_set(["rules", 2, "id"], ""), "rules[2].id: 必须是以小写字母开头的英文标识符"),
        (_set(["rules", 2, "id"], "Close contact"), "must be an identifier like close_contact"),
        (_set(["release", "conditions", 0, "id"], 7), "release.conditions[0].id: 必须是"),
        (_delete(["rules", 3, "reason_en"]), "rules[3](secondary_contact).reason_en"),
        (_delete(["rules", 3, "when"]), "rules[3](secondary_contact).when: 缺少条件"),
        (_set(["rules", 3, "quarantine_day"], 7), "unknown key 'quarantine_day' (misspelt?)"),
        (_set(["reviewed_by"], "x"), "$: 未知的键 'reviewed_by'"),
        (
            _set(["rules", 4, "when"], {"and": [True, {"or": [False, {"frobnicate": [1]}]}]}),
            "rules[4](high_risk_arrival).when.and[1].or[1]: 未知的运算符 'frobnicate' / unknown operator 'frobnicate'",
        ),
        (_set(["rules", 4, "when"], {"!": [1, 2]}), "operator '!' takes 1 arguments, not 2"),
        (_set(["rules", 4, "when"], {"==": [1]}), "operator '==' takes 2 arguments, not 1"),
        (
            _set(["rules", 4, "when"], {"<": [1, 2, 3, 4]}),
            "operator '<' takes 2..3 arguments, not 4",
        ),
        (
            _set(["rules", 4, "when"], {"var": {"var": "x"}}),
            "a variable path must be a non-empty literal string",
        ),
        (
            _set(["rules", 4, "when"], {"var": "a..b"}),
            "a variable path must be a non-empty literal string",
        ),
        (_set(["rules", 4, "when"], {"var": "temprature"}), "unknown fact 'temprature'"),
        (_set(["rules", 4, "when"], {"missing": ["nope"]}), "unknown fact 'nope'"),
        (
            _set(["rules", 4, "when"], {">": [{"var": "max_temperature_today"}, float("nan")]}),
            "numbers must be finite",
        ),
        (
            _set(["rules", 4, "when"], {"var": "confirmed", "!": True}),
            "exactly one operator key, not 2",
        ),
        (_set(["rules", 4, "when"], {}), "exactly one operator key, not 0"),
        (
            _set(["rules", 4, "when"], {"param": "quarantine_days"}),
            "unknown parameter 'quarantine_days'",
        ),
        (_set(["rules", 4, "when"], (1, 2)), "unsupported value type tuple"),
        (_set(["rules", 4, "when"], _nest(40)), "expression nested deeper than 32"),
        (_delete(["release"]), "release: 缺少解除条件"),
        (_set(["release", "conditions"], []), "release.conditions: 必须是1到20个条件的列表"),
        (
            _set(["release", "conditions", 1, "id"], "quarantine_completed"),
            "duplicate id 'quarantine_completed'",
        ),
        (
            _set(
                ["release", "conditions", 1, "when"],
                {">=": [{"var": "consecutive_normal_checkins"}, 3]},
            ),
            'no condition uses {"param": "consecutive_normal_checkins"}',
        ),
        (_delete(["release", "held_reason_zh"]), "release.held_reason_zh: 必须是非空文本"),
        (_delete(["green"]), "green: 缺少绿码说明"),
        (_set(["green", "reason_en"], "  "), "green.reason_en: 必须是非空文本"),
    ],
)
def test_validate_rule_set_catches_bad_documents(change: Any, expected: str) -> None:
    doc = load_default()
    change(doc)
    problems = validate_rule_set(doc)
    assert any(expected in problem for problem in problems), problems
    for problem in problems:  # bilingual: Chinese first, then English
        zh, _, en = problem.partition(" / ")
        assert en and any("\u4e00" <= char <= "\u9fff" for char in zh), problem


@pytest.mark.parametrize("bad_doc", [None, 3, "x", [load_default()]])
def test_validate_refuses_documents_that_are_not_objects(bad_doc: Any) -> None:
    assert validate_rule_set(bad_doc) == [
        f"$: 规则集必须是 JSON 对象，不能是{rules._type_name_zh(bad_doc)} / "
        f"a rule set must be a JSON object, not {rules._type_name(bad_doc)}"
    ]


def test_validate_knows_extra_facts_when_told() -> None:
    doc = doc_with({"==": [{"var": "vaccinated"}, True]})
    assert any("unknown fact 'vaccinated'" in p for p in validate_rule_set(doc))
    assert validate_rule_set(doc, known_facts=[*FACTS, "vaccinated"]) == []
    compiled = compile_rule_set(doc, known_facts=[*FACTS, "vaccinated"])
    assert compiled.evaluate(facts(vaccinated=True)).fired == ("probe",)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ({"or": [False] * 2500}, "expression larger than 2000 nodes"),
        ([0] * 2500, "a list longer than 2000 items"),
    ],
)
def test_a_huge_expression_is_refused_once(expr: Any, expected: str) -> None:
    problems = validate_rule_set(doc_with(expr))
    assert [p for p in problems if expected in p] == [next(p for p in problems if expected in p)]
    assert len(problems) == 1


def test_a_very_deep_expression_is_refused_without_recursion_error() -> None:
    doc = doc_with(_nest(100_000))
    problems = validate_rule_set(doc)
    assert any("nested deeper than" in problem for problem in problems)
    assert evaluate(doc, NORMAL).needs_review


# ---------------------------------------------------------------------------
# The expression language, through the test bench
# ---------------------------------------------------------------------------

EXTRA = [*FACTS, "a", "s", "n", "xs", "nested", "z", "nope"]


def value_of(expr: Any, data: dict[str, Any]) -> tuple[Any, str | None]:
    compiled = compile_rule_set(doc_with(expr), known_facts=EXTRA)
    assert compiled.problems == (), compiled.problems
    trace = explain(compiled, data)[len(DEFAULT.rules)]
    assert trace.id == "probe"
    return trace.value, trace.error


SAMPLE = {
    "a": 5,
    "s": "黄浦区",
    "n": None,
    "xs": [1, "two", None],
    "nested": {"area": {"code": "310101"}, "list": [10, 20]},
    "z": 0,
}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ({"var": "a"}, 5),
        ({"var": ["a"]}, 5),
        ({"var": "nope.deeper"}, None),
        ({"var": ["n", 7]}, 7),
        ({"var": ["z", 7]}, 0),  # only null/missing take the default
        ({"var": "nested.area.code"}, "310101"),
        ({"var": "nested.list.1"}, 20),
        ({"var": "nested.list.9"}, None),
        ({"var": ["nested.area.missing", "x"]}, "x"),
        ({"var": "s.0"}, None),
        ({"==": [{"var": "a"}, 5]}, True),
        ({"==": [{"var": "a"}, 5.0]}, True),
        ({"==": [{"var": "a"}, "5"]}, False),  # no coercion
        ({"==": [1, True]}, False),
        ({"==": [True, {"!!": [{"var": "a"}]}]}, True),
        ({"==": [{"var": "n"}, None]}, True),
        ({"==": [{"var": "nope"}, None]}, True),
        ({"!=": [{"var": "n"}, None]}, False),
        ({"!=": [{"var": "s"}, "静安区"]}, True),
        ({"==": [{"var": "xs"}, [1, "two", None]]}, True),
        ({"==": [[1], [True]]}, False),
        ({"<": [{"var": "a"}, 6]}, True),
        ({"<": [{"var": "n"}, 6]}, False),
        ({">=": [{"var": "n"}, 6]}, False),  # null compares false both ways
        ({"<": [6, {"var": "nope"}]}, False),
        ({"<=": [0, {"var": "a"}, 5]}, True),
        ({"<": [0, {"var": "a"}, 5]}, False),
        ({"<": [0, {"var": "n"}, 5]}, False),
        ({">": ["b", "a"]}, True),
        ({"and": [1, "x", 0, "never"]}, 0),
        ({"and": [1, "x"]}, "x"),
        ({"or": [0, None, "", "first"]}, "first"),
        ({"or": [0, None]}, None),
        ({"!": [{"var": "n"}]}, True),
        ({"!": {"var": "a"}}, False),
        ({"!!": [[]]}, False),
        ({"!!": ["0"]}, True),
        ({"if": [{"var": "z"}, "zero", {"var": "a"}, "five", "else"]}, "five"),
        ({"if": [False, 1, False, 2, 3]}, 3),
        ({"if": [False, 1]}, None),
        ({"in": [{"var": "s"}, ["黄浦区", "静安区"]]}, True),
        ({"in": [5, ["5"]]}, False),
        ({"in": [1, [True]]}, False),
        ({"in": [{"var": "a"}, [1, 5]]}, True),
        ({"in": ["浦", {"var": "s"}]}, True),
        ({"in": [{"var": "n"}, ["x"]]}, False),
        ({"in": ["x", {"var": "n"}]}, False),
        ({"+": [{"var": "a"}, 1, 0.5]}, 6.5),
        ({"+": [{"var": "a"}, {"var": "n"}]}, None),
        ({"-": [{"var": "a"}]}, -5),
        ({"-": [{"var": "a"}, 7]}, -2),
        ({"-": [{"var": "n"}, 7]}, None),
        ({"max": [{"var": "n"}, 3, {"var": "a"}]}, 5),
        ({"min": [{"var": "n"}, 3, {"var": "a"}]}, 3),
        ({"min": [{"var": "n"}]}, None),
        ({"missing": ["a", "n", "nope", "nested.area.code"]}, ["n", "nope"]),
        ({"param": "consecutive_normal_checkins"}, 3),
        ([1, {"var": "a"}], [1, 5]),
        ("literal", "literal"),
    ],
)
def test_operators(expr: Any, expected: Any) -> None:
    value, error = value_of(expr, SAMPLE)
    assert error is None
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ({"<": [{"var": "s"}, 3]}, "'<' cannot compare string with number"),
        ({"<": [True, 3]}, "'<' cannot compare boolean with number"),
        ({"<": [1, 2, "3"]}, "'<' cannot compare number with string"),
        ({">=": [{"var": "xs"}, [1]]}, "'>=' cannot compare array with array"),
        ({"+": [{"var": "a"}, "1"]}, "'+' takes numbers, not string"),
        ({"-": [True]}, "'-' takes numbers, not boolean"),
        ({"max": [1, "2"]}, "'max' takes numbers, not string"),
        ({"in": [1, "123"]}, "'in' cannot look for number in string"),
        ({"in": [1, 2]}, "'in' cannot look for number in number"),
        ({"+": [1e308, 1e308]}, "the result of '+' is out of range"),
    ],
)
def test_evaluation_errors_are_reported_not_raised(expr: Any, message: str) -> None:
    value, error = value_of(expr, SAMPLE)
    assert value is None
    assert error is not None and error.endswith(message)


def test_explain_shows_every_rule_and_condition_for_the_test_bench() -> None:
    traces = explain(
        load_default(), {**RECOVERED, "previous_colour": "red", "days_since_close_contact": 14}
    )
    assert [(t.kind, t.id, t.fired) for t in traces] == [
        ("rule", "confirmed", False),
        ("rule", "positive_test", False),
        ("rule", "close_contact", True),
        ("rule", "secondary_contact", False),
        ("rule", "high_risk_arrival", False),
        ("rule", "fever", False),
        ("rule", "missed_checkin", False),
        ("release", "quarantine_completed", True),
        ("release", "normal_checkins", True),
        ("release", "negative_test", True),
    ]
    close = traces[2]
    assert (close.colour, close.value, close.error) == ("red", True, None)
    assert close.reads == ("days_since_close_contact",)
    assert close.reason_zh.startswith("您在14天内是确诊病例的密切接触者")
    assert traces[7].colour is None


def test_explain_shows_errors_per_rule() -> None:
    traces = explain(DEFAULT, facts(max_temperature_today="37.5"))
    fever = next(t for t in traces if t.id == "fever")
    assert fever.fired is False
    assert (
        fever.error
        == "fever: 事实类型错误（max_temperature_today） / fever: wrong fact type (max_temperature_today)"
    )
    assert all(t.error is None for t in traces if t.id != "fever")


def test_decisions_serialise_to_json_and_are_shared() -> None:
    decision = DEFAULT.evaluate(facts(days_since_close_contact=1))
    stored = json.loads(json.dumps(decision.as_dict(), ensure_ascii=False))
    assert stored["colour"] == "red"
    assert stored["fired"] == ["close_contact"]
    assert stored["rule_set_id"] == "default" and stored["rule_set_version"] == 1
    assert stored["reasons"][0][0].startswith("您在14天内")
    # Identical outcomes reuse one frozen object: cheap for 250,000 residents.
    assert DEFAULT.evaluate(facts(days_since_close_contact=9)) is decision
    with pytest.raises(AttributeError):
        decision.colour = "green"  # type: ignore[misc]


def test_evaluate_accepts_a_document_or_a_compiled_rule_set() -> None:
    compiled = compile_rule_set(load_default())
    assert isinstance(compiled, CompiledRuleSet)
    assert evaluate(load_default(), facts(confirmed=True)) == evaluate(
        compiled, facts(confirmed=True)
    )


def test_compiling_does_not_keep_a_reference_to_the_document() -> None:
    doc = load_default()
    compiled = compile_rule_set(doc)
    doc["rules"][0]["when"] = False
    doc["rules"][0]["colour"] = "yellow"
    assert compiled.evaluate(facts(confirmed=True)).colour == "red"


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
)
operator_names = st.sampled_from([*OPERATORS, "frobnicate", "===", "", "var "])
fact_names = st.sampled_from([*FACTS, "nope", "a.b", "", "0"])


def _expressions() -> st.SearchStrategy[Any]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return (
            st.lists(children, max_size=4)
            | st.builds(lambda op, args: {op: args}, operator_names, st.lists(children, max_size=4))
            | st.builds(lambda op, arg: {op: arg}, operator_names, children)
            | st.builds(lambda name: {"var": name}, fact_names)
            | st.builds(lambda name, default: {"var": [name, default]}, fact_names, children)
            | st.dictionaries(st.text(max_size=3), children, max_size=3)
        )

    return st.recursive(
        json_scalars | st.builds(lambda n: {"var": n}, fact_names), extend, max_leaves=25
    )


expressions = _expressions()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)
colours = st.sampled_from([*COLOURS, None, "blue", "", 3])
arbitrary_facts = st.dictionaries(
    fact_names | st.text(max_size=4), json_values | st.just(Decimal("37.5")), max_size=14
).flatmap(lambda d: colours.map(lambda colour: {**d, "previous_colour": colour}))


def _check_never_improves(decision: Decision, data: Any) -> None:
    assert decision.colour in COLOURS
    assert decision.rules_colour in COLOURS
    assert 0 <= decision.quarantine_days <= 28
    previous = data.get("previous_colour") if isinstance(data, dict) else None
    valid_previous = previous if isinstance(previous, str) and previous in RANK else None
    if decision.error is not None:
        assert decision.needs_review and not decision.released and not decision.held
        floor = RANK[valid_previous] if valid_previous else RANK["yellow"]
        assert RANK[decision.colour] >= floor
    elif valid_previous and not decision.released:
        assert RANK[decision.colour] >= RANK[valid_previous]
    json.dumps(decision.as_dict())


@SETTINGS
@given(expr=expressions, release=expressions, data=arbitrary_facts)
def test_evaluate_never_raises_on_arbitrary_expressions_and_facts(
    expr: Any, release: Any, data: Any
) -> None:
    doc = doc_with(expr, release=release)
    validate_rule_set(doc)
    decision = evaluate(doc, data)
    _check_never_improves(decision, data)
    for trace in explain(doc, data):
        assert isinstance(trace.fired, bool)


@SETTINGS
@given(doc=json_values, data=arbitrary_facts | json_values)
def test_arbitrary_documents_never_raise(doc: Any, data: Any) -> None:
    assert isinstance(validate_rule_set(doc), list)
    decision = evaluate(doc, data)
    _check_never_improves(decision, data)
    assert decision.needs_review or validate_rule_set(doc) == []


@SETTINGS
@given(
    path=st.lists(
        st.sampled_from(["rules", 0, 1, "release", "conditions", "when", "colour", "id"]),
        max_size=4,
    ),
    value=json_values | expressions,
)
def test_damaged_default_documents_never_raise(path: list[Any], value: Any) -> None:
    doc: Any = load_default()
    target = doc
    for step in path[:-1]:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            break
    if path:
        try:
            target[path[-1]] = value
        except (IndexError, TypeError):
            pass
    problems = validate_rule_set(doc)
    decision = evaluate(doc, facts(previous_colour="red"))
    assert decision.colour == "red" or (problems == [] and decision.released)


days = st.none() | st.integers(min_value=0, max_value=40)
well_typed_facts = st.fixed_dictionaries(
    {
        "confirmed": st.booleans() | st.none(),
        "days_since_positive_test": days,
        "days_since_close_contact": days,
        "days_since_secondary_contact": days,
        "days_since_high_risk_arrival": days,
        "max_temperature_today": st.none()
        | st.floats(min_value=35, max_value=41)
        | st.integers(35, 41),
        "missed_checkin": st.booleans(),
        "previous_colour": st.sampled_from([*COLOURS, None]),
        "quarantine_completed": st.booleans(),
        "consecutive_normal_checkins": st.integers(min_value=0, max_value=10),
        "last_test_negative": st.booleans() | st.none(),
        "days_since_last_negative_test": days,
    }
)


def oracle(f: dict[str, Any]) -> tuple[str, bool]:
    """The default rules written out by hand: (colour, held)."""

    def within(name: str, limit: int) -> bool:
        return f[name] is not None and f[name] <= limit

    if (
        f["confirmed"]
        or within("days_since_positive_test", 14)
        or within("days_since_close_contact", 14)
    ):
        colour = "red"
    elif (
        within("days_since_secondary_contact", 7)
        or within("days_since_high_risk_arrival", 7)
        or (f["max_temperature_today"] is not None and f["max_temperature_today"] >= 37.3)
        or f["missed_checkin"]
    ):
        colour = "yellow"
    else:
        colour = "green"
    previous = f["previous_colour"]
    if previous is not None and RANK[colour] < RANK[previous]:
        released = (
            f["quarantine_completed"]
            and f["consecutive_normal_checkins"] >= 3
            and f["last_test_negative"] is True
            and within("days_since_last_negative_test", 2)
        )
        if not released:
            return previous, True
    return colour, False


@SETTINGS
@given(data=well_typed_facts)
def test_default_rules_agree_with_a_hand_written_oracle(data: dict[str, Any]) -> None:
    decision = DEFAULT.evaluate(data)
    assert decision.error is None and not decision.needs_review
    assert (decision.colour, decision.held) == oracle(data)
    assert len(decision.reasons) >= 1


def test_the_yellow_code_is_named_as_the_order_is():
    """A secondary contact holds a 7-day home-quarantine order: her code's reasons, the release
    conditions and the department reports call it 居家隔离, never 健康监测 or 隔离观察."""
    import json

    from linli.health.rules import load_default
    from linli.reports.fields import _health_status

    text = json.dumps(load_default(), ensure_ascii=False)
    assert "健康监测" not in text and "隔离观察" not in text and "居家隔离7天" in text

    class Row:
        health = {"colour": "yellow", "order": "secondary_contact", "order_kind": "home"}

    assert _health_status(Row(), None) == "黄码（居家隔离中）"  # type: ignore[arg-type]
