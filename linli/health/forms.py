"""Forms of the epidemic pages. They check what people type; the actions check the rest
(scope, dates against today, duplicates) and their errors are shown next to the fields."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import dates
from linli.core.csvfiles import read_csv
from linli.core.errors import bilingual
from linli.core.forms import (
    DateField,
    FilePickerInput,
    IsoDateInput,
    RegionField,
    StyledForm,
    bind_region_field,
    pick_region,
)
from linli.core.text import has_control_characters, strip_invisible
from linli.core.validators import validate_region_code
from linli.health import rule_words, rules
from linli.health.models import (
    FollowUpOutcome,
    LabOutcome,
    LabTest,
    OrderKind,
    OrderStatus,
    RiskLevel,
)

MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_ROWS = 2000
MAX_RULE_SET_CHARS = 100_000

TRANSPORT = [
    ("", _("(not given)")), ("飞机", _("plane")), ("火车", _("train")), ("长途汽车", _("coach")),
    ("自驾", _("own car")), ("轮船", _("ship")), ("其他", _("other")),
]
SYMPTOMS = [
    ("fever", _("fever or chills")), ("cough", _("cough")), ("sore_throat", _("sore throat")),
    ("fatigue", _("tiredness or aching")), ("smell_taste", _("loss of smell or taste")),
    ("breath", _("shortness of breath")), ("diarrhoea", _("diarrhoea")),
]
DEVICE_KINDS = [
    ("door_sensor", _("door sensor (门磁)")), ("doorbell_camera", _("doorbell camera (智能门铃)")),
    ("wearable", _("wearable (temperature, location)")),
]
# Risk levels as the health commission's lists write them, and as the English lists do.
LEVEL_WORDS = {"高": RiskLevel.HIGH, "高风险": RiskLevel.HIGH, "中": RiskLevel.MEDIUM, "中风险": RiskLevel.MEDIUM,
               "低": RiskLevel.LOW, "低风险": RiskLevel.LOW, "high": RiskLevel.HIGH, "medium": RiskLevel.MEDIUM,
               "low": RiskLevel.LOW}


def _clean_text(value: str) -> str:
    if has_control_characters(value, "\n\r\t"):
        raise ValidationError(_("This text contains control characters; please retype it."), code="control_chars")
    return value.strip()


def _region_code(value: str) -> str:
    code = (value or "").strip()
    if len(code) not in (6, 9):
        raise ValidationError(_("Write the 6-digit region code (e.g. 420100), or 9 digits for a township."),
                              code="region_length")
    return validate_region_code(code).code


# --- risk areas -------------------------------------------------------------------------------

class RiskAreaForm(StyledForm):
    region = RegionField(label=_("Region"), code_field="region_code", help_text=_(
        "Type the city or district (武汉, 武汉市江岸区, wuhan) and pick it, or type its GB/T 2260 code "
        "(6 digits, 9 for a township)."))
    name = forms.CharField(label=_("Name"), max_length=100, required=False,
                           help_text=_("The region's name when left empty."))
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    valid_from = DateField(label=_("Valid from"), widget=IsoDateInput())
    valid_to = DateField(label=_("Valid to"), required=False, widget=IsoDateInput(),
                               help_text=_("Leave empty while it is still at risk."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_field(self, "region")

    def clean_name(self) -> str:
        return _clean_text(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        found = pick_region(self, "region")
        data.pop("region", None)
        if found is not None and not data.get("name"):
            data["name"] = found.full_name
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date cannot be before the start date."))
        return data


class RiskAreaImportForm(StyledForm):
    file = forms.FileField(label=_("CSV file"), widget=FilePickerInput(), help_text=_(
        "Columns: region code, name, level (高/中/低), valid from, valid to (may be empty). "
        "A header row is allowed. UTF-8, GB18030 or Unicode text, separated by commas, semicolons or tabs."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError(_("The file is larger than 1 MB; split it into several files."), code="too_big")
        return upload


@dataclass
class RowError:
    row: int
    messages: list[dict[str, str]]  # [{"code", "zh", "en"}]


def _date_cell(raw: str, *, required: bool) -> datetime.date | None:
    text = raw.strip().replace("/", "-").replace(".", "-")
    if not text:
        if required:
            raise ValidationError(_("The start date is missing."), code="date_missing")
        return None
    try:
        day = datetime.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise ValidationError(_("%(value)s is not a date; write it as 2026-01-05."), code="date_format",
                              params={"value": raw.strip()[:20]}) from None
    today = timezone.localdate()
    if not dates.within_bounds(day, today):
        raise ValidationError(
            _("%(date)s is not a plausible date here: dates from %(earliest)s to %(latest)s are accepted."),
            code="date_range", params={"date": day.isoformat(), "earliest": dates.EARLIEST.isoformat(),
                                       "latest": dates.latest(today).isoformat()})
    return day


def _row(cells: list[str]) -> dict[str, Any]:
    """One CSV row as the keyword arguments of the action; every problem of the row at once."""
    cells = [c.strip() for c in cells] + [""] * (5 - len(cells))
    data: dict[str, Any] = {}
    problems: list[dict[str, str]] = []
    try:
        data["region_code"] = _region_code(cells[0])
    except ValidationError as exc:
        problems.append(bilingual(exc))
    data["name"] = cells[1][:100]
    if not data["name"] or has_control_characters(data["name"]):
        problems.append(bilingual(ValidationError(_("The name is missing."), code="name_missing")))
    level = LEVEL_WORDS.get(cells[2].lower())
    if level is None:
        problems.append(bilingual(ValidationError(_("The level must be 高, 中 or 低 (high, medium, low); "
                                                    "it is %(value)s."), code="level",
                                                  params={"value": cells[2][:10] or "—"})))
    data["level"] = level
    for key, raw, required in (("valid_from", cells[3], True), ("valid_to", cells[4], False)):
        try:
            data[key] = _date_cell(raw, required=required)
        except ValidationError as exc:
            problems.append(bilingual(exc))
    if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        problems.append(bilingual(ValidationError(_("The end date cannot be before the start date."),
                                                  code="dates_order")))
    if problems:
        raise _RowProblems(problems)
    return data


class _RowProblems(Exception):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


def parse_risk_areas(data: bytes) -> tuple[list[dict[str, Any]], list[RowError]]:
    """All rows of a risk-area CSV, or the errors of every bad row (row numbers as in Excel)."""
    try:
        lines = read_csv(data, max_rows=MAX_CSV_ROWS * 2)  # blank rows too; the loop counts the data rows
    except ValidationError as exc:
        return [], [RowError(0, [bilingual(exc)])]
    rows: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for number, cells in enumerate(lines, start=1):
        cells = [strip_invisible(c) for c in cells]
        if not any(c.strip() for c in cells):
            continue
        if number == 1 and not cells[0].strip().isdigit():
            continue  # a header row
        if len(rows) + len(errors) >= MAX_CSV_ROWS:
            errors.append(RowError(number, [bilingual(ValidationError(
                _("More than %(n)d rows: split the file."), code="too_many", params={"n": MAX_CSV_ROWS}))]))
            break
        try:
            rows.append(_row(cells))
        except _RowProblems as exc:
            errors.append(RowError(number, exc.problems))
    if not rows and not errors:
        errors.append(RowError(0, [bilingual(ValidationError(_("The file has no rows."), code="empty"))]))
    return rows, errors


# --- arrivals, check-ins, records -------------------------------------------------------------------

class ArrivalForm(StyledForm):
    origin = RegionField(label=_("Came from"), code_field="origin_code", help_text=_(
        "Type the city or district, e.g. 武汉, 武汉市江岸区 or wuhan, and pick it from the list."))
    arrived_on = DateField(label=_("Arrival date"), widget=IsoDateInput())
    transport = forms.ChoiceField(label=_("Transport"), choices=TRANSPORT, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_field(self, "origin")

    def clean_arrived_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["arrived_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The arrival date cannot be in the future."), code="future")
        if day < timezone.localdate() - datetime.timedelta(days=60):
            raise ValidationError(_("Only arrivals of the last 60 days are registered."), code="too_old")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        found = pick_region(self, "origin")
        data.pop("origin", None)
        if found is not None:
            data["origin_name"] = found.full_name
        return data


class CheckInForm(StyledForm):
    temperature = forms.DecimalField(label=_("Temperature (°C)"), max_digits=3, decimal_places=1,
                                     min_value=Decimal("30"), max_value=Decimal("45"),
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal",
                                                                     "placeholder": "36.5"}))
    symptoms = forms.MultipleChoiceField(label=_("Do you have any of these today?"), choices=SYMPTOMS,
                                         required=False, widget=forms.CheckboxSelectMultiple)
    whereabouts = forms.CharField(label=_("Where have you been today?"), max_length=500, required=False,
                                  initial=_("at home"), widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_whereabouts(self) -> str:
        return _clean_text(self.cleaned_data["whereabouts"])


class TestResultForm(StyledForm):
    kind = forms.ChoiceField(label=_("Test"), choices=LabTest.choices)
    sampled_on = DateField(label=_("Sampled on"), widget=IsoDateInput())
    outcome = forms.ChoiceField(label=_("Result"), choices=LabOutcome.choices, widget=forms.RadioSelect)
    lab = forms.CharField(label=_("Laboratory"), max_length=100, required=False)
    sample_ref = forms.CharField(label=_("Sample number"), max_length=64, required=False)

    def clean_lab(self) -> str:
        return _clean_text(self.cleaned_data["lab"])

    def clean_sample_ref(self) -> str:
        return _clean_text(self.cleaned_data["sample_ref"])


class CaseForm(StyledForm):
    confirmed_on = DateField(label=_("Confirmed on"), widget=IsoDateInput())
    onset_on = DateField(label=_("Symptom onset"), required=False, widget=IsoDateInput(),
                               help_text=_("Leave empty if there were no symptoms; tracing then starts two "
                                           "days before the confirmation."))

    def clean_confirmed_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["confirmed_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The confirmation date cannot be in the future."), code="future")
        return day


class TraceForm(StyledForm):
    min_overlap_minutes = forms.IntegerField(label=_("Minimum time together (minutes)"), min_value=1,
                                             max_value=24 * 60, initial=15)
    hops = forms.TypedChoiceField(label=_("How far"), coerce=int, initial=2, choices=[
        (1, _("close contacts only")), (2, _("close and secondary contacts")), (3, _("three steps"))])


class ContactsForm(StyledForm):
    people = forms.TypedMultipleChoiceField(label=_("People to quarantine"), coerce=int,
                                            widget=forms.CheckboxSelectMultiple)
    kind = forms.ChoiceField(label=_("Kind of quarantine"), choices=OrderKind.choices)

    def __init__(self, *args: Any, choosable: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(pk, str(pk)) for pk in choosable]  # type: ignore[attr-defined]
        self.fields["people"].error_messages["required"] = _("Tick at least one person.")
        self.fields["people"].error_messages["invalid_choice"] = _(
            "Some of the people ticked cannot be ordered from here; reload the page.")


class ExtendForm(StyledForm):
    new_end = DateField(label=_("New last day"), widget=IsoDateInput())


END_STATUSES = [(s.value, s.label) for s in (OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.LOST)]


class EndForm(StyledForm):
    status = forms.ChoiceField(label=_("How it ends"), choices=END_STATUSES)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_reason(self) -> str:
        return _clean_text(self.cleaned_data["reason"])


class FollowUpForm(StyledForm):
    outcome = forms.ChoiceField(label=_("Today's follow-up"), choices=FollowUpOutcome.choices,
                                widget=forms.RadioSelect)
    temperature = forms.DecimalField(label=_("Temperature (°C)"), max_digits=3, decimal_places=1, required=False,
                                     min_value=Decimal("30"), max_value=Decimal("45"),
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_note(self) -> str:
        return _clean_text(self.cleaned_data["note"])


class DeviceForm(StyledForm):
    kind = forms.ChoiceField(label=_("Device"), choices=DEVICE_KINDS)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("The law and article, or the health commission's order, that "
                                              "allows this monitoring."))
    consent_at = forms.DateTimeField(label=_("Consent given at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), input_formats=["%Y-%m-%dT%H:%M",
                                                                                  "%Y-%m-%d %H:%M"])
    consent_by = forms.CharField(label=_("Consent given by"), max_length=64,
                                 help_text=_("The resident, or her guardian (name and relation)."))
    informed = forms.BooleanField(label=_(
        "The resident was told what the device records, who sees it, how long it is kept and that it is "
        "removed when the quarantine ends, and she agreed."))

    def clean_legal_basis(self) -> str:
        return _clean_text(self.cleaned_data["legal_basis"])

    def clean_consent_by(self) -> str:
        return _clean_text(self.cleaned_data["consent_by"])


# --- the rules test bench -------------------------------------------------------------------------

_BOOL_CHOICES = [("", _("(not known)")), ("true", _("yes")), ("false", _("no"))]


class FactsForm(StyledForm):
    """One input per fact the rules read, typed as :data:`rules.FACTS` says."""

    def __init__(self, *args: Any, language: str = "zh-hans", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = language.startswith("en")
        for name, fact in rules.FACTS.items():
            label = fact.en if english else fact.zh
            help_text = rule_words.fact_hint(fact.type)  # the fact's name and type: in the technical details
            field: forms.Field
            if fact.type == "bool":
                field = forms.ChoiceField(label=label, choices=_BOOL_CHOICES, required=False, help_text=help_text)
            elif fact.type in ("days|null", "count"):
                field = forms.IntegerField(label=label, min_value=0, max_value=10_000, required=False,
                                           help_text=help_text)
            elif fact.type == "°C|null":
                field = forms.DecimalField(label=label, min_value=Decimal("25"), max_value=Decimal("45"),
                                           decimal_places=1, max_digits=3, required=False, help_text=help_text,
                                           widget=forms.NumberInput(attrs={"step": "0.1"}))
            elif fact.type == "colour|null":
                field = forms.ChoiceField(label=label, required=False, help_text=help_text,
                                          choices=[("", _("(none)")), ("green", _("green")),
                                                   ("yellow", _("yellow")), ("red", _("red"))])
            else:  # a type added to the rules later: typed as JSON
                field = forms.CharField(label=label, required=False, help_text=help_text)
            self.fields[name] = self.style(field)

    def facts(self) -> dict[str, Any]:
        """The facts as the rules expect them (``bool``, ``int``, ``float`` or ``None``)."""
        out: dict[str, Any] = {}
        for name, fact in rules.FACTS.items():
            value = self.cleaned_data.get(name)
            if fact.type == "bool":
                out[name] = {"true": True, "false": False}.get(value or "")
            elif fact.type == "°C|null":
                out[name] = None if value is None else float(value)
            elif fact.type == "count":
                out[name] = value or 0
            elif fact.type == "days|null":
                out[name] = value
            elif fact.type == "colour|null":
                out[name] = value or None
            else:
                try:
                    out[name] = json.loads(value) if value else None
                except ValueError:
                    out[name] = value
        return out


class RuleSetForm(StyledForm):
    document = forms.CharField(label=_("Rule set (JSON)"), max_length=MAX_RULE_SET_CHARS,
                               widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false",
                                                            "class": "form-control font-monospace"}))

    def clean_document(self) -> dict[str, Any]:
        text = self.cleaned_data["document"]
        try:
            document = json.loads(text)
        except RecursionError:
            raise ValidationError(_("The rule set is nested too deeply."), code="depth") from None
        except ValueError as exc:
            raise ValidationError(
                _("This is not valid JSON (line %(line)s, column %(column)s): %(problem)s"), code="json",
                params={"line": getattr(exc, "lineno", "?"), "column": getattr(exc, "colno", "?"),
                        "problem": getattr(exc, "msg", str(exc))}) from None
        if not isinstance(document, dict):
            raise ValidationError(_("A rule set is a JSON object: {\"id\": …, \"rules\": […], …}."), code="shape")
        return document


class LabImportForm(StyledForm):
    file = forms.FileField(label=_("CSV file from the laboratory"), widget=FilePickerInput(), help_text=_(
        "Columns found by their headers: 身份证号, 采样日期, 检测类型 (核酸/抗原), 检测结果 (阴性/阳性), 样本编号, "
        "and optionally 姓名 and 检测机构. UTF-8, GB18030 or Unicode text."))
    lab = forms.CharField(label=_("Laboratory"), max_length=100, required=False,
                          help_text=_("Used for rows without a 检测机构 column."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 10 MB; split it into several files."), code="too_big")
        return upload

    def clean_lab(self) -> str:
        return _clean_text(self.cleaned_data["lab"])
