"""Importing the 12345 hotline's work orders: upload the export, confirm its columns (once per
layout: the street remembers them, and what the hotline's category texts mean), look at the
preview, import the ready rows.

Every step that changes anything is a ``do_*`` here: it checks that the user may import hotline
orders where the batch lies (``tickets.hotline``) and writes the audit log. The preview is a dry
run of the import: each row goes through the same checks as ``actions.do_submit`` (which files
each order at commit, checking the user's right to file about its place and writing its own audit
row), so what the preview calls ready is what is imported, all in one transaction or not at all.
A row whose order number is already registered is never imported twice.

Files are read by the imports app (``linli.imports.reading``): size, extent, encoding and the
workbooks built to exhaust a reader are refused there. A hotline file holds at most
``LINLI_HOTLINE_MAX_ROWS`` orders (5,000 by default): checked and imported while the page waits.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import PermissionDenied, allows, require
from linli.core.errors import Bilingual, bilingual
from linli.core.scope import Scope, scope_for
from linli.core.text import strip_invisible
from linli.core.validators import validate_phone
from linli.imports import reading
from linli.imports.actions import seal
from linli.imports.cells import cell_text, clean_name, is_blank_row
from linli.imports.fields import EMPTY_WORDS
from linli.imports.headers import HEADER_SEARCH_ROWS, find_header_row
from linli.imports.reading import ImportFileError, read_file
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place, names_by_path
from linli.places.rules import ancestor_paths
from linli.tickets import actions, hotline, routing, workcal
from linli.tickets.access import HOTLINE
from linli.tickets.models import (
    Category,
    HotlineBatch,
    HotlineCategory,
    HotlineColumns,
    HotlineStatus,
    Source,
    Ticket,
)

READY, ATTENTION, IMPORTED, SKIPPED = "ready", "attention", "imported", "skipped"
OPEN = (HotlineStatus.MAPPING, HotlineStatus.PREVIEW)


def max_rows() -> int:
    return int(getattr(settings, "LINLI_HOTLINE_MAX_ROWS", 5000))


def max_bytes() -> int:
    """A hotline export of 5,000 orders is well under a megabyte; the file is kept (sealed) until
    it is imported, so it is held to less than what the people import allows."""
    return min(reading.max_bytes(), int(getattr(settings, "LINLI_HOTLINE_MAX_BYTES", 10 * 1024 * 1024)))


class HotlineRefused(ValidationError):
    """A step that cannot be taken now (the batch is finished, nothing is ready …)."""


def streets_for(user: Any) -> QuerySet[Place]:
    """The streets whose hotline orders the user may import (her own, or the one holding her
    community)."""
    return Place.objects.restrict(user, HOTLINE).filter(level=PlaceLevel.STREET).order_by("path")


def batches_for(user: Any) -> QuerySet[HotlineBatch]:
    """An upload holds callers' names and phones: only its author sees it, while she may still
    import in its street (``tickets.access``)."""
    return (HotlineBatch.objects.restrict(user, HOTLINE).select_related("street", "created_by")
            .defer("content", "preview"))


def _refuse(message: Any, code: str, **params: Any) -> HotlineRefused:
    return HotlineRefused(message, code=code, params=params or None)


def _message(message: Any, code: str, **params: Any) -> dict[str, str]:
    text = Bilingual.of(message, params or None)
    return {"code": code, "zh": text.zh, "en": text.en}


# --- the file ---------------------------------------------------------------------------------------

@dataclass
class Table:
    sheet: str
    header_row: int  # 0-based index of the header row
    headers: list[str]
    rows: list[list[Any]]  # the rows below the header

    def row_number(self, offset: int) -> int:
        """The row number a spreadsheet shows for the ``offset``-th row below the header."""
        return self.header_row + offset + 2


def read_table(data: bytes, file_name: str) -> Table:
    """The first sheet with the hotline's headers, through the imports app's hardened reader."""
    if len(data) > max_bytes():
        raise ImportFileError(_("The file is larger than %(mb)d MB; split it into several files."),
                              code="file_too_large", params={"mb": max_bytes() // (1024 * 1024)})
    for sheet in read_file(data, file_name):
        index = find_header_row(sheet.rows, hotline.TABLE)
        if index is None:
            continue
        headers = [cell_text(c)[:60] for c in sheet.rows[index]]
        while headers and not headers[-1]:
            headers.pop()
        table = Table(sheet.name[:100], index, headers, sheet.rows[index + 1:])
        orders = sum(1 for row in table.rows if not is_blank_row(row))
        if not orders:
            raise ImportFileError(_("The file has a header row but no rows below it."), code="no_rows")
        if orders > max_rows():
            raise ImportFileError(_("The file has more than %(limit)d work orders; split it into several files."),
                                  code="file_too_many_rows", params={"limit": max_rows()})
        return table
    raise ImportFileError(
        _("No sheet has a header row with the hotline's column names (工单编号, 来电时间, 诉求内容, 诉求地址 …) in "
          "its first %(n)d rows."), code="no_header", params={"n": HEADER_SEARCH_ROWS})


def table_of(batch: HotlineBatch) -> Table:
    import base64

    if not batch.content:
        raise _refuse(_("The uploaded file has already been deleted; upload it again."), "file_purged")
    table = read_table(base64.b64decode(batch.content), batch.file_name)
    if table.headers != batch.headers:
        raise _refuse(_("The stored file does not match its columns; upload it again."), "file_changed")
    return table


def columns_of(batch: HotlineBatch) -> dict[int, str]:
    return {int(k): v for k, v in batch.columns.items()}


def _cell(cells: list[Any], index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


def words(value: Any) -> str:
    """A cell of free text as the caller's words: not NFKC-folded (full-width Chinese
    punctuation stays), invisible characters gone, spaces trimmed."""
    if isinstance(value, str):
        return " ".join(strip_invisible(value).split()) if "\n" not in value else strip_invisible(value).strip()
    return cell_text(value)


# --- categories ---------------------------------------------------------------------------------------

@dataclass
class CategoryText:
    key: str
    text: str
    rows: int
    category_id: int | None = None  # decided (remembered or chosen), or guessed when not decided
    decided: bool = False


def category_texts(batch: HotlineBatch, table: Table | None = None) -> list[CategoryText]:
    """The distinct category texts of the file's category column, the most frequent first, each
    with what it means: decided (for this file, or remembered for the street) or guessed."""
    columns = {code: index for index, code in columns_of(batch).items()}
    if "category" not in columns:
        return []
    table = table or table_of(batch)
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for cells in table.rows:
        text = words(_cell(cells, columns["category"]))[:100]
        key = hotline.category_key(text)
        if key:
            counts[key] += 1
            first.setdefault(key, text)
    decided = decided_categories(batch)
    active = list(Category.objects.filter(active=True).values_list("pk", "name", "code"))
    names = {hotline.category_key(name): pk for pk, name, _code in active}
    codes = {code: pk for pk, _name, code in active}
    texts = []
    for key, n in counts.most_common(hotline.MAX_CATEGORY_TEXTS):
        if key in decided:
            texts.append(CategoryText(key, first[key], n, decided[key], decided=True))
        else:
            texts.append(CategoryText(key, first[key], n, hotline.guess_category(first[key], names, codes)))
    return texts


def decided_categories(batch: HotlineBatch) -> dict[str, int | None]:
    """Category text key → category id (None: left undecided on purpose): the street's
    remembered meanings, overridden by what was chosen for this file."""
    remembered = dict(HotlineCategory.objects.filter(path=batch.path, category__active=True)
                      .values_list("text_key", "category_id"))
    return {**remembered, **batch.categories}


def undecided_categories(batch: HotlineBatch, table: Table | None = None) -> bool:
    """A category text of the file has no meaning yet, for this file or remembered."""
    return any(not t.decided for t in category_texts(batch, table))


# --- checking the rows ---------------------------------------------------------------------------------

@dataclass
class Checked:
    rows: list[dict[str, Any]]
    ready: dict[int, actions.NewTicket] = field(default_factory=dict)  # row number → the request to file
    router: routing.Router = field(default_factory=routing.Router)  # the routes found, for the import
    calendar: workcal.Calendar = field(default_factory=workcal.Calendar)

    @property
    def counts(self) -> dict[str, int]:
        by_status = Counter(row["status"] for row in self.rows)
        return {"rows": len(self.rows), READY: by_status[READY], ATTENTION: by_status[ATTENTION],
                IMPORTED: by_status[IMPORTED], SKIPPED: by_status[SKIPPED],
                "office": sum(1 for row in self.rows if row["status"] == READY and row.get("office"))}

    @property
    def fingerprint(self) -> str:
        """What the import would file: it must not change between the preview and the commit."""
        ready = [[r["row"], r["ref"], r["place"], r["category"], r["at"], r.get("due"), r.get("office", False)]
                 for r in self.rows if r["status"] == READY]
        return hashlib.sha256(json.dumps(ready, sort_keys=True).encode()).hexdigest()


class Checker:
    """The preview of one batch, as the commit would file it: each row's order number, time,
    category, place and destination, or what is wrong with it, in Chinese and English."""

    def __init__(self, batch: HotlineBatch, user: Any, table: Table | None = None,
                 now: datetime.datetime | None = None) -> None:
        self.batch, self.user = batch, user
        self.table = table or table_of(batch)
        self.now = now or timezone.now()
        self.columns = {code: index for index, code in columns_of(batch).items()}
        self.scope: Scope = scope_for(user, HOTLINE)
        self.index = hotline.AddressIndex(batch.street)
        decided = decided_categories(batch)
        self.categories = Category.objects.in_bulk([pk for pk in decided.values() if pk])
        self.category_of = {key: self.categories.get(pk) if pk else None for key, pk in decided.items()}
        self.router = routing.Router()
        # the working calendar around today, read once: calls of the past year, limits of the next
        self.calendar = workcal.Calendar.load(self.now.date() - datetime.timedelta(days=400), days=800)

    def value(self, cells: list[Any], code: str) -> Any:
        return _cell(cells, self.columns.get(code))

    def run(self) -> Checked:
        drafts = [self._draft(self.table.row_number(offset), cells)
                  for offset, cells in enumerate(self.table.rows) if not is_blank_row(cells)]
        self._mark_known(drafts)
        places = Place.objects.in_bulk({d.place_id for d in drafts if d.place_id})
        checked = Checked([], router=self.router, calendar=self.calendar)
        for draft in drafts:
            data = self._finish(draft, places)
            if data is not None:
                checked.ready[draft.row["row"]] = data
            checked.rows.append(draft.row)
        self._label(checked.rows, places)
        return checked

    # --- one row, before the registry is asked -------------------------------------------------
    def _draft(self, number: int, cells: list[Any]) -> _Draft:
        draft = _Draft({"row": number, "status": READY, "problems": [], "notes": []}, cells)
        row = draft.row
        row["ref"] = self._order_number(draft)
        row["summary"] = words(self.value(cells, "description"))[:80]
        row["address"] = words(self.value(cells, "address"))[:200]
        row["name"] = clean_name(words(self.value(cells, "contact_name")))[:64]
        text = words(self.value(cells, "category"))[:100]
        row["category_text"], row["category"] = text, None
        self._times(draft)
        category = self.category_of.get(hotline.category_key(text))
        if category is not None:
            row["category"] = category.pk
            draft.category = category
        elif not text:
            draft.problem(_("The hotline's category is empty."), "category_missing")
        else:
            draft.problem(_("Say what the hotline's category “%(text)s” means, on the columns page."), "category_unmapped",
                          text=text)
        self._place(draft)
        return draft

    def _order_number(self, draft: _Draft) -> str:
        raw = self.value(draft.cells, "external_ref")
        if isinstance(raw, float) and abs(raw) >= 1e15:
            draft.problem(_("Excel stored the order number as a number and lost its last digits; format the "
                            "column as text in the hotline's export."), "ref_damaged")
            return cell_text(raw)
        ref = cell_text(raw)[:64]
        if not ref:
            draft.problem(_("The order number is missing."), "ref_missing")
        return ref

    def _times(self, draft: _Draft) -> None:
        row = draft.row
        row["at"], row["due"] = None, None
        try:
            draft.at = hotline.call_time(self.value(draft.cells, "created_at"), self.now)
            row["at"] = draft.at.isoformat()
        except ValidationError as exc:
            draft.problems.append(bilingual(exc))
            return
        try:
            draft.due = hotline.deadline(self.value(draft.cells, "due_by"), draft.at, self.calendar)
        except ValidationError as exc:
            draft.problems.append(bilingual(exc))
            return
        row["due"] = draft.due.isoformat() if draft.due else None

    def _place(self, draft: _Draft) -> None:
        row = draft.row
        row["place"], row["office"] = None, False
        choice = self.batch.choices.get(str(row["row"]), {})
        if choice.get("skip"):
            row["status"], row["fix"] = SKIPPED, True
            return
        if choice.get("place"):
            draft.place_id, row["chosen"], row["fix"] = int(choice["place"]), True, True
            return
        match = self.index.find(row["address"])
        if not match.found:
            draft.problem(_("No place of the registry matches this address: %(why)s Choose the place, or skip "
                            "the row."), "place_unmatched", why=Bilingual.of(match.problem, match.params))
            row["fix"] = True
            return
        draft.place_id = match.place_id
        if not match.exact:
            row["office"], row["fix"] = True, True
            row["office_why"] = _message(match.problem, "house_unmatched", **match.params)

    def _mark_known(self, drafts: list[_Draft]) -> None:
        """Order numbers seen twice in the file, and those already registered."""
        refs = [d.row["ref"] for d in drafts if d.row["ref"]]
        known: set[str] = set()
        for i in range(0, len(refs), 500):
            known.update(Ticket.with_hotline_order().filter(external_ref__in=refs[i:i + 500])
                         .values_list("external_ref", flat=True))
        first: dict[str, int] = {}
        for draft in drafts:
            ref = draft.row["ref"]
            if not ref:
                continue
            if ref in known:
                draft.row["status"] = IMPORTED
            elif ref in first:
                draft.problem(_("Order %(ref)s is also in row %(row)s: only the first is imported."),
                              "ref_twice", ref=ref, row=first[ref])
            else:
                first[ref] = draft.row["row"]

    # --- one row, against the registry and the user's rights --------------------------------------
    def _finish(self, draft: _Draft, places: dict[int, Place]) -> actions.NewTicket | None:
        row = draft.row
        place = places.get(draft.place_id) if draft.place_id else None
        if draft.place_id and place is None:
            draft.problem(_("The chosen place no longer exists; choose it again."), "place_gone")
        if place is not None:
            row["place"], row["path"] = place.pk, place.path
            if not self.scope.covers(place.path):
                row["fix"] = True
                draft.problem(_("%(place)s lies in %(community)s, outside your area: its office imports it."),
                              "place_outside_scope", place=place.name,
                              community=self.index.community_name(place.path) or place.name)
        if row["status"] in (IMPORTED, SKIPPED):
            return None
        row["status"] = ATTENTION if draft.problems else READY
        row["problems"] = draft.problems
        if draft.problems or place is None or draft.category is None:
            return None
        data = self._request(draft, place)
        try:
            actions.check_new(data, self.user)
        except ValidationError as exc:
            row["problems"] = [bilingual(e) for e in _each(exc)]
        except PermissionDenied:
            row["problems"] = [_message(_("You may not file requests about %(place)s."), "place_denied",
                                        place=place.name)]
        if row["problems"]:
            row["status"] = ATTENTION
            return None
        self._route(row, data)
        return data

    def _request(self, draft: _Draft, place: Place) -> actions.NewTicket:
        row = draft.row
        phone = cell_text(self.value(draft.cells, "contact_phone"))
        if phone and phone.lower() not in EMPTY_WORDS:
            try:
                phone = validate_phone(phone).e164
            except ValidationError:
                row["notes"].append(_message(_("The phone number %(value)s is not a whole number (the hotline may "
                                               "mask it); the request is filed without it."), "phone_dropped",
                                             value=phone[:20]))
                phone = ""
        else:
            phone = ""
        row["phone"] = bool(phone)
        assert draft.category is not None and draft.at is not None  # noqa: S101 - checked by the caller
        return actions.NewTicket(
            category=draft.category, place=place, description=words(self.value(draft.cells, "description")),
            source=Source.HOTLINE, contact_name=row["name"], contact_phone=phone, external_ref=row["ref"],
            created_at=draft.at, due_by=draft.due, unmatched_address=row["address"] if row["office"] else "")

    def _route(self, row: dict[str, Any], data: actions.NewTicket) -> None:
        destination = self.router.route(data.category, data.place, unmatched_address=data.unmatched_address)
        row["to"], row["route"] = destination.level, destination.reason

    def _label(self, rows: list[dict[str, Any]], places: dict[int, Place]) -> None:
        """"玉兰苑 1号楼1单元101室": each matched place from its compound down."""
        paths = {p.path for p in places.values()}
        names = names_by_path(paths)
        labels = {}
        for path in paths:
            chain = [*ancestor_paths(path)[5:], path]
            labels[path] = " ".join([names.get(chain[0], ""), "".join(names.get(a, "") for a in chain[1:])]).strip()
        for row in rows:
            if row.get("path"):
                row["place_label"] = labels.get(row["path"], "")


@dataclass
class _Draft:
    row: dict[str, Any]
    cells: list[Any]
    problems: list[dict[str, str]] = field(default_factory=list)
    at: datetime.datetime | None = None
    due: datetime.datetime | None = None
    category: Category | None = None
    place_id: int | None = None

    def problem(self, message: Any, code: str, **params: Any) -> None:
        self.problems.append(_message(message, code, **params))


def _each(error: ValidationError) -> list[ValidationError]:
    if hasattr(error, "error_dict"):
        return [e for errors in error.error_dict.values() for e in errors]
    return list(error.error_list)


def check(batch: HotlineBatch, user: Any, table: Table | None = None) -> Checked:
    return Checker(batch, user, table).run()


def preview_rows(batch: HotlineBatch) -> list[dict[str, Any]]:
    """The rows of the last check (callers' names included: sealed in the database)."""
    return json.loads(batch.preview) if batch.preview else []


def _store(batch: HotlineBatch, checked: Checked) -> None:
    batch.preview = json.dumps(checked.rows, ensure_ascii=False)
    batch.counts = checked.counts
    batch.fingerprint = checked.fingerprint
    batch.checked_at = timezone.now()
    batch.save(update_fields=["preview", "counts", "fingerprint", "checked_at", "status", "columns", "categories",
                              "choices", "updated_at"])


# --- the steps ------------------------------------------------------------------------------------------

@transaction.atomic
def do_hotline_upload(*, acting_user: Any, street: Place, file_name: str, data: bytes) -> HotlineBatch:
    """Read the export, find its header row, apply the street's mapping of this layout (or guess
    one), and check the rows when nothing is left to confirm."""
    require(acting_user, HOTLINE, street)
    if street.level != PlaceLevel.STREET:
        raise PermissionDenied(HOTLINE)
    file_name = (file_name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    table = read_table(data, file_name)
    remembered = HotlineColumns.objects.filter(path=street.path, headers_key=hotline.headers_key(table.headers)).first()
    columns = hotline.columns_from_names(table.headers, remembered.mapping) if remembered else {}
    confirmed = remembered is not None and _complete(columns)
    if not confirmed:
        columns = hotline.guess_columns(table.headers)
    batch = HotlineBatch.objects.create(
        street=street, path=street.path, created_by=acting_user, file_name=file_name, file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(), content=seal(data), sheet=table.sheet,
        header_row=table.header_row, headers=table.headers, columns={str(k): v for k, v in columns.items()},
        status=HotlineStatus.PREVIEW if confirmed else HotlineStatus.MAPPING)
    audit.record("tickets.hotline_upload", actor=acting_user, obj=batch,
                 detail={"bytes": len(data), "sha256": batch.file_sha256, "rows": len(table.rows),
                         "remembered": confirmed})
    if confirmed and not undecided_categories(batch, table):
        _store(batch, check(batch, acting_user, table))
    else:
        batch.status = HotlineStatus.MAPPING
        batch.save(update_fields=["status", "updated_at"])
    return batch


def _complete(columns: dict[int, str]) -> bool:
    try:
        hotline.check_columns(columns)
    except ValidationError:
        return False
    return True


def _require_open(batch: HotlineBatch, user: Any) -> HotlineBatch:
    """The batch, locked, while it can still change."""
    locked = HotlineBatch.objects.select_for_update().select_related("street").get(pk=batch.pk)
    require(user, HOTLINE, locked)
    if locked.status not in OPEN:
        raise _refuse(_("This hotline import is finished; upload the file again to import more."), "state")
    return locked


@transaction.atomic
def do_hotline_set_mapping(batch: HotlineBatch, *, acting_user: Any, columns: dict[int, str],
                           categories: dict[str, Category | None] | None = None) -> HotlineBatch:
    """Confirm which column holds what and what the hotline's category texts mean; both are
    remembered for the street and applied to its next files. The rows are checked again once
    every category text of the file is decided."""
    batch = _require_open(batch, acting_user)
    columns = {i: code for i, code in columns.items() if code and 0 <= i < len(batch.headers)}
    hotline.check_columns(columns)
    previous_category_column = next((i for i, c in columns_of(batch).items() if c == "category"), None)
    batch.columns = {str(k): v for k, v in sorted(columns.items())}
    HotlineColumns.objects.update_or_create(
        path=batch.path, headers_key=hotline.headers_key(batch.headers),
        defaults={"headers": batch.headers, "mapping": hotline.columns_by_header(batch.headers, columns),
                  "updated_by": acting_user})
    table = table_of(batch)
    same_column = previous_category_column == next(i for i, c in columns.items() if c == "category")
    offered = {t.key: t.text for t in category_texts(batch, table)}
    chosen = {hotline.category_key(text): category for text, category in (categories or {}).items()}
    for key, category in chosen.items():
        if key not in offered or not same_column:
            continue  # texts of another column: shown again for the column now chosen
        batch.categories[key] = category.pk if category is not None else None
        if category is not None:
            HotlineCategory.objects.update_or_create(path=batch.path, text_key=key, defaults={
                "text": offered[key], "category": category, "updated_by": acting_user})
    pending = undecided_categories(batch, table)
    batch.status = HotlineStatus.MAPPING if pending else HotlineStatus.PREVIEW
    audit.record("tickets.hotline_mapping", actor=acting_user, obj=batch,
                 detail={"columns": batch.columns, "categories": len(chosen), "pending": pending})
    if pending:
        batch.save(update_fields=["columns", "categories", "status", "updated_at"])
    else:
        _store(batch, check(batch, acting_user, table))
    return batch


@dataclass
class Choice:
    place: Place | None = None
    skip: bool = False


@transaction.atomic
def do_hotline_choose(batch: HotlineBatch, *, acting_user: Any, choices: dict[int, Choice]) -> HotlineBatch:
    """The place of rows whose address matched no house (or skip them); the rows are checked
    again. A place must be one a request can be about, in the user's area."""
    batch = _require_open(batch, acting_user)
    if batch.status != HotlineStatus.PREVIEW:
        raise _refuse(_("Confirm the columns first."), "state")
    for number, choice in choices.items():
        key = str(number)
        if choice.skip:
            batch.choices[key] = {"skip": True}
        elif choice.place is not None:
            _check_chosen(choice.place, batch, acting_user)
            batch.choices[key] = {"place": choice.place.pk}
        else:
            batch.choices.pop(key, None)
    audit.record("tickets.hotline_choose", actor=acting_user, obj=batch,
                 detail={"rows": sorted(choices), "skipped": sum(1 for c in choices.values() if c.skip)})
    _store(batch, check(batch, acting_user))
    return batch


def _check_chosen(place: Place, batch: HotlineBatch, user: Any) -> None:
    if place.level not in actions.REPORTABLE_LEVELS or not place.path.startswith(batch.path):
        raise _refuse(_("Choose a house, or a building or compound of the street."), "place_level")
    if not allows(user, HOTLINE, place.path):
        raise _refuse(_("%(place)s is outside your area."), "place_outside_scope", place=place.name)


@dataclass
class Outcome:
    batch: HotlineBatch
    created: int = 0
    changed: bool = False  # the rows changed since the preview the user saw: nothing was imported


@transaction.atomic
def do_hotline_commit(batch: HotlineBatch, *, acting_user: Any, fingerprint: str = "") -> Outcome:
    """Import every ready row, in one transaction: all of them or none. The rows are checked
    again first; when what would be filed differs from the preview the user saw (``fingerprint``,
    by default the last preview's), nothing is imported and the new preview is kept."""
    batch = _require_open(batch, acting_user)
    if batch.status != HotlineStatus.PREVIEW:
        raise _refuse(_("Confirm the columns first."), "state")
    expected = fingerprint or batch.fingerprint
    checked = check(batch, acting_user)
    if checked.fingerprint != expected:
        _store(batch, checked)
        return Outcome(batch, changed=True)
    if not checked.ready:
        raise _refuse(_("No row is ready to import."), "nothing_ready")
    numbers = {number: _file(number, data, acting_user, checked.calendar, checked.router)
               for number, data in checked.ready.items()}
    counts = {**checked.counts, "created": len(numbers)}
    HotlineBatch.objects.filter(pk=batch.pk).update(
        status=HotlineStatus.COMMITTED, content="", preview=json.dumps(_record(checked.rows, numbers),
                                                                       ensure_ascii=False),
        counts=counts, committed_at=timezone.now(), updated_at=timezone.now())
    batch.refresh_from_db()
    audit.record("tickets.hotline_commit", actor=acting_user, obj=batch, detail=counts)
    return Outcome(batch, created=len(checked.ready))


# What an imported batch keeps of its rows: no caller's name, phone, words or address.
KEPT = ("row", "ref", "status", "at", "due", "category_text", "category", "place_label", "to", "problems", "number",
        "ticket")


def _record(rows: list[dict[str, Any]], numbers: dict[int, tuple[int, str]]) -> list[dict[str, Any]]:
    kept = []
    for row in rows:
        if row["row"] in numbers:
            row["ticket"], row["number"] = numbers[row["row"]]
        kept.append({k: row[k] for k in KEPT if k in row})
    return kept


def _file(number: int, data: actions.NewTicket, user: Any, calendar: workcal.Calendar,
          router: routing.Router) -> tuple[int, str]:
    ref = data.external_ref
    try:
        ticket = actions.do_submit(data, acting_user=user, calendar=calendar, router=router)
    except ValidationError as exc:
        raise _refuse(_("Row %(row)s (order %(ref)s): %(reason)s Nothing was imported."), "row_failed",
                      row=number, ref=ref, reason=Bilingual.of_error(exc)) from exc
    except IntegrityError as exc:  # the same order filed by someone else a moment ago
        raise _refuse(_("Row %(row)s (order %(ref)s): this hotline order is already registered. Nothing was "
                        "imported."), "row_failed", row=number, ref=ref) from exc
    return ticket.pk, ticket.number


@transaction.atomic
def do_hotline_stop(batch: HotlineBatch, *, acting_user: Any) -> HotlineBatch:
    """Stop without importing: the file and its rows are deleted."""
    batch = _require_open(batch, acting_user)
    HotlineBatch.objects.filter(pk=batch.pk).update(status=HotlineStatus.STOPPED, content="", preview="",
                                                    updated_at=timezone.now())
    batch.refresh_from_db()
    audit.record("tickets.hotline_stop", actor=acting_user, obj=batch, detail={"counts": batch.counts})
    return batch


def places_for_addresses(batch: HotlineBatch, texts: dict[int, str]) -> dict[int, Place | None]:
    """The place each address typed by the user names in the batch's street (a house, or the
    building or compound it names), or None when it names none."""
    if not texts:
        return {}
    index = hotline.AddressIndex(batch.street)
    matches = {n: index.find(text) for n, text in texts.items()}
    places = Place.objects.in_bulk([m.place_id for m in matches.values() if m.found and m.exact])
    return {n: places.get(m.place_id) if m.found and m.exact and m.place_id else None for n, m in matches.items()}
