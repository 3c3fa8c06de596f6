"""The 12345 hotline's exports: columns guessed and remembered, categories remembered, addresses
matched however they are written, times as the hotline writes them, duplicates, scope, and the
import all at once or not at all."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import xlsxwriter
from django.db import connection
from django.utils import timezone

from linli.conftest import Street
from linli.core.errors import Bilingual
from linli.core.models import AuditEvent
from linli.imports.reading import ImportFileError
from linli.places.models import Level as PlaceLevel
from linli.places.models import Place
from linli.tickets import actions, hotline
from linli.tickets import hotline_actions as steps
from linli.tickets.models import (
    Category,
    HotlineBatch,
    HotlineCategory,
    HotlineColumns,
    HotlineStatus,
    Level,
    Source,
    Ticket,
)
from linli.tickets.tests.hotline_helpers import (
    HEADERS,
    csv_export,
    houses,
    order,
    where,
    xlsx_export,
)

pytestmark = pytest.mark.django_db


def _street(street: Street) -> Place:
    return street.community.parent


def _upload(user: Any, street: Street, data: bytes, name: str = "工单.xlsx") -> HotlineBatch:
    return steps.do_hotline_upload(acting_user=user, street=_street(street), file_name=name, data=data)


def _confirm(batch: HotlineBatch, user: Any, **categories: str) -> HotlineBatch:
    """Confirm the guessed columns and categories (``categories``: text → code, to override)."""
    texts = steps.category_texts(batch)
    chosen = {t.text: Category.objects.filter(pk=t.category_id).first() for t in texts}
    chosen.update({text: Category.objects.get(code=code) for text, code in categories.items()})
    return steps.do_hotline_set_mapping(batch, acting_user=user, columns=steps.columns_of(batch), categories=chosen)


def _rows(batch: HotlineBatch) -> dict[int, dict[str, Any]]:
    return {row["row"]: row for row in steps.preview_rows(batch)}


def _codes(row: dict[str, Any]) -> list[str]:
    return [p["code"] for p in row["problems"]]


# --- columns -----------------------------------------------------------------------------------------

def test_columns_are_guessed_from_the_headers_real_exports_use() -> None:
    assert hotline.guess_columns(HEADERS) == {
        1: "external_ref", 2: "created_at", 3: "contact_name", 4: "contact_phone", 5: "address", 6: "description",
        7: "category", 9: "due_by"}
    other = ["工单号", "受理时间", "来电人", "来电人电话", "事发地址", "反映内容", "诉求类别", "办结时限（工作日）", "备注"]
    assert hotline.guess_columns(other) == {0: "external_ref", 1: "created_at", 2: "contact_name",
                                            3: "contact_phone", 4: "address", 5: "description", 6: "category",
                                            7: "due_by"}
    # the layout is the set of headers: order, spaces and full-width forms do not matter
    assert hotline.headers_key(["工单编号", "来电时间"]) == hotline.headers_key([" 来电时间", "工单编号 "])


def test_the_first_file_asks_for_its_columns_and_the_next_one_is_checked_at_once(street: Street) -> None:
    rows = [order(1, where(houses(street.grid_building, 1)[0]).address())]
    first = _upload(street.secretary, street, xlsx_export(rows))
    assert first.status == HotlineStatus.MAPPING and first.header_row == 1  # under the merged title row
    # the street officer maps the street's layout differently: the 承办单位 column is not the category
    columns = steps.columns_of(first)
    assert columns[7] == "category"
    first = _confirm(first, street.secretary)
    assert first.status == HotlineStatus.PREVIEW
    remembered = HotlineColumns.objects.get(path=_street(street).path)
    assert remembered.mapping["工单编号"] == "external_ref"
    # The same layout, columns in another order: applied without asking, by header name.
    reordered = [HEADERS[i] for i in (1, 0, 2, 3, 4, 5, 6, 7, 8, 9)]
    moved = [[row[i] for i in (1, 0, 2, 3, 4, 5, 6, 7, 8, 9)] for row in [order(2, rows[0][5])]]
    second = _upload(street.street_officer, street, xlsx_export(moved, headers=reordered))
    assert second.status == HotlineStatus.PREVIEW
    assert steps.columns_of(second)[0] == "external_ref" and _rows(second)[3]["status"] == steps.READY


def test_a_mapping_without_the_required_columns_is_refused(street: Street) -> None:
    batch = _upload(street.secretary, street, xlsx_export([order(1, "玉兰苑1号楼1单元101室")]))
    columns = {i: c for i, c in steps.columns_of(batch).items() if c != "address"}
    with pytest.raises(Exception) as refused:
        steps.do_hotline_set_mapping(batch, acting_user=street.secretary, columns=columns)
    assert refused.value.code == "mapping_missing"  # type: ignore[attr-defined]
    twice = {**steps.columns_of(batch), 8: "address"}
    with pytest.raises(Exception) as refused:
        steps.do_hotline_set_mapping(batch, acting_user=street.secretary, columns=twice)
    assert refused.value.code == "mapping_twice"  # type: ignore[attr-defined]


def test_category_texts_are_guessed_then_remembered_for_the_street(street: Street) -> None:
    house = where(houses(street.grid_building, 1)[0]).address()
    rows = [order(1, house, kind="城乡建设-物业管理-电梯故障"), order(2, house, kind="环境保护-噪声污染"),
            order(3, house, kind="其他事项")]
    batch = _upload(street.secretary, street, xlsx_export(rows))
    texts = {t.text: t for t in steps.category_texts(batch)}
    codes = dict(Category.objects.values_list("pk", "code"))
    assert codes[texts["城乡建设-物业管理-电梯故障"].category_id] == "property"  # 物业 before 电梯
    assert codes[texts["环境保护-噪声污染"].category_id] == "noise"
    assert texts["其他事项"].category_id is None and not texts["其他事项"].decided
    batch = _confirm(batch, street.secretary, 其他事项="other")
    assert HotlineCategory.objects.get(path=_street(street).path, text="其他事项").category.code == "other"
    # The next file: every text is known, nothing is asked.
    again = _upload(street.secretary, street, xlsx_export([order(4, house, kind="其他事项")]))
    assert again.status == HotlineStatus.PREVIEW
    assert codes[_rows(again)[3]["category"]] == "other"


def test_a_text_left_undecided_leaves_its_rows_needing_attention(street: Street) -> None:
    house = where(houses(street.grid_building, 1)[0]).address()
    batch = _upload(street.secretary, street, xlsx_export([order(1, house, kind="奇怪的分类")]))
    batch = steps.do_hotline_set_mapping(batch, acting_user=street.secretary, columns=steps.columns_of(batch),
                                         categories={"奇怪的分类": None})
    assert batch.status == HotlineStatus.PREVIEW
    assert _codes(_rows(batch)[3]) == ["category_unmapped"]
    assert not HotlineCategory.objects.filter(text="奇怪的分类").exists()


# --- addresses ------------------------------------------------------------------------------------------

def test_addresses_are_matched_however_they_are_written(street: Street) -> None:
    house = houses(street.grid_building, 3)[2]
    w = where(house)
    index = hotline.AddressIndex(_street(street))
    for text in [w.address(0), w.address(1), w.address(2), w.address(3),
                 f"{w.compound}{w.number}号楼{w.unit}{w.room}室",
                 f"上海市浦东新区明月街道{w.compound}{w.building}{w.unit}{w.room}室门口".translate(
                     str.maketrans("0123456789", "０１２３４５６７８９"))]:
        match = index.find(text)
        assert (match.place_id, match.exact) == (house.pk, True), text
    building = house.parent.parent
    compound = building.parent
    no_unit = index.find(f"{w.compound} {w.building}{w.room}")
    if building.children.count() > 1:  # room 201 is in every unit: the building, for the office to settle
        assert (no_unit.place_id, no_unit.exact) == (building.pk, False)
        assert "several units" in str(Bilingual.of(no_unit.problem, no_unit.params).en)
    else:
        assert (no_unit.place_id, no_unit.exact) == (house.pk, True)
    assert index.find(f"{w.compound}{w.building}楼道灯坏了").place_id == building.pk  # a public place
    assert index.find(f"{w.compound}东门垃圾堆积").place_id == compound.pk
    missing = index.find(f"{w.compound}{w.building}{w.unit}9999室")  # no such room: its unit, not exact
    assert missing.place_id == house.parent.pk and not missing.exact
    assert not index.find("火星小区1号楼101室").found


def test_a_lane_address_is_matched(street: Street) -> None:
    """Shanghai's lanes: "锦绣路123弄12号502" is compound 锦绣路123弄, building 12, room 502."""
    building = Place.objects.filter(level=PlaceLevel.BUILDING, units_count=1).order_by("path").first()
    assert building is not None  # the test street has single-stairwell buildings
    house = houses(building, 1)[0]
    Place.objects.filter(pk=building.parent_id).update(name="锦绣路123弄")
    number = building.name.removesuffix("号楼")
    match = hotline.AddressIndex(_street(street)).find(f"锦绣路１２３弄{number}号{house.number}")
    assert (match.place_id, match.exact) == (house.pk, True)


