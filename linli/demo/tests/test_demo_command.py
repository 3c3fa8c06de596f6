"""`linli demo` says what it is doing while it migrates, and `linli serve` prints its address
only once it answers there."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from linli.conftest import MIGRATED_COPIES, same_on_every_database

ROOT = Path(__file__).resolve().parents[3]
# These build their own SQLite data directory whatever database the run uses: the SQLite run
# covers them, and with DATABASE_URL set (CI's PostgreSQL run) they would repeat it word for word.
# One test process runs them all (pytest-xdist's group) and builds the module's demo street once.
pytestmark = [same_on_every_database, pytest.mark.xdist_group("demo-command")]


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "LINLI_DATA_DIR": str(data_dir), "LINLI_DEMO_PASSWORD": "demo-command-test",
           "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    return env


def _free_port_pair() -> int:
    """A free port whose next port is free too: the server takes the first and its push server
    the next. A port the system picks alone may have its neighbour in use (by another test's
    connection), and then the push server does not start."""
    for _ in range(100):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", port + 1))
            except (OSError, OverflowError):  # taken, or past the last port
                continue
            return port
    raise AssertionError("no two free neighbouring ports")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data_dir = tmp_path_factory.mktemp("demo-command")
    env = _env(data_dir)
    env.pop(MIGRATED_COPIES, None)  # this one migrates for real: its progress is what the first test reads
    result = subprocess.run([sys.executable, "-m", "linli.cli", "demo", "--residents", "200", "--no-serve"],
                            env=env, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    return data_dir, result.stdout + "\n--- stderr ---\n" + result.stderr


def test_the_demo_shows_progress_while_migrating(built: tuple[Path, str]) -> None:
    _data_dir, output = built
    assert "Preparing the database" in output and "migrations" in output
    assert output.index("Preparing the database") < output.index("Built the demo street")
    bars = output.split("--- stderr ---")[1]
    assert any(seg.startswith("migrations") and "100.0%" in seg for seg in re.split(r"[\r\n]", bars))


def test_no_address_is_printed_before_a_server_answers_it(built: tuple[Path, str]) -> None:
    data_dir, output = built
    assert "http://" not in output  # --no-serve: nothing answers, so no address
    port = _free_port_pair()
    server = subprocess.Popen([sys.executable, "-m", "linli.cli", "serve", "--port", str(port)], env=_env(data_dir),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "http://" in line:
                break
        answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10)  # noqa: S310 - local
        assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _servers(pid: int) -> set[int]:
    """The waitress servers among the children (not the live events' push server)."""
    return {child for child in _children(pid) if " push " not in _cmdline(child)}


def _wait_for(check: Any, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked servers and /proc: Linux")
def test_several_server_processes_share_a_port_and_stop_together(built: tuple[Path, str]) -> None:
    """`linli serve --processes 2`: two servers answer on one port; one that dies is replaced;
    SIGTERM stops them all, and a parent killed outright takes its servers with it."""
    data_dir, _output = built
    port = _free_port_pair()
    server = subprocess.Popen([sys.executable, "-m", "linli.cli", "serve", "--port", str(port), "--processes", "2"],
                              env=_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              cwd=ROOT)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "http://" in line:
                assert "2 processes" in line
                break
        assert _wait_for(lambda: len(_servers(server.pid)) == 2)
        first = _servers(server.pid)
        for _ in range(4):
            answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10)  # noqa: S310 - local
            assert answer.status == 200
        lost = min(first)
        os.kill(lost, signal.SIGKILL)
        assert _wait_for(lambda: len(_servers(server.pid)) == 2 and lost not in _servers(server.pid))
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10).status == 200  # noqa: S310
        assert _wait_for(lambda: len(_children(server.pid)) == 3)  # with the push server, slow on a busy machine
        servers = _children(server.pid)
        server.terminate()
        server.wait(timeout=20)
        assert _wait_for(lambda: not any(_alive(pid) for pid in servers))
        # killed outright: the servers stop with it
        server = subprocess.Popen([sys.executable, "-m", "linli.cli", "serve", "--port", str(port), "--processes",
                                   "2"], env=_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  cwd=ROOT)
        assert _wait_for(lambda: len(_servers(server.pid)) == 2)
        assert _wait_for(lambda: len(_children(server.pid)) == 3)
        servers = _children(server.pid)
        server.kill()
        server.wait(timeout=10)
        assert _wait_for(lambda: not any(_alive(pid) for pid in servers))
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc: Linux")
def test_the_demo_runs_the_task_worker_with_the_server_and_stops_it_with_the_server(built: tuple[Path, str]) -> None:
    """Imports and the periodic tasks need a worker: `linli demo` starts one, it reports in (so
    pages stop saying nobody works the queue), and a plain kill of the demo stops it."""
    data_dir, _output = built
    port = _free_port_pair()
    env = _env(data_dir)
    env.pop("LINLI_TASKS_IMMEDIATE", None)  # the test settings' choice, never a demo's
    demo = subprocess.Popen([sys.executable, "-m", "linli.cli", "demo", "--residents", "200", "--port", str(port),
                             "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    worker = 0
    companions: list[int] = []
    started: set[int] = set()  # everything the demo started, stopped below even when an assertion fails
    try:
        assert demo.stdout is not None
        seen = []
        for line in demo.stdout:
            seen.append(line)
            if "http://" in line:
                break
        started = _children(demo.pid)
        assert any("Task worker" in line for line in seen), "".join(seen)
        workers = [pid for pid in _children(demo.pid) if " worker" in _cmdline(pid)]
        assert len(workers) == 1, [_cmdline(pid) for pid in _children(demo.pid)]
        worker = workers[0]
        pushers = [pid for pid in _children(demo.pid) if " push " in _cmdline(pid)]
        assert len(pushers) == 1, [_cmdline(pid) for pid in _children(demo.pid)]
        # the device consumer, the simulator and the alert clock: running, or (no MQTT broker
        # here) said to have stopped at once, the demo serving all the same
        companions = []
        for args, name in ((" devices listen", "Device consumer"), (" devices simulate --fall-every 180",
                                                                    "Device simulator"),
                           (" alerts clock", "Alert clock")):
            status = [line for line in seen if line.lstrip().startswith(name)]
            assert len(status) == 1 and "/" in status[0], "".join(seen)
            running = [pid for pid in _children(demo.pid) if args in _cmdline(pid)]
            if "stopped at once" in status[0]:
                assert not running and "demo still serves" in status[0] and "演示仍可使用" in status[0]
            else:
                assert len(running) == 1, [_cmdline(pid) for pid in _children(demo.pid)]
                companions += running
            assert (data_dir / status[0].split("log: ")[-1].split(")")[0]).exists() or "stopped" in status[0]
        assert any(" alerts clock" in _cmdline(pid) for pid in companions)  # needs no broker
        silent = [sys.executable, "-m", "linli.cli", "shell", "-c",
                  "from linli.core.leases import worker_status; print(worker_status()['silent'])"]
        # As long as the product itself waits before it calls the queue unworked (180 s): on a slow
        # machine running the suite in parallel, the worker's start and each `linli shell` to ask
        # take many seconds (60 s once ran out in CI while the worker was still starting).
        assert _wait_for(lambda: subprocess.run(silent, env=env, capture_output=True, text=True, cwd=ROOT,
                                                check=False).stdout.split()[-1:] == ["False"],
                         seconds=180)
        demo.terminate()
        demo.wait(timeout=30)
        assert _wait_for(lambda: not _alive(worker))
        assert _wait_for(lambda: not _alive(pushers[0]))
        assert _wait_for(lambda: not any(_alive(pid) for pid in companions))
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=10)
        for pid in [worker, *companions, *started]:
            if pid and _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_worker_that_cannot_start_is_told_apart_from_one_that_runs() -> None:
    from linli.demo.management.commands.demo import _stopped_at_once

    failing = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert _stopped_at_once(failing, seconds=10) and failing.returncode == 3
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not _stopped_at_once(running, seconds=0.5)
    finally:
        running.kill()
        running.wait()


def test_a_companion_that_cannot_start_is_a_warning_in_both_languages(tmp_path: Path, settings: Any) -> None:
    """Without an MQTT broker the consumer stops at once: the demo says so and serves on."""
    import io

    from linli.demo.management.commands.demo import DEVICE_COMPANIONS, Command, stop

    settings.DATA_DIR = tmp_path
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    failing = subprocess.Popen([sys.executable, "-c", "raise SystemExit(2)"])
    command._report(DEVICE_COMPANIONS[0], failing, 10)
    warning = command.stderr._out.getvalue()  # type: ignore[attr-defined]
    assert "stopped at once (exit 2)" in warning and "demo still serves" in warning and "演示仍可使用" in warning
    assert "Mosquitto" in warning and str(tmp_path / DEVICE_COMPANIONS[0].log) in warning
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    command._report(DEVICE_COMPANIONS[2], running, 0.3)
    assert "Alert clock / 告警升级计时: started" in command.stdout._out.getvalue()  # type: ignore[attr-defined]
    stop([running, failing], seconds=10)
    assert running.poll() is not None


def _schema(data_dir: Path) -> tuple[list[tuple[str, str]], set[str]]:
    with sqlite3.connect(data_dir / "linli.sqlite3") as db:
        schema = db.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
        applied = {f"{app}.{name}" for app, name in db.execute("SELECT app, name FROM django_migrations")}
    return schema, applied


def test_a_database_copied_from_a_migrated_one_is_the_same_as_one_migrated(built: tuple[Path, str],
                                                                         tmp_path: Path) -> None:
    """With LINLI_MIGRATED_DB_CACHE (decision 0051), an empty database copies the first one
    migrated there: same tables, indexes, triggers and applied migrations as a database that
    ran every migration (the demo above, which migrated for real), and nothing left to apply."""
    migrated, _ = built
    assert os.environ.get(MIGRATED_COPIES), "the test run names a directory (linli/conftest.py)"
    outputs = []
    for name in ("first", "second", "second"):
        result = subprocess.run([sys.executable, "-m", "linli.cli", "migrate"], env=_env(tmp_path / name),
                                capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "(from " in outputs[1] and "Applying core.0001_initial" in outputs[1]  # the first one kept its copy
    assert "No migrations to apply" in outputs[2]
    assert _schema(tmp_path / "second") == _schema(migrated)
