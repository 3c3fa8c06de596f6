"""Listening at scale, the three figures of one run: opinion analysis of a month of 1,000 chat
groups (goal ≤ 60 s), rumour matching against 1,000 facts (goal ≥ 2,000 messages/s), and a
simulated screening campaign of 50,000 calls at 500 a second (goal: sustained), each with its
precision and recall on the held-out part of its labelled set.

    LINLI_DATA_DIR=~/street-250k linli demo --residents 250000 --no-serve   # once
    cp -r ~/street-250k /tmp/street && LINLI_DATA_DIR=/tmp/street python -m linli.cli migrate
    LINLI_DATA_DIR=/tmp/street python benchmarks/listening.py      # writes: use a copy

Runs ``opinion.py``, ``rumours.py`` and ``campaigns.py`` one after the other (each in its own
process, on the same data directory; any extra arguments go to none of them) and prints one
JSON line with their results under ``opinion``, ``rumours`` and ``campaigns``, and the machine's
load average before and after. A script that fails is reported with its exit code and the last
lines of its error output instead of a result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(name: str) -> dict[str, object]:
    script = [sys.executable, str(HERE / f"{name}.py")]  # one of our own scripts, no outside input
    done = subprocess.run(script, capture_output=True, text=True, env=os.environ.copy(), check=False)  # noqa: S603
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"failed": done.returncode, "stderr": done.stderr.splitlines()[-5:]}
    return json.loads(lines[-1])


def main() -> None:
    before = os.getloadavg()
    result: dict[str, object] = {"benchmark": "listening", "load_before": [round(x, 2) for x in before]}
    for name in ("opinion", "rumours", "campaigns"):
        result[name] = _run(name)
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