def test_an_unknown_house_goes_to_the_community_office_of_its_building(street: Street) -> None:
    w = where(houses(street.grid_building, 1)[0])
    batch = _confirm(_upload(street.secretary, street, xlsx_export(
        [order(1, f"{w.compound}{w.building}{w.unit}9999室"), order(2, "火星小区1号楼101室")])), street.secretary)
    office, lost = _rows(batch)[3], _rows(batch)[4]
    assert office["status"] == steps.READY and office["office"] and office["to"] == Level.COMMUNITY
    assert "9999" in office["office_why"]["zh"]
    assert lost["status"] == steps.ATTENTION and _codes(lost) == ["place_unmatched"] and lost["fix"]
    assert batch.count("office") == 1
    outcome = steps.do_hotline_commit(batch, acting_user=street.secretary)
    ticket = Ticket.objects.get(external_ref=office["ref"])
    assert ticket.level == Level.COMMUNITY and ticket.routing["code"] == "address_unmatched"
    assert ticket.place.level == PlaceLevel.UNIT and outcome.created == 1


def test_a_place_is_chosen_by_hand_or_the_row_skipped(street: Street) -> None:
    house = houses(street.grid_building, 2)[1]
    batch = _confirm(_upload(street.secretary, street, xlsx_export(
        [order(1, "火星小区1号楼101室"), order(2, "不知道在哪里")])), street.secretary)
    assert batch.count(steps.READY) == 0
    batch = steps.do_hotline_choose(batch, acting_user=street.secretary,
                                    choices={3: steps.Choice(place=house), 4: steps.Choice(skip=True)})
    rows = _rows(batch)
    assert rows[3]["status"] == steps.READY and rows[3]["chosen"] and rows[3]["place"] == house.pk
    assert rows[4]["status"] == steps.SKIPPED
    assert batch.counts == {"rows": 2, "ready": 1, "attention": 0, "imported": 0, "skipped": 1, "office": 0}
    far = houses(street.far_building, 1)[0]
    with pytest.raises(Exception) as refused:
        steps.do_hotline_choose(batch, acting_user=street.secretary, choices={4: steps.Choice(place=far)})
    assert refused.value.code == "place_outside_scope"  # type: ignore[attr-defined]


