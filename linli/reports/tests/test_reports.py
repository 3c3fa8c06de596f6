from __future__ import annotations

import datetime
import io
import re
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.ledger import log
from linli.ledger.models import LedgerEntry
from linli.people.models import Person
from linli.places.models import Level, Place
from linli.reports import sheet
from linli.reports.actions import do_generate_all_reports, do_generate_report
from linli.reports.models import ReportRun, ReportTemplate
from linli.reports.spec import TemplateError, parse_spec


@pytest.fixture(autouse=True)
def fresh_ledger_cache():
    log.forget_tree()
    yield
    log.forget_tree()


def sheet_rows(content: bytes) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def template(code_part: str) -> ReportTemplate:
    return ReportTemplate.objects.get(code__contains=code_part)


def test_six_department_templates_ship(db):
    assert set(ReportTemplate.objects.values_list("department", flat=True)) == {
        "health", "cdc", "police", "civil_affairs", "women", "education"}


def test_civil_affairs_list_matches_the_registry(street):
    report = do_generate_report(template("civil"), scope=street.community, acting_user=street.secretary)
    rows = sheet_rows(report.content)
    assert rows[0][:3] == ["序号", "姓名", "性别"]
    expected = [p for p in Person.objects.filter(path__under=street.community.path)
                if set(p.special_groups) & {"alone_elder", "subsistence", "extreme_poverty", "disabled",
                                            "key_care", "meal_aid"}]
    assert report.rows == len(expected) > 0
    names = {r[1] for r in rows[1:] if isinstance(r[0], float)}
    assert {p.name for p in expected} <= names
    ids = {r[5] for r in rows[1:] if isinstance(r[0], float)}
    assert expected[0].id_number in ids or not expected[0].id_number  # civil affairs sees full IDs


def test_education_gets_masked_ids_and_only_school_age(street):
    report = do_generate_report(template("education"), scope=street.community, acting_user=street.secretary)
    rows = [r for r in sheet_rows(report.content)[1:] if isinstance(r[0], float)]
    assert rows and all(6 <= r[3] <= 17 for r in rows)
    assert all("*" in r[4] for r in rows if r[4])


def test_police_floating_population_full_ids_as_text(street):
    report = do_generate_report(template("police"), scope=street.community, acting_user=street.secretary)
    floating = Person.objects.filter(path__under=street.community.path, population_type__in=["floating", "foreign"])
    assert report.rows == floating.count()
    rows = [r for r in sheet_rows(report.content)[1:] if isinstance(r[0], float)]
    with_id = [r for r in rows if r[4]]
    assert with_id and all(isinstance(r[4], str) and len(r[4]) == 18 for r in with_id)


def test_the_womens_federation_gets_counts_per_compound_and_no_names(street):
    report = do_generate_report(template("women"), scope=street.community, acting_user=street.secretary)
    rows = sheet_rows(report.content)
    assert rows[0][:3] == ["小区", "妇女总数", "18—59岁妇女"] and len(rows[0]) == 12
    people = list(Person.objects.filter(path__under=street.community.path, is_active=True))
    today = timezone.localdate()
    women = [p for p in people if p.sex == "F" and p.birth_date and age_on(p.birth_date, today) >= 18]
    girls = [p for p in people if p.sex == "F" and p.birth_date and age_on(p.birth_date, today) <= 17]
    total = next(r for r in rows if r[0] == "合计")
    assert total[1] == len(women) > 0 and total[8] == len(girls)
    compounds = [r for r in rows[1:] if r[0] not in ("合计", "") and isinstance(r[1], float)]
    assert len(compounds) == Place.objects.filter(path__under=street.community.path, level="compound").count()
    assert sum(r[1] for r in compounds) == total[1]
    names = {p.name for p in people}
    assert not names & {cell for row in rows for cell in row if isinstance(cell, str)}


