from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Each signed-in browser keeps a connection open between pages (keep-alive): waitress's default of
# 100 open connections a process leaves a street office's 200 staff waiting in the backlog. poll()
# rather than select(), which cannot watch more than 1,024 sockets.
SERVER_OPTIONS = {"connection_limit": 1000, "asyncore_use_poll": True, "ident": "linli"}


def serve(host: str, port: int, threads: int, stdout: Any, processes: int = 1, push_port: int | None = None) -> None:
    """Serve pages with waitress and, beside them, live events with the push server (on
    ``push_port``, by default the next port; 0 for none: decision 0026)."""
    push = start_push_server(host, port + 1 if push_port is None else push_port, stdout)
    try:
        _serve(host, port, threads, stdout, processes)
    finally:
        stop_process(push)


def _serve(host: str, port: int, threads: int, stdout: Any, processes: int = 1) -> None:
    from django.conf import settings
    from waitress import create_server

    from linli.wsgi import application

    if processes > 1 and hasattr(os, "fork"):
        _serve_forked(host, port, threads, processes, stdout)
        return
    if settings.LINLI_LEDGER_SEQUENCER_IN_SERVER:
        from linli.ledger.log import start_sequencer_thread

        start_sequencer_thread()
    # Bind first, then say where: the address is printed only once the server can answer it.
    server = create_server(application, host=host, port=port, threads=threads, **SERVER_OPTIONS)
    stdout.write(f"Linli is serving at http://{host}:{port}/  (Ctrl+C stops) / 网页已就绪")
    try:
        server.run()
    finally:
        server.close()


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _serve_forked(host: str, port: int, threads: int, processes: int, stdout: Any) -> None:
    """``processes`` copies of the server accepting on one listening socket (Python runs one
    thread at a time per process: a second process uses a second core). This process binds the
    socket, forks the servers, runs the ledger's sequencer if it is the server's job, restarts a
    server that dies and stops them all on SIGTERM or Ctrl+C."""
    from django.conf import settings
    from django.db import connections

    listener = socket.create_server((host, port), backlog=1024)
    connections.close_all()  # no connection may be shared across a fork
    children: set[int] = set()
    stopping = False

    parent = os.getpid()

    def spawn() -> None:
        # A stop signal held back across the fork: in the new server before it drops this
        # process's handler (which would leave it serving on), and here before its pid is known
        # (it would not be told to stop). Either way this process then waited for it for ever.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:  # the server (which never leaves this block: it ends with os._exit)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
                _stop_with(parent)
                code = 0
                try:
                    from waitress import create_server

                    from linli.wsgi import application

                    create_server(application, sockets=[listener], threads=threads, **SERVER_OPTIONS).run()
                except BaseException:  # noqa: BLE001 - the parent restarts it; the traceback is printed
                    code = 1
                    import traceback

                    traceback.print_exc()
                finally:
                    os._exit(code)
            children.add(pid)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for _ in range(processes):
        spawn()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if settings.LINLI_LEDGER_SEQUENCER_IN_SERVER:
        from linli.ledger.log import start_sequencer_thread

        start_sequencer_thread()
    stdout.write(f"Linli is serving at http://{host}:{port}/ from {processes} processes  (Ctrl+C stops) / 网页已就绪")
    restarts: list[float] = []
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if stopping:
            continue
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < 60] + [now]
        if len(restarts) > 5 * processes:
            stop(signal.SIGTERM, None)
            raise CommandError("The server processes keep dying (see above): stopped. / 服务进程反复退出，已停止。")
        stdout.write(f"A server process ({pid}) stopped: starting another. / 服务进程退出，已重新启动。")
        spawn()
    listener.close()


def _stop_with(parent: int) -> None:
    """A server whose parent is killed outright (SIGKILL, a crash) stops too (Linux), rather
    than serving on with nobody to stop it."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above
        os._exit(0)


def start_push_server(host: str, port: int, stdout: Any) -> subprocess.Popen[bytes] | None:
    """``linli push`` on ``port`` (stopped with this process); the pages are told where it is and
    connect once it listens (live.js retries). A port that is taken leaves the pages without live
    events, not the server without pages."""
    from django.conf import settings

    if not port:
        return None
    if not _free(host, port):
        stdout.write(f"Live events are off: port {port} is taken (--push-port). / 实时推送未启动：端口 {port} 已被占用。")
        return None
    process = subprocess.Popen([sys.executable, "-m", "linli.cli", "push", "--host", host,  # noqa: S603 - our own command
                                "--port", str(port), "--stop-with-parent", str(os.getpid())])
    settings.LINLI_PUSH_PORT = port
    return process


def _free(host: str, port: int) -> bool:
    try:
        socket.create_server((host, port)).close()
    except OSError:
        return False
    return True


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class Command(BaseCommand):
    help = "Serve the web UI and API with a production WSGI server (waitress)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--processes", type=int, default=1,
                            help="server processes on one port (one per core; not on Windows)")
        parser.add_argument("--push-port", type=int, default=None,
                            help="port of the live events' push server (default: the next port; 0: none)")

    def handle(self, *args: Any, host: str, port: int, threads: int, processes: int = 1,
               push_port: int | None = None, **options: Any) -> None:
        if not 1 <= processes <= 64:
            raise CommandError("--processes must be between 1 and 64 / 进程数须在 1 到 64 之间")
        # The checks that read the database too: a stored role naming an action nobody
        # registered stops the start instead of silently granting nothing.
        self.check(databases=["default"], display_num_errors=False)
        pending = unapplied_migrations()
        if pending:
            raise CommandError(
                f"The database is older than this version of Linli ({len(pending)} migrations to apply, e.g. "
                f"{pending[0]}): run `linli migrate` first (`linli demo` does it for the demo). / 数据库版本低于"
                f"程序（有 {len(pending)} 个迁移未执行）：请先运行 `linli migrate`（演示用 `linli demo` 会自动执行）。")
        if push_port is not None and not 0 <= push_port <= 65535:
            raise CommandError("--push-port must be between 0 and 65535 / 推送端口须在 0 到 65535 之间")
        serve(host, port, threads, self.stdout, processes, push_port)
