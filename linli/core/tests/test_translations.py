"""The Chinese catalogue is complete and its compiled form is up to date."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import linli

LOCALE = Path(linli.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> list[str]:
    return [b for b in LOCALE.joinpath("django.po").read_text(encoding="utf-8").split("\n\n") if "msgid" in b]


def test_every_message_is_translated_and_none_is_fuzzy():
    missing, fuzzy = [], []
    for block in po_entries()[1:]:  # the first is the header
        if "#, fuzzy" in block:
            fuzzy.append(block)
        if re.search(r'^msgstr(\[0\])? ""\n?$', block, re.MULTILINE) and not re.search(
                r'^msgstr(\[0\])? ""\n"', block, re.MULTILINE):
            missing.append(block)
    assert not missing, "untranslated:\n" + "\n\n".join(missing[:5])
    assert not fuzzy, "fuzzy:\n" + "\n\n".join(fuzzy[:5])


def test_compiled_catalogue_matches_the_po_file():
    with LOCALE.joinpath("django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    msgids = {k if isinstance(k, str) else k[0] for k in catalog if k}
    assert len(msgids) == len(po_entries()) - 1, "run compilemessages after editing django.po"
