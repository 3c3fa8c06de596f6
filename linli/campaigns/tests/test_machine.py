"""The campaign state machine alone: attempts, retries, the hand-over to a person."""

import datetime

import pytest

from linli.campaigns import machine as m

NOW = datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC)
CALLS_AND_KNOCKS = m.Plan(channels=(m.CALL, m.KNOCK_CHANNEL), max_calls=2, retry_minutes=120)


def test_no_answer_is_called_again_in_two_hours_then_knocked():
    state = m.start(CALLS_AND_KNOCKS, NOW)
    assert (state.status, state.next_at) == (m.WAITING, NOW)
    assert m.due(CALLS_AND_KNOCKS, state, NOW) == m.CALL
    state = m.after_call(CALLS_AND_KNOCKS, state, m.NO_ANSWER, NOW)
    assert (state.status, state.calls, state.next_at) == (m.WAITING, 1, NOW + datetime.timedelta(hours=2))
    assert m.due(CALLS_AND_KNOCKS, state, NOW + datetime.timedelta(minutes=119)) == ""
    state = m.after_call(CALLS_AND_KNOCKS, state, m.BUSY, NOW + datetime.timedelta(hours=2))
    assert (state.status, state.calls) == (m.KNOCK, 2)


def test_uncertain_answers_go_to_review_and_then_done():
    state = m.after_call(CALLS_AND_KNOCKS, m.start(CALLS_AND_KNOCKS, NOW), m.ANSWERED, NOW, uncertain=True)
    assert state.status == m.REVIEW
    assert m.reviewed(state).status == m.DONE
    with pytest.raises(m.Refused):
        m.after_call(CALLS_AND_KNOCKS, state, m.ANSWERED, NOW)


def test_knocks_until_unreachable_and_without_knocks_no_hand_over():
    state = m.State(m.KNOCK, calls=2)
    for _ in range(2):
        state = m.after_typed(CALLS_AND_KNOCKS, state, m.KNOCK_CHANNEL, m.NOT_HOME)
        assert state.status == m.KNOCK
    assert m.after_typed(CALLS_AND_KNOCKS, state, m.KNOCK_CHANNEL, m.NOT_HOME).status == m.UNREACHABLE
    calls_only = m.Plan(channels=(m.CALL,), max_calls=1)
    assert m.after_call(calls_only, m.start(calls_only, NOW), m.NO_ANSWER, NOW).status == m.UNREACHABLE


def test_no_phone_hands_over_at_once_and_refusal_ends():
    assert m.after_call(CALLS_AND_KNOCKS, m.start(CALLS_AND_KNOCKS, NOW), m.FAILED, NOW).status == m.KNOCK
    assert m.after_call(CALLS_AND_KNOCKS, m.start(CALLS_AND_KNOCKS, NOW), m.REFUSED_OUTCOME, NOW).status == m.REFUSED


def test_links_wait_a_day_and_typed_answers_need_a_channel_of_the_campaign():
    plan = m.Plan(channels=(m.LINK, m.KNOCK_CHANNEL))
    state = m.start(plan, NOW)
    assert state.next_at == NOW + datetime.timedelta(hours=24)
    assert m.due(plan, state, NOW + datetime.timedelta(hours=25)) == "hand_over"
    assert m.after_typed(plan, state, m.LINK, m.ANSWERED).status == m.DONE
    with pytest.raises(m.Refused):
        m.after_typed(plan, state, m.PAGE, m.ANSWERED)
    with pytest.raises(m.Refused):
        m.after_typed(plan, state, m.LINK, m.NOT_HOME)
