from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from linli.core.keys import load_or_create_secret


def demo_password() -> str:
    """LINLI_DEMO_PASSWORD, or one generated per data directory and kept there (0600)."""
    return load_or_create_secret("LINLI_DEMO_PASSWORD", settings.DATA_DIR / "demo_password", nbytes=9)


WORKER_LOG = "worker.log"


@dataclass(frozen=True)
class Companion:
    """A process `linli demo` runs beside the server and stops with it, logging to its own file
    in the data directory."""

    args: tuple[str, ...]  # the `linli` command's arguments
    log: str
    name: str  # "English / 中文", for the status line
    does: str  # what it does, when it runs
    without: str  # what stops working when it cannot start, in English and Chinese


WORKER = Companion(("worker",), WORKER_LOG, "Task worker / 后台任务进程", "imports, periodic tasks",
                   "Imports and periodic tasks will wait. / 导入和定时任务将无法执行。")
MQTT_HINT = "Is Mosquitto running at 127.0.0.1:1883? / MQTT 服务器（Mosquitto, 127.0.0.1:1883）是否已启动？"
DEVICE_COMPANIONS = (
    Companion(("devices", "listen"), "devices-listen.log", "Device consumer / 设备消息接收",
              "MQTT events into alerts",
              f"Device events will not arrive; the demo still serves. / 设备事件无法接收，演示仍可使用。 {MQTT_HINT}"),
    Companion(("devices", "simulate", "--fall-every", "180"), "devices-simulate.log", "Device simulator / 设备模拟器",
              "a fall in the first grid every 3 minutes",
              f"No simulated events; the demo still serves. / 无模拟设备事件，演示仍可使用。 {MQTT_HINT}"),
    Companion(("alerts", "clock"), "alerts-clock.log", "Alert clock / 告警升级计时",
              "pages and escalates every 10 s",
              "Alerts will not be paged or escalated; the demo still serves. / 告警将不会通知和升级，演示仍可使用。"),
)


