"""Uploads: every format through the worker's path, limits, broken files, pseudonyms,
masking, duplicates, the rumours hand-over and the purge."""

from __future__ import annotations

import datetime
import io
import sys
import types

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.opinion import actions
from linli.opinion.models import (
    ChatGroup,
    ChatMessage,
    DailyVolume,
    Demand,
    ImportStatus,
    MonthAnalysis,
    Topic,
)
from linli.opinion.tests.helpers import exports_for, upload

pytestmark = pytest.mark.django_db


def _when(days_ago: int = 3, hour: int = 9) -> datetime.datetime:
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) - datetime.timedelta(days=days_ago)


def _wechat(lines: list[tuple[datetime.datetime, str, str]], group: str = "1号楼群") -> bytes:
    body = [f"群聊：{group}", ""]
    for when, who, text in lines:
        body += [f"{when:%Y-%m-%d %H:%M:%S} {who}", text, ""]
    return "\n".join(body).encode("utf-8")


def _xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    book.close()
    return buffer.getvalue()


def test_a_month_of_several_groups_is_analysed_and_kept_as_figures(street):
    made = upload(street)
    assert made.status == ImportStatus.DONE, made.error
    assert made.count("groups") == 3 and made.count("stored") > 300
    assert ChatMessage.objects.filter(path=street.community.path).count() == made.count("stored")
    assert DailyVolume.objects.filter(path=street.community.path).count() > 20
    month = MonthAnalysis.objects.filter(community=street.community).first()
    assert month is not None and month.keywords and month.places
    assert Topic.objects.filter(analysis__community=street.community).exists()
    assert Demand.objects.filter(community=street.community, kind="lift").exists()
    event = AuditEvent.objects.filter(action="opinion.analyse", object_id=str(made.pk)).get()
    assert event.detail["stored"] == made.count("stored")
    assert made.content == ""  # the uploaded files are not kept once read


def test_every_format_in_one_upload_with_bad_files_and_lines_reported(street):
    when = _when()
    csv_text = f"时间,发言人,内容\n{when:%Y-%m-%d %H:%M},张三,停车位又被占了\nnot a time,李四,x\n"
    qq = (f"消息对象:二号楼QQ群\n\n{when:%Y-%m-%d} {when:%H:%M:%S} 老张(123456789)\n明天停水吗\n").encode("gb18030")
    files = [
        ("wechat.txt", _wechat([(when, "张三", "电梯又坏了"), (when, "李四", "收到")])),
        ("qq.txt", qq),
        ("chat.csv", csv_text.encode("gb18030")),
        ("chat.xlsx", _xlsx([["time", "speaker", "text", "group"], [f"{when:%Y-%m-%d %H:%M:%S}", "Ann", "需要买药", "三号楼群"]])),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook"),
        ("photo.txt", b"\x89PNG\x00\x00"),
    ]
    made = upload(street, files=files)
    assert made.status == ImportStatus.DONE, made.error
    assert made.count("stored") == 5
    groups = set(ChatGroup.objects.filter(community=street.community).values_list("name", flat=True))
    assert {"1号楼群", "二号楼QQ群", "chat", "三号楼群"} <= groups
    problems = {(p["file"], p["code"]) for p in made.problems}
    assert {("chat.csv", "bad_time"), ("broken.xlsx", "bad_workbook"), ("photo.txt", "not_text")} <= problems


def test_speakers_are_pseudonymised_and_numbers_masked_before_storing(street):
    when = _when()
    files = [("g.txt", _wechat([(when, "张三", "我的电话13812345678，身份证310101199001011234"),
                                 (when + datetime.timedelta(minutes=1), "张三", "谢谢")]))]
    upload(street, files=files)
    rows = list(ChatMessage.objects.filter(path=street.community.path).order_by("sent_at", "pk"))
    assert rows[0].speaker == rows[1].speaker and rows[0].speaker.startswith("居民-")
    assert "张三" not in rows[0].speaker
    assert rows[0].text == "我的电话138****5678,身份证310101********1234"
    # the same person in another upload of the community keeps the pseudonym
    upload(street, files=[("h.txt", _wechat([(when + datetime.timedelta(minutes=5), "张三", "好的")], "2号楼群"))])
    assert ChatMessage.objects.filter(speaker=rows[0].speaker).count() == 3


