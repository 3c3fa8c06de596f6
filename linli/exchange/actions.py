"""Exporting this office's figures upward and importing the signed files of lower offices."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from linli.core import audit
from linli.core.access import PermissionDenied, allows, area_of
from linli.core.models import AuditEvent
from linli.exchange import aggregate, fileformat
from linli.exchange.errors import ExchangeError
from linli.exchange.keys import office_signer
from linli.exchange.models import ExchangeFigure, ExchangeSnapshot, TrustedOffice
from linli.exchange.places import is_within, path_of_code
from linli.ledger.note import NoteError, Signer, Verifier
from linli.people.models import Household, Person
from linli.places.models import Level, Place

DEFAULT_K = 5


def default_k() -> int:
    return int(getattr(settings, "LINLI_EXCHANGE_K", DEFAULT_K))


# --- keys --------------------------------------------------------------------------------

@transaction.atomic
def do_trust_office(verifier_key: str, place_code: str, *, acting_user: Any) -> tuple[TrustedOffice, bool]:
    """Register a lower office's public key; the key's name must be its place code."""
    if not allows(acting_user, "exchange.import", TrustedOffice(place_code=place_code)):
        audit.record("exchange.trust", actor=acting_user, object_type="exchange.trustedoffice", object_id=place_code,
                     outcome=AuditEvent.Outcome.DENIED, path=area_of(acting_user, "exchange.import"))
        raise PermissionDenied("exchange.import")
    try:
        verifier = Verifier.decode(verifier_key.strip())
    except (NoteError, TypeError) as exc:
        raise ExchangeError("bad_key", f"not a verifier key: {exc}", "不是有效的公钥（验证密钥）") from exc
    if verifier.name != place_code:
        raise ExchangeError("key_name", f"the key is named {verifier.name!r}, not the place code {place_code!r}",
                            f"密钥名称 {verifier.name!r} 与地点编码 {place_code!r} 不一致")
    own_path = path_of_code(office_signer().name)
    place_path = path_of_code(place_code)
    if place_path == own_path or not is_within(place_path, own_path):
        raise ExchangeError("not_below", f"{place_code} is not below this office's place",
                            f"{place_code} 不在本办公室辖区之下")
    office, created = TrustedOffice.objects.get_or_create(
        verifier_key=verifier.encode(), defaults={"place_code": place_code, "key_id": verifier.key_id.hex()})
    if created:
        audit.record("exchange.trust", actor=acting_user, obj=office, path=area_of(acting_user, "exchange.import"),
                     detail={"place_code": place_code, "key_id": office.key_id})
    return office, created


# --- export ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    content: bytes
    aggregates: int
    records: int
    suppressed: int


def do_export(scope: Place, *, acting_user: Any, k: int | None = None, records: bool = False,
              signer: Signer | None = None) -> Export:
    """The signed exchange file for ``scope``: aggregates always, records only when asked and
    the user may export people there. Refusals are audited too. ``signer`` defaults to this
    office's key (the demo passes a community office's key to make a file to import)."""
    k = default_k() if k is None else k
    if k < 1:
        raise ExchangeError("bad_k", "k must be at least 1", "k 至少为 1")
    signer = signer or office_signer()
    if not is_within(scope.path, path_of_code(signer.name)):
        raise ExchangeError("outside_office", f"{scope.code} is outside this office's place {signer.name}",
                            f"{scope.code} 不在本办公室（{signer.name}）辖区内")
    if not allows(acting_user, "people.view", scope.path):
        _deny("exchange.export", acting_user, scope, "people.view")
        raise ExchangeError("forbidden", f"you may not see the residents of {scope.code}",
                            f"您无权查看 {scope.code} 的人员数据")
    if records and not allows(acting_user, "people.export", scope.path):
        _deny("exchange.export", acting_user, scope, "people.export")
        raise ExchangeError("forbidden_records", f"your role may not export records of {scope.code}",
                            f"您的角色无权导出 {scope.code} 的个人明细")
    today = timezone.localdate()
    with_groups = allows(acting_user, "people.view_groups", scope.path)
    table = aggregate.build_table(
        scope, today=today, with_groups=with_groups,
        people=Person.objects.restrict(acting_user, "people.view").filter(path__under=scope.path, is_active=True),
        households=Household.objects.restrict(acting_user, "people.view").filter(path__under=scope.path),
        houses=Place.objects.restrict(acting_user, "places.view").filter(path__under=scope.path, level=Level.HOUSE),
    )
    aggregate.suppress(table, k)
    lines = list(aggregate.aggregate_lines(table))
    record_lines = list(_record_lines(acting_user, scope)) if records else []
    header = {
        "format": fileformat.FORMAT, "scope": scope.code, "scope_name": scope.name, "scope_level": scope.level,
        "generated_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "sender": signer.name, "sender_key_id": signer.key_id.hex(), "k": k,
        "special_groups_included": with_groups, "records": len(record_lines),
        "dictionary": aggregate.DICTIONARY, "record_fields": RECORD_FIELDS if records else {},
    }
    content = fileformat.write_signed([header, *lines, *record_lines], signer)
    audit.record("exchange.export", actor=acting_user, obj=scope, purpose="upward exchange",
                 detail={"k": k, "aggregates": len(lines), "records": len(record_lines),
                         "suppressed": len(table.hidden), "key_id": signer.key_id.hex()})
    return Export(content, len(lines), len(record_lines), len(table.hidden))


# Records never carry a plaintext ID number or phone: only this server's keyed blind-index
# hashes (HMAC-SHA-256), which let the upper level count and de-duplicate people across
# files from the same server without being able to read or recompute the numbers.
RECORD_FIELDS = {
    "id_hash": "blind index of the ID number (keyed hash, not reversible) / 身份证号盲索引（不可逆）",
    "phone_hash": "blind index of the phone number / 手机号盲索引",
    "name": "name / 姓名", "sex": "sex / 性别", "birth_year": "year of birth / 出生年份",
    "population_type": "population type / 人口类型", "place": "code of the house lived in / 现住房屋编码",
}


def _record_lines(user: Any, scope: Place) -> Any:
    people: QuerySet[Person] = Person.objects.restrict(user, "people.export") \
        .filter(path__under=scope.path, is_active=True).order_by("path", "pk")
    codes = dict(Place.objects.filter(path__under=scope.path, level=Level.HOUSE).values_list("pk", "code"))
    for person in people.only("name", "sex", "birth_date", "population_type", "id_hash", "phone_hash",
                              "current_house_id", "path"):
        yield {"type": "record", "id_hash": person.id_hash, "phone_hash": person.phone_hash,
               "name": person.name, "sex": person.sex,
               "birth_year": person.birth_date.year if person.birth_date else None,
               "population_type": person.population_type, "place": codes.get(person.current_house_id or 0, "")}


def _deny(action: str, user: Any, scope: Place, needed: str) -> None:
    audit.record(action, actor=user, obj=scope, outcome=AuditEvent.Outcome.DENIED, detail={"needs": needed})


# --- import ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Imported:
    snapshot: ExchangeSnapshot
    created: bool  # False: this very file was imported before
    figures: int


def do_import(data: bytes, *, acting_user: Any, filename: str = "") -> Imported:
    """Verify and store a lower office's file; importing the same bytes again changes nothing."""
    try:
        parsed, office = _verify(data)
        generated_at = _generated_at(parsed.header)
        figures = list(_figures(parsed.lines))
    except ExchangeError as exc:
        audit.record("exchange.import", actor=acting_user, object_type="exchange.file", object_id=filename[:60],
                     outcome=AuditEvent.Outcome.DENIED, detail={"reason": exc.code},
                     path=area_of(acting_user, "exchange.import"))
        raise
    if not allows(acting_user, "exchange.import", ExchangeSnapshot(scope_code=str(parsed.header["scope"]))):
        audit.record("exchange.import", actor=acting_user, object_type="exchange.file", object_id=filename[:60],
                     outcome=AuditEvent.Outcome.DENIED, detail={"reason": "scope"},
                     path=area_of(acting_user, "exchange.import"))
        raise PermissionDenied("exchange.import")
    existing = ExchangeSnapshot.objects.filter(sha256=parsed.sha256).first()
    if existing is None:
        try:
            return _store(parsed, office, generated_at, figures, acting_user=acting_user, filename=filename)
        except IntegrityError:  # a concurrent import of the same file won
            existing = ExchangeSnapshot.objects.get(sha256=parsed.sha256)
    return Imported(existing, False, existing.figures.count())


