"""Run one benchmark at several sizes and print how its figures grow.

    python benchmarks/sizes.py registry \\
        --at LINLI_DATA_DIR=/data/street50k --at LINLI_DATA_DIR=/data/street250k \\
        --at DATABASE_URL=postgres://postgres@127.0.0.1/district1m -- --searches 200

Each ``--at`` is an environment for one run (``NAME=VALUE``, comma-separated for several, e.g.
``DATABASE_URL=…,LINLI_DATA_DIR=…``): the benchmark (``benchmarks/NAME.py``, whatever follows
``--`` passed to it) runs once in each, in its own process, and must print its one JSON line.
The sizes are ordered by the ``residents`` (or ``size``) figure each run reports.

Prints one JSON line: each run's figures, and for every numeric figure the runs share its
growth factor from each size to the next, beside the size's own growth. A time that grows like
the size where it should stay flat (a search, a page) shows here before it shows in production.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def environment(spec: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for part in spec.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"--at wants NAME=VALUE[,NAME=VALUE…], not {spec!r}")
        env[name.strip()] = value.strip()
    return env


def last_json_line(output: str) -> dict[str, Any]:
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
    raise ValueError("no JSON line in the benchmark's output")


def size_of(figures: dict[str, Any]) -> float:
    for key in ("residents", "size", "rows", "intervals", "messages"):
        value = figures.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return 0.0


def numeric(figures: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """The numeric figures, nested ones flattened as ``outer.inner``."""
    found: dict[str, float] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found[name] = float(value)
        elif isinstance(value, dict):
            found.update(numeric(value, f"{name}."))
    return found


def growth(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """For each step from one size to the next: the size's factor and each shared figure's."""
    steps = []
    for smaller, larger in zip(runs, runs[1:], strict=False):
        low, high = numeric(smaller), numeric(larger)
        step: dict[str, Any] = {"from": size_of(smaller), "to": size_of(larger)}
        if step["from"]:
            step["size_factor"] = round(step["to"] / step["from"], 2)
        step["factors"] = {key: round(high[key] / low[key], 2) for key in sorted(low.keys() & high.keys())
                           if low[key] and key not in ("residents", "size")}
        steps.append(step)
    return {"steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", help="the benchmark's name (benchmarks/NAME.py)")
    parser.add_argument("--at", action="append", required=True, help="NAME=VALUE[,…]: one size's environment")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for each run")
    args, rest = parser.parse_known_args()
    rest = rest[1:] if rest[:1] == ["--"] else rest
    script = HERE / f"{args.benchmark}.py"
    if not script.is_file():
        raise SystemExit(f"no benchmark {script}")
    runs: list[dict[str, Any]] = []
    for spec in args.at:
        env = {**os.environ, **environment(spec)}
        done = subprocess.run([sys.executable, str(script), *rest], env=env, capture_output=True, text=True,  # noqa: S603 - this interpreter
                              timeout=args.timeout, check=False)
        if done.returncode:
            raise SystemExit(f"{args.benchmark} failed at {spec}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        figures = last_json_line(done.stdout)
        figures["at"] = spec
        runs.append(figures)
    runs.sort(key=size_of)
    print(json.dumps({"benchmark": "sizes", "of": args.benchmark, "runs": runs, "growth": growth(runs)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
