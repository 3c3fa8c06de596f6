"""Import benchmark: 100,000 people from a messy .xlsx, dry run and commit.

    python benchmarks/import_people.py                  # fresh SQLite demo street in a temp data dir
    python benchmarks/import_people.py --rows 20000     # smaller
    DATABASE_URL=postgres://… python benchmarks/import_people.py --data-dir /tmp/import-bench

Builds the demo street (``linli demo --residents 20000 --no-serve``), writes a workbook as
offices send them (a merged title row, blank rows, full-width digits, stray spaces, 3 / 3号楼
/ 502室 spellings, Excel date cells and text dates, IDs that Excel turned into numbers, bad
phones, people already registered), then runs the dry run and the commit through the same
code as ``linli import`` and the web page. Prints one JSON line. Goal: dry run + commit of
100,000 rows in ≤ 30 s.

The line splits the time by stage — ``read`` (the workbook read in its sandboxed reader
process, at upload and in the dry run), ``clean_validate`` (every row cleaned and checked,
houses looked up), ``match`` (duplicates in the file, matching with the registry, the
differences; the commit's second matching), ``write`` (the dry run's report, the commit's
inserts and updates), ``other`` (upload, mapping, the batch's own bookkeeping) — and sets
beside it the bare reading of the same file by the same reader (python-calamine, in this
process, no checks): ``read_limit_ratio`` is bare reading / (dry run + commit). Wall times
come with the CPU time of this process (``time.process_time``; the reader's child process
is not in it) and the machine's load average, since the machine may be shared.
``--profile FILE`` writes a cProfile of the dry run and the commit.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import sys
import tempfile
import time
from typing import Any

GOAL_SECONDS = 30
HEADERS = ["序号", "姓名", "身份证号码", "联系电话", "所在小区", "楼号", "单元", "房号", "与户主关系", "人员类别",
           "户籍地址", "居住关系", "特殊群体", "政治面貌", "入住日期"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉宇浩然欣怡梓涵子轩"
REGIONS = ["310115", "310104", "320102", "330106", "340104", "410105", "420106", "510107", "610113"]


def _houses() -> list[tuple[str, str, str, str]]:
    """(compound, building, unit, room) of every house of the demo street."""
    from linli.places.models import Level, Place

    names = dict(Place.objects.filter(level__in=[Level.COMPOUND, Level.BUILDING, Level.UNIT])
                 .values_list("path", "name"))
    out = []
    for path, number in Place.objects.filter(level=Level.HOUSE).values_list("path", "number"):
        parts = path.strip("/").split("/")
        prefix = ["/".join(parts[:i]) + "/" for i in (6, 7, 8)]
        out.append((names[prefix[0]], names[prefix[1]], names[prefix[2]], number))
    return out


def _id_number(rng: random.Random, used: set[str]) -> str:
    from linli.core.validators import id_check_digit

    while True:
        birth = datetime.date(1935, 1, 1) + datetime.timedelta(days=rng.randint(0, 70 * 365))
        first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        number = first17 + id_check_digit(first17)
        if number not in used:
            used.add(number)
            return number


def _messy_house(rng: random.Random, house: tuple[str, str, str, str]) -> list[str]:
    compound, building, unit, room = house
    building = building if rng.random() < 0.5 else building.removesuffix("号楼")
    unit = unit if rng.random() < 0.5 else unit.removesuffix("单元")
    room = room if rng.random() < 0.6 else f"{room}室"
    compound = compound if rng.random() < 0.9 else f" {compound}小区"
    return [compound, building, unit, room]


def _row(rng: random.Random, n: int, house: tuple[str, str, str, str], used: set[str],
         known: list[tuple[str, str]]) -> list[Any]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
    id_number: Any = _id_number(rng, used)
    phone: Any = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
    r = rng.random()
    if r < 0.01:
        id_number = float(id_number.rstrip("X") or 0)  # Excel ate it
    elif r < 0.02:
        phone = phone[:7]
    elif r < 0.04 and known:
        name, id_number = rng.choice(known)  # already registered
    if rng.random() < 0.1:
        phone = phone.translate(FULL_WIDTH) if isinstance(phone, str) else phone
    if rng.random() < 0.1:
        name = f" {name[0]}\u3000{name[1:]} "
    moved_in: Any = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randint(0, 9000))
    if rng.random() < 0.5:
        moved_in = rng.choice(["{:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{d.year}年{d.month}月{d.day}日",
                               "{:%Y%m%d}"]).format(moved_in, d=moved_in)
    groups = rng.choice(["", "", "", "", "独居老人", "残疾人", "低保、助餐"])
    return [n, name, id_number, phone, *_messy_house(rng, house), rng.choice(["户主", "配偶", "子女", "本人"]),
            rng.choice(["户籍", "流动", "户籍", "户籍"]), "", rng.choice(["业主", "家庭成员", "租客", ""]), groups,
            rng.choice(["群众", "中共党员", "", ""]), moved_in]


def build_workbook(rows: int, seed: int = 1) -> bytes:
    import xlsxwriter

    from linli.people.models import Person

    rng = random.Random(seed)
    houses = _houses()
    known = [(p.name, p.id_number) for p in Person.objects.exclude(id_number="").order_by("?")[:5000]]
    used: set[str] = set()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("实有人口")
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, "明月街道实有人口登记表（2026年）")
    sheet.write_row(2, 0, HEADERS)
    r = 3
    for n in range(1, rows + 1):
        if n % 500 == 0:
            r += 1  # a blank row now and then
        for c, value in enumerate(_row(rng, n, rng.choice(houses), used, known)):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), dates)
            elif value != "":
                sheet.write(r, c, value)
        r += 1
    book.close()
    return buffer.getvalue()


def bare_read(data: bytes) -> tuple[float, int]:
    """Seconds to read every cell of the workbook with python-calamine alone, and the rows read."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = sum(len(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
               for name in workbook.sheet_names)
    return time.perf_counter() - started, rows


