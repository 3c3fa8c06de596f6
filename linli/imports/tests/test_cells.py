"""Cells, files and headers as they come from real offices (no database needed)."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from linli.core.validators import validate_id_number
from linli.imports.cells import cell_date, cell_text, id_cell_text, is_blank_row
from linli.imports.headers import auto_map, find_header_row, header_key, layout_of
from linli.imports.houses import building_key, compound_key, room_key, unit_key
from linli.imports.reading import ImportFileError, read_csv_file, read_file
from linli.imports.tests.helpers import HEADERS, csv_bytes, make_id, xlsx_bytes


@pytest.mark.parametrize(("raw", "expected"), [
    ("１３８１２３４５６７８", "13812345678"),  # full-width digits
    ("\u3000张三\u00a0 ", "张三"),  # ideographic space and NBSP around
    ("Ｌｉ　Ｍｉｎｇ", "Li Ming"),  # full-width letters, ideographic space inside
    ("\ufeff王\u200b五", "王五"),  # byte-order mark and zero-width space
    (13812345678.0, "13812345678"),  # a phone typed as a number
    (None, ""),
    (datetime.datetime(2026, 1, 5, 0, 0), "2026-01-05"),  # noqa: DTZ001 - calamine's cells are naive
])
def test_cell_text_normalises(raw, expected):
    assert cell_text(raw) == expected


@pytest.mark.parametrize("raw", [
    datetime.datetime(2026, 1, 5), datetime.date(2026, 1, 5),  # noqa: DTZ001 - calamine's cells are naive
    "2026-01-05", "2026/1/5", "2026.1.5", "2026年1月5日",
    "２０２６年１月５日", "20260105", 20260105.0, 46027.0, "2026-01-05 00:00:00", " 2026 年 1 月 5 日 ",
])
def test_dates_in_every_spelling(raw):
    assert cell_date(raw) == datetime.date(2026, 1, 5)


@pytest.mark.parametrize(("raw", "code"), [("2026-02-30", "date_invalid"), ("去年", "date_format"),
                                           ("2026年1月", "date_format"), (-3.0, "date_format")])
def test_bad_dates_are_explained(raw, code):
    with pytest.raises(ValidationError) as info:
        cell_date(raw)
    assert info.value.code == code


@pytest.mark.parametrize("raw", [1.10101199003071e17, 110101199003071234.0, 110101900307123.0, 310115192301050010])
def test_id_number_stored_as_number_is_refused_never_guessed(raw):
    text = id_cell_text(raw)
    with pytest.raises(ValidationError) as info:
        validate_id_number(text)
    assert info.value.code == "id_excel_float"


def test_id_number_as_text_survives():
    number = make_id()
    assert validate_id_number(id_cell_text(" " + number.translate(str.maketrans("0123456789", "０１２３４５６７８９")))).number == number


def test_blank_rows():
    assert is_blank_row(["", None, " \u3000"])
    assert not is_blank_row(["", "x"])


@pytest.mark.parametrize(("header", "field"), [
    ("身份证", "id_number"), ("身份证号", "id_number"), ("身份证号码", "id_number"), ("公民身份号码", "id_number"),
    ("证件号码", "id_number"), ("手机", "phone"), ("手机号码", "phone"), ("联系电话", "phone"), ("电话", "phone"),
    ("小区", "compound"), ("所在小区", "compound"), ("小区名称", "compound"), ("楼号", "building"),
    ("楼栋", "building"), ("楼栋号", "building"), ("幢", "building"), ("单元", "unit"), ("单元号", "unit"),
    ("房号", "room"), ("室号", "room"), ("门牌号", "room"), ("房间号", "room"), ("与户主关系", "relation_to_head"),
    ("人员类型", "population_type"), ("人员类别", "population_type"), ("人口类型", "population_type"),
    ("户籍地", "hukou_address"), ("户籍地址", "hukou_address"), ("居住关系", "relation"),
    ("特殊群体", "special_groups"), ("入住日期", "moved_in"), ("姓名", "name"),
    (" 身份证号码（必填）* ", "id_number"), ("居民身份证号码", "id_number"), ("联系电话(手机)", "phone"),
])
def test_synonyms(header, field):
    assert auto_map(["序号", header]) == {1: field}


def test_each_field_once_exact_before_contained():
    assert auto_map(["户主姓名", "姓名", "手机号码", "联系电话"]) == {1: "name", 2: "phone"}


def test_header_row_under_merged_titles():
    rows = [["某某社区居民信息登记表（小区楼栋住户）", "", ""], ["", "", ""], ["填表单位：", "", ""],
            ["序号", "姓 名", "身份证号"], ["1", "张三", make_id()]]
    assert find_header_row(rows) == 3
    assert header_key("姓 名") == "姓名"
    layout = layout_of("S", rows)
    assert layout.mapping == {1: "name", 2: "id_number"} and layout.rows == 1


def test_no_header_in_first_ten_rows():
    rows = [["x"]] * 10 + [["姓名", "身份证号"]]
    assert find_header_row(rows) is None


@pytest.mark.parametrize(("func", "raw", "key"), [
    (building_key, "3", "3"), (building_key, "3号楼", "3"), (building_key, "３幢", "3"), (building_key, "第3栋", "3"),
    (building_key, "三号楼", "3"), (building_key, "十二号楼", "12"), (building_key, "03", "3"),
    (unit_key, "1", "1"), (unit_key, "1单元", "1"), (unit_key, "一单元", "1"),
    (room_key, "502", "502"), (room_key, "502室", "502"), (room_key, "0502", "502"),
    (compound_key, "玉兰苑小区", "玉兰苑"), (compound_key, " 玉兰苑 ", "玉兰苑"),
])
def test_house_keys(func, raw, key):
    assert func(raw) == key


# --- whole files -----------------------------------------------------------------------------

def test_xlsx_with_title_blank_rows_and_dates():
    data = xlsx_bytes([["1", "张三", make_id(), 13812345678, "玉兰苑", "1", "1", "101", "", "", "", "", "", "",
                        datetime.date(2025, 3, 1)]])
    [sheet] = read_file(data, "名单.xlsx")
    assert sheet.name == "居民"
    layout = layout_of(sheet.name, sheet.rows)
    assert layout.header_row == 2  # title in row 1, empty row 2, headers in row 3
    assert sheet.rows[4][14] == datetime.date(2025, 3, 1)  # row 5 in Excel: a real date cell


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_csv_encodings(encoding):
    data = csv_bytes([["1", "张三", make_id(), "13812345678"]], headers=HEADERS[:4], encoding=encoding)
    [sheet] = read_file(data, "名单.csv")
    assert sheet.rows[0] == HEADERS[:4] and sheet.rows[1][1] == "张三"


def test_gb18030_is_not_mistaken_for_utf8():
    assert read_csv_file("姓名,身份证号\n张三,1\n".encode("gb18030"))[0] == ["姓名", "身份证号"]


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


GARBAGE = [
    (b"", "empty.xlsx", "file_empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "photo.xlsx", "file_not_workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "photo.csv", "file_binary"),
    (b"%PDF-1.4 hello", "doc.pdf", "file_type"),
    (_zip_bytes(), "zipped.xlsx", "file_unreadable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "broken.xls", "file_unreadable"),
    (b"\xff\xfe\xfa\x80\x81" * 3, "weird.csv", "file_encoding"),
    ("姓名,身份证号\n\"".encode() + b"x" * 200_000 + b'"\n', "huge.csv", "file_csv"),
]


@pytest.mark.parametrize(("data", "name", "code"), GARBAGE, ids=[name for _, name, _ in GARBAGE])
def test_garbage_files_get_a_clear_error(data, name, code):
    with pytest.raises(ImportFileError) as info:
        read_file(data, name)
    assert info.value.code == code


def test_xls_workbook_is_read():
    import xlwt  # in the test extras: builds a real .xls fixture
    book = xlwt.Workbook()
    sheet = book.add_sheet("名单")
    for c, header in enumerate(["姓名", "身份证号", "楼号"]):
        sheet.write(0, c, header)
    sheet.write(1, 0, "张三")
    sheet.write(1, 1, make_id())
    buffer = io.BytesIO()
    book.save(buffer)
    [read] = read_file(buffer.getvalue(), "old.xls")
    assert read.rows[1][:2] == ["张三", make_id()]
