"""Pseudonyms and masking (no Django)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from linli.opinion import privacy

KEY = b"k" * 32


def test_pseudonyms_are_stable_across_uploads_and_spellings():
    first = privacy.pseudonym(KEY, "310115001001", "张三")
    assert first == privacy.pseudonym(KEY, "310115001001", " 张三 ")
    assert first == privacy.pseudonym(KEY, "310115001001", "张三")  # full-width space folded too
    assert re.fullmatch(r"居民-[A-Z2-7]{8}", first)


def test_pseudonyms_differ_by_person_community_and_key():
    base = privacy.pseudonym(KEY, "c1", "张三")
    assert base != privacy.pseudonym(KEY, "c1", "李四")
    assert base != privacy.pseudonym(KEY, "c2", "张三")
    assert base != privacy.pseudonym(b"x" * 32, "c1", "张三")


def test_a_pseudonym_does_not_contain_the_name_and_cannot_be_recomputed_without_the_key():
    name = "13812345678"  # a QQ-style account that is a phone number
    value = privacy.pseudonym(KEY, "c1", name)
    assert name not in value and "5678" not in value
    # without the key, hashing the candidates does not give it
    import hashlib

    assert value[3:] not in {hashlib.sha256(f"c1\x1f{name}".encode()).hexdigest()[:8].upper()}


def test_phone_and_id_numbers_in_messages_are_masked():
    text = "电话13812345678，+86 139-1234-5678，座机021-62345678，身份证31010119900101123X，房号1801"
    masked = privacy.mask(privacy.clean(text))
    assert masked == ("电话138****5678,139****5678,座机021-****5678,身份证310101********123X,房号1801")


def test_full_width_digits_are_folded_before_masking():
    assert privacy.mask(privacy.clean("打我１３８１２３４５６７８")) == "打我138****5678"


def test_invisible_characters_do_not_hide_a_number():
    assert privacy.mask(privacy.clean("138\u200b1234\u200b5678")) == "138****5678"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="你好电梯。，", max_size=10))
def test_no_mobile_number_survives_masking(number, words):
    assert number not in privacy.mask(words + number + words)


def test_names_after_an_at_sign_are_masked():
    assert privacy.mask(privacy.clean("@张三 你家电梯好了吗")) == "@* 你家电梯好了吗"
    assert privacy.mask(privacy.clean("@李阿姨\u2005快递到了")) == "@* 快递到了"
