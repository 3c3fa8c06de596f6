"""The API's text fields share one check for control characters (linli.core.api_auth), rather
than each router keeping a copy of its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from linli.core.api_auth import Lines, Text, no_control_characters

APPS = Path(__file__).resolve().parents[2]
# Signs of a check of one's own: the text helper called or unicodedata read in a router.
OWN_CHECK = re.compile(r"has_control_characters|unicodedata\.category|_no_control_characters|\\x00")


def test_no_router_keeps_a_check_of_its_own() -> None:
    copies = [str(path.relative_to(APPS)) for path in sorted(APPS.glob("*/api.py"))
              if path.parent.name != "core" and OWN_CHECK.search(path.read_text(encoding="utf-8"))]
    assert copies == []


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "line\x7f"])
def test_control_characters_are_refused(value: str) -> None:
    for kind in (Text, Lines):
        with pytest.raises(ValidationError, match="must not contain control characters"):
            TypeAdapter(kind).validate_python(value)


def test_lines_keep_their_breaks_and_a_field_may_allow_its_own() -> None:
    assert TypeAdapter(Lines).validate_python("一\t二\r\n三") == "一\t二\r\n三"
    with pytest.raises(ValidationError):
        TypeAdapter(Text).validate_python("一\n二")
    paragraph = TypeAdapter(Annotated[str, no_control_characters("\n")])
    assert paragraph.validate_python("一\n二") == "一\n二"
    with pytest.raises(ValidationError):
        paragraph.validate_python("一\r\n二")
    assert TypeAdapter(Text).validate_python("张三 138-0000-0000") == "张三 138-0000-0000"
