"""The Chinese catalogue is complete, covers every message in the code, and its compiled form is
up to date."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

import linli
from linli.conftest import needs_gettext

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


@needs_gettext
def test_makemessages_would_add_no_untranslated_message(tmp_path: Path, settings, monkeypatch) -> None:
    """What ``makemessages -l zh_Hans`` (run in ``linli/``, tests left out) would make of the code
    as it is: every message it finds has a Chinese translation that is not fuzzy."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: apt-get install -y gettext")
    package = Path(linli.__file__).parent
    copy = tmp_path / "linli"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "vendor", "*.mo", "*.sqlite3"))
    settings.LOCALE_PATHS = []  # only the copy's catalogue is written
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=["*/tests/*"], no_obsolete=True, verbosity=0)
    po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    gaps = {}
    for kind in ("--untranslated", "--only-fuzzy"):
        listed = subprocess.run(["msgattrib", kind, "--no-obsolete", "--no-wrap", str(po)],  # noqa: S603, S607
                                capture_output=True, text=True, check=True).stdout
        msgids = ("".join(re.findall(r'"(.*)"', m)) for m in re.findall(r'^msgid ((?:".*"\n)+)', listed, re.MULTILINE))
        gaps[kind] = [m for m in msgids if m]  # the header's msgid is empty
    assert gaps == {"--untranslated": [], "--only-fuzzy": []}, "translate these in django.po (polib), then compilemessages"
