"""The import template and the list of accepted columns: made from the field catalogue, read
back by the importer exactly as they are written."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import xlsxwriter  # noqa: F401 - the template's writer: the project's spreadsheet library
from django.urls import reverse
from python_calamine import CalamineWorkbook

from linli.imports.fields import PEOPLE_FIELDS
from linli.imports.headers import layout_of
from linli.imports.models import BatchStatus, ImportBatch
from linli.imports.reading import read_file
from linli.imports.tests.helpers import address_of, make_id
from linli.imports.tests.test_views import upload
from linli.places.models import Level, Place


def _layout(data: bytes, name: str) -> Any:
    sheet = read_file(data, name)[0]
    return layout_of(sheet.name, sheet.rows, sheet.total_rows), sheet


def test_the_excel_template_has_every_column_and_the_importer_maps_each(street):
    response = street.client_for(street.grid_worker).get(reverse("imports:template_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    layout, sheet = _layout(response.content, "template.xlsx")
    assert layout.header_row == 0
    assert layout.headers == [f.label_zh for f in PEOPLE_FIELDS]
    assert [layout.mapping[i] for i in range(len(PEOPLE_FIELDS))] == [f.code for f in PEOPLE_FIELDS]
    example = dict(zip(layout.headers, sheet.rows[1], strict=False))
    assert example["姓名"] == "张三" and example["身份证号"] == "11010519491231002X"
    # the ID number and phone columns are text, so Excel keeps every digit
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.get_sheet_by_index(0).to_python()[1][2] == "13812345678"


def test_the_csv_template_is_utf8_with_a_bom_and_reads_back(street):
    response = street.client_for(street.secretary).get(reverse("imports:template_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [f.label_zh for f in PEOPLE_FIELDS] and rows[1][0] == "张三"
    layout, _sheet = _layout(response.content, "template.csv")
    assert sorted(layout.mapping.values()) == sorted(f.code for f in PEOPLE_FIELDS)


def test_a_filled_in_template_imports_and_its_example_row_does_not(street):
    client = street.client_for(street.secretary)
    content = client.get(reverse("imports:template_csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    house = Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE).order_by("path")[0]
    where = address_of(house)
    mine = dict(zip(rows[0], rows[1], strict=True))
    mine.update({"姓名": "模板甲", "身份证号": make_id(seq=77), "联系电话": "13900000077", "小区": where.compound,
                 "楼栋": where.building, "单元": where.unit, "房号": where.room, "备注": ""})
    buffer = io.StringIO()
    csv.writer(buffer).writerows([rows[0], rows[1], [mine[h] for h in rows[0]]])
    response = upload(client, street.community, ("\ufeff" + buffer.getvalue()).encode(), "模板.csv")
    batch = ImportBatch.objects.get()
    page = client.get(response.url).content.decode()
    choices = dict(re.findall(r'name="(s0-c\d+)".*?<option value="(\w*)" selected>', page, re.S))
    assert len(choices) == len(PEOPLE_FIELDS) and "" not in choices.values()  # every column recognised
    client.post(response.url, choices)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY
    assert batch.counts["new"] == 1 and batch.counts["rejected"] == 1  # 示例小区 is nowhere


def test_the_import_page_lists_every_accepted_column_name(street):
    html = street.client_for(street.secretary).get(reverse("imports:index")).content.decode()
    section = html.split('id="columns"')[1]
    for field in PEOPLE_FIELDS:
        assert f'id="column-{field.code}"' in section
        for header in field.headers:
            assert header in section, header
    name = section.split('id="column-name"')[1].split("</li>")[0]
    assert "必填" in name
    room = section.split('id="column-room"')[1].split("</li>")[0]
    notes = section.split('id="column-notes"')[1].split("</li>")[0]
    assert "房号或地址" in room and "选填" in notes
    assert "业主" in section.split('id="column-relation"')[1].split("</li>")[0]  # the words it accepts
    assert reverse("imports:template_xlsx") in html and reverse("imports:template_csv") in html


def test_the_template_is_for_those_who_import(street):
    assert street.client_for(street.resident).get(reverse("imports:template_xlsx")).status_code == 403
    assert street.client_for(street.health_officer).get(reverse("imports:template_csv")).status_code == 403
