"""Reading the chat exports a community worker uploads (no Django here: tested alone).

Four shapes are read:

- WeChat's text export (PC "merged" style): a line ``2024-03-01 08:15:02 张三`` opens a
  message, the lines after it are its text, up to the next such line;
- QQ's text export: the same, with the account after the name (``张三(12345)`` or
  ``张三<a@b.c>``) and a preamble naming the group (``消息对象:…``);
- CSV and xlsx with a time, a speaker and a text column (Chinese or English headers; an
  optional group column, else the file's name is the group's).

Text files may be UTF-8 (with or without a byte-order mark), UTF-16 with a mark, or GB18030.
Nothing here raises on bad input: a file that cannot be read, and each line that cannot be
understood, become a :class:`Problem` the page lists, and the rest of the file is kept.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

MAX_TEXT = 2000  # characters kept of one message (a pasted article is cut here)


@dataclass(frozen=True)
class RawMessage:
    group: str
    sent_at: datetime.datetime  # naive, in the export's local time
    speaker: str  # the name (or account) as exported: pseudonymised before anything stores it
    text: str
    ref: str  # file and line, for the problems list and the rumours' source


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 0: the whole file
    code: str
    detail: str = ""


@dataclass
class Parsed:
    file: str
    format: str = ""
    messages: list[RawMessage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


HEADER = re.compile(
    r"^(?P<date>\d{4}[-/]\d{1,2}[-/]\d{1,2}) (?P<time>\d{1,2}:\d{2}(?::\d{2})?)\s+"
    r"(?P<name>.+?)(?:\((?P<qq>\d{5,12})\)|<(?P<mail>[^<>\s]+)>)?\s*$")
QQ_GROUP = re.compile(r"^消息对象[:：]\s*(?P<group>.+?)\s*$")
WECHAT_GROUP = re.compile(r"^(?:群聊|群名称|群名|聊天对象)[:：]\s*(?P<group>.+?)\s*$")
PREAMBLE = re.compile(r"^(?:=+|消息记录.*|消息分组[:：].*|导出时间[:：].*|微信聊天记录.*|-+)$")

COLUMNS = {
    "time": {"time", "when", "datetime", "date", "timestamp", "sent_at", "时间", "发送时间", "日期", "日期时间", "消息时间"},
    "speaker": {"speaker", "who", "sender", "from", "name", "user", "nickname", "发言人", "发送者", "发送人", "昵称",
                "用户", "群昵称", "发言者"},
    "text": {"text", "message", "content", "body", "内容", "消息", "消息内容", "文本", "发言内容", "聊天内容"},
    "group": {"group", "chat", "group_name", "群", "群名", "群聊", "群名称", "聊天群"},
}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
                "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M")


def decode(data: bytes) -> str | None:
    """The file as text, or None when it is not text in an encoding chat apps and Excel write."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:65536]:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse_time(value: object) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    text = str(value or "").strip()
    if not text:
        return None
    text = re.sub(r"\s+", " ", text)
    for pattern in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern)  # noqa: DTZ007 - local time, made aware by the caller
        except ValueError:
            continue
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed


def _header_time(date: str, time: str) -> datetime.datetime | None:
    """The time of a message header (``2026-11-03`` ``8:15:02``), without strptime's cost."""
    try:
        year, month, day = (int(part) for part in re.split(r"[-/]", date))
        parts = [int(part) for part in time.split(":")]
        return datetime.datetime(year, month, day, parts[0], parts[1], parts[2] if len(parts) > 2 else 0)  # noqa: DTZ001 - local time, made aware by the caller
    except ValueError:
        return None


def _stem(name: str) -> str:
    return PurePath(name).stem.strip() or name


def parse_file(name: str, data: bytes) -> Parsed:
    """Every message of one uploaded text or CSV file, and what could not be read (workbooks
    go through :func:`parse_workbook`)."""
    lower = name.lower()
    text = decode(data)
    if text is None:
        return Parsed(name, problems=[Problem(name, 0, "not_text")])
    if lower.endswith(".csv"):
        return parse_table(name, [list(row) for row in csv.reader(io.StringIO(text))])
    return parse_chat_text(name, text)


