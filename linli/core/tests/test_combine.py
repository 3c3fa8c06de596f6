"""The combiner: requests that arrive while one batch is being written are written together
in the next, each gets its own answer (or its own error), and nobody is left waiting when a
write fails."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from linli.core.combine import Combiner


def _wait_for(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.005)


class _Writer:
    """Records each batch; the first batch waits until ``release`` is set."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, key: Any, asks: list[Any]) -> list[Any]:
        self.batches.append(list(asks))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(10)
        return [ValueError(f"refused {a}") if a < 0 else (key, a * 10) for a in asks]


def _submit_all(combiner: Combiner[Any], key: Any, asks: list[Any], results: dict[Any, Any]) -> list[threading.Thread]:
    def run(ask: Any) -> None:
        try:
            results[ask] = combiner.submit(key, ask)
        except ValueError as exc:
            results[ask] = str(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in asks]
    for thread in threads:
        thread.start()
    return threads


def test_the_asks_that_arrive_meanwhile_go_in_one_batch_with_their_own_answers():
    writer = _Writer()
    combiner: Combiner[int] = Combiner(writer)
    results: dict[int, Any] = {}
    first = _submit_all(combiner, "round-1", [1], results)
    assert writer.entered.wait(10)
    rest = _submit_all(combiner, "round-1", [2, -3, 4, 5], results)
    _wait_for(lambda: len(combiner._pending.get("round-1", [])) == 4)
    writer.release.set()
    for thread in first + rest:
        thread.join(10)
    assert [sorted(b) for b in writer.batches] == [[1], [-3, 2, 4, 5]]
    assert results == {1: ("round-1", 10), 2: ("round-1", 20), -3: "refused -3", 4: ("round-1", 40),
                       5: ("round-1", 50)}
    assert combiner._busy == set() and combiner._pending == {}


def test_keys_are_written_apart():
    writer = _Writer()
    combiner: Combiner[int] = Combiner(writer)
    results: dict[int, Any] = {}
    first = _submit_all(combiner, "a", [1], results)
    assert writer.entered.wait(10)
    # another key is not held up by the first key's batch
    assert combiner.submit("b", 7) == ("b", 70)
    writer.release.set()
    for thread in first:
        thread.join(10)
    assert results == {1: ("a", 10)}


def test_batches_are_bounded():
    writer = _Writer()
    combiner: Combiner[int] = Combiner(writer, max_batch=2)
    results: dict[int, Any] = {}
    first = _submit_all(combiner, "k", [1], results)
    assert writer.entered.wait(10)
    rest = _submit_all(combiner, "k", [2, 3, 4, 5, 6], results)
    _wait_for(lambda: len(combiner._pending.get("k", [])) == 5)
    writer.release.set()
    for thread in first + rest:
        thread.join(10)
    assert [len(b) for b in writer.batches] == [1, 2, 2, 1]
    assert results == {n: ("k", n * 10) for n in range(1, 7)}


def test_a_failed_write_fails_its_batch_and_the_next_batch_still_runs():
    calls: list[list[int]] = []
    entered, release = threading.Event(), threading.Event()

    def write(key: Any, asks: list[int]) -> list[Any]:
        calls.append(list(asks))
        if len(calls) == 1:
            entered.set()
            assert release.wait(10)
            raise ValueError("the database went away")
        return [a for a in asks]

    combiner: Combiner[int] = Combiner(write)
    results: dict[int, Any] = {}
    first = _submit_all(combiner, "k", [1], results)
    assert entered.wait(10)
    rest = _submit_all(combiner, "k", [2, 3], results)
    _wait_for(lambda: len(combiner._pending.get("k", [])) == 2)
    release.set()
    for thread in first + rest:
        thread.join(10)
    assert results == {1: "the database went away", 2: 2, 3: 3}
    assert combiner._busy == set()


def test_a_write_that_answers_the_wrong_number_is_an_error_for_all():
    combiner: Combiner[int] = Combiner(lambda key, asks: [])
    with pytest.raises(RuntimeError, match="answered 0 of 1"):
        combiner.submit("k", 1)
    assert combiner._busy == set()