STAGES = ("read", "clean_validate", "match", "write", "other")


class StageClock:
    """Marks where each stage starts (from the runs' progress calls and the reads), and adds up
    the time between marks per stage."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self.stage, self.since = "other", time.perf_counter()
        self.matching_calls = 0

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[self.stage] += now - self.since
        self.stage, self.since = stage, now

    def progress(self, stage: str, done: int, total: int) -> None:
        """What the dry run and the commit report: checking → clean_validate; the dry run's
        first "matching" → match, its second (all matched) → write (its report); the commit's
        "matching" → match, "writing" → write."""
        if stage == "checking" and self.stage != "clean_validate":
            self.mark("clean_validate")
        elif stage == "matching":
            self.matching_calls += 1
            if self.matching_calls == 2 and self.stage == "match":
                self.mark("write")
            elif self.stage not in ("match", "write"):
                self.mark("match")
        elif stage == "writing" and self.stage != "write":
            self.mark("write")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--profile", default="", help="write a cProfile of the dry run and the commit here")
    args = parser.parse_args()
    os.environ["LINLI_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="linli-import-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ.setdefault("LINLI_TASKS_IMMEDIATE", "true")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from linli.core.models import User
    from linli.imports import actions
    from linli.imports.progress import BatchProgress
    from linli.imports.reading import read_file
    from linli.places.models import Level, Place

    call_command("demo", residents=args.residents, no_serve=True, quiet=True, stdout=io.StringIO())
    data = build_workbook(args.rows)
    user = User.objects.get(username="demo-street")
    street = Place.objects.get(level=Level.STREET)

    bare_seconds, bare_rows = bare_read(data)
    clock = StageClock()

    def timed_read(*a: Any, **kw: Any) -> Any:
        before = clock.stage
        clock.mark("read")
        try:
            return read_file(*a, **kw)
        finally:
            clock.mark(before)

    class Clocked(BatchProgress):
        def __call__(self, stage: str, done: int, total: int) -> None:
            clock.progress(stage, done, total)
            super().__call__(stage, done, total)

    actions.read_file = timed_read  # type: ignore[assignment]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    load_before, cpu_before = os.getloadavg()[0], time.process_time()
    started = time.perf_counter()
    clock.mark("other")
    batch = actions.do_upload(acting_user=user, area=street, file_name="实有人口.xlsx", data=data)
    actions.do_set_mapping(batch, {s.name: s.mapping for s in actions.layouts_of(batch)}, acting_user=user)
    actions.start_dry_run(batch, acting_user=user, here=Clocked(batch.pk, show_bar=sys.stderr.isatty()))
    dry_run = time.perf_counter() - started
    dry_run_cpu = time.process_time() - cpu_before
    clock.mark("other")
    if batch.status != "ready":
        raise SystemExit(f"dry run failed: {batch.error}")
    started, cpu_before = time.perf_counter(), time.process_time()
    clock.mark("match")
    actions.start_commit(batch, acting_user=user, on_match="merge", allow_rejected=True,
                         here=Clocked(batch.pk, show_bar=sys.stderr.isatty()))
    commit = time.perf_counter() - started
    commit_cpu = time.process_time() - cpu_before
    clock.mark("other")
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    if batch.status != "committed":
        raise SystemExit(f"commit failed: {batch.error}")
    counts = batch.counts
    print(json.dumps({
        "benchmark": "import_people", "database": connection.vendor, "rows": counts["rows"],
        "file_bytes": len(data), "new": counts["new"], "matched": counts["matched"], "rejected": counts["rejected"],
        "dry_run_seconds": round(dry_run, 2), "commit_seconds": round(commit, 2),
        "total_seconds": round(dry_run + commit, 2),
        "cpu_seconds": {"dry_run": round(dry_run_cpu, 2), "commit": round(commit_cpu, 2)},
        "stages_seconds": {k: round(v, 2) for k, v in clock.seconds.items()},
        "bare_read_seconds": round(bare_seconds, 2), "bare_read_rows": bare_rows,
        "read_limit_ratio": round(bare_seconds / (dry_run + commit), 3),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rows_per_s": round(counts["rows"] / (dry_run + commit)), "goal_seconds": GOAL_SECONDS,
        "goal_met": dry_run + commit <= GOAL_SECONDS,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
