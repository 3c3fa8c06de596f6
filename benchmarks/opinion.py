"""Opinion benchmark: a month of chat in 1,000 groups (about 1,000,000 messages), end to end.

    LINLI_DATA_DIR=~/street-250k linli demo --residents 250000 --no-serve   # once
    cp -r ~/street-250k /tmp/street && LINLI_DATA_DIR=/tmp/street python -m linli.cli migrate
    LINLI_DATA_DIR=/tmp/street python benchmarks/opinion.py        # writes: use a copy

The groups are shared out among the street's communities; each community uploads its groups'
WeChat text exports (made up by ``linli.opinion.synthetic``: daily life, a lift that keeps
breaking, a water cut-off, a rumour about a medicine) and the upload is analysed as the task
worker does it: reading, pseudonymising and masking, jieba segmentation, sentiment, demands,
places, storing the messages, then per community and month the keywords, topics (TF-IDF +
k-means), places and demands. Then the street's monthly report is generated. Goal: the whole
run ≤ 60 s on a 2-core machine.

Also measured: the per-message pipeline on the same number of texts made all different (the
made-up chat repeats itself more than real chat, and each distinct text is analysed once), and
precision and recall on the held-out part of the labelled evaluation set
(``linli/opinion/eval/labelled.tsv``). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ["LINLI_TASKS_IMMEDIATE"] = "true"
os.environ.setdefault("LINLI_OPINION_MAX_UPLOAD_MB", "400")


def _one_process() -> None:
    """A forked worker opens its own database connection."""
    from django.db import connections

    connections.close_all()


def _cpu() -> float:
    """CPU seconds of this process and its finished worker processes: what the run cost,
    whatever else the machine was doing."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--per-group-day", type=int, default=33, help="messages per group and day (mean)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="task workers analysing the communities' uploads at once")
    parser.add_argument("--workers", type=int, default=1, help="processes within one upload's analysis")
    parser.add_argument("--skip-distinct", action="store_true", help="leave out the all-distinct measurement")
    args = parser.parse_args()
    os.environ["LINLI_OPINION_WORKERS"] = str(args.workers)

    import django

    django.setup()
    from django.utils import timezone

    from linli.core.models import User
    from linli.opinion import actions, analysis, evaluation, synthetic
    from linli.opinion.models import (
        ChatGroup,
        ChatImport,
        DailyVolume,
        Demand,
        MonthAnalysis,
        OpinionReport,
    )
    from linli.places.models import Level, Place

    for model in (OpinionReport, Demand, MonthAnalysis, DailyVolume, ChatGroup, ChatImport):
        model.objects.all().delete()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    communities = list(Place.objects.filter(parent=street, level=Level.COMMUNITY).order_by("path"))
    start = timezone.localdate() - datetime.timedelta(days=31)

    made = time.monotonic()
    files: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
    messages = 0
    texts: list[str] = []
    for index, community in enumerate(communities):
        names = [f"{community.name}邻里群{n + 1}" for n in range(index, args.groups, len(communities))]
        compounds = list(Place.objects.filter(parent=community, level=Level.COMPOUND).values_list("name", flat=True))
        by_group = defaultdict(list)
        for row in synthetic.month_messages(names, compounds, start, per_group_day=args.per_group_day, seed=index):
            by_group[row[0]].append(row)
            texts.append(row[3])
        messages += sum(len(rows) for rows in by_group.values())
        files[community.pk] = [(f"{name}.txt", synthetic.wechat_export(rows, name).encode()) for name, rows in by_group.items()]
    made = time.monotonic() - made
    size = sum(len(data) for parts in files.values() for _name, data in parts)

    stages: dict[str, int] = defaultdict(int)
    cpu_before = _cpu()
    started = time.monotonic()
    # Each community's upload is a task of its own: the uploads are made (the files sealed into
    # the database) and then analysed by as many worker processes as there are cores, as
    # `linli worker` does with its queue; each analysis then runs in its worker's process.
    actions._enqueue = lambda upload_id: None  # no queue here: the workers below take the uploads
    uploads = [actions.do_upload(community, files[community.pk], acting_user=admin).pk for community in communities]
    files.clear()
    from django.db import connections

    actions.segmenter_for(communities[0])  # loaded once, inherited by the workers
    import sklearn.cluster  # noqa: F401 - imported once, inherited by the workers
    import sklearn.feature_extraction.text  # noqa: F401

    connections.close_all()
    with multiprocessing.get_context("fork").Pool(args.processes, initializer=_one_process) as pool:
        pool.map(actions.run_upload, uploads, chunksize=1)
    stored = demands = 0
    for upload in ChatImport.objects.filter(pk__in=uploads):
        if upload.status != "done":
            raise SystemExit(f"upload {upload.pk} failed: {upload.error}")
        stored += upload.count("stored")
        demands += upload.count("demands")
        for key, value in upload.counts.items():
            if key.startswith("ms_"):
                stages[key] += value
    analysed = time.monotonic() - started
    report_started = time.monotonic()
    month = timezone.localdate().replace(day=1)
    report = actions.do_generate_report(street, month, acting_user=admin)
    report_seconds = time.monotonic() - report_started
    cpu_seconds = _cpu() - cpu_before

    distinct = {}
    if not args.skip_distinct:
        segmenter = actions.segmenter_for(communities[0])
        unique = [f"{text}{i}" for i, text in enumerate(texts)]
        t0, cpu0 = time.monotonic(), _cpu()
        analysis.annotate(unique, segmenter, workers=args.processes)
        distinct = {"texts": len(unique), "processes": args.processes, "seconds": round(time.monotonic() - t0, 1),
                    "cpu_s": round(_cpu() - cpu0, 1)}

    print(json.dumps({
        "benchmark": "opinion", "groups": args.groups, "communities": len(communities), "messages": messages,
        "stored": stored, "export_mb": round(size / 2**20, 1), "distinct_text_share": round(len(set(texts)) / len(texts), 3),
        "processes": args.processes, "workers_per_upload": actions.workers(), "generate_s": round(made, 1),
        "end_to_end_s": round(analysed + report_seconds, 1), "goal_s": 60,
        "met": analysed + report_seconds <= 60, "cpu_s": round(cpu_seconds, 1), "messages_per_s": round(messages / analysed),
        "stages_s_summed_over_processes": {k[3:]: round(v / 1000, 1) for k, v in sorted(stages.items())},
        "street_report_s": round(report_seconds, 2), "report_topics": len(report.content["topics"]),
        "demands": demands, "annotate_all_distinct": distinct,
        "evaluation": evaluation.evaluate(), "load": [round(x, 2) for x in os.getloadavg()],
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