def start(companion: Companion) -> subprocess.Popen[bytes]:
    """Start ``linli <args>`` with its output appended to its log in the data directory."""
    with (Path(settings.DATA_DIR) / companion.log).open("ab") as log:
        # Unbuffered: the log says what happened as it happens.
        return subprocess.Popen([sys.executable, "-m", "linli.cli", *companion.args],  # noqa: S603 - our own command
                                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def start_worker() -> subprocess.Popen[bytes]:
    """The task worker (Huey) beside the server, as ``linli worker`` would run it: imports run
    their checks and commits there, and the periodic tasks (status recomputation, quarantine
    extensions, retention, the audit chain's check) run on time. Stopped with the server."""
    return start(WORKER)


def stop(processes: list[subprocess.Popen[bytes]], seconds: float = 10) -> None:
    """Ask every process to stop, then wait for each; kill the ones that take too long."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stopped_at_once(process: subprocess.Popen[bytes], seconds: float = 3.0) -> bool:
    """Whether ``process`` exits within its first seconds (a worker that cannot start)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return True
        time.sleep(0.1)
    return False


def _seeding_session() -> None:
    """On PostgreSQL, this session's commits do not wait for the write-ahead log to reach the
    disk: a crash in the middle loses at most the last fraction of a second of a demo street,
    which is rebuilt anyway, and the seed's thousands of small transactions stop waiting for
    fsync; the indexes the seed builds after loading get more memory to sort in (decision
    0042). Only this connection; the server's settings are left alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
            cursor.execute("SET maintenance_work_mem TO '256MB'")


class _CountApplied(io.StringIO):
    """Stands in for migrate's output: each "Applying …" it writes moves the progress bar."""

    def __init__(self, progress: Any) -> None:
        super().__init__()
        self.progress = progress

    def write(self, text: str) -> int:
        self.progress.advance(text.count("Applying "))
        return len(text)


class Command(BaseCommand):
    help = "Build a synthetic street with demo accounts for every role, then serve the web UI."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=50_000, help="about how many residents (default 50000)")
        parser.add_argument("--streets", type=int, default=0,
                            help="how many streets the residents live in (default: one per 250,000 begun)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same street")
        parser.add_argument("--no-serve", action="store_true", help="only build the data")
        parser.add_argument("--reset", action="store_true", help="rebuild even if the same street exists")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--quiet", action="store_true", help="no progress bars")
        parser.add_argument("--code", action="store_true",
                            help="print the demo accounts' current second-factor code and exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["code"]:
            self._print_code()
            return
        if not 10 <= opts["residents"] <= 2_000_000:
            raise CommandError("--residents must be between 10 and 2,000,000 / 居民数须在 10 到 2,000,000 之间")
        if not 0 <= opts["streets"] <= 50:
            raise CommandError("--streets must be between 1 and 50, or 0 for one per 250,000 residents / "
                               "街道数须在 1 到 50 之间（0 表示每 25 万居民一个街道）")
        password = demo_password()
        from linli.core.progress import Stages

        self.stages = Stages()
        _seeding_session()
        self._prepare_database(opts)
        from linli.demo.models import DemoStreet

        street = DemoStreet.objects.order_by("-pk").first()
        if street is not None and _same_street(street, opts):
            self.stdout.write(f"Using the demo street already built ({street.residents} residents, seed {street.seed}).")
        else:
            street = self._build(opts, password)
        self._print_welcome(opts, password)
        if opts["no_serve"]:
            self.stdout.write("  Serve it with / 启动服务: linli serve")
        else:
            from linli.ledger.demo import start_demo_witnesses

            witnesses = start_demo_witnesses()
            self.stdout.write(f"  Ledger witnesses / 账簿见证服务器: {len(witnesses)} started (ports 8101, 8102)")
            # A plain `kill` must stop the companions and the witnesses too, as Ctrl+C does.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            companions: list[subprocess.Popen[bytes]] = []
            try:
                for companion in (WORKER, *DEVICE_COMPANIONS):
                    companions.append(start(companion))
                deadline = time.monotonic() + 3  # a few seconds, for all of them at once
                for companion, process in zip((WORKER, *DEVICE_COMPANIONS), companions, strict=True):
                    self._report(companion, process, max(0.1, deadline - time.monotonic()))
                # By name: the serve command belongs to the shell, which no app imports.
                call_command("serve", host=opts["host"], port=opts["port"], threads=8, stdout=self.stdout)
            finally:
                stop([*companions, *witnesses])

    def _report(self, companion: Companion, process: subprocess.Popen[bytes], seconds: float) -> None:
        """One line: started, or stopped at once (a warning: the demo serves without it)."""
        if _stopped_at_once(process, seconds):
            self.stderr.write(f"  {companion.name}: stopped at once (exit {process.returncode}) / 启动失败; see / "
                              f"请查看日志 {Path(settings.DATA_DIR) / companion.log}. {companion.without}")
        else:
            self.stdout.write(f"  {companion.name}: started ({companion.does}; log: {companion.log}) / 已启动")

    def _migrate(self, opts: dict[str, Any]) -> None:
        """Bring the database up to date, saying so: on a fresh data directory this takes a while."""
        from django.db.migrations.executor import MigrationExecutor

        from linli.core.progress import Progress

        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan:
            return
        self.stdout.write(f"Preparing the database: {len(plan)} migrations / 正在准备数据库…")
        progress = Progress("migrations", len(plan), enabled=not opts["quiet"])
        with self.stages.stage("migrations", len(plan)):
            call_command("migrate", verbosity=1, interactive=False, stdout=_CountApplied(progress))
        progress.finish()

    def _prepare_database(self, opts: dict[str, Any]) -> None:
        self._migrate(opts)
        from linli.demo.models import DemoStreet
        from linli.places.models import Place

        street = DemoStreet.objects.order_by("-pk").first()
        same = _same_street(street, opts)
        if (same and not opts["reset"]) or not Place.objects.exists():
            return
        if connection.vendor != "sqlite":
            raise CommandError(
                "This database already holds data. Build the demo in an empty database.\n"
                "数据库中已有数据，请在空数据库中生成演示街道。")
        self.stdout.write("Replacing the existing demo database…")
        connection.close()
        db_path = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        self._migrate(opts)

    def _build(self, opts: dict[str, Any], password: str) -> Any:
        from linli.demo.builder import Plan, StreetBuilder
        from linli.demo.models import DemoStreet

        stages = self.stages
        _seeding_session()
        started = time.monotonic()
        builder = StreetBuilder(Plan(residents=opts["residents"], seed=opts["seed"], password=password,
                                     streets=opts["streets"]),
                                show_progress=not opts["quiet"], stages=stages)
        stats = builder.build()
        seconds = time.monotonic() - started
        summary = {"places": stats.places, "households": stats.households, "residents": stats.residents,
                   "grids": stats.grids, "seconds": round(seconds, 1), "streets": len(builder.streets)}
        where = "street" if len(builder.streets) == 1 else f"district ({len(builder.streets)} streets)"
        self.stdout.write(
            f"Built the demo {where}: {stats.residents:,} residents in {stats.households:,} households, "
            f"{stats.places:,} places, {stats.grids} grids in {seconds:.1f} s "
            f"({stats.residents / max(seconds, 1e-6):,.0f} residents/s).")
        seed, quiet = opts["seed"], opts["quiet"]
        with stages.stage("ledger"):
            from linli.ledger.demo import record_demo_import

            record_demo_import(summary, seed)
        with stages.stage("exchange"):
            from linli.exchange.demo import prepare_demo_exchange

            prepare_demo_exchange()
        with stages.stage("health"):
            from linli.health.demo import prepare_demo_epidemic

            prepare_demo_epidemic(seed=seed)
        with stages.stage("gates"):
            from linli.gates.demo import prepare_demo_gates

            prepare_demo_gates()
        with stages.stage("requests"):
            from linli.tickets.demo import prepare_demo_deliveries, prepare_demo_requests
            from linli.tickets.hotline_sample import write_demo_export

            requests = prepare_demo_requests(seed=seed, residents=opts["residents"], show_progress=not quiet)
            self.stdout.write(f"Added {requests:,} residents' requests of the last 60 days.")
            prepare_demo_deliveries()
            write_demo_export()
        stages.count(requests)
        with stages.stage("tasks"):
            from linli.tasks.demo import prepare_demo_work

            prepare_demo_work(seed=seed)
        with stages.stage("devices"):
            from linli.devices.demo import prepare_demo_devices

            prepare_demo_devices(seed=seed)
        with stages.stage("alerts"):
            from linli.alerts.demo import prepare_demo_alerts

            made = prepare_demo_alerts(seed=seed)
            self.stdout.write(f"Added {made.get('alerts', 0):,} answered alerts of the last 60 days and "
                              f"{made.get('shifts', 0)} on-call shifts.")
        with stages.stage("notices"):
            from linli.notices.demo import prepare_demo_notices

            prepare_demo_notices(seed=seed)
        with stages.stage("consultations"):
            from linli.consult.demo import prepare_demo_consultations, summary_line

            consulted = prepare_demo_consultations(seed=seed)
            if consulted:
                self.stdout.write(summary_line(consulted))
        with stages.stage("sites"):
            from linli.sites.demo import prepare_demo_sites

            sites = prepare_demo_sites(seed=seed)
            self.stdout.write(f"Added {sites.get('points', 0):,} disinfection points with "
                              f"{sites.get('visits', 0):,} visits, and {sites.get('shelters', 0)} shelters.")
        with stages.stage("supplies"):
            from linli.supplies.demo import prepare_demo_supplies

            prepare_demo_supplies(seed=seed)
        with stages.stage("rumours"):
            from linli.rumours.demo import prepare_demo_rumours

            prepare_demo_rumours(seed=seed)
        with stages.stage("suppliers"):
            from linli.suppliers.demo import prepare_demo_suppliers

            prepare_demo_suppliers()
        with stages.stage("handout"):
            from linli.handout.demo import prepare_demo_handout

            handout = prepare_demo_handout(seed=seed) or {}
            self.stdout.write(f"Added a mask reservation round with {handout.get('reservations', 0):,} reservations.")
        stages.count(handout.get("reservations", 0))
        with stages.stage("campaigns"):
            from linli.campaigns.demo import prepare_demo_campaigns

            prepare_demo_campaigns(seed=seed)
        with stages.stage("opinion"):
            from linli.opinion.demo import prepare_demo_opinion

            chat = prepare_demo_opinion(seed=seed)
            if chat:
                self.stdout.write(f"Analysed {chat['messages']:,} chat messages of {chat['groups']} groups (a month).")
        if chat:
            stages.count(chat["messages"])
        with stages.stage("approval"):
            from linli.people.demo_approval import prepare_demo_approval

            prepare_demo_approval()
        street = DemoStreet.objects.create(residents=opts["residents"], seed=seed, stats=summary)
        self._print_stages(stages, stats.residents)
        return street

    def _print_stages(self, stages: Any, residents: int) -> None:
        """Where the seed spent its time, slowest stage first (wall clock; CPU of this process,
        so a stage whose time is mostly the database's shows little CPU)."""
        self.stdout.write("")
        self.stdout.write("Time by stage / 各阶段用时:")
        for line in stages.summary():
            self.stdout.write(f"  {line}")
        self.stdout.write(f"  {residents:,} residents in {stages.seconds:.1f} s: "
                          f"{residents / max(stages.seconds, 1e-6):,.0f} residents/s overall / 居民每秒")

    def _print_code(self) -> None:
        """The code of the demo's published key now: for trying the demo without a phone."""
        from linli.core import twofactor
        from linli.demo.builder import DEMO_TOTP_KEY

        left = twofactor.STEP - int(time.time()) % twofactor.STEP
        code = twofactor.code_at(twofactor.key_from_text(DEMO_TOTP_KEY))
        self.stdout.write(f"{code}  (demo accounts' code for the next {left} s / 演示账号动态验证码，{left} 秒内有效)")

    def _print_welcome(self, opts: dict[str, Any], password: str) -> None:
        from linli.core import twofactor
        from linli.core.models import User
        from linli.demo.builder import DEMO_ACCOUNTS, DEMO_TOTP_KEY, DISTRICT_ACCOUNT

        self.stdout.write("")
        self.stdout.write(f"  Data / 数据目录: {settings.DATA_DIR}")
        from linli.exchange.demo import inbox

        for sample in sorted(inbox().glob("*.jsonl")):
            self.stdout.write(f"  A community's signed figures to import at /exchange/ / 社区上报文件: {sample}")
        for sample in sorted((settings.DATA_DIR / "opinion").glob("*.txt"))[:1]:
            self.stdout.write(f"  A chat group's export to upload at /opinion/ / 群聊记录导出: {sample}")
        for sample in sorted((settings.DATA_DIR / "hotline").glob("*.xlsx")):
            self.stdout.write(f"  12345 hotline orders to import at /requests/hotline/ / 12345热线工单: {sample}")
        self.stdout.write(f"  Password for every demo account / 演示账号密码:  {password}")
        accounts = [*DEMO_ACCOUNTS, DISTRICT_ACCOUNT]  # the district's only when the demo is one
        users = {u.username: u for u in User.objects.filter(username__in=[name for name, _ in accounts])}
        for username, role in accounts:
            if username == DISTRICT_ACCOUNT[0] and username not in users:
                continue
            asks = " + code / 动态验证码" if username in users and twofactor.totp_device(users[username]) else ""
            self.stdout.write(f"    {username:<16} {role}{asks}")
        from linli.notices.demo import WORKERS

        for username, _name in WORKERS:  # the notices' review needs three people: two of them are these
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"    {username:<16} community worker (first community): drafts, fact-checks "
                                  "and edits notices")
        self.stdout.write("  Accounts marked \"+ code\" also ask for a 6-digit code after the password (second factor).")
        self.stdout.write(f"  Add this key to any authenticator app (time-based) / 验证器密钥:  {DEMO_TOTP_KEY}")
        self.stdout.write("  or, without a phone, run in another terminal / 没有手机时另开终端运行:  linli demo --code")
        self.stdout.write("  Four eyes / 四眼原则: demo-community's list with the full values of her community's residents")
        self.stdout.write("  waits for demo-street's approval at /downloads/approvals/ / 社区导出大量完整信息名单，待街道审批")
        self.stdout.write("")
        if os.environ.get("LINLI_DEMO_PASSWORD") is None:
            self.stdout.write(f"  (the password is kept in {settings.DATA_DIR / 'demo_password'})")


def _same_street(street: Any, opts: dict[str, Any]) -> bool:
    """Whether the demo already built is the one asked for (same residents, seed and streets)."""
    from linli.demo.builder import Plan

    if street is None or street.residents != opts["residents"] or street.seed != opts["seed"]:
        return False
    wanted = Plan(residents=opts["residents"], seed=opts["seed"], streets=opts["streets"]).street_count
    return int((street.stats or {}).get("streets", 1)) == wanted
