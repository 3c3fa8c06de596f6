"""What changes the opinion analysis: uploads and their analysis, demands filed as requests or
dismissed, reports generated and sent, and the purge of expired messages. Every ``do_*``
checks its own permission, runs in a transaction and is audited."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import importlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, crypto
from linli.core.access import PermissionDenied, allows, require
from linli.core.bulk import insert_rows
from linli.core.errors import bilingual
from linli.opinion import analysis, exports, nlp, privacy
from linli.opinion.access import DEMAND, IMPORT, REPORT
from linli.opinion.models import (
    ChatGroup,
    ChatImport,
    ChatMessage,
    DailyVolume,
    Demand,
    DemandStatus,
    ImportStatus,
    MonthAnalysis,
    OpinionReport,
    ReportStatus,
    Sentiment,
    Topic,
)
from linli.places.models import Level, Place

log = logging.getLogger(__name__)
ProgressFn = Callable[[str, int, int], None]
SENTIMENT_VALUE = {nlp.POSITIVE: Sentiment.POSITIVE, nlp.NEGATIVE: Sentiment.NEGATIVE, nlp.NEUTRAL: Sentiment.NEUTRAL}
MAX_PROBLEMS = 500


def retention_days() -> int:
    return int(getattr(settings, "LINLI_OPINION_RETENTION_DAYS", 90))


def max_files() -> int:
    return int(getattr(settings, "LINLI_OPINION_MAX_FILES", 50))


def max_file_bytes() -> int:
    return int(getattr(settings, "LINLI_OPINION_MAX_FILE_MB", 20)) * 1024 * 1024


def max_total_bytes() -> int:
    return int(getattr(settings, "LINLI_OPINION_MAX_UPLOAD_MB", 60)) * 1024 * 1024


def workers() -> int:
    return max(1, int(getattr(settings, "LINLI_OPINION_WORKERS", 0) or os.cpu_count() or 1))


def pseudonym_key() -> bytes:
    """The key of the speakers' pseudonyms, derived from the blind-index key (kept outside the
    database): stable across uploads, useless without the key file."""
    return hmac.new(crypto.data_keys().index, b"linli-opinion-pseudonym", hashlib.sha256).digest()


# --- upload ----------------------------------------------------------------------------------------

def check_upload(community: Place, files: list[tuple[str, bytes]], acting_user: Any) -> None:
    require(acting_user, IMPORT, community)
    if community.level != Level.COMMUNITY:
        raise ValidationError(_("Chat groups belong to a community: choose one."), code="not_community")
    if not files:
        raise ValidationError(_("Choose at least one export file."), code="no_files")
    if len(files) > max_files():
        raise ValidationError(_("At most %(n)d files at once; upload the rest in another batch."), code="too_many_files",
                              params={"n": max_files()})
    for name, data in files:
        if len(data) > max_file_bytes():
            raise ValidationError(_("%(name)s is larger than %(mb)d MB; export a shorter period."),
                                  code="file_too_large", params={"name": name[:80], "mb": max_file_bytes() // 2**20})
    if sum(len(data) for _name, data in files) > max_total_bytes():
        raise ValidationError(_("The files together are larger than %(mb)d MB; upload them in several batches."),
                              code="upload_too_large", params={"mb": max_total_bytes() // 2**20})


def do_upload(community: Place, files: list[tuple[str, bytes]], *, acting_user: Any) -> ChatImport:
    """Keep the files (sealed) and queue their analysis."""
    check_upload(community, files, acting_user)
    meta = [{"name": name[:200], "size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in files]
    sealed = json.dumps([{"name": name[:200], "data": base64.b64encode(data).decode("ascii")} for name, data in files])
    with transaction.atomic():
        upload = ChatImport.objects.create(community=community, path=community.path, created_by=acting_user,
                                           files=meta, content=sealed, progress_total=len(files))
        audit.record("opinion.upload", actor=acting_user, obj=upload,
                     detail={"files": len(files), "bytes": sum(m["size"] for m in meta)})
    _enqueue(upload.pk)
    return upload


def _enqueue(upload_id: int) -> None:
    from huey.contrib.djhuey import HUEY

    from linli.opinion import tasks

    if HUEY.immediate or not connection.in_atomic_block:
        tasks.analyse_upload(upload_id)  # to the worker's queue; run here and now when tasks run immediately
    else:
        transaction.on_commit(lambda: tasks.analyse_upload(upload_id))


class Progress:
    """Progress written to the upload's row at most twice a second (no transaction is open
    while the files are read and analysed, so the page sees it at once)."""

    def __init__(self, upload_id: int) -> None:
        self.upload_id, self._last = upload_id, 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        import time

        now = time.monotonic()
        if now - self._last < 0.5 and done < total:
            return
        self._last = now
        if not connection.in_atomic_block:
            ChatImport.objects.filter(pk=self.upload_id).update(stage=stage[:40], progress_done=done, progress_total=total)


def run_upload(upload_id: int, progress: ProgressFn | None = None) -> ChatImport | None:
    """The analysis of an upload (the task worker runs it). Any failure is recorded on the upload."""
    if not ChatImport.objects.filter(pk=upload_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING):
        return None
    upload = ChatImport.objects.select_related("community", "created_by").get(pk=upload_id)
    progress = progress or Progress(upload_id)
    try:
        counts, problems = analyse_files(upload, json.loads(upload.content or "[]"), progress)
    except Exception as exc:  # recorded on the upload, in both languages; details in the log
        log.exception("opinion upload %s failed", upload_id)
        error = exc if isinstance(exc, ValidationError) else ValidationError(
            _("The analysis failed. Try again; if it fails again, tell the administrator."), code="error")
        ChatImport.objects.filter(pk=upload_id).update(status=ImportStatus.FAILED, error=bilingual(error), content="",
                                                       finished_at=timezone.now())
        audit.record("opinion.analyse", actor=upload.created_by, obj=upload, outcome="failed")
        return None
    ChatImport.objects.filter(pk=upload_id).update(
        status=ImportStatus.DONE, counts=counts, problems=problems[:MAX_PROBLEMS], content="", stage="",
        finished_at=timezone.now())
    audit.record("opinion.analyse", actor=upload.created_by, obj=upload, detail=counts)
    upload.refresh_from_db()
    return upload


@dataclass
class _Clean:
    group: str
    sent_at: datetime.datetime
    speaker: str
    text: str
    digest: str
    ref: str


def read_files(files: list[dict[str, str]]) -> tuple[list[exports.Parsed], list[dict[str, Any]]]:
    """Every file parsed (workbooks through the imports' bounded reader); per-file problems."""
    from linli.imports.reading import ImportFileError, read_file

    parsed = []
    for item in files:
        name, data = item["name"], base64.b64decode(item["data"])
        if name.lower().endswith((".xlsx", ".xls")):
            try:
                sheets = read_file(data, name)
            except ImportFileError as exc:
                parsed.append(exports.Parsed(name, "xlsx", problems=[
                    exports.Problem(name, 0, "bad_workbook", str(bilingual(exc)["zh"]))]))
                continue
            parsed.append(exports.parse_workbook(name, [(sheet.name, sheet.rows) for sheet in sheets]))
        else:
            parsed.append(exports.parse_file(name, data))
    return parsed, []


def clean_messages(community: Place, parsed: list[exports.Parsed], now: datetime.datetime,
                   ) -> tuple[list[_Clean], list[exports.Problem]]:
    """Pseudonymised, masked, in local time; messages older than the retention period or
    in the future are left out (reported)."""
    key, tz = pseudonym_key(), timezone.get_default_timezone()
    oldest = now - datetime.timedelta(days=retention_days())
    cleaned, problems = [], []
    pseudonyms: dict[str, str] = {}
    for file in parsed:
        for raw in file.messages:
            sent_at = raw.sent_at if raw.sent_at.tzinfo else raw.sent_at.replace(tzinfo=tz)
            if sent_at < oldest or sent_at > now + datetime.timedelta(days=1):
                problems.append(exports.Problem(file.file, int(raw.ref.rsplit(":", 1)[-1] or 0), "out_of_period"))
                continue
            text = privacy.mask(privacy.clean(raw.text))
            if not text:
                continue
            speaker = pseudonyms.get(raw.speaker) or pseudonyms.setdefault(
                raw.speaker, privacy.pseudonym(key, community.code, raw.speaker))
            digest = hashlib.sha256(f"{sent_at.isoformat()}\x1f{speaker}\x1f{text}".encode()).hexdigest()[:24]
            cleaned.append(_Clean(privacy.clean(raw.group)[:100] or "?", sent_at, speaker, text, digest, raw.ref))
    return cleaned, problems


def analyse_files(upload: ChatImport, files: list[dict[str, str]], progress: ProgressFn) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Read, clean, store and analyse an upload; the counts include how long each stage took
    (``ms_*``), for the operators and the benchmark."""
    community = upload.community
    clock = _Clock()
    progress("read", 0, len(files))
    parsed, _unused = read_files(files)
    problems = [p for file in parsed for p in file.problems]
    clock.lap("ms_read")
    cleaned, late = clean_messages(community, parsed, timezone.now())
    problems.extend(late)
    groups = _groups(community, {m.group for m in cleaned})
    fresh = _without_known(cleaned, groups)
    clock.lap("ms_clean")
    counts = {"files": len(files), "read": sum(len(f.messages) for f in parsed), "stored": len(fresh),
              "duplicates": len(cleaned) - len(fresh), "problems": len(problems), "groups": len({m.group for m in fresh})}
    segmenter = segmenter_for(community)
    notes = analysis.annotate([m.text for m in fresh], segmenter, workers=workers(),
                              progress=lambda done, total: progress("analyse", done, total))
    clock.lap("ms_annotate")
    progress("store", 0, len(fresh))
    _store_messages(upload, fresh, notes, groups)
    clock.lap("ms_store")
    tz = timezone.get_default_timezone()
    months = sorted({m.sent_at.astimezone(tz).date().replace(day=1) for m in fresh})
    made = {"demands": 0, "rumours": 0}
    known = dict(zip((m.digest for m in fresh), notes, strict=True))
    for index, month in enumerate(months):
        progress("summarise", index, len(months))
        result = analyse_month(community, month, segmenter, fresh_notes=known)
        made["demands"] += result["demands"]
        made["rumours"] += result["rumours"]
    clock.lap("ms_summarise")
    counts.update(made)
    counts["months"] = len(months)
    counts.update(clock.laps)
    return counts, [{"file": p.file, "line": p.line, "code": p.code, "detail": p.detail} for p in problems]


class _Clock:
    def __init__(self) -> None:
        import time

        self._now = time.monotonic
        self._last = self._now()
        self.laps: dict[str, int] = {}

    def lap(self, name: str) -> None:
        now = self._now()
        self.laps[name] = int((now - self._last) * 1000)
        self._last = now


def _groups(community: Place, names: set[str]) -> dict[str, ChatGroup]:
    existing = {g.name: g for g in ChatGroup.objects.filter(community=community, name__in=names)}
    missing = [ChatGroup(community=community, path=community.path, name=name) for name in sorted(names - set(existing))]
    ChatGroup.objects.bulk_create(missing)
    return {g.name: g for g in ChatGroup.objects.filter(community=community, name__in=names)}


def _without_known(cleaned: list[_Clean], groups: dict[str, ChatGroup]) -> list[_Clean]:
    """The messages not stored yet (an export of the same group overlapping the last one),
    each once."""
    if not cleaned:
        return []
    start, end = min(m.sent_at for m in cleaned), max(m.sent_at for m in cleaned)
    path = next(iter(groups.values())).path
    known = set(ChatMessage.objects.filter(path=path, sent_at__gte=start, sent_at__lte=end)
                .values_list("group_id", "digest"))
    fresh = []
    for message in cleaned:
        key = (groups[message.group].pk, message.digest)
        if key not in known:
            known.add(key)
            fresh.append(message)
    return fresh


def _store_messages(upload: ChatImport, fresh: list[_Clean], notes: list[analysis.Annotation],
                    groups: dict[str, ChatGroup]) -> None:
    db = connections[connection.alias]
    adapt = db.ops.adapt_datetimefield_value
    fields = ["group", "path", "upload", "sent_at", "speaker", "text", "digest", "sentiment", "score", "reasons"]
    rows = [(groups[m.group].pk, upload.path, upload.pk, adapt(m.sent_at), m.speaker, m.text, m.digest,
             int(SENTIMENT_VALUE[n.label]), n.score, n.reasons[:200]) for m, n in zip(fresh, notes, strict=True)]
    with transaction.atomic():
        for start in range(0, len(rows), 5000):
            insert_rows(db, ChatMessage, fields, rows[start:start + 5000])


_SEGMENTERS: dict[tuple[str, ...], nlp.Segmenter] = {}


def compound_names(community: Place) -> dict[str, Place]:
    """The names by which residents mention the community's compounds: the registry's name,
    and the name without its 小区 / 新村 ending when what is left is still distinctive."""
    names: dict[str, Place] = {}
    for place in Place.objects.filter(path__startswith=community.path, level=Level.COMPOUND).order_by("path"):
        for name in _names_of(place):
            names.setdefault(name, place)
    return names


def _names_of(place: Place) -> list[str]:
    names = [place.name]
    for ending in ("小区", "新村", "花园", "公寓"):
        short = place.name.removesuffix(ending)
        if short != place.name and len(short) >= 3:
            names.append(short)
    return names


def segmenter_for(community: Place) -> nlp.Segmenter:
    """A segmenter with the compounds of the community's street as its user dictionary (one
    for all the street's communities: loading jieba's dictionary takes a second); kept while
    the compounds keep their names. The places it finds are matched to the community's own
    compounds afterwards."""
    street = community.parent if community.parent is not None and community.level == Level.COMMUNITY else community
    names: set[str] = set()
    for place in Place.objects.filter(parent__parent=street, level=Level.COMPOUND).only("pk", "name", "path"):
        names.update(_names_of(place))
    key = (street.path, *sorted(names | set(compound_names(community))))
    if key not in _SEGMENTERS:
        if len(_SEGMENTERS) >= 4:
            _SEGMENTERS.pop(next(iter(_SEGMENTERS)))
        _SEGMENTERS[key] = nlp.Segmenter(key[1:])
    return _SEGMENTERS[key]


def analyse_month(community: Place, month: datetime.date, segmenter: nlp.Segmenter | None = None,
                  fresh_notes: dict[str, analysis.Annotation] | None = None) -> dict[str, int]:
    """(Re)compute a community's month from the messages kept of it: daily volume, keywords,
    topics, places, demands; pass the rumour cues to the rumours module when it is installed."""
    segmenter = segmenter or segmenter_for(community)
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(month, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine((month + datetime.timedelta(days=32)).replace(day=1), datetime.time(), tzinfo=tz)
    rows = list(ChatMessage.objects.filter(path=community.path, sent_at__gte=start, sent_at__lt=end)
                .values_list("pk", "group__name", "group_id", "sent_at", "text", "digest").order_by("sent_at", "pk"))
    if not rows:
        return {"demands": 0, "rumours": 0}
    known = fresh_notes or {}
    missing = [r[4] for r in rows if r[5] not in known]
    redone = iter(analysis.annotate(missing, segmenter, workers=workers()) if missing else [])
    notes = [known[r[5]] if r[5] in known else next(redone) for r in rows]
    messages = [analysis.Message(r[1], timezone.localtime(r[3], tz).date(), r[4]) for r in rows]
    summary = analysis.summarise(messages, notes)
    compounds = compound_names(community)
    group_ids = {r[1]: r[2] for r in rows}
    with transaction.atomic():
        _write_days(community, summary, group_ids)
        month_row, _created = MonthAnalysis.objects.update_or_create(
            community=community, month=month, defaults={
                "path": community.path, "messages": len(rows), "keywords": summary.keywords,
                "places": _places(summary, compounds), "rumour_cues": len(summary.rumours)})
        month_row.topics.all().delete()
        Topic.objects.bulk_create([_topic(month_row, rank, topic, compounds)
                                   for rank, topic in enumerate(summary.topics, start=1)])
        demands = _write_demands(community, summary, compounds)
    rumours = _pass_rumours(community, [rows[i] for i in summary.rumours])
    return {"demands": demands, "rumours": rumours}


def _write_days(community: Place, summary: analysis.Summary, group_ids: dict[str, int]) -> None:
    """Days with kept messages are counted again; days already purged keep their counts."""
    keys = [(group_ids[group], day) for group, day in summary.daily]
    days = {day for _group, day in keys}
    DailyVolume.objects.filter(group_id__in=set(group_ids.values()), day__in=days).delete()
    DailyVolume.objects.bulk_create([
        DailyVolume(group_id=group_ids[group], path=community.path, day=day, messages=n, positive=pos, negative=neg)
        for (group, day), (n, pos, neg) in summary.daily.items()], batch_size=2000)


def _places(summary: analysis.Summary, compounds: dict[str, Place]) -> list[dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {}
    for name, (mentions, negative) in summary.places.items():
        place = compounds.get(name)
        if place is None:
            continue
        row = merged.setdefault(place.pk, {"id": place.pk, "name": place.name, "mentions": 0, "negative": 0})
        row["mentions"] += mentions
        row["negative"] += negative
    return sorted(merged.values(), key=lambda r: -r["mentions"])


def _topic(month: MonthAnalysis, rank: int, topic: analysis.Topic, compounds: dict[str, Place]) -> Topic:
    places: dict[int, dict[str, Any]] = {}
    for name, count in topic.places.most_common():
        place = compounds.get(name)
        if place is not None:
            row = places.setdefault(place.pk, {"id": place.pk, "name": place.name, "count": 0})
            row["count"] += count
    return Topic(analysis=month, path=month.path, rank=rank, label=topic.label[:100], terms=topic.terms,
                 size=topic.size, positive=topic.positive, negative=topic.negative, days=dict(sorted(topic.days.items())),
                 compounds=list(places.values())[:10], samples=topic.samples)


def _write_demands(community: Place, summary: analysis.Summary, compounds: dict[str, Place]) -> int:
    """One demand per kind, compound and day; a demand already decided keeps its decision
    (what the analysis of the month again may change is how often it was mentioned)."""
    patterns = {d.code: d for d in nlp.DEMANDS}
    days = {seen.day for seen in summary.demands}
    existing = {(d.kind, d.compound_id, d.day): d for d in Demand.objects.filter(community=community, day__in=days)}
    new, changed = [], []
    for seen in summary.demands:
        compound = compounds.get(seen.place)
        groups = sorted(seen.groups)
        demand = existing.get((seen.code, compound.pk if compound else None, seen.day))
        if demand is None:
            pattern = patterns[seen.code]
            new.append(Demand(community=community, path=community.path, kind=seen.code, label=pattern.label,
                              category=pattern.category, compound=compound, day=seen.day, mentions=seen.count,
                              sample=seen.sample, groups=groups))
        elif (demand.mentions, demand.groups) != (seen.count, groups):
            demand.mentions, demand.groups = seen.count, groups
            changed.append(demand)
    Demand.objects.bulk_create(new, batch_size=500)
    Demand.objects.bulk_update(changed, ["mentions", "groups"], batch_size=500)
    return len(new)


def rumours_module() -> Any | None:
    """``linli.rumours.intake`` when the rumours module is installed, else None."""
    if not apps.is_installed("linli.rumours"):
        return None
    return importlib.import_module("linli.rumours.intake")


def _pass_rumours(community: Place, rows: list[tuple[Any, ...]]) -> int:
    intake = rumours_module()
    if intake is None or not rows:
        return 0
    items = [(f"opinion:{r[0]}", r[4], r[3], r[1]) for r in rows]
    return int(intake.take_messages(community.pk, items))


# --- demands ---------------------------------------------------------------------------------------

def do_file_demand(demand: Demand, *, acting_user: Any, compound: Place | None = None, description: str = "") -> Demand:
    """File the demand as a request (诉求) of its compound, through the requests module."""
    from linli.tickets.actions import NewTicket, do_submit
    from linli.tickets.models import Category, Source

    require(acting_user, DEMAND, demand)
    if demand.status != DemandStatus.OPEN:
        raise ValidationError(_("This demand has already been decided."), code="decided")
    place = compound or demand.compound
    if place is None:
        raise ValidationError(_("Choose the compound the request is about."), code="no_compound")
    if not place.path.startswith(demand.path):
        raise PermissionDenied(DEMAND)
    category = Category.objects.filter(code=demand.category).first() or Category.objects.filter(code="other").first()
    if category is None:
        raise ValidationError(_("The request catalogue has no category for this demand."), code="no_category")
    text = description.strip() or _("%(label)s (seen %(n)d times in the chat groups on %(day)s): %(sample)s") % {
        "label": demand.label, "n": demand.mentions, "day": demand.day.isoformat(), "sample": demand.sample[:300]}
    ticket = do_submit(NewTicket(category=category, place=place, description=str(text), source=Source.VISIT,
                                 anonymous=False), acting_user=acting_user)
    with transaction.atomic():
        updated = Demand.objects.filter(pk=demand.pk, status=DemandStatus.OPEN).update(
            status=DemandStatus.REQUESTED, ticket=ticket, decided_by=acting_user, decided_at=timezone.now(),
            compound=place)
        if not updated:
            raise ValidationError(_("This demand has already been decided."), code="decided")
        audit.record("opinion.demand.file", actor=acting_user, obj=demand, detail={"ticket": ticket.number})
    demand.refresh_from_db()
    return demand


@transaction.atomic
def do_dismiss_demand(demand: Demand, *, acting_user: Any) -> Demand:
    require(acting_user, DEMAND, demand)
    if not Demand.objects.filter(pk=demand.pk, status=DemandStatus.OPEN).update(
            status=DemandStatus.DISMISSED, decided_by=acting_user, decided_at=timezone.now()):
        raise ValidationError(_("This demand has already been decided."), code="decided")
    audit.record("opinion.demand.dismiss", actor=acting_user, obj=demand)
    demand.refresh_from_db()
    return demand


# --- reports ---------------------------------------------------------------------------------------

def do_generate_report(place: Place, month: datetime.date, *, acting_user: Any) -> OpinionReport:
    """Generate (or generate again, while not yet sent) the month's report of a community or
    of the street."""
    from linli.opinion.reporting import report_content

    require(acting_user, REPORT, place)
    if place.level not in (Level.COMMUNITY, Level.STREET):
        raise ValidationError(_("Reports are made for a community or for the street."), code="level")
    month = month.replace(day=1)
    content = report_content(place, month)
    with transaction.atomic():
        report = OpinionReport.objects.select_for_update().filter(place=place, month=month).first()
        if report is not None and report.status == ReportStatus.SENT:
            raise ValidationError(_("This month's report has been sent; it cannot be generated again."), code="sent")
        if report is None:
            report = OpinionReport(place=place, path=place.path, month=month)
        report.content, report.generated_by = content, acting_user
        report.save()
        audit.record("opinion.report.generate", actor=acting_user, obj=report, detail={"month": month.isoformat()})
    return report


@transaction.atomic
def sends_for_the_community(user: Any, report: OpinionReport) -> bool:
    """Whether ``user`` reports for the report's community rather than reading it from above: the
    street's officers hold the report right over their communities too, but a community's report
    is the community's to send (the street reads it either way)."""
    street = report.place.parent
    return street is None or not allows(user, REPORT, street)


