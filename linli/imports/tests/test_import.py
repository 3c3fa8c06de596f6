"""Dry run, matching, merge or skip, all-or-nothing commit and scope, on the test street."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.imports import actions
from linli.imports.commit import Writer
from linli.imports.models import BatchStatus, ImportBatch, ImportRow
from linli.imports.reading import ImportFileError
from linli.imports.tests.helpers import (
    Address,
    address_of,
    csv_bytes,
    make_id,
    person_row,
    xlsx_bytes,
)
from linli.ledger.models import Payload, PendingEntry
from linli.people import actions as people_actions
from linli.people.actions import PersonInput
from linli.people.models import Household, Person, PopulationType, Relation, Residence, SpecialGroup
from linli.places.models import Level, Place


def houses(building: Place, n: int) -> list[Place]:
    return list(Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path")[:n])


def dry_run(user: Any, area: Place, data: bytes, name: str = "名单.xlsx") -> ImportBatch:
    batch = actions.do_upload(acting_user=user, area=area, file_name=name, data=data)
    mappings = {layout.name: layout.mapping for layout in actions.layouts_of(batch)}
    actions.do_set_mapping(batch, mappings, acting_user=user)
    actions.start_dry_run(batch, acting_user=user)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY, batch.error
    return batch


def problems(batch: ImportBatch) -> dict[int, list[str]]:
    """Excel row number → error codes."""
    found: dict[int, list[str]] = {}
    for row in batch.rows.filter(status="rejected"):
        found.setdefault(row.row_number, []).extend(e["code"] for e in row.detail["errors"])
    return found


def commit(batch: ImportBatch, user: Any, **decision: Any) -> ImportBatch:
    actions.start_commit(batch, acting_user=user, **decision)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def messy(street: Any) -> dict[str, Any]:
    """A realistic roster for the first community: good rows, bad rows, duplicates, matches."""
    h1, h2, h3 = houses(street.grid_building, 3)
    a1, a2 = address_of(h1), address_of(h2)
    known_by_id = street.person_in(street.other_grid_building)
    known_by_phone = Person.objects.filter(path__startswith=street.grid_building.path).exclude(phone="").exclude(
        pk=known_by_id.pk).order_by("pk").first()
    move_to = next(h for h in (h3, h1, h2) if h.pk != known_by_phone.current_house_id)
    loose = Address(f" {a1.compound}小区 ", a1.building.removesuffix("号楼"), a1.unit.removesuffix("单元"), f"{a1.room}室")
    rows = [
        person_row(1, " 张　三 ", make_id(seq=1), "１３８１２３４５６７８", loose, 与户主关系="户主", 人员类别="流动",
                   户籍地址="江苏省南通市", 居住关系="租客", 特殊群体="独居老人、低保", 政治面貌="中共党员",
                   入住日期=datetime.date(2025, 3, 1)),
        person_row(2, "李四", make_id(seq=3), "13912345678", a1, 与户主关系="子女", 入住日期="2026年1月5日"),
        None,  # a blank row in the middle
        person_row(3, "王五", 1.10101199003071e17, "13912345679", a2),
        person_row(4, "赵六", make_id(seq=5), "12345", a2),
        person_row(5, "孙七", make_id(seq=7), "13712345678", Address(a2.compound, "99", "1", "101")),
        person_row(6, "周八", make_id(seq=9), "13612345678", a2, 人员类别="未知"),
        person_row(7, "张三", make_id(seq=1), "13812345678", a2),  # the same ID as row 1
        person_row(8, known_by_id.name, known_by_id.id_number, "13512345678", address_of(known_by_id.current_house)),
        person_row(9, known_by_phone.name, "", known_by_phone.phone.removeprefix("+86"), address_of(move_to),
                   政治面貌="志愿者"),
    ]
    rows = [r if r is not None else [""] * len(rows[0]) for r in rows]
    return {"data": xlsx_bytes(rows), "h1": h1, "h2": h2, "h3": h3, "move_to": move_to, "known_by_id": known_by_id,
            "known_by_phone": known_by_phone}


def test_dry_run_report_of_a_messy_roster(street, messy):
    before = Person.objects.count()
    batch = dry_run(street.secretary, street.community, messy["data"])
    assert batch.counts["rows"] == 9
    assert (batch.counts["new"], batch.counts["matched"], batch.counts["rejected"]) == (2, 2, 5)
    # title in row 1, headers in row 3, a blank row 4: data starts in Excel row 5
    assert problems(batch) == {
        8: ["id_excel_float"], 9: ["phone_format"], 10: ["building_unknown"], 11: ["invalid_choice"],
        12: ["duplicate_in_file"],
    }
    assert Person.objects.count() == before  # a dry run writes nothing


def test_rejections_say_where_and_why_in_both_languages(street, messy):
    batch = dry_run(street.secretary, street.community, messy["data"])
    by_row = {r.row_number: r.detail["errors"][0] for r in batch.rows.filter(status="rejected")}
    damaged = by_row[8]
    assert damaged["column"] == "身份证号码" and damaged["value"] == "1.10101199003071E+17"
    assert "电子表格" in damaged["zh"] and "damaged by a spreadsheet" in damaged["en"]
    phone = by_row[9]
    assert phone["column"] == "联系电话" and phone["value"] == "12345"
    assert "手机" in phone["zh"] and "mobile" in phone["en"]
    assert by_row[10]["column"] == "楼号" and "has no building 99" in by_row[10]["en"]
    assert by_row[11]["value"] == "未知" and "流动" in by_row[11]["en"]
    assert "row 5 of sheet 居民" in by_row[12]["en"]
    assert by_row[12]["value"] == "310115********0012"  # a valid ID, shown masked
    assert all(e["zh"] for e in by_row.values())


def test_matches_by_id_and_by_name_and_phone_with_differences(street, messy):
    batch = dry_run(street.secretary, street.community, messy["data"])
    matched = {r.row_number: r for r in batch.rows.filter(status="matched")}
    by_id, by_phone = matched[13], matched[14]
    assert by_id.person == messy["known_by_id"] and by_id.detail["match"] == "id"
    assert {"field": "phone", "old": _masked(messy["known_by_id"].phone), "new": "135****5678"} in \
        by_id.detail["differences"]
    assert by_phone.person == messy["known_by_phone"] and by_phone.detail["match"] == "name_phone"
    fields = {d["field"] for d in by_phone.detail["differences"]}
    assert "community_roles" in fields and "address" in fields  # moves into another house, becomes a volunteer
    assert "name" not in fields and "phone" not in fields


def _masked(phone: str) -> str:
    national = phone.removeprefix("+86")
    return national[:3] + "****" + national[-4:]


def test_commit_with_merge(street, messy):
    batch = dry_run(street.secretary, street.community, messy["data"])
    before = Person.objects.count()
    batch = commit(batch, street.secretary, on_match="merge", allow_rejected=True)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert batch.counts["created"] == 2 and batch.counts["updated"] == 2
    assert Person.objects.count() == before + 2
    zhang = Person.objects.get(name="张三")  # the padding in " 张　三 " is not part of the name
    assert zhang.phone == "+8613812345678" and zhang.population_type == PopulationType.FLOATING
    assert zhang.special_groups == sorted([SpecialGroup.ALONE_ELDER, SpecialGroup.SUBSISTENCE])
    assert zhang.community_roles == ["party_member"] and zhang.current_house == messy["h1"]
    assert zhang.path == messy["h1"].path and zhang.id_hash and zhang.name_initials == "zs"
    residence = Residence.objects.get(person=zhang)
    assert residence.relation == Relation.TENANT and residence.moved_in == datetime.date(2025, 3, 1)
    assert residence.household == Household.objects.filter(house=messy["h1"]).order_by("pk").first()
    li = Residence.objects.get(person__name="李四")
    assert li.moved_in == datetime.date(2026, 1, 5) and li.relation_to_head == "子女"
    known = Person.objects.get(pk=messy["known_by_id"].pk)
    assert known.phone == "+8613512345678"
    moved = Person.objects.get(pk=messy["known_by_phone"].pk)
    assert moved.current_house == messy["move_to"] and "volunteer" in moved.community_roles
    assert Residence.objects.filter(person=moved, moved_out__isnull=False).exists()
    assert Residence.objects.filter(person=moved, house=messy["move_to"], moved_out__isnull=True).exists()
    assert ImportBatch.objects.get(pk=batch.pk).content == ""  # the uploaded file is deleted


def test_commit_skipping_matches_leaves_them_alone(street, messy):
    known = messy["known_by_id"]
    batch = commit(dry_run(street.secretary, street.community, messy["data"]), street.secretary,
                   on_match="skip", allow_rejected=True)
    assert batch.counts["created"] == 2 and batch.counts["skipped"] == 2 and batch.counts["updated"] == 0
    assert Person.objects.get(pk=known.pk).phone == known.phone


def test_commit_is_audited_and_in_the_ledger_without_personal_data(street, messy):
    batch = commit(dry_run(street.secretary, street.community, messy["data"]), street.secretary,
                   on_match="skip", allow_rejected=True)
    event = AuditEvent.objects.get(action="import.commit", object_id=str(batch.pk))
    assert event.detail["counts"]["created"] == 2 and event.actor == street.secretary
    entry = PendingEntry.objects.filter(party__name__endswith=f"community/{street.community.code}").latest("pk")
    payload = Payload.objects.get(submission_id=entry.submission_id).content
    assert payload == {"counts": payload["counts"], "file_sha256": batch.file_sha256, "scope": street.community.code}
    assert payload["counts"]["created"] == 2
    assert "张" not in str(payload) and make_id(seq=1) not in str(payload)


def test_commit_needs_a_decision(street, messy):
    batch = dry_run(street.secretary, street.community, messy["data"])
    with pytest.raises(actions.ImportRefused) as info:
        actions.start_commit(batch, acting_user=street.secretary, allow_rejected=True)
    assert info.value.code == "on_match_missing"
    with pytest.raises(actions.ImportRefused) as info:
        actions.start_commit(batch, acting_user=street.secretary, on_match="skip")
    assert info.value.code == "rejected_rows"
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.READY


def test_failure_midway_leaves_the_registry_as_it_was(street, messy, monkeypatch):
    batch = dry_run(street.secretary, street.community, messy["data"])
    counts = (Person.objects.count(), Residence.objects.count(), Household.objects.count(), PendingEntry.objects.count())
    known = Person.objects.get(pk=messy["known_by_id"].pk)

    def boom(self: Writer, rows: Any) -> None:
        raise RuntimeError("disk full")  # after the people were inserted, before their residences

    monkeypatch.setattr(Writer, "_prepare_households", boom)
    batch = commit(batch, street.secretary, on_match="merge", allow_rejected=True)
    assert batch.status == BatchStatus.FAILED
    assert "RuntimeError" in batch.error["en"] and batch.error["zh"]
    assert (Person.objects.count(), Residence.objects.count(), Household.objects.count(),
            PendingEntry.objects.count()) == counts
    assert Person.objects.get(pk=known.pk).phone == known.phone
    assert not AuditEvent.objects.filter(action="import.commit", object_id=str(batch.pk)).exists()
    monkeypatch.undo()
    batch = commit(batch, street.secretary, on_match="merge", allow_rejected=True)  # try again: it works
    assert batch.status == BatchStatus.COMMITTED and Person.objects.count() == counts[0] + 2


def test_registry_changed_after_the_dry_run(street, messy):
    batch = dry_run(street.secretary, street.community, messy["data"])
    people_actions.do_create_person(PersonInput(name="李四", id_number=make_id(seq=3)), acting_user=street.secretary,
                                    house=messy["h3"])
    batch = commit(batch, street.secretary, on_match="skip", allow_rejected=True)
    assert batch.status == BatchStatus.READY and batch.error["code"] == "stale"
    assert batch.counts["matched"] == 3 and batch.counts["new"] == 1  # the report shows what is true now


def test_new_household_is_headed_by_the_head(street):
    house = next(h for h in houses(street.grid_building, 40) if not Household.objects.filter(house=h).exists())
    where = address_of(house)
    data = xlsx_bytes([person_row(1, "钱一", make_id(seq=11), "", where, 与户主关系="配偶"),
                       person_row(2, "钱二", make_id(seq=13), "", where, 与户主关系="户主")])
    commit(dry_run(street.secretary, street.community, data), street.secretary)
    household = Household.objects.get(house=house)
    assert household.head.name == "钱二"
    assert Residence.objects.filter(household=household).count() == 2


def test_gb18030_csv_with_full_width_and_text_dates(street):
    where = address_of(houses(street.grid_building, 1)[0])
    rows = [["1", "吴\u3000九", make_id(seq=15).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
             " 138 1234 0000 ", where.compound, "１", "１", where.room, "户主", "户籍", "", "家庭成员", "", "",
             "2024/2/29"]]
    batch = dry_run(street.secretary, street.community, csv_bytes(rows, encoding="gb18030", title="花名册"),
                    name="名单.csv")
    assert batch.counts["new"] == 1 and batch.counts["rejected"] == 0
    commit(batch, street.secretary)
    person = Person.objects.get(id_hash=people_actions.search.id_hashes(make_id(seq=15))[0])
    assert person.name == "吴九" and person.phone == "+8613812340000"
    assert Residence.objects.get(person=person).moved_in == datetime.date(2024, 2, 29)


def test_a_person_whose_only_phone_is_a_landline_is_imported(street):
    """A landline made the whole person rejected; it is kept as a landline, with its extension."""
    first, second = houses(street.grid_building, 2)
    data = xlsx_bytes([person_row(1, "王䶮", make_id(seq=19), "021-58881234转801", address_of(first)),
                       person_row(2, "王二", make_id(seq=21), "(021)58881235", address_of(second))])
    batch = dry_run(street.secretary, street.community, data)
    assert batch.counts["new"] == 2 and batch.counts["rejected"] == 0
    commit(batch, street.secretary)
    wang = Person.objects.get(name="王䶮")
    assert wang.phone == "+862158881234;ext=801"
    assert Person.objects.get(name="王二").phone == "+862158881235"
    found = people_actions.search_people(street.secretary, "(021) 5888 1234")
    assert [p.name for p in found] == ["王䶮"]
    assert people_actions.person_card(wang, street.secretary, timezone.localdate()).phone_masked == "021-****1234"


def test_several_sheets_and_a_sheet_without_header(street):
    where = address_of(houses(street.grid_building, 1)[0])
    data = xlsx_bytes([person_row(1, "甲", make_id(seq=17), "", where)],
                      extra_sheets={"第二页": [person_row(2, "乙", make_id(seq=19), "", where)]})
    batch = dry_run(street.secretary, street.community, data)
    assert batch.counts["new"] == 2


# --- scope ------------------------------------------------------------------------------------

def test_grid_worker_imports_only_into_her_grid(street):
    mine, other = houses(street.grid_building, 1)[0], houses(street.other_grid_building, 1)[0]
    data = xlsx_bytes([person_row(1, "甲", make_id(seq=21), "", address_of(mine)),
                       person_row(2, "乙", make_id(seq=23), "", address_of(other))])
    batch = dry_run(street.grid_worker, street.community, data)
    assert problems(batch) == {6: ["house_outside_scope"]}
    reason = batch.rows.get(row_number=6).detail["errors"][0]
    assert "outside your area" in reason["en"]


def test_grid_worker_cannot_import_into_another_community(street):
    with pytest.raises(PermissionDenied):
        actions.do_upload(acting_user=street.grid_worker, area=street.other_community, file_name="a.xlsx",
                          data=xlsx_bytes([]))


def test_compound_of_another_community_is_named_as_outside(street):
    far = houses(street.far_building, 1)[0]
    batch = dry_run(street.secretary, street.community,
                    xlsx_bytes([person_row(1, "甲", make_id(seq=25), "", address_of(far))]))
    assert problems(batch) == {5: ["compound_outside_area"]}


def test_id_registered_outside_the_users_area_is_rejected_without_details(street):
    far_person = street.person_in(street.far_building)
    where = address_of(houses(street.grid_building, 1)[0])
    batch = dry_run(street.secretary, street.community,
                    xlsx_bytes([person_row(1, "某人", far_person.id_number, "", where)]))
    row = batch.rows.get()
    assert row.detail["errors"][0]["code"] == "id_not_here" and row.person is None
    assert far_person.name not in row.sealed


def test_someone_elses_batch_is_not_found(street, messy):
    batch = dry_run(street.secretary, street.community, messy["data"])
    assert not actions.batches_for(street.grid_worker).filter(pk=batch.pk).exists()


def test_upload_errors(street):
    with pytest.raises(ImportFileError) as info:
        actions.do_upload(acting_user=street.secretary, area=street.community, file_name="a.xlsx", data=b"")
    assert info.value.code == "file_empty"
    with pytest.raises(ImportFileError) as info:
        actions.do_upload(acting_user=street.secretary, area=street.community, file_name="a.xlsx",
                          data=xlsx_bytes([]))
    assert info.value.code == "no_rows"
    assert not ImportBatch.objects.exists()


def test_report_rows_are_sealed(street, messy):
    batch = dry_run(street.secretary, street.community, messy["data"])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed FROM imports_importrow WHERE batch_id = %s", [batch.pk])
        stored = " ".join(r[0] for r in cursor.fetchall())
    assert "1.10101199003071E+17" not in stored and "12345" not in stored
    assert ImportRow.objects.filter(batch=batch).count() == 7
