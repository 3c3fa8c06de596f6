# ruff: noqa: S101, S603, S607 - a CI script running our own commands
"""Schemathesis over the whole OpenAPI document, as every demo role (.ci/run's last step).

Builds a small demo street in a temporary data directory, serves it, creates an API token for
each demo account and runs `st run` once per persona with the seed in `.ci/api-fuzz-seed`:
any 5xx or response that does not match the schema fails CI. To replay a failure, run this
script again (same seed) or `st replay ID` with the id it printed.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = ["demo-admin", "demo-street", "demo-community", "demo-grid", "demo-health", "demo-resident",
            "demo-volunteer"]
EXAMPLES = int(os.environ.get("LINLI_API_FUZZ_EXAMPLES", "8"))
if os.environ.get("LINLI_API_FUZZ_PERSONAS"):  # e.g. to replay one persona's run
    PERSONAS = os.environ["LINLI_API_FUZZ_PERSONAS"].split(",")


# CPython 3.11's ast module is not safe across threads (python/cpython#106905): Hypothesis,
# describing a strategy from two of Schemathesis's worker threads at once, can crash with this
# SystemError. That says nothing about the API, so the persona's run is repeated on one thread.
TOOL_CRASH = "AST constructor recursion depth mismatch"


def fuzz(base: str, token: str, seed: str, data: str, *, workers: int, title: str) -> bool:
    run = subprocess.run(
        ["st", "--no-color", "run", base + "/api/openapi.json", "-H", f"Authorization: Bearer {token}",
         "-n", str(EXAMPLES), "--seed", seed, "-c", "not_a_server_error,response_schema_conformance",
         "--phases", "examples,fuzzing", "--workers", str(workers), "--warnings", "off"],
        cwd=data, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(f"\n--- {title}\n{run.stdout}", flush=True)  # one block per run: two run at once
    if run.returncode != 0 and TOOL_CRASH in run.stdout and workers > 1:
        print(f"--- {title}: the fuzzer itself crashed (not the API): again, on one thread", flush=True)
        return fuzz(base, token, seed, data, workers=1, title=title)
    return run.returncode == 0


def main() -> int:
    seed = (ROOT / ".ci" / "api-fuzz-seed").read_text().strip()
    data = tempfile.mkdtemp(prefix="linli-api-fuzz-")
    env = {**os.environ, "LINLI_DATA_DIR": data, "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    linli = [sys.executable, "-m", "linli.cli"]
    subprocess.run([*linli, "demo", "--residents", "2000", "--no-serve", "--quiet"], env=env, check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    log = open(Path(data) / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen([*linli, "serve", "--port", str(port), "--processes", "2"], env=env, cwd=ROOT,
                              stdout=log, stderr=log)
    failed: list[str] = []
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/api/openapi.json", timeout=2)  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.5)

        def run_as(persona: str) -> None:
            made = subprocess.run([*linli, "token", "create", persona], env=env, cwd=ROOT, capture_output=True,
                                  text=True, check=True)
            token = re.search(r"ll_[A-Za-z0-9_-]+", made.stdout)
            assert token, made.stdout
            title = f"{persona}: {EXAMPLES} examples per operation, seed {seed}"
            if not fuzz(base, token.group(0), seed, data, workers=2, title=title):
                failed.append(persona)

        # Two personas at a time against a server of two processes: each run waits on the server
        # as much as it works, and the two cores are shared better so.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run_as, PERSONAS))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    if failed:
        print(f"\nAPI fuzzing found problems as {', '.join(failed)}; the server's log: {data}/server.log",
              file=sys.stderr)
        return 1
    print(f"\nAPI fuzzing: no server error and no schema violation as {len(PERSONAS)} personas.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