def _verify(data: bytes) -> tuple[fileformat.ParsedFile, TrustedOffice]:
    parsed = fileformat.parse(data)
    candidates = list(TrustedOffice.objects.filter(key_id=parsed.key_id))
    office = next((o for o in candidates if fileformat.verify(parsed, Verifier.decode(o.verifier_key))), None)
    if office is None:
        if candidates:
            raise ExchangeError("bad_signature", "the signature does not match: the file was changed",
                                "签名不符：文件已被篡改")
        raise ExchangeError("unknown_key", f"the file is signed by an unknown key {parsed.key_id}",
                            f"文件由未登记的密钥 {parsed.key_id} 签名")
    scope = str(parsed.header["scope"])
    scope_path = path_of_code(scope)
    if not is_within(scope_path, path_of_code(office.place_code)):
        raise ExchangeError("sender_scope", f"office {office.place_code} may not report for {scope}",
                            f"办公室 {office.place_code} 无权上报 {scope} 的数据")
    if not is_within(scope_path, path_of_code(office_signer().name)):
        raise ExchangeError("outside_scope", f"{scope} is outside this office's place",
                            f"{scope} 不在本办公室辖区内")
    return parsed, office


@transaction.atomic
def _store(parsed: fileformat.ParsedFile, office: TrustedOffice, generated_at: datetime.datetime,
           figures: list[tuple[str, str, str, int | None, str]], *, acting_user: Any, filename: str) -> Imported:
    records = [line for line in parsed.lines if line.get("type") == "record"]
    snapshot = ExchangeSnapshot.objects.create(
        scope_code=str(parsed.header["scope"]), generated_at=generated_at, sender_key_id=parsed.key_id,
        sender_place_code=office.place_code, sha256=parsed.sha256,
        payload={"header": parsed.header, "records": records})
    ExchangeFigure.objects.bulk_create(
        [ExchangeFigure(snapshot=snapshot, place_code=p, measure=m, breakdown=b, value=v, withheld=w)
         for p, m, b, v, w in figures])
    audit.record("exchange.import", actor=acting_user, obj=snapshot, purpose="upward exchange",
                 path=area_of(acting_user, "exchange.import"),
                 detail={"scope": snapshot.scope_code, "sha256": parsed.sha256, "figures": len(figures),
                         "records": len(records), "file": filename[:200], "key_id": parsed.key_id})
    return Imported(snapshot, True, len(figures))


