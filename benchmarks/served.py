"""A real server for the benchmarks: ``linli serve`` in its own processes on a free port, on the
same database as the benchmark (``LINLI_DATA_DIR`` / ``DATABASE_URL``), and a driver that sends
requests to it from several connections at once, as many clients would.

The driver runs on the same machine: its own CPU time is reported beside the servers', so a
figure says what the clients cost too.
"""

from __future__ import annotations

import http.client
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and its children (the forked servers), from /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found.extend(_tree(int(child)))
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU time of ``pids`` so far (Linux; 0 elsewhere)."""
    total = 0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


@dataclass
class Server:
    port: int
    process: subprocess.Popen[str]

    def pids(self) -> list[int]:
        return _tree(self.process.pid)


@contextmanager
def server(*, processes: int, threads: int = 4) -> Iterator[Server]:
    """``linli serve --processes N`` until the block ends; waits until it answers."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - this interpreter running Linli
        [sys.executable, "-m", "linli.cli", "serve", "--port", str(port), "--processes", str(processes),
         "--threads", str(threads)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "http://" in line:
                break
        else:
            sys.exit(f"the server did not start (exit {process.wait()})")
        threading.Thread(target=process.stdout.read, daemon=True).start()  # keep its pipe drained
        yield Server(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Run:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0


Call = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


def drive(srv: Server, calls: Sequence[Call], *, concurrency: int,
          ok: Callable[[int], bool] = lambda status: status < 400) -> Run:
    """Send ``calls`` over ``concurrency`` kept-alive connections at once; times the whole."""
    work: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
    for call in calls:
        work.put(call)
    for _ in range(concurrency):
        work.put(None)
    run = Run()
    lock = threading.Lock()

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        while (call := work.get()) is not None:
            method, path, body, headers = call
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
                status, data = 0, repr(exc).encode()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                run.latencies_ms.append(elapsed)
                if not ok(status):
                    run.failures.append(f"{status} {data[:200]!r}")
        connection.close()

    pids = srv.pids()
    server_cpu, client_cpu = cpu_seconds(pids), time.process_time()
    started = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    run.seconds = time.perf_counter() - started
    run.client_cpu_s = time.process_time() - client_cpu
    run.server_cpu_s = cpu_seconds(pids) - server_cpu
    return run