# --- scope ------------------------------------------------------------------------------------------------

def test_rows_in_another_community_are_flagged_for_a_community_office(street: Street) -> None:
    mine, theirs = houses(street.grid_building, 1)[0], houses(street.far_building, 1)[0]
    data = xlsx_export([order(1, where(mine).address()), order(2, where(theirs).address())])
    batch = _confirm(_upload(street.secretary, street, data), street.secretary)
    rows = _rows(batch)
    assert rows[3]["status"] == steps.READY
    assert rows[4]["status"] == steps.ATTENTION and _codes(rows[4]) == ["place_outside_scope"]
    assert street.other_community.name in rows[4]["problems"][0]["zh"]
    steps.do_hotline_commit(batch, acting_user=street.secretary)
    assert not Ticket.objects.filter(place=theirs).exists()
    # The street office imports the same file: the first order is already in, the second is filed.
    officer = _upload(street.street_officer, street, data)
    assert [r["status"] for r in _rows(officer).values()] == [steps.IMPORTED, steps.READY]
    steps.do_hotline_commit(officer, acting_user=street.street_officer)
    assert Ticket.objects.get(place=theirs).source == Source.HOTLINE


def test_who_may_import(street: Street) -> None:
    data = xlsx_export([order(1, "玉兰苑1号楼1单元101室")])
    for user in (street.grid_worker, street.resident, street.volunteer, street.health_officer, street.outsider):
        assert not steps.streets_for(user).exists()
        with pytest.raises(actions.PermissionDenied):
            _upload(user, street, data)
    batch = _upload(street.secretary, street, data)
    assert not steps.batches_for(street.street_officer).filter(pk=batch.pk).exists()  # the author's only
    with pytest.raises(actions.PermissionDenied):
        steps.do_hotline_stop(batch, acting_user=street.street_officer)


# --- order numbers and times ---------------------------------------------------------------------------------

