"""The review state machine, exhaustively: every status × step, and who may take each step."""

from __future__ import annotations

import itertools

import pytest

from linli.notices import workflow as wf

AUTHOR, A, B, C = 1, 2, 3, 4
EXPECTED = {
    (wf.DRAFT, wf.SUBMIT): wf.CHECKING,
    (wf.CHECKING, wf.CHECK): wf.EDITING,
    (wf.EDITING, wf.EDIT): wf.APPROVING,
    (wf.APPROVING, wf.PUBLISH): wf.PUBLISHED,
    (wf.CHECKING, wf.SEND_BACK): wf.DRAFT,
    (wf.EDITING, wf.SEND_BACK): wf.DRAFT,
    (wf.APPROVING, wf.SEND_BACK): wf.DRAFT,
    (wf.PUBLISHED, wf.CORRECT): wf.PUBLISHED,
    (wf.PUBLISHED, wf.WITHDRAW): wf.WITHDRAWN,
}


@pytest.mark.parametrize(("status", "step"), list(itertools.product(wf.STATUSES, wf.STEPS)))
def test_every_status_and_step(status, step):
    if (status, step) in EXPECTED:
        assert wf.transition(status, step) == EXPECTED[(status, step)]
    else:
        with pytest.raises(wf.Refused) as caught:
            wf.transition(status, step)
        assert caught.value.code == "wrong_status"


def test_the_shortened_path_skips_editing_only():
    assert wf.transition(wf.CHECKING, wf.CHECK, shortened=True) == wf.APPROVING
    assert wf.transition(wf.APPROVING, wf.PUBLISH, shortened=True) == wf.PUBLISHED


def test_three_steps_need_three_people_none_of_them_a_writer():
    empty = wf.History.of([AUTHOR], [])
    with pytest.raises(wf.Refused, match="own_notice"):
        wf.take(wf.CHECKING, wf.CHECK, AUTHOR, empty)
    assert wf.take(wf.CHECKING, wf.CHECK, A, empty) == wf.EDITING
    checked = wf.History.of([AUTHOR], [(wf.CHECK, A)])
    with pytest.raises(wf.Refused, match="two_steps"):
        wf.take(wf.EDITING, wf.EDIT, A, checked)
    assert wf.take(wf.EDITING, wf.EDIT, B, checked) == wf.APPROVING
    edited = wf.History.of([AUTHOR], [(wf.CHECK, A), (wf.EDIT, B)])
    for person in (A, B):
        with pytest.raises(wf.Refused, match="two_steps"):
            wf.take(wf.APPROVING, wf.PUBLISH, person, edited)
    assert wf.take(wf.APPROVING, wf.PUBLISH, C, edited) == wf.PUBLISHED


@pytest.mark.parametrize(("first", "second"), [(s, t) for s in wf.REVIEW_STEPS for t in wf.REVIEW_STEPS if s != t])
def test_nobody_holds_two_review_steps_across_rounds(first, second):
    history = wf.History.of([AUTHOR], [(first, A)])
    with pytest.raises(wf.Refused, match="two_steps"):
        wf.check_person({wf.CHECK: wf.CHECKING, wf.EDIT: wf.EDITING, wf.PUBLISH: wf.APPROVING}[second], second, A,
                        history)
    # the same step again (a later round) is hers to take
    wf.check_person(wf.CHECKING, first, A, history) if first == wf.CHECK else None


def test_a_send_back_counts_as_the_step_it_was_made_at():
    history = wf.History.of([AUTHOR], [(wf.CHECK, A)])
    with pytest.raises(wf.Refused, match="two_steps"):
        wf.take(wf.EDITING, wf.SEND_BACK, A, history)  # she checked: she cannot act as the editor
    with pytest.raises(wf.Refused, match="own_notice"):
        wf.take(wf.CHECKING, wf.SEND_BACK, AUTHOR, history)
    assert wf.take(wf.CHECKING, wf.SEND_BACK, A, history) == wf.DRAFT


def test_submitting_correcting_and_withdrawing_are_not_review_steps():
    history = wf.History.of([AUTHOR], [(wf.PUBLISH, AUTHOR)])
    assert wf.take(wf.DRAFT, wf.SUBMIT, AUTHOR, history) == wf.CHECKING
    assert wf.take(wf.PUBLISHED, wf.WITHDRAW, AUTHOR, history) == wf.WITHDRAWN
