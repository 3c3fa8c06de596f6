"""Test results from a laboratory's CSV: matched by ID number in the importer's area, all or nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.health import labs
from linli.health.models import HealthStatus, LabResult
from linli.ledger import log
from linli.people.models import Person

HEADER = "身份证号,姓名,采样日期,检测类型,检测结果,样本编号,检测机构\n"


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> Any:
    settings.LINLI_CHECKIN_DEADLINE_HOUR = 24
    log.forget_tree()
    yield
    log.forget_tree()


def _people(street: Any, n: int = 2) -> list[Person]:
    return list(Person.objects.filter(path__startswith=street.grid_building.path).exclude(id_number="")
                .order_by("pk")[:n])


def _csv(lines: list[str], encoding: str = "utf-8") -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode(encoding)


def _upload(client: Any, data: bytes) -> Any:
    return client.post("/health/tests/import/", {"file": SimpleUploadedFile("lab.csv", data), "lab": ""})


def test_a_gb18030_file_is_imported_once_and_a_positive_turns_red(street, django_capture_on_commit_callbacks):
    first, second = _people(street)
    # sampled yesterday: a positive counts toward the code only while it is recent
    day = timezone.localdate() - datetime.timedelta(days=1)
    data = _csv([f"{first.id_number},{first.name},{day.year}年{day.month}月{day.day}日,核酸,阳性,S-1,区疾控",
                 f"{second.id_number},{second.name},{day:%Y/%m/%d},抗原,阴性,S-2,区疾控"], "gb18030")
    client = street.client_for(street.health_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, data)
    assert response.status_code == 302
    assert LabResult.objects.filter(sample_ref__in=["S-1", "S-2"]).count() == 2
    assert HealthStatus.objects.get(person=first).colour == "red"
    again = _upload(client, data)
    assert again.status_code == 302 and LabResult.objects.filter(sample_ref__in=["S-1", "S-2"]).count() == 2


@pytest.mark.parametrize(("line", "column"), [
    ("110101192301050018,某人,2026-11-20,核酸,阴性,S-9,", "id_number"),  # bad check digit
    ("{id},某人,明天,核酸,阴性,S-9,", "sampled_on"),
    ("{id},某人,2026-11-20,血清,阴性,S-9,", "kind"),
    ("{id},某人,2026-11-20,核酸,可疑,S-9,", "outcome"),
    ("{id},某人,2026-11-20,核酸,阴性,,", "sample_ref"),
])
def test_a_bad_row_is_reported_and_nothing_is_imported(street, line, column):
    person = _people(street, 1)[0]
    good = f"{person.id_number},{person.name},2026-11-20,核酸,阴性,S-8,区疾控"
    parsed = labs.parse(_csv([good, line.format(id=person.id_number)]))
    assert [(p.row, p.column) for p in parsed.problems] == [(3, column)]
    assert parsed.problems[0].message["zh"] and parsed.problems[0].message["en"]
    response = _upload(street.client_for(street.health_officer), _csv([good, line.format(id=person.id_number)]))
    assert response.status_code == 422 and not LabResult.objects.filter(sample_ref="S-8").exists()


def test_someone_outside_the_area_is_refused(street):
    far = Person.objects.filter(path__startswith=street.far_building.path).exclude(id_number="").first()
    assert far is not None
    parsed = labs.parse(_csv([f"{far.id_number},{far.name},2026-11-20,核酸,阴性,S-7,区疾控"]))
    assert not parsed.problems
    with pytest.raises(ValidationError) as info:
        labs.do_import(parsed, acting_user=street.grid_worker)
    assert [e.code for e in info.value.error_list] == ["unknown_person"]
    assert not LabResult.objects.filter(sample_ref="S-7").exists()


def test_a_semicolon_separated_utf16_file_is_read(street):
    """Excel's "Unicode text" (UTF-16 with a byte-order mark) was refused; a ; separator too."""
    first, second = _people(street)
    text = (HEADER.replace(",", ";") + f"{first.id_number};{first.name};2026-11-20;核酸;阴性;\"S-1;a\";区疾控,一部\n"
            f"{second.id_number};{second.name};2026-11-20;核酸;阴性;S-2;区疾控\n")
    parsed = labs.parse(text.encode("utf-16"))
    assert not parsed.problems
    assert [(r["sample_ref"], r["lab"]) for r in parsed.rows] == [("S-1;a", "区疾控,一部"), ("S-2", "区疾控")]


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n\x00\x00", "姓名,电话\n张三,1\n".encode()])
def test_files_that_are_not_lab_results_are_explained(data):
    parsed = labs.parse(data)
    assert parsed.problems and parsed.problems[0].row == 0 and parsed.problems[0].message["zh"]


def test_only_health_staff_import(street):
    assert street.client_for(street.grid_worker).get("/health/tests/import/").status_code in (403, 404)
    assert street.client_for(street.health_officer).get("/health/tests/import/").status_code == 200


def test_a_file_beyond_the_row_limit_is_refused_whole(street, monkeypatch):
    monkeypatch.setattr(labs, "MAX_ROWS", 3)
    person = _people(street, 1)[0]
    lines = [f"{person.id_number},{person.name},2026-11-20,核酸,阴性,S-{n},区疾控" for n in range(8)]
    for count in (4, 8):  # beyond the data rows allowed; beyond the lines read at all
        [problem] = labs.parse(_csv(lines[:count])).problems
        assert problem.message["zh"] and "split" in problem.message["en"]
    response = _upload(street.client_for(street.health_officer), _csv(lines))
    assert response.status_code in (200, 422) and not LabResult.objects.exists()


def test_a_file_over_10_mb_is_refused_with_a_message(street):
    client = street.client_for(street.health_officer)
    client.cookies["django_language"] = "en"
    response = _upload(client, _csv(["1" * 1000] * 11_000))
    assert response.status_code in (200, 422)
    assert "larger than 10 MB" in response.content.decode() and not LabResult.objects.exists()
