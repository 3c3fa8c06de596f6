"""Rebuild ``gbt2260.tsv`` from the GB/T 2260 compilation shipped with python-stdnum.

    python -m linli.core.data.build_gbt2260        # after upgrading python-stdnum

python-stdnum's ``stdnum/cn/loc.dat`` lists every province, prefecture-level city and
county-level code with the years each name was in use (``[1983-2000]石灰窑区,[2001-]西塞山区``).
The file written here keeps, per code, the name in use now, or the last name and the last year
for a code that has been abolished. Codes that stand for "the districts of a city"
(``420101 市辖区``) are left out: they name no place a person lives in.
"""

from __future__ import annotations

import re
from pathlib import Path

import stdnum
from pypinyin import Style, lazy_pinyin

SOURCE = Path(stdnum.__file__).parent / "cn" / "loc.dat"
TARGET = Path(__file__).parent / "gbt2260.tsv"
# Codes the source lists without an end although another code has replaced them: 随州市 became
# the prefecture-level city 421300 in 2000; 神农架林区 has been 429021, directly under the
# province, since the 1994 edition (the source shows 429004-429006 appearing then).
SUPERSEDED = {"429001": "2000", "422900": "1994", "422921": "1994"}
_PERIOD = re.compile(r"(?:\[(?P<start>\d{4})?-(?P<end>\d{4})?\])?(?P<name>[^,\[]+)")


def entries(text: str) -> list[tuple[str, str, str]]:
    """(code, name, last year in use or "") for every code of the source."""
    rows: list[tuple[str, str, str]] = []
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        suffix, _sep, value = line.strip().partition(" county=")
        periods = list(_PERIOD.finditer(value.strip('"')))
        last = periods[-1]
        code = province + suffix
        if code[4:] == "01" and last["name"] == "市辖区":
            continue
        rows.append((code, last["name"].strip(), last["end"] or SUPERSEDED.get(code, "")))
    return rows


def pinyin(name: str) -> str:
    """The name's syllables, one per character (重庆 → chong qing: read as a phrase). The names
    are all Chinese characters; anything else would stand as "-", one per character."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda chars: " ".join("-" * len(chars)))
    return " ".join(" ".join(syllables).split())


def main() -> None:
    rows = entries(SOURCE.read_text(encoding="utf-8"))
    header = (f"# GB/T 2260 administrative division codes: code, name, last year in use (empty: in use), "
              f"pinyin of the name (for searching).\n"
              f"# Built by linli/core/data/build_gbt2260.py from python-stdnum {stdnum.__version__} "
              f"(stdnum/cn/loc.dat); see README.md beside this file.\n")
    TARGET.write_text(header + "".join(f"{c}\t{n}\t{e}\t{pinyin(n)}\n" for c, n, e in rows), encoding="utf-8")
    current = sum(1 for _c, _n, e in rows if not e)
    print(f"{len(rows)} codes, {current} in use, written to {TARGET}")  # noqa: T201


if __name__ == "__main__":
    main()
