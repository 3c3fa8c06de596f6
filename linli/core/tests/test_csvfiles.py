"""CSV files read by RFC 4180's quoting, with the separator that gives consistent rows (plain
pytest; no database needed)."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from django.core.exceptions import ValidationError

from linli.core.csvfiles import choose_delimiter, read_csv

NOTE = '门口写着"东"字'


def written(rows: list[list[str]], delimiter: str = ",") -> str:
    """The rows as a spreadsheet program writes them: quoted only where needed, quotes doubled."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows(rows)
    return buffer.getvalue()


def test_doubled_quotes_at_the_end_of_a_line_are_one_quote():
    """csv.Sniffer read this file with the doubled quotes left in: 门口写着"东""字"."""
    text = written([["姓名", "备注"], ["张三", NOTE]])
    assert text.endswith('"门口写着""东""字"\r\n')
    assert read_csv(text.encode()) == [["姓名", "备注"], ["张三", NOTE]]


def test_a_semicolon_inside_quoted_fields_is_not_the_separator():
    """csv.Sniffer took the ; of these notes for the separator and split every row in three."""
    rows = [["姓名", "身份证号", "备注"], ["张三", "1", '路口;"东";门'], ["李四", "2", '见;"西";侧']]
    assert read_csv(written(rows).encode()) == rows


def test_a_quoted_comma_stays_in_its_field():
    rows = [["姓名", "户籍地址", "备注"], ["邵华", "江苏省南京市,玄武区", "行动不便\n需上门服务"], ["邵宁", "上海市", ""]]
    assert read_csv(written(rows).encode()) == rows


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_separator_is_found_by_consistent_rows(delimiter):
    # Every other separator appears inside the fields, unquoted where the writer allows it.
    rows = [["姓名", "特殊群体", "备注"], ["张三", "独居老人;低保", "a,b|c\td"], ["李四", "低保", "x;y,z|w"]]
    text = written(rows, delimiter)
    assert choose_delimiter(text) == delimiter
    assert read_csv(text.encode()) == rows


def test_a_title_line_and_blank_rows_do_not_change_the_separator():
    text = "培花居民区花名册\r\n\r\n" + written([["姓名", "电话"], ["张三", "139"], ["李四", "138"]], ";")
    assert read_csv(text.encode())[2:] == [["姓名", "电话"], ["张三", "139"], ["李四", "138"]]


def test_excels_sep_line_is_obeyed():
    assert read_csv(b"sep=|\r\na,b|c\r\n") == [["a,b", "c"]]


def test_a_file_of_one_column_is_read():
    assert read_csv("姓名\n张三\n李四\n".encode()) == [["姓名"], ["张三"], ["李四"]]


@pytest.mark.parametrize("bom, encoding", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_excels_unicode_text_is_read(bom, encoding):
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated, CRLF."""
    rows = [["姓名", "身份证号", "备注"], ["张𠮷", "310115192303030811", NOTE]]
    data = bom + written(rows, "\t").encode(encoding)
    assert read_csv(data) == rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_utf8_and_gb18030_are_read(encoding):
    assert read_csv("姓名,备注\n张三,\"a,b\"\n".encode(encoding)) == [["姓名", "备注"], ["张三", "a,b"]]


def test_a_damaged_utf16_file_and_a_binary_file_are_refused():
    with pytest.raises(ValidationError) as damaged:
        read_csv(codecs.BOM_UTF16_LE + "姓名".encode("utf-16-le") + b"\x00")
    assert damaged.value.code == "file_encoding"
    with pytest.raises(ValidationError) as binary:
        read_csv(b"PK\x03\x04\x00\x00binary")
    assert binary.value.code == "file_binary"


def test_too_many_rows_are_refused_with_the_callers_error():
    class FileError(ValidationError):
        pass

    with pytest.raises(FileError) as info:
        read_csv(b"a,b\n" * 11, error=FileError, max_rows=10)
    assert info.value.code == "file_too_many_rows"