def _generated_at(header: dict[str, Any]) -> datetime.datetime:
    try:
        generated_at = parse_datetime(str(header["generated_at"]))
    except ValueError:
        generated_at = None
    if generated_at is None or generated_at.tzinfo is None:
        raise ExchangeError("malformed", "malformed exchange file: generated_at is not a time with a zone",
                            "交换文件格式错误：generated_at 不是带时区的时间")
    return generated_at


WITHHELD_REASONS = {aggregate.BELOW_K, aggregate.COMPLEMENTARY}


def _figures(lines: list[dict[str, Any]]) -> Any:
    seen: set[tuple[str, str, str]] = set()
    for line in lines:
        if line.get("type") != "aggregate":
            continue
        place, measure, cells = line.get("place"), line.get("measure"), line.get("cells")
        if not isinstance(place, str) or not isinstance(measure, str) or not isinstance(cells, list):
            raise ExchangeError("malformed", "malformed exchange file: an aggregate line lacks place, measure or cells",
                                "交换文件格式错误：汇总行缺少地点、指标或数据")
        for cell in cells:
            breakdown, value = (cell.get("breakdown"), cell.get("value")) if isinstance(cell, dict) else (None, None)
            if not isinstance(breakdown, str) or not (value is None or (type(value) is int and value >= 0)):
                raise ExchangeError("malformed", "malformed exchange file: a cell is not a count",
                                    "交换文件格式错误：某单元格不是计数")
            if (place, measure, breakdown) in seen:
                raise ExchangeError("malformed", "malformed exchange file: a figure appears twice",
                                    "交换文件格式错误：同一数据重复出现")
            seen.add((place, measure, breakdown))
            reason = ""
            if value is None:
                given = cell.get("reason")
                reason = given if given in WITHHELD_REASONS else "unknown"
            yield place, measure, breakdown, value, reason


def latest_figures(scope_code: str) -> dict[tuple[str, str, str], int | None]:
    """The figures of the newest imported file for a scope (newer files supersede older ones)."""
    snapshot = ExchangeSnapshot.objects.filter(scope_code=scope_code).order_by("-generated_at", "-pk").first()
    if snapshot is None:
        return {}
    return {(f.place_code, f.measure, f.breakdown): f.value for f in snapshot.figures.all()}
