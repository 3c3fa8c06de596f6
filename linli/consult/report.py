"""The summary report of a consultation: who took part (by compound and by age band, against
the residents the registry counts there), support per section, the themes of the comments with
their keywords and representative comments, and the proposals with their answers.

Grouped queries only; the themes were found at closing (``Theme``). The report sent upward is
this summary frozen as JSON (``Consultation.report``); ``Summary.from_json`` reads it back.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from linli.consult import themes
from linli.consult.models import AgeBand, Comment, Consultation, Outcome, Participant
from linli.core.dates import years_before
from linli.people.models import Person

COMPOUND_CHARS = 21  # 31/01/15/099/001/003/
BANDS = [AgeBand.UNDER_18, AgeBand.UNDER_30, AgeBand.UNDER_45, AgeBand.UNDER_60, AgeBand.UNDER_75, AgeBand.OLDER]
BAND_FLOORS = {AgeBand.UNDER_30: 18, AgeBand.UNDER_45: 30, AgeBand.UNDER_60: 45, AgeBand.UNDER_75: 60,
               AgeBand.OLDER: 75}


@dataclass
class Row:
    key: str
    name: str
    participants: int = 0
    residents: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.participants / self.residents, 1) if self.residents else 0.0


@dataclass
class SectionRow:
    number: int
    title: str
    supports: int
    opposes: int
    comments: int

    @property
    def support_percent(self) -> float:
        votes = self.supports + self.opposes
        return round(100 * self.supports / votes, 1) if votes else 0.0


@dataclass
class ThemeRow:
    number: int
    label: str
    keywords: list[str]
    size: int
    outcome: str
    response: str
    quotes: list[list[str]]  # [alias, text]


@dataclass
class ProposalRow:
    title: str
    supports: int
    opposes: int
    reached: bool
    outcome: str
    answer: str


@dataclass
class Summary:
    title: str
    area: str
    opens_on: str
    closes_on: str
    threshold: int
    participants: int
    residents: int
    comments: int
    hidden: int
    by_compound: list[Row] = field(default_factory=list)
    by_age: list[Row] = field(default_factory=list)
    sections: list[SectionRow] = field(default_factory=list)
    themes: list[ThemeRow] = field(default_factory=list)
    keywords: list[list[Any]] = field(default_factory=list)  # [word, weight]
    proposals: list[ProposalRow] = field(default_factory=list)
    made_at: str = ""

    @property
    def percent(self) -> float:
        return round(100 * self.participants / self.residents, 1) if self.residents else 0.0

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        kinds = {"by_compound": Row, "by_age": Row, "sections": SectionRow, "themes": ThemeRow,
                 "proposals": ProposalRow}
        values: dict[str, Any] = {k: [kinds[k](**row) for row in v] if k in kinds else v for k, v in data.items()}
        return cls(**values)


def _band_case(today: datetime.date) -> Case:
    whens = [When(birth_date__isnull=True, then=Value(AgeBand.UNKNOWN.value))]
    for band in reversed(BANDS[1:]):
        whens.append(When(birth_date__lte=years_before(today, BAND_FLOORS[band]), then=Value(band.value)))
    return Case(*whens, default=Value(AgeBand.UNDER_18.value), output_field=CharField())


def _residents(consultation: Consultation, today: datetime.date) -> list[dict[str, Any]]:
    rows = (Person.objects.filter(path__startswith=consultation.path, is_active=True, current_house__isnull=False)
            .annotate(compound=Substr("path", 1, COMPOUND_CHARS), band=_band_case(today))
            .values("compound", "band").annotate(n=Count("pk")))
    return [dict(row) for row in rows]


def _participation(consultation: Consultation, today: datetime.date) -> tuple[list[Row], list[Row], int, int]:
    from linli.places.models import names_by_path

    compounds: dict[str, Row] = {}
    bands = {b.value: Row(b.value, str(b.label)) for b in [*BANDS, AgeBand.UNKNOWN]}
    for row in _residents(consultation, today):
        compounds.setdefault(row["compound"], Row(row["compound"], "")).residents += row["n"]
        bands[row["band"]].residents += row["n"]
    taking_part = (Participant.objects.filter(consultation=consultation)
                   .annotate(compound_path=Substr("path", 1, COMPOUND_CHARS))
                   .values("compound_path", "age_band").annotate(n=Count("pk")))
    for part in taking_part:
        compounds.setdefault(part["compound_path"], Row(part["compound_path"], "")).participants += part["n"]
        bands[part["age_band"]].participants += part["n"]
    names = names_by_path(set(compounds))
    for key, compound in compounds.items():
        compound.name = names.get(key, key)
    by_compound = sorted(compounds.values(), key=lambda r: r.key)
    by_age = [bands[b] for b in bands if bands[b].residents or bands[b].participants]
    return (by_compound, by_age, sum(r.participants for r in by_compound), sum(r.residents for r in by_compound))


def summary(consultation: Consultation) -> Summary:
    today = timezone.localdate()
    by_compound, by_age, participants, residents = _participation(consultation, today)
    comments = Comment.objects.filter(consultation=consultation)
    per_section = dict(comments.filter(hidden_at__isnull=True).values("section_id").annotate(n=Count("pk"))
                       .values_list("section_id", "n"))
    visible = list(comments.filter(hidden_at__isnull=True).values_list("pk", "text", "participant_id"))
    aliases = {p.pk: p.alias for p in Participant.objects.filter(
        pk__in={c[2] for c in visible}).only("pk", "number", "compound_name")}
    texts = {pk: (aliases.get(who, ""), text) for pk, text, who in visible}
    sections = [SectionRow(s.number, s.title, s.supports, s.opposes, per_section.get(s.pk, 0))
                for s in consultation.sections.order_by("number")]
    theme_rows = [ThemeRow(t.number, t.label, list(t.keywords), t.size, t.outcome, t.response,
                           [list(texts[c]) for c in t.representatives if c in texts])
                  for t in consultation.themes.order_by("number")]
    proposals = [ProposalRow(p.title, p.supports, p.opposes, p.supports >= consultation.threshold, p.outcome, p.answer)
                 for p in consultation.proposals.filter(hidden_at__isnull=True).order_by("-supports", "pk")]
    return Summary(
        title=consultation.title, area=consultation.area.name, opens_on=consultation.opens_on.isoformat(),
        closes_on=consultation.closes_on.isoformat(), threshold=consultation.threshold,
        participants=participants, residents=residents, comments=len(visible),
        hidden=comments.filter(~Q(hidden_at=None)).count(), by_compound=by_compound, by_age=by_age,
        sections=sections, themes=theme_rows, keywords=[[w, x] for w, x in themes.overall(t for _, t, _ in visible)],
        proposals=proposals, made_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"))


def shown(consultation: Consultation) -> tuple[Summary, bool]:
    """The report as sent upward if it was, else as it stands now; and whether it is the frozen one."""
    if consultation.report:
        return Summary.from_json(consultation.report), True
    return summary(consultation), False


# --- the workbook ---------------------------------------------------------------------------------------

def write_xlsx(report: Summary) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    pct = book.add_format({"num_format": "0.0"})

    def sheet(name: str, heading: str, columns: list[tuple[str, int]], rows: list[list[Any]]) -> None:
        out = book.add_worksheet(name)
        out.write_string(0, 0, heading, title)
        for col, (header, width) in enumerate(columns):
            out.set_column(col, col, width)
            out.write_string(2, col, header, head)
        for line, values in enumerate(rows, start=3):
            for col, value in enumerate(values):
                if isinstance(value, float):
                    out.write_number(line, col, value, pct)
                elif isinstance(value, int):
                    out.write_number(line, col, value)
                else:
                    out.write_string(line, col, str(value), wrap)
        out.freeze_panes(3, 0)

    name = f"{report.title}（{report.area}，{report.opens_on} 至 {report.closes_on}）"
    sheet("概况", name, [("项目", 24), ("数值", 14)], [
        ["参与居民", report.participants], ["区域内居民", report.residents], ["参与率（%）", report.percent],
        ["意见（可见）", report.comments], ["被隐藏的内容", report.hidden], ["官方答复门槛（支持数）", report.threshold],
        ["报告生成时间", report.made_at]])
    participation = [("分组", 16), ("参与居民", 10), ("居民总数", 10), ("参与率（%）", 12)]
    sheet("按小区", f"{name}：按小区的参与", participation,
          [[r.name, r.participants, r.residents, r.percent] for r in report.by_compound])
    sheet("按年龄", f"{name}：按年龄段的参与", participation,
          [[r.name, r.participants, r.residents, r.percent] for r in report.by_age])
    sheet("条款", f"{name}：各条款的支持情况", [("条", 6), ("标题", 30), ("支持", 8), ("反对", 8),
                                                    ("支持率（%）", 12), ("意见数", 8)],
          [[s.number, s.title, s.supports, s.opposes, s.support_percent, s.comments] for s in report.sections])
    sheet("主题", f"{name}：意见的主要主题", [("主题", 24), ("关键词", 30), ("意见数", 8), ("代表性意见", 60),
                                                 ("处理", 12), ("回应", 40)],
          [[t.label, "、".join(t.keywords), t.size, "\n".join(f"{a}：{x}" for a, x in t.quotes),
            str(Outcome(t.outcome).label) if t.outcome else "", t.response] for t in report.themes])
    sheet("关键词", f"{name}：全部意见的关键词（TF-IDF）", [("关键词", 16), ("权重", 10)],
          [[w, float(x)] for w, x in report.keywords])
    sheet("建议", f"{name}：居民建议", [("建议", 30), ("支持", 8), ("反对", 8), ("达到门槛", 10), ("答复", 12),
                                          ("答复内容", 50)],
          [[p.title, p.supports, p.opposes, "是" if p.reached else "否",
            str(Outcome(p.outcome).label) if p.outcome else "", p.answer] for p in report.proposals])
    book.close()
    return buffer.getvalue()