def test_order_numbers_twice_in_the_file_or_already_imported(street: Street) -> None:
    where_ = where(houses(street.grid_building, 1)[0]).address()
    data = xlsx_export([order(1, where_), order(2, where_, ref="20261203000001"), order(3, where_, ref=""),
                        order(4, where_, ref=2026120300012345.0)])
    batch = _confirm(_upload(street.secretary, street, data), street.secretary)
    rows = _rows(batch)
    assert rows[3]["status"] == steps.READY
    assert _codes(rows[4]) == ["ref_twice"] and "3" in rows[4]["problems"][0]["en"]
    assert _codes(rows[5]) == ["ref_missing"]
    assert _codes(rows[6]) == ["ref_damaged"]  # 16 digits in a number cell: Excel lost some
    steps.do_hotline_commit(batch, acting_user=street.secretary)
    again = _upload(street.secretary, street, data)
    assert _rows(again)[3]["status"] == steps.IMPORTED and again.count(steps.READY) == 0
    with pytest.raises(Exception) as refused:
        steps.do_hotline_commit(again, acting_user=street.secretary)
    assert refused.value.code == "nothing_ready"  # type: ignore[attr-defined]
    assert Ticket.objects.filter(external_ref="20261203000001").count() == 1


def test_times_as_the_hotline_writes_them(street: Street) -> None:
    place = where(houses(street.grid_building, 1)[0]).address()
    now = timezone.localtime()
    yesterday = (now - datetime.timedelta(days=1)).replace(hour=9, minute=15, second=0, microsecond=0)
    serial = (yesterday.replace(tzinfo=None) - datetime.datetime(1899, 12, 30)).total_seconds() / 86400  # noqa: DTZ001
    cases = {
        3: yesterday.strftime("%Y/%m/%d %H:%M"), 4: yesterday.strftime("%Y-%m-%d %H:%M:%S"), 5: serial,
        6: f"{yesterday.year}年{yesterday.month}月{yesterday.day}日", 7: "下周一", 8: "2026-02-30 10:00",
        9: (now + datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M"), 10: "1970-01-01 08:00", 11: "",
    }
    data = xlsx_export([order(n, place, at=at) for n, at in cases.items()])
    rows = _rows(_confirm(_upload(street.secretary, street, data), street.secretary))
    for n in (3, 4, 5):
        assert datetime.datetime.fromisoformat(rows[n]["at"]) == yesterday, n
    assert datetime.datetime.fromisoformat(rows[6]["at"]) == yesterday.replace(hour=0, minute=0)
    assert _codes(rows[7]) == ["datetime_format"] and _codes(rows[8]) == ["date_invalid"]
    assert _codes(rows[9]) == ["created_at_future"] and _codes(rows[10]) == ["created_at_invalid"]
    assert _codes(rows[11]) == ["created_at_missing"]
    assert "2026-02-30" in rows[8]["problems"][0]["zh"]


def test_the_call_time_starts_the_limits_and_the_hotline_deadline_counts(street: Street) -> None:
    house = houses(street.grid_building, 1)[0]
    called = (timezone.localtime() - datetime.timedelta(days=3)).replace(second=0, microsecond=0, tzinfo=None)
    due = called + datetime.timedelta(hours=3)
    data = xlsx_export([order(1, where(house).address(), at=called, due=due.strftime("%Y-%m-%d %H:%M")),
                        order(2, where(house).address(), at=called, due="3个工作日"),
                        order(3, where(house).address(), at=called, due="明天吧"),
                        order(4, where(house).address(), at=called, due=5)])  # days? working days? hours?
    batch = _confirm(_upload(street.secretary, street, data), street.secretary)
    assert _codes(_rows(batch)[5]) == ["due_by_format"] and _codes(_rows(batch)[6]) == ["due_by_format"]
    steps.do_hotline_commit(batch, acting_user=street.secretary)
    first, second = (Ticket.objects.get(external_ref=f"2026120300{n:04d}") for n in (1, 2))
    shanghai = hotline.HOTLINE_TZ
    assert first.created_at == called.replace(tzinfo=shanghai)
    assert first.resolve_by == due.replace(tzinfo=shanghai)  # earlier than the catalogue's 24 working hours
    assert first.respond_by <= first.resolve_by
    assert first.overdue is False and first.source == Source.HOTLINE
    catalogue = actions._limits(first.category, first.created_at)[1]
    assert second.resolve_by == catalogue  # 3 working days is later than the catalogue's limit: it stays


def test_callers_phones_are_stored_sealed_and_masked_phones_left_out(street: Street) -> None:
    place = where(houses(street.grid_building, 1)[0]).address()
    data = xlsx_export([order(1, place, phone=13912345678), order(2, place, phone="139****5678")])
    batch = _confirm(_upload(street.secretary, street, data), street.secretary)
    assert [n["code"] for n in _rows(batch)[4]["notes"]] == ["phone_dropped"]
    steps.do_hotline_commit(batch, acting_user=street.secretary)
    ticket = Ticket.objects.get(external_ref="20261203000001")
    assert ticket.contact_phone == "+8613912345678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM tickets_ticket WHERE id = %s", [ticket.pk])
        stored = cursor.fetchone()[0]
    assert "13912345678" not in stored
    assert Ticket.objects.get(external_ref="20261203000002").contact_phone == ""


