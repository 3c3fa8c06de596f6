"""``linli import people FILE --scope CODE --user NAME``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.imports.models import BatchStatus, ImportBatch
from linli.imports.tests.helpers import address_of, make_id, person_row, xlsx_bytes
from linli.people.models import Person
from linli.places.models import Level, Place


def _where(street: Any) -> Any:
    house = Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE).order_by("path")[0]
    return address_of(house)


def _file(tmp_path: Path, rows: list[list[Any]], **kwargs: Any) -> Path:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(rows, **kwargs))
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, "--quiet", stdout=out)
    return out.getvalue()


def test_dry_run_then_commit(street, tmp_path):
    path = _file(tmp_path, [person_row(1, "甲", make_id(seq=31), "13800000031", _where(street)),
                            person_row(2, "乙", make_id(seq=33), "13800000033", _where(street))])
    before = Person.objects.count()
    out = run("people", str(path), "--scope", street.community.code, "--user", street.secretary.username)
    assert "new 2" in out and "新增 2" in out and "--commit" in out
    assert Person.objects.count() == before
    out = run("people", str(path), "--scope", street.community.code, "--user", street.secretary.username, "--commit")
    assert "2 created" in out and Person.objects.count() == before + 2


def test_rejected_rows_exit_1_and_are_listed(street, tmp_path):
    path = _file(tmp_path, [person_row(1, "甲", make_id(seq=35), "123", _where(street)),
                            person_row(2, "乙", make_id(seq=37), "", _where(street))])
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", "people", str(path), "--scope", street.community.code, "--user",
                     street.secretary.username, "--quiet", stdout=out)
    assert info.value.returncode == 1
    assert "居民!5 [联系电话] '123'" in out.getvalue() and "mobile" in out.getvalue()
    before = Person.objects.count()
    with pytest.raises(CommandError) as info:
        call_command("import", "people", str(path), "--scope", street.community.code, "--user",
                     street.secretary.username, "--commit", "--quiet", stdout=io.StringIO())
    assert info.value.returncode == 1 and Person.objects.count() == before
    out_text = run("people", str(path), "--scope", street.community.code, "--user", street.secretary.username,
                   "--commit", "--allow-rejected")
    assert "1 created" in out_text and Person.objects.count() == before + 1


def test_matches_need_on_match(street, tmp_path):
    known = street.person_in(street.grid_building)
    path = _file(tmp_path, [person_row(1, known.name, known.id_number, "13800000039", _where(street))])
    with pytest.raises(CommandError) as info:
        call_command("import", "people", str(path), "--scope", street.community.code, "--user",
                     street.secretary.username, "--commit", "--quiet", stdout=io.StringIO())
    assert info.value.returncode == 2 and "merge" in str(info.value)
    out = run("people", str(path), "--scope", street.community.code, "--user", street.secretary.username,
              "--commit", "--on-match", "merge")
    assert "1 updated" in out
    assert Person.objects.get(pk=known.pk).phone == "+8613800000039"


def test_map_option_fixes_an_unknown_header(street, tmp_path):
    headers = ["姓名", "证件", "楼", "单元", "房号", "小区", "备用电话"]
    where = _where(street)
    path = _file(tmp_path, [["甲", make_id(seq=41), where.building, where.unit, where.room, where.compound,
                             "13800000041"]], headers=headers, title=None, blank_rows_after_header=0)
    out = run("people", str(path), "--scope", street.community.code, "--user", street.secretary.username,
              "--map", "证件=id_number,G=phone", "--commit")
    assert "证件→id_number" in out and "备用电话→phone" in out
    person = Person.objects.get(name="甲", path__startswith=street.grid_building.path)
    assert person.id_number == make_id(seq=41) and person.phone == "+8613800000041"


def test_bad_arguments_and_files(street, tmp_path):
    with pytest.raises(CommandError, match="No active user"):
        run("people", "x.xlsx", "--scope", street.community.code, "--user", "nobody")
    with pytest.raises(CommandError, match="No place"):
        run("people", "x.xlsx", "--scope", "999", "--user", street.secretary.username)
    with pytest.raises(CommandError, match="Cannot read"):
        run("people", str(tmp_path / "missing.xlsx"), "--scope", street.community.code, "--user",
            street.secretary.username)
    fake = tmp_path / "photo.xlsx"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(CommandError, match="not a real Excel workbook"):
        run("people", str(fake), "--scope", street.community.code, "--user", street.secretary.username)
    with pytest.raises(CommandError, match="may not import"):
        run("people", str(fake), "--scope", street.other_community.code, "--user", street.grid_worker.username)


def test_progress_bar_is_drawn(street, tmp_path, capsys):
    path = _file(tmp_path, [person_row(1, "甲", make_id(seq=43), "", _where(street))])
    call_command("import", "people", str(path), "--scope", street.community.code, "--user",
                 street.secretary.username, stdout=io.StringIO())
    assert "checking" in capsys.readouterr().err
    assert ImportBatch.objects.get().status == BatchStatus.READY
