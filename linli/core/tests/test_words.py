"""jieba's dictionary is loaded once per process for the three apps that cut Chinese text
(consultation themes, rumour matching, chat-group opinion), and each app's own words stay its
own."""

from __future__ import annotations

import threading
from typing import Any

import jieba
import pytest

from linli.consult import themes
from linli.core import words
from linli.opinion import nlp
from linli.rumours import matching


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """A process that has not loaded the dictionary yet; the list of the loads that follow."""
    monkeypatch.setattr(words, "_base", None)
    monkeypatch.setattr(words, "_shared", {})
    themes._extractor.cache_clear()
    done: list[Any] = []
    original = jieba.Tokenizer.initialize

    def counting(self: jieba.Tokenizer, dictionary: Any = None) -> Any:
        if not self.initialized:
            done.append(self)
        return original(self, dictionary)

    monkeypatch.setattr(jieba.Tokenizer, "initialize", counting)
    yield done
    themes._extractor.cache_clear()


def test_the_three_apps_load_the_dictionary_once(loads: list[Any]) -> None:
    assert "充电桩" in themes.keywords("小区的充电桩太少了，电动车只能在楼道里充电")
    assert "奥司他韦" in matching.tokens("听说奥司他韦能预防新冠")
    # opinion makes one segmenter per street (its place names): none loads the dictionary again
    first, second = nlp.Segmenter(["金桥新村"]), nlp.Segmenter(["阳光花园"])
    assert "金桥新村" in first.words("金桥新村电梯又坏了")
    assert "阳光花园" in second.words("阳光花园停水了")
    assert len(loads) == 1


def test_each_apps_words_stay_its_own() -> None:
    first, second = nlp.Segmenter(["金桥新村"]), nlp.Segmenter([])
    assert "金桥新村" in first.tokenizer.FREQ
    assert "金桥新村" not in second.tokenizer.FREQ and "金桥新村" not in words.base().FREQ
    matching.tokens("奥司他韦")
    # the rumours' words are not added to jieba's default tokenizer, nor to the shared dictionary
    assert "奥司他韦" not in jieba.dt.FREQ and "奥司他韦" not in words.base().FREQ
    themes.keywords("充电桩")
    assert "充电桩" not in words.base().FREQ and "充电桩" not in second.tokenizer.FREQ


def test_threads_asking_at_once_load_it_once(loads: list[Any]) -> None:
    found: list[jieba.Tokenizer] = []
    start = threading.Barrier(6)

    def ask() -> None:
        start.wait()
        found.append(words.shared("test", lambda: words.tokenizer(["邻里"])))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len({id(t) for t in found}) == 1 and "邻里" in found[0].lcut("邻里中心")
