"""One bilingual message type and the shapes it leaves in (no database needed)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from linli.core.errors import Bilingual, api_errors, bilingual, bilingual_all, in_language

CONTROL = _("This text contains control characters; please retype it.")
LIMIT = _("At most %(limit)d characters.")


def test_a_lazy_message_is_rendered_in_both_languages():
    text = Bilingual.of(LIMIT, {"limit": 64})
    assert text.en == "At most 64 characters."
    assert "64" in text.zh and text.zh != text.en


def test_a_plain_message_id_is_translated_too():
    with translation.override("en"):
        rendered_early = str(CONTROL)
    assert Bilingual.of(rendered_early) == Bilingual.of(CONTROL)
    assert Bilingual.of(CONTROL).zh != rendered_early


def test_a_translation_that_lost_its_placeholder_still_shows_words():
    assert Bilingual.of("%(missing)s left", {"other": 1}).en == "%(missing)s left"


def test_as_text_it_reads_in_the_active_language():
    text = Bilingual("Not found", "未找到")
    with translation.override("en"):
        assert str(text) == "Not found"
    with translation.override("zh-hans"):
        assert str(text) == "未找到"
    assert text.in_language("en-gb") == "Not found" and text.in_language(None) == "未找到"


def test_its_validation_error_reads_in_the_reader_language_and_both_in_the_api():
    error = Bilingual("The end can only move later.", "结束日期只能推后。").error("shorter")
    with translation.override("zh-hans"):
        assert error.messages == ["结束日期只能推后。"]
    with translation.override("en"):
        assert error.messages == ["The end can only move later."]
    assert api_errors(ValidationError({"end_date": error})) == [
        {"loc": ["body", "end_date"], "code": "shorter", "msg": "The end can only move later.",
         "msg_zh": "结束日期只能推后。"}]


def test_api_errors_name_the_field_under_the_given_location():
    exc = ValidationError({"name": [ValidationError(CONTROL, code="control_chars")],
                           "__all__": [ValidationError(LIMIT, code="too_long", params={"limit": 5})]})
    items = api_errors(exc, ["body", "events", 3])
    assert [(i["loc"], i["code"]) for i in items] == [(["body", "events", 3, "name"], "control_chars"),
                                                      (["body", "events", 3], "too_long")]
    assert all(i.keys() == {"loc", "code", "msg", "msg_zh"} and i["msg"] != i["msg_zh"] for i in items)
    [item] = api_errors(ValidationError("plain"))
    assert item == {"loc": ["body"], "code": "invalid", "msg": "plain", "msg_zh": "plain"}


def test_the_stored_form_keeps_code_and_both_languages():
    stored = bilingual(ValidationError([ValidationError(LIMIT, code="too_long", params={"limit": 9}),
                                        ValidationError(CONTROL, code="control_chars")]))
    assert stored["code"] == "too_long" and stored["en"] == "At most 9 characters." and "9" in stored["zh"]
    assert in_language(stored, "en") == stored["en"] and in_language(stored, "zh-hans") == stored["zh"]
    assert in_language({"en": "only English"}, "zh-hans") == "only English"
    by_field = ValidationError({"a": [ValidationError(CONTROL, code="c1")], "b": [ValidationError(LIMIT, code="c2",
                                                                                                  params={"limit": 1})]})
    assert [e["code"] for e in bilingual_all(by_field)] == ["c1", "c2"]
    assert bilingual(by_field)["code"] == "c1"
