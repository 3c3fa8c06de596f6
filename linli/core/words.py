"""jieba's dictionary, loaded once per process and shared by every app that cuts Chinese text
(consultation themes, chat-group opinion, rumour matching).

Loading the dictionary takes about a second and 60-70 MB; a worker that ran the three apps used
to load it three times or more (one tokenizer per app, and one per street for opinion). Here it
is loaded once, lazily and under a lock, into a base tokenizer that nobody adds words to.

Each app still cuts text with its own words, and only its own: :func:`tokenizer` gives a
tokenizer that starts from a copy of the base's word table (a few hundredths of a second and
~15 MB: the words themselves are shared, not copied) and adds the app's words to it in the
given order. A word one app adds (a street's place names, a consultation's 充电桩) therefore
never changes how another app cuts text, and each app cuts exactly as it did with a dictionary
of its own. :func:`shared` keeps one such tokenizer per name for the apps whose words never
change.

jieba's module-level default tokenizer (``jieba.lcut``, ``jieba.add_word``) is not used: words
added to it would reach every caller in the process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import jieba

# A word to add: the word alone (jieba suggests a frequency that keeps it whole), or
# (word, frequency, part of speech), either of the last two None.
Word = str | tuple[str, int | None, str | None]

_base_lock = threading.Lock()
_shared_lock = threading.Lock()  # held while a shared tokenizer is made, which may take _base_lock
_base: jieba.Tokenizer | None = None
_shared: dict[str, jieba.Tokenizer] = {}

jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict…" on every start


def base() -> jieba.Tokenizer:
    """The process's tokenizer with jieba's dictionary and no word added: read it, never add
    words to it (use :func:`tokenizer`)."""
    global _base
    if _base is None:
        with _base_lock:
            if _base is None:
                loaded = jieba.Tokenizer()
                loaded.initialize()
                _base = loaded
    return _base


def tokenizer(words: Iterable[Word] = (), *, userdict: Path | None = None) -> jieba.Tokenizer:
    """A tokenizer of one's own: jieba's dictionary (shared, not loaded again) with the words of
    ``userdict`` (a file in jieba's format) and then ``words`` added, in that order."""
    source = base()
    made = jieba.Tokenizer()
    # The base's table is never changed after it is loaded, so copying it needs no lock; the
    # copy holds the same word and number objects.
    made.FREQ, made.total = source.FREQ.copy(), source.total
    made.initialized = True
    if userdict is not None:
        made.load_userdict(str(userdict))
    for word in words:
        if isinstance(word, str):
            made.add_word(word)
        else:
            made.add_word(*word)
    return made


def shared(name: str, make: Callable[[], jieba.Tokenizer]) -> jieba.Tokenizer:
    """The process's one tokenizer called ``name`` (an app's, e.g. "rumours"), made by ``make``
    the first time it is asked for, even when several threads ask at once."""
    found = _shared.get(name)
    if found is None:
        with _shared_lock:
            found = _shared.get(name)
            if found is None:
                found = _shared[name] = make()
    return found
