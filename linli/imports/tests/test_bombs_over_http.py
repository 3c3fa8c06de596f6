"""The workbooks that once killed or stalled the server, sent as an attacker sends them: over
the API and the upload page, by a grid worker as well as a secretary."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linli.imports.models import ImportBatch


def _bomb(dimension: bool) -> bytes:
    """The 1.6 KB workbook, written by hand: a header in A1:D1 and one cell at XFD300000, with
    or without a <dimension> saying how far the sheet reaches."""
    cell = '<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    header = "".join(cell.format(ref=f"{col}1", text=text)
                     for col, text in zip("ABCD", ["姓名", "身份证号", "楼号", "房号"], strict=True))
    extent = '<dimension ref="A1:XFD300000"/>' if dimension else ""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}"><Relationship '
        f'Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rels}">'
        '<sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">{extent}'
        f'<sheetData><row r="1">{header}</row><row r="300000">{cell.format(ref="XFD300000", text="x")}</row>'
        "</sheetData></worksheet>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _packed() -> bytes:
    """A real workbook whose sheet unpacks to far more than allowed."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, ["姓名", "身份证号"])
    for row in range(1, 120_000):
        sheet.write_row(row, 0, ["张三", "1"])
    book.close()
    return buffer.getvalue()


@pytest.mark.parametrize(("who", "dimension"), [("secretary", True), ("grid_worker", False)])
def test_the_small_bomb_is_a_bilingual_422_over_the_api_and_the_page(street, who, dimension):
    data = _bomb(dimension)
    assert len(data) < 2_000
    client = street.client_for(getattr(street, who))
    # the first area her upload form offers: a grid worker imports into her own grid
    area = client.get(reverse("imports:index")).context["form"].fields["area"].queryset.first()
    assert area is not None
    answer = client.post("/api/imports", {"area": area.code, "file": SimpleUploadedFile("名单.xlsx", data)})
    assert answer.status_code == 422, answer.content
    detail = answer.json()["detail"][0]
    assert detail["code"] in {"file_too_big_to_read", "file_too_wide"}
    assert detail["msg_zh"] and detail["msg"] and detail["msg_zh"] != detail["msg"]
    client.cookies["django_language"] = "en"
    page = client.post(reverse("imports:index"), {"area": area.pk, "file": SimpleUploadedFile("名单.xlsx", data)})
    assert page.status_code == 422
    assert "column" in page.content.decode() or "memory" in page.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_compression_bomb_is_a_422_over_the_api(street, settings):
    settings.LINLI_IMPORT_MAX_UNZIPPED = 2 * 1024 * 1024
    data = _packed()
    assert len(data) < 1_000_000
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 2 * 1024 * 1024
    client = street.client_for(street.secretary)
    answer = client.post("/api/imports", {"area": street.community.code,
                                          "file": SimpleUploadedFile("名单.xlsx", data)})
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"][0]["code"] == "file_too_large_unzipped"
    assert not ImportBatch.objects.exists()