def may_send(user: Any, report: OpinionReport) -> bool:
    """Whether ``user`` may send ``report`` up now (what the report page shows the button for)."""
    return (report.status == ReportStatus.DRAFT and report.place.level == Level.COMMUNITY
            and allows(user, REPORT, report) and sends_for_the_community(user, report))


def do_send_report(report: OpinionReport, *, acting_user: Any) -> OpinionReport:
    """Send a community's report up to the street (the street then reads it in its list)."""
    require(acting_user, REPORT, report)
    if report.place.level != Level.COMMUNITY:
        raise ValidationError(_("Only a community's report is sent up to the street."), code="level")
    if not sends_for_the_community(acting_user, report):
        raise ValidationError(_("The community sends its own report; the street reads it once it is sent."),
                              code="not_community")
    if not OpinionReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).update(
            status=ReportStatus.SENT, sent_by=acting_user, sent_at=timezone.now()):
        raise ValidationError(_("This report has already been sent."), code="sent")
    audit.record("opinion.report.send", actor=acting_user, obj=report)
    report.refresh_from_db()
    return report


# --- retention -------------------------------------------------------------------------------------

def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete the messages older than the retention period (the figures and reports stay)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=retention_days())
    deleted = 0
    while True:
        ids = list(ChatMessage.objects.filter(sent_at__lt=cutoff).values_list("pk", flat=True)[:10000])
        if not ids:
            break
        deleted += ChatMessage.objects.filter(pk__in=ids).delete()[0]
    if deleted:
        audit.record("opinion.purge", detail={"messages": deleted, "before": cutoff.isoformat()})
    return deleted

