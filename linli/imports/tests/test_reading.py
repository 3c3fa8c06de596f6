"""Uploads that would exhaust the server are refused before anything is allocated."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
import xlsxwriter

from linli.imports.reading import ImportFileError, read_file


def _workbook(write) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    write(book.add_worksheet("名单"))
    book.close()
    return buffer.getvalue()


def test_one_cell_far_to_the_right_is_refused_without_reading_the_sheet():
    """A header in A1:D1 and one cell at XFD300000 used to make the reader allocate
    300,000 × 16,384 cells and abort the whole process."""
    def bomb(sheet):  # type: ignore[no-untyped-def]
        for col, header in enumerate(["姓名", "身份证号", "楼号", "房号"]):
            sheet.write_string(0, col, header)
        sheet.write_string(299_999, 16_383, "x")

    data = _workbook(bomb)
    assert len(data) < 10_000
    started = time.perf_counter()
    for head in (None, 10):
        with pytest.raises(ImportFileError) as refused:
            read_file(data, "名单.xlsx", head=head)
        # the reader's child process gave up (or the extent was refused): the server lives on
        assert refused.value.code in {"file_too_big_to_read", "file_too_wide"}
        assert "MB" in refused.value.messages[0] or "列" in refused.value.messages[0] or "column" in \
            refused.value.messages[0]
    assert time.perf_counter() - started < 60  # a bounded cost (a generous bound, not a benchmark)


def test_too_many_cells_is_refused(settings):
    settings.LINLI_IMPORT_MAX_CELLS = 1_000

    def wide(sheet):  # type: ignore[no-untyped-def]
        sheet.write_string(0, 0, "姓名")
        sheet.write_string(199, 19, "x")  # 200 rows × 20 columns

    with pytest.raises(ImportFileError) as refused:
        read_file(_workbook(wide), "名单.xlsx")
    assert refused.value.code == "file_too_many_cells"


def test_a_compression_bomb_is_refused_by_its_declared_size(settings):
    settings.LINLI_IMPORT_MAX_UNZIPPED = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 1_000_000)  # 6 MB of XML, a few KB packed
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(ImportFileError) as refused:
        read_file(data, "名单.xlsx")
    assert refused.value.code == "file_too_large_unzipped"
    assert "5 MB" in str(refused.value.messages[0])  # 6,000,000 bytes


# --- CSV: quoting, separators, encodings -----------------------------------------------------------

NOTE = '门口写着"东"字'


@pytest.mark.parametrize(("text", "rows"), [
    # A quoted note with doubled quotes at the end of the line: once read as 门口写着"东""字".
    ('姓名,备注\r\n张三,"门口写着""东""字"\r\n', [["姓名", "备注"], ["张三", NOTE]]),
    # Semicolons inside quoted notes: once taken for the separator, splitting every row.
    ('姓名,身份证号,备注\r\n张三,1,"路口;""东"";门"\r\n李四,2,"见;""西"";侧"\r\n',
     [["姓名", "身份证号", "备注"], ["张三", "1", '路口;"东";门'], ["李四", "2", '见;"西";侧']]),
    # A semicolon-separated file (European settings) with commas inside the cells.
    ("姓名;户籍地址\r\n邵华;江苏省南京市,玄武区\r\n邵宁;上海市,浦东新区\r\n",
     [["姓名", "户籍地址"], ["邵华", "江苏省南京市,玄武区"], ["邵宁", "上海市,浦东新区"]]),
], ids=["doubled-quotes", "semicolons-in-quotes", "semicolon-separated"])
def test_csv_quoting_and_separators_are_read_as_written(text, rows):
    [sheet] = read_file(text.encode(), "名单.csv")
    assert sheet.rows == rows


def test_excels_unicode_text_file_is_read():
    """UTF-16 with a byte-order mark, tab-separated: once refused as a binary file."""
    text = "姓名\t身份证号\t备注\r\n张三\t310115192303030811\t\"门口写着\"\"东\"\"字\"\r\n"
    [sheet] = read_file(text.encode("utf-16"), "名单.txt")
    assert sheet.rows == [["姓名", "身份证号", "备注"], ["张三", "310115192303030811", NOTE]]


def test_a_declared_extent_beyond_the_limits_is_refused_before_any_reader_starts(monkeypatch):
    """The sheet's <dimension> says how far it reaches: checked in the server process from the
    part's first bytes, so the reader's child process is never started for such a file."""
    def bomb(sheet):  # type: ignore[no-untyped-def]
        sheet.write_string(0, 0, "姓名")
        sheet.write_string(299_999, 16_383, "x")

    def no_child(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the reader process was started")

    monkeypatch.setattr("linli.imports.reading.multiprocessing.get_context", no_child)
    with pytest.raises(ImportFileError) as refused:
        read_file(_workbook(bomb), "名单.xlsx")
    assert refused.value.code == "file_too_wide"
    assert refused.value.params["sheet"] == "名单" and refused.value.params["columns"] == 16_384


def test_declared_extents_name_each_sheet_and_its_size():
    from linli.imports.reading import declared_extents

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet("户籍").write_string(9, 2, "x")  # C10
    book.add_worksheet("流动 & 境外").write_string(0, 27, "y")  # AB1
    book.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert declared_extents(archive) == [("户籍", 10, 3), ("流动 & 境外", 1, 28)]


def test_a_workbook_within_the_limits_is_read_as_before():
    data = _workbook(lambda sheet: sheet.write_row(0, 0, ["姓名", "身份证号"]))
    assert read_file(data, "名单.xlsx")[0].rows == [["姓名", "身份证号"]]