# --- the file ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-16"])
def test_csv_exports_in_every_encoding(street: Street, encoding: str) -> None:
    house = houses(street.grid_building, 1)[0]
    at = (timezone.localtime() - datetime.timedelta(hours=2)).replace(tzinfo=None, second=0, microsecond=0)
    data = csv_export([order(1, where(house).address(3), at=at, text="楼道里堆满杂物，消防通道被堵")],
                      encoding=encoding)
    batch = _confirm(_upload(street.secretary, street, data, name="工单.csv"), street.secretary)
    row = _rows(batch)[2]
    assert row["status"] == steps.READY and row["place"] == house.pk
    assert row["summary"] == "楼道里堆满杂物，消防通道被堵"  # full-width punctuation kept: no NFKC on words


def test_a_workbook_bomb_is_refused_before_it_is_read(street: Street) -> None:
    """A header row and one cell at XFD300000: the imports app's reader refuses it."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, HEADERS)
    sheet.write_string(299_999, 16_383, "x")
    book.close()
    with pytest.raises(ImportFileError) as refused:
        _upload(street.secretary, street, buffer.getvalue())
    assert refused.value.code in {"file_too_big_to_read", "file_too_wide"}
    assert not HotlineBatch.objects.exists()


def test_files_that_are_not_hotline_exports_are_refused(street: Street, settings: Any) -> None:
    with pytest.raises(ImportFileError) as refused:
        _upload(street.secretary, street, xlsx_export([["张三", "1"]], headers=["姓名", "编号"]))
    assert refused.value.code == "no_header"
    with pytest.raises(ImportFileError) as refused:
        _upload(street.secretary, street, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="工单.xlsx")
    assert refused.value.code == "file_not_workbook"
    settings.LINLI_HOTLINE_MAX_BYTES = 1000
    with pytest.raises(ImportFileError) as refused:
        _upload(street.secretary, street, xlsx_export([order(n, "玉兰苑") for n in range(3)]))
    assert refused.value.code == "file_too_large"
    settings.LINLI_HOTLINE_MAX_BYTES = 10 * 1024 * 1024
    settings.LINLI_HOTLINE_MAX_ROWS = 2
    with pytest.raises(ImportFileError) as refused:
        _upload(street.secretary, street, xlsx_export([order(n, "玉兰苑") for n in range(3)]))
    assert refused.value.code == "file_too_many_rows"


# --- the import -----------------------------------------------------------------------------------------------

def test_the_import_is_all_or_nothing(street: Street, monkeypatch: pytest.MonkeyPatch) -> None:
    hs = houses(street.grid_building, 3)
    batch = _confirm(_upload(street.secretary, street, xlsx_export(
        [order(n + 1, where(h).address(n)) for n, h in enumerate(hs)])), street.secretary)
    assert batch.count(steps.READY) == 3
    real = actions.do_submit
    calls: list[str] = []

    def failing(data: actions.NewTicket, **kwargs: Any) -> Ticket:
        calls.append(data.external_ref)
        if len(calls) == 3:
            raise actions._field_error("place", "这里出了问题", "boom")
        return real(data, **kwargs)

    monkeypatch.setattr(actions, "do_submit", failing)
    before = AuditEvent.objects.count()
    with pytest.raises(Exception) as refused:
        steps.do_hotline_commit(batch, acting_user=street.secretary)
    assert refused.value.code == "row_failed"  # type: ignore[attr-defined]
    assert "Nothing was imported" in str(refused.value.messages[0]) or "均未导入" in str(refused.value.messages[0])
    assert not Ticket.objects.filter(source=Source.HOTLINE, external_ref__startswith="2026120300").exists()
    assert AuditEvent.objects.count() == before  # no audit row for what was rolled back
    batch.refresh_from_db()
    assert batch.status == HotlineStatus.PREVIEW and batch.content
    monkeypatch.setattr(actions, "do_submit", real)
    outcome = steps.do_hotline_commit(batch, acting_user=street.secretary)
    assert outcome.created == 3 and outcome.batch.status == HotlineStatus.COMMITTED
    assert not outcome.batch.content  # the file is deleted
    assert all("name" not in r and "address" not in r for r in steps.preview_rows(outcome.batch))
    assert {r["number"] for r in steps.preview_rows(outcome.batch)} == set(
        Ticket.objects.filter(external_ref__startswith="2026120300").values_list("number", flat=True))
    assert AuditEvent.objects.filter(action="tickets.hotline_commit").count() == 1
    assert AuditEvent.objects.filter(action="tickets.submit", actor=street.secretary).count() >= 3


def test_a_preview_that_changed_is_not_imported(street: Street) -> None:
    house = houses(street.grid_building, 2)
    batch = _confirm(_upload(street.secretary, street, xlsx_export(
        [order(1, where(house[0]).address()), order(2, where(house[1]).address())])), street.secretary)
    seen = batch.fingerprint
    # meanwhile the first order is filed by hand from the phone call
    actions.do_submit(actions.NewTicket(category=Category.objects.get(code="repair-water"), place=house[0],
                                        description="楼上漏水，天花板渗水", source=Source.HOTLINE,
                                        external_ref="20261203000001"), acting_user=street.grid_worker)
    outcome = steps.do_hotline_commit(batch, acting_user=street.secretary, fingerprint=seen)
    assert outcome.changed and outcome.created == 0
    assert outcome.batch.count(steps.IMPORTED) == 1 and outcome.batch.fingerprint != seen
    outcome = steps.do_hotline_commit(outcome.batch, acting_user=street.secretary,
                                      fingerprint=outcome.batch.fingerprint)
    assert outcome.created == 1


def test_two_thousand_orders_are_checked_and_filed(street: Street) -> None:
    """A synchronous import of 2,000 orders, all filed (benchmarks/hotline.py measures its time)."""
    hs = list(Place.objects.filter(path__startswith=street.community.path, level=PlaceLevel.HOUSE)
              .order_by("path")[:400])
    kinds = ["城乡建设-房屋漏水", "环境保护-噪声污染", "市容环卫-垃圾清运", "城乡建设-物业管理", "其他事项"]
    data = xlsx_export([order(n + 1, where(hs[n % len(hs)]).address(n), kind=kinds[n % len(kinds)],
                              ref=f"B{n:06d}") for n in range(2000)])
    batch = _confirm(_upload(street.secretary, street, data), street.secretary, 其他事项="other")
    assert batch.count(steps.READY) == 2000
    outcome = steps.do_hotline_commit(batch, acting_user=street.secretary)
    assert outcome.created == 2000


def test_the_demos_sample_export_shows_every_kind_of_row(street: Street, tmp_path: Any) -> None:
    from django.core.management import call_command

    path = tmp_path / "12345.xlsx"
    call_command("hotline_sample", str(path), orders=16, stdout=io.StringIO())
    batch = _confirm(_upload(street.street_officer, street, path.read_bytes()), street.street_officer,
                     其他事项="other")
    codes = {c for row in _rows(batch).values() for c in _codes(row)}
    assert {"place_unmatched", "ref_twice", "date_invalid"} <= codes
    assert batch.count("office") == 1 and batch.count(steps.READY) >= 10
    assert any(n["code"] == "phone_dropped" for row in _rows(batch).values() for n in row["notes"])


def test_a_hotline_order_number_is_looked_up_in_its_index(db: Any) -> None:
    """The unique index on order numbers is partial (numbers only); a lookup that does not
    repeat its condition reads every request (on SQLite: a whole year's, per order filed)."""
    from django.db import connection

    from linli.tickets.models import Ticket

    sql, params = Ticket.with_hotline_order().filter(external_ref="12345-1").query.sql_with_params()
    # The index's own condition is in the lookup, on every database.
    assert 'NOT ("tickets_ticket"."external_ref" = ' in sql
    if connection.vendor == "sqlite":  # PostgreSQL picks its plan from statistics; SQLite must use the index
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "ticket_external_ref_once" in plan