def test_a_message_uploaded_twice_is_kept_once(street):
    files = exports_for(street.community, groups=1, per_group_day=3)
    first = upload(street, files=files)
    again = upload(street, files=files)
    assert again.count("stored") == 0 and again.count("duplicates") == first.count("stored")
    assert ChatMessage.objects.filter(path=street.community.path).count() == first.count("stored")
    days = DailyVolume.objects.filter(path=street.community.path)
    assert sum(d.messages for d in days) == first.count("stored")


def test_messages_older_than_the_retention_period_are_left_out(street, settings):
    settings.LINLI_OPINION_RETENTION_DAYS = 10
    files = [("g.txt", _wechat([(_when(30), "A", "电梯坏了"), (_when(2), "B", "电梯坏了")]))]
    made = upload(street, files=files)
    assert made.count("stored") == 1
    assert [p["code"] for p in made.problems] == ["out_of_period"]


def test_limits_and_scope_are_checked_before_anything_is_written(street, settings):
    settings.LINLI_OPINION_MAX_FILES = 2
    settings.LINLI_OPINION_MAX_FILE_MB = 1
    with pytest.raises(ValidationError) as error:
        actions.do_upload(street.community, [("a.txt", b"x")] * 3, acting_user=street.secretary)
    assert error.value.code == "too_many_files"
    with pytest.raises(ValidationError) as error:
        actions.do_upload(street.community, [("a.txt", b"x" * (2 * 2**20))], acting_user=street.secretary)
    assert error.value.code == "file_too_large"
    with pytest.raises(ValidationError):
        actions.do_upload(street.community, [], acting_user=street.secretary)
    with pytest.raises(PermissionDenied):
        actions.do_upload(street.other_community, [("a.txt", b"x")], acting_user=street.secretary)
    with pytest.raises(PermissionDenied):
        actions.do_upload(street.community, [("a.txt", b"x")], acting_user=street.grid_worker)
    assert not ChatGroup.objects.exists()


def test_a_failed_analysis_is_recorded_in_both_languages(street, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(actions, "analyse_files", broken)
    made = upload(street, files=[("g.txt", _wechat([(_when(), "A", "hi")]))])
    assert made.status == ImportStatus.FAILED
    assert made.error["zh"] and made.error["en"] and "disk" not in made.error["en"]


def test_rumour_cues_go_to_the_rumours_module_when_it_is_installed(street, monkeypatch):
    taken: list[tuple[int, list[tuple[str, str, datetime.datetime, str]]]] = []
    module = types.ModuleType("linli.rumours.intake")
    module.take_messages = lambda community_id, items: taken.append((community_id, items)) or len(items)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "linli.rumours.intake", module)
    monkeypatch.setattr(actions.apps, "is_installed", lambda name: name == "linli.rumours")
    files = [("g.txt", _wechat([(_when(), "A", "紧急通知：听说板蓝根能预防病毒，转发13812345678"), (_when(), "B", "收到")]))]
    made = upload(street, files=files)
    assert made.count("rumours") == 1
    community_id, items = taken[0]
    assert community_id == street.community.pk
    source, text, sent_at, group = items[0]
    assert source.startswith("opinion:") and "138****5678" in text and group == "1号楼群"
    assert sent_at.tzinfo is not None


def test_without_the_rumours_module_nothing_is_passed(street):
    made = upload(street, files=[("g.txt", _wechat([(_when(), "A", "紧急通知：听说板蓝根能预防病毒，转发")]))])
    assert made.count("rumours") == 0


def test_the_purge_deletes_old_messages_and_keeps_the_figures(street, settings):
    upload(street, files=[("g.txt", _wechat([(_when(20), "A", "电梯又坏了"), (_when(2), "B", "电梯又坏了")]))])
    settings.LINLI_OPINION_RETENTION_DAYS = 10
    assert actions.purge_expired() == 1
    assert ChatMessage.objects.filter(path=street.community.path).count() == 1
    assert DailyVolume.objects.filter(path=street.community.path).count() == 2
    assert AuditEvent.objects.filter(action="opinion.purge").exists()
