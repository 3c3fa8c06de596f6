"""Each importer on sample exports, and on broken ones (no Django)."""

from __future__ import annotations

import datetime

from linli.opinion import exports

WECHAT = """群聊：阳光花园业主群

2026-11-03 08:15:02 张三
5号楼电梯又坏了
老人下不了楼

2026-11-03 08:16:40 李四
收到，我去问物业
2026-11-03 8:17:00 王五
谢谢
"""

QQ = """消息记录（此消息记录为文本格式，不支持重新导入）

================================================================
消息分组:我的群聊
================================================================
消息对象:金桥新村居民群
================================================================

2026-11-04 9:01:10 老张(123456789)
明天停水吗

2026-11-04 9:02:11 小李<li@example.com>
听说是的
"""


def test_wechat_export_is_read_with_multiline_messages_and_its_group_name():
    parsed = exports.parse_file("export.txt", WECHAT.encode("utf-8"))
    assert parsed.format == "wechat"
    assert parsed.problems == []
    assert [(m.speaker, m.text) for m in parsed.messages] == [
        ("张三", "5号楼电梯又坏了\n老人下不了楼"), ("李四", "收到，我去问物业"), ("王五", "谢谢")]
    assert {m.group for m in parsed.messages} == {"阳光花园业主群"}
    assert parsed.messages[0].sent_at == datetime.datetime(2026, 11, 3, 8, 15, 2)  # noqa: DTZ001 - local time
    assert parsed.messages[0].ref == "export.txt:3"


def test_qq_export_uses_the_account_as_the_speaker_and_the_message_object_as_the_group():
    parsed = exports.parse_file("qq.txt", QQ.encode("utf-8"))
    assert parsed.format == "qq"
    assert [(m.group, m.speaker, m.text) for m in parsed.messages] == [
        ("金桥新村居民群", "123456789", "明天停水吗"), ("金桥新村居民群", "li@example.com", "听说是的")]
    assert parsed.problems == []


def test_text_exports_in_utf8_with_bom_gb18030_and_utf16_are_read_alike():
    for data in (b"\xef\xbb\xbf" + WECHAT.encode("utf-8"), WECHAT.encode("gb18030"), WECHAT.encode("utf-16")):
        parsed = exports.parse_file("群.txt", data)
        assert len(parsed.messages) == 3
        assert parsed.messages[0].text.startswith("5号楼电梯")


def test_the_group_is_named_after_the_file_when_the_export_does_not_say():
    parsed = exports.parse_file("3号楼邻里群.txt", b"2026-11-03 08:15:02 A\nhello\n")
    assert parsed.messages[0].group == "3号楼邻里群"


def test_broken_lines_are_reported_and_the_rest_is_kept():
    text = ("junk before anything\n"
            "2026-13-45 08:00:00 张三\n坏日期的消息\n"
            "2026-11-03 08:15:02 李四\n\n"
            "2026-11-03 08:16:02 王五\n正常\n")
    parsed = exports.parse_file("x.txt", text.encode())
    assert [m.text for m in parsed.messages] == ["正常"]
    assert [(p.line, p.code) for p in parsed.problems] == [(1, "outside_message"), (2, "bad_time"), (4, "empty_message")]


def test_a_binary_file_and_a_file_without_messages_are_reported_not_raised():
    assert [p.code for p in exports.parse_file("photo.txt", b"\x89PNG\x00\x00\x01").problems] == ["not_text"]
    assert [p.code for p in exports.parse_file("empty.txt", b"").problems] == ["no_messages"]
    assert [p.code for p in exports.parse_file("bad.txt", b"\xff\xff\xff\xff").problems] == ["not_text"]


def test_csv_with_chinese_headers_and_a_group_column():
    text = "时间,发言人,内容,群名\n2026-11-03 08:15,张三,电梯坏了,一号楼群\n2026/11/03 08:16:00,李四,收到,二号楼群\n"
    parsed = exports.parse_file("chat.csv", text.encode("gb18030"))
    assert [(m.group, m.speaker, m.text) for m in parsed.messages] == [
        ("一号楼群", "张三", "电梯坏了"), ("二号楼群", "李四", "收到")]


def test_csv_with_english_headers_bad_rows_and_missing_columns():
    text = "Time,Speaker,Text\n2026-11-03T08:15:00,Ann,lift broken\nyesterday,Bob,hi\n2026-11-03 09:00,Cy,\n"
    parsed = exports.parse_file("chat.csv", ("\ufeff" + text).encode("utf-8"))
    assert [m.text for m in parsed.messages] == ["lift broken"]
    assert [(p.line, p.code) for p in parsed.problems] == [(3, "bad_time"), (4, "empty_message")]
    missing = exports.parse_file("chat.csv", b"when,who\n2026-11-03 08:15,Ann\n")
    assert [(p.code, p.detail) for p in missing.problems] == [("missing_columns", "text")]
    assert missing.messages == []


def test_workbook_rows_with_real_datetimes():
    sheets = [("Sheet1", [["发送时间", "昵称", "消息内容"], [datetime.datetime(2026, 11, 3, 8, 15), "张三", "需要买药"],  # noqa: DTZ001
                          ["", "", ""], ["bad", "李四", "x"]])]
    parsed = exports.parse_workbook("chat.xlsx", sheets)
    assert [(m.speaker, m.text, m.ref) for m in parsed.messages] == [("张三", "需要买药", "chat.xlsx:2")]
    assert [(p.line, p.code) for p in parsed.problems] == [(4, "bad_time")]