def age_on(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _epidemic(street: Any) -> tuple[Person, Person]:
    """An arrival from 武昌区 three days ago, and a close contact under an active order."""
    from linli.health import actions

    arrived, contact = Person.objects.filter(path__startswith=street.grid_building.path).order_by("pk")[:2]
    today = timezone.localdate()
    actions.do_register_arrival(arrived, acting_user=street.health_officer, origin_code="420106",
                                origin_name="武汉市武昌区", arrived_on=today - datetime.timedelta(days=3))
    actions.do_order_quarantine(contact, acting_user=street.health_officer, reason="close_contact", colour="red",
                                last_exposure=today - datetime.timedelta(days=2))
    actions.recompute([arrived.pk, contact.pk])
    return arrived, contact


PURPOSE = "疾控流调：核对密接人员名单"


def test_health_reports_read_the_epidemic_records(street):
    arrived, contact = _epidemic(street)
    health = do_generate_report(template("health"), scope=street.community, acting_user=street.health_officer,
                                purpose=PURPOSE)
    rows = [r for r in sheet_rows(health.content)[1:] if isinstance(r[0], float)]
    header = sheet_rows(health.content)[0]
    assert [r[1] for r in rows] == [arrived.name]
    row = dict(zip(header, rows[0], strict=False))
    assert row["来源地"] == "武汉市武昌区" and row["返回日期"] and row["健康状况"] in ("绿码", "黄码")

    cdc = do_generate_report(template("cdc"), scope=street.community, acting_user=street.health_officer,
                             purpose=PURPOSE)
    rows = [r for r in sheet_rows(cdc.content)[1:] if isinstance(r[0], float)]
    header = sheet_rows(cdc.content)[0]
    assert [r[1] for r in rows] == [contact.name] and cdc.notes == []
    row = dict(zip(header, rows[0], strict=False))
    assert row["接触类型"] == "密接" and row["健康状况"] == "红码（居家隔离中）"


def test_street_and_community_offices_get_health_reports_as_counts(street):
    """Before, a street officer's CDC report named every close contact with ID, phone and
    colour, with no purpose asked; now offices without a health role get counts per compound."""
    arrived, contact = _epidemic(street)
    for user, purpose in ((street.secretary, ""), (street.secretary, PURPOSE), (street.street_officer, PURPOSE),
                          (street.health_officer, "")):
        cdc = do_generate_report(template("cdc"), scope=street.community, acting_user=user, purpose=purpose)
        cells = [cell for row in sheet_rows(cdc.content) for cell in row]
        assert cdc.notes == ["health_counts"]
        assert contact.name not in cells and contact.id_number not in cells
        assert ["合计", 1.0] in [row[:2] for row in sheet_rows(cdc.content)]
    run = AuditEvent.objects.filter(action="report.generate").last()
    assert run.detail["mode"] == "health_counts" and run.path == street.community.path


def test_health_lists_name_people_only_with_a_purpose_which_is_audited(street):
    _epidemic(street)
    with pytest.raises(ValidationError):
        do_generate_report(template("cdc"), scope=street.community, acting_user=street.health_officer,
                           purpose="x")
    refused = AuditEvent.objects.filter(action="report.generate").last()
    assert (refused.outcome, refused.purpose, refused.detail["reason"]) == ("denied", "x", "purpose")
    do_generate_report(template("cdc"), scope=street.community, acting_user=street.health_officer,
                       purpose_code="epidemic_control", purpose="核对密接人员名单")
    event = AuditEvent.objects.filter(action="report.generate").last()
    assert event.purpose == "疫情防控：核对密接人员名单" and event.detail["mode"] == "health_list"
    assert event.detail["purpose_code"] == "epidemic_control"


def test_without_the_health_report_right_no_health_report_at_all(street):
    from linli.core.models import Role, RoleAssignment

    _epidemic(street)
    role = Role.objects.create(code="exporter", name="exporter", actions=["people.view", "people.export"])
    RoleAssignment.objects.create(user=street.outsider, role=role, place=street.community)
    for code in ("cdc", "health"):
        with pytest.raises(PermissionDenied):
            do_generate_report(template(code), scope=street.community, acting_user=street.outsider,
                               purpose=PURPOSE)
    assert AuditEvent.objects.filter(action="report.generate", outcome="denied").count() == 2
    # The other departments' reports still come, and the education list keeps its health column empty.
    names = {r.filename for r in do_generate_all_reports(scope=street.community, acting_user=street.outsider)}
    assert names and not any("密切接触" in n for n in names)


def test_generation_is_scoped_audited_and_in_the_ledger(street):
    before = LedgerEntry.objects.count()
    report = do_generate_report(template("women"), scope=street.community, acting_user=street.secretary)
    log.request_sequencing()
    assert AuditEvent.objects.filter(action="report.generate").latest("seq").detail["rows"] == report.rows
    entry = LedgerEntry.objects.latest("index")
    assert LedgerEntry.objects.count() == before + 1 and entry.entry_type == "report_submitted"
    assert ReportRun.objects.get().sha256 and report.run.rows == report.rows
    from linli.core.access import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_generate_report(template("women"), scope=street.other_community, acting_user=street.secretary)
    with pytest.raises(PermissionDenied):
        do_generate_report(template("women"), scope=street.community, acting_user=street.grid_worker)


def test_one_click_zip_and_page(street):
    client = street.client_for(street.secretary)
    page = client.get("/reports/")
    assert page.status_code == 200 and "返乡人员健康监测表" in page.content.decode()
    # made in the background (at once here: tasks run immediately in tests), then downloaded
    response = client.post("/reports/run/", {"scope": street.community.code, "template": "__all__"})
    assert response.status_code == 302 and response["Location"].startswith("/downloads/")
    response = client.get(response["Location"] + "file/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == ReportTemplate.objects.filter(active=True).count()
    assert client.post("/reports/run/", {"scope": street.other_community.code, "template": "__all__"}).status_code == 404
    assert street.client_for(street.grid_worker).get("/reports/").status_code == 404


def test_cli_generates_every_report(street, tmp_path):
    call_command("reports", "generate", "--all", "--scope", street.community.code, "--out", str(tmp_path),
                 "--user", street.secretary.username)
    assert len(list(tmp_path.glob("*.xlsx"))) == 6


@pytest.mark.parametrize("bad", [
    {}, {"columns": []}, {"columns": [{"header": "x", "field": "nope"}]},
    {"columns": [{"header": "x", "field": "name", "width": 500}]},
    {"columns": [{"header": "x", "field": "name"}], "filter": {"any_groups": ["unknown"]}},
    {"columns": [{"header": "x", "field": "name"}], "sort": ["salary"]},
])
def test_bad_template_definitions_are_explained(db, bad):
    with pytest.raises(TemplateError):
        parse_spec(bad)
    t = ReportTemplate(code="x", department="health", title="x", spec=bad)
    with pytest.raises(ValidationError):
        t.full_clean()


def test_editing_a_template_bumps_its_version(db):
    t = template("education")
    spec = dict(t.spec, sort=["name"])
    t.spec = spec
    t.save()
    assert ReportTemplate.objects.get(pk=t.pk).version == 2


def test_generate_all_for_the_whole_street(street):
    street_place = street.community.parent
    reports = do_generate_all_reports(scope=street_place, acting_user=street.street_officer)
    assert sum(r.rows for r in reports) > 0


@pytest.mark.parametrize("code_part", ["civil", "education", "police", "women"])
def test_a_report_costs_a_fixed_number_of_queries(street, django_assert_max_num_queries, code_part):
    """Sealed fields a report does not show are not loaded: reading one later would cost a
    query per row, which this bound catches."""
    with django_assert_max_num_queries(40):
        report = do_generate_report(template(code_part), scope=street.community.parent, acting_user=street.street_officer)
    assert report.rows > 0


def test_all_reports_written_in_worker_processes_match_the_ones_written_here(street, settings, monkeypatch):
    from linli.reports import engine

    def cells(content: bytes) -> list[list]:  # without the footer, which holds the minute it was made
        return [row for row in sheet_rows(content) if "生成时间" not in str(row[0])]

    street_place = street.community.parent
    here = {r.filename: cells(r.content) for r in do_generate_all_reports(scope=street_place, acting_user=street.street_officer)}
    monkeypatch.setattr(engine, "PARALLEL_ROWS", 0)
    settings.LINLI_REPORT_WRITERS = 2
    runs = ReportRun.objects.count()
    workers = do_generate_all_reports(scope=street_place, acting_user=street.street_officer)
    assert {r.filename: cells(r.content) for r in workers} == here
    assert ReportRun.objects.count() == runs + len(workers)  # each one audited and recorded


@pytest.mark.skipif(sheet.rust_xlsx is None, reason="no rust_xlsxwriter wheel for this platform")
def test_both_writers_make_the_same_workbooks(street, monkeypatch):
    """rust_xlsxwriter where it is installed, XlsxWriter elsewhere: every sheet of every report
    holds the same cells, and the same group rows are merged (decision 0052)."""
    def workbooks() -> dict[str, dict[str, list[list]]]:
        made = do_generate_all_reports(scope=street.community.parent, acting_user=street.street_officer)
        books = {}
        for report in made:
            book = CalamineWorkbook.from_filelike(io.BytesIO(report.content))
            books[report.filename] = {name: [row for row in book.get_sheet_by_name(name).to_python()
                                             if "生成时间" not in str(row[0])]  # the minute it was made
                                      for name in book.sheet_names}
        return books

    def merged(content: bytes) -> list[str]:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return re.findall(r'<mergeCell ref="([A-Z0-9:]+)"', archive.read("xl/worksheets/sheet1.xml").decode())

    def cells(content: bytes) -> dict[str, list[list]]:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}

    rust = workbooks()
    assert len(rust) >= 6
    monkeypatch.setattr(sheet, "rust_xlsx", None)
    assert workbooks() == rust
    listing = sheet.ListSheet("名单", [("序号", 6), ("姓名", 10), ("出生日期", 12)], footer="范围 & 时间",
                              summary_label="楼栋")
    listing.lines += [("group", "1号楼"), ("row", [1, "张三", datetime.date(1950, 1, 2)]), ("group", ""),
                      ("row", [2, "0123", None])]
    python_file = sheet.write_list(listing)
    monkeypatch.undo()
    assert merged(sheet.write_list(listing)) == merged(python_file) == ["A2:C2", "A4:C4"]
    assert cells(sheet.write_list(listing)) == cells(python_file)
    assert cells(python_file)["汇总"] == [["楼栋", "人数"], ["1号楼", 1.0], ["—", 1.0]]


def test_counting_in_the_database_and_here_agree(street):
    from linli.reports import engine

    spec = parse_spec(template("women").spec)
    people = engine.select_people(street.street_officer, street.community.parent, spec, timezone.localdate())
    in_sql = engine.count_rows(people, spec, timezone.localdate())
    here = engine._count_here(people, spec, timezone.localdate())
    by_name = {row[0]: row[1:] for row in in_sql}
    names = Place.objects.filter(path__in=list(here)).values_list("path", "name")
    assert {name: here[path] for path, name in names} == {k: v for k, v in by_name.items() if k != "合计"}
    assert sum(row[1] for row in in_sql[:-1]) == in_sql[-1][1] > 0


def test_counts_are_made_here_when_the_level_s_paths_differ_in_length(street, monkeypatch):
    """Grouping by a prefix of the path in SQL holds only when every place of the level has a
    path of the same length; one shorter code and the counting is done here."""
    from linli.reports import engine

    spec = parse_spec(template("women").spec)
    people = engine.select_people(street.street_officer, street.community.parent, spec, timezone.localdate())
    made_here: list[int] = []
    real = engine._count_here

    def counting_here(*args: object) -> dict[str, list[int]]:
        made_here.append(1)
        return real(*args)

    monkeypatch.setattr(engine, "_count_here", counting_here)
    engine.count_rows(people, spec, timezone.localdate())
    assert not made_here  # the test street's codes are all of full width
    compound = Place.objects.filter(level=Level.COMPOUND).order_by("path").last()
    # sorts after every other compound: the check must not look at the first two paths only
    short = Place.objects.create(parent=compound.parent, level=Level.COMPOUND, element_type=compound.element_type,
                                 code=compound.parent.code + "99", name="短编码小区")  # a digit short
    assert short.path > compound.path and len(short.path) == len(compound.path) - 1
    assert len({len(p) for p in Place.objects.filter(level=Level.COMPOUND).values_list("path", flat=True)}) == 2
    engine.count_rows(people, spec, timezone.localdate())
    assert made_here


def test_whether_an_area_holds_enough_people_for_the_writers_reads_no_more_than_that(street):
    from linli.reports import engine

    people = Person.objects.filter(path__under=street.community.parent.path, is_active=True)
    total = people.count()
    assert engine._holds_at_least(people, total) and not engine._holds_at_least(people, total + 1)
    assert engine._holds_at_least(people, 0) and engine._holds_at_least(people.none(), 0)


def test_when_the_writer_processes_die_the_files_are_written_here(street, settings, monkeypatch):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from linli.reports import engine

    class DeadPool:
        def __init__(self, **_: Any) -> None:
            pass

        def __enter__(self) -> DeadPool:
            return self

        def __exit__(self, *_: Any) -> None:
            pass

        def submit(self, *_: Any) -> Future:
            future: Future = Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future

    monkeypatch.setattr(engine, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(engine, "ProcessPoolExecutor", DeadPool)
    settings.LINLI_REPORT_WRITERS = 2
    reports = do_generate_all_reports(scope=street.community.parent, acting_user=street.street_officer)
    assert len(reports) == ReportTemplate.objects.filter(active=True).count()
    assert all(sheet_rows(r.content)[0] for r in reports)


def test_the_page_says_what_the_reports_save_and_what_to_do(street):
    """The "cells saved" banner read: 少填 N 个单元格, with figures nobody could place."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    from linli.reports.actions import may_make
    from linli.reports.engine import cells_saved

    html = street.client_for(street.secretary).get("/reports/").content.decode()
    banner = html.split('id="reports-help"')[1].split("</p>")[0]
    listed = [t for t, _rows, _cells in cells_saved(street.secretary, street.community, timezone.localdate()).templates
              if may_make(street.secretary, t, street.community)]
    typed = sum(c for t, _r, c in cells_saved(street.secretary, street.community, timezone.localdate()).templates
                if t in listed)
    assert f"以下 {len(listed)} 份报表直接用本辖区已登记的信息自动填好" in banner
    assert f"{intcomma(typed)} 个单元格" in banner
    assert "“生成”" in banner and "生成全部报表" in banner  # what to press
    assert "少填" not in html and "alert-success" not in banner.split(">")[0]