def parse_chat_text(name: str, text: str) -> Parsed:
    """A WeChat or QQ text export."""
    parsed = Parsed(name)
    group = _stem(name)
    header: tuple[int, datetime.datetime | None, str] | None = None
    body: list[str] = []
    qq = 0
    headers = 0

    def close() -> None:
        if header is None:
            return
        line_no, sent_at, speaker = header
        message = "\n".join(body).strip()
        if sent_at is None:
            parsed.problems.append(Problem(name, line_no, "bad_time"))
        elif not message:
            parsed.problems.append(Problem(name, line_no, "empty_message"))
        else:
            parsed.messages.append(RawMessage(group, sent_at, speaker, message[:MAX_TEXT], f"{name}:{line_no}"))

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r").strip("\ufeff")
        # Most lines are message text: the regular expression only sees lines that start like a date.
        match = HEADER.match(line.strip()) if line[:4].isdigit() or line[:1] in " \t" else None
        if match:
            close()
            headers += 1
            if match["qq"] or match["mail"]:
                qq += 1
            sent_at = _header_time(match["date"], match["time"])
            header, body = (line_no, sent_at, (match["qq"] or match["mail"] or match["name"]).strip()), []
            continue
        if header is None:
            stripped = line.strip()
            named = QQ_GROUP.match(stripped) or WECHAT_GROUP.match(stripped)
            if named:
                group = named["group"]
            elif stripped and not PREAMBLE.match(stripped):
                parsed.problems.append(Problem(name, line_no, "outside_message", stripped[:40]))
            continue
        body.append(line)
    close()
    if headers == 0:
        parsed.problems.append(Problem(name, 0, "no_messages"))
    parsed.format = "qq" if qq * 2 > headers else "wechat"
    return parsed


def _columns(row: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = str(cell or "").strip().lower().replace(" ", "_")
        for column, names in COLUMNS.items():
            if key in names and column not in found:
                found[column] = index
    return found


def parse_table(name: str, rows: list[list[object]], fmt: str = "csv") -> Parsed:
    """Rows with a header row naming (at least) the time, speaker and text columns."""
    parsed = Parsed(name, fmt)
    if not rows:
        parsed.problems.append(Problem(name, 0, "no_messages"))
        return parsed
    columns = _columns(rows[0])
    missing = [c for c in ("time", "speaker", "text") if c not in columns]
    if missing:
        parsed.problems.append(Problem(name, 1, "missing_columns", ", ".join(missing)))
        return parsed
    group = _stem(name)
    width = max(columns.values()) + 1
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(str(c or "").strip() for c in row):
            continue
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        sent_at = parse_time(row[columns["time"]])
        text = str(row[columns["text"]] or "").strip()
        speaker = str(row[columns["speaker"]] or "").strip()
        if sent_at is None:
            parsed.problems.append(Problem(name, line_no, "bad_time", str(row[columns["time"]])[:30]))
        elif not text:
            parsed.problems.append(Problem(name, line_no, "empty_message"))
        else:
            where = str(row[columns["group"]] or "").strip() if "group" in columns else ""
            parsed.messages.append(RawMessage(where or group, sent_at, speaker or "?", text[:MAX_TEXT],
                                              f"{name}:{line_no}"))
    if not parsed.messages and not parsed.problems:
        parsed.problems.append(Problem(name, 0, "no_messages"))
    return parsed


def parse_workbook(name: str, sheets: list[tuple[str, list[list[object]]]]) -> Parsed:
    """Every sheet of a workbook (as read by the caller's bounded reader), each a table."""
    result = Parsed(name, "xlsx")
    for sheet, rows in sheets:
        if not rows:
            continue
        one = parse_table(name if len(sheets) == 1 else f"{name}#{sheet}", [list(r) for r in rows], "xlsx")
        result.messages.extend(one.messages)
        result.problems.extend(one.problems)
    if not result.messages and not result.problems:
        result.problems.append(Problem(name, 0, "no_messages"))
    return result
