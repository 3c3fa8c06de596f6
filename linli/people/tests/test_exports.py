from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from linli.core.models import AuditEvent
from linli.people.exports import export_list
from linli.people.models import Person


def test_people_export_is_masked_scoped_and_audited(street):
    result = export_list("people", "xlsx", scope=street.community, acting_user=street.secretary)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(result.content)).get_sheet_by_index(0).to_python()
    inside = Person.objects.filter(path__under=street.community.path, is_active=True).count()
    assert result.rows == inside
    ids = [r[3] for r in rows[1:result.rows + 1] if r[3]]
    assert ids and all("*" in i for i in ids)
    event = AuditEvent.objects.filter(action="people.export").latest("seq")
    assert event.detail == {"channel": "cli", "kind": "people", "format": "xlsx", "rows": inside, "full_values": False}


def test_full_values_need_a_purpose_and_the_right(street):
    result = export_list("people", "csv", scope=street.community, acting_user=street.secretary,
                         purpose_code="social_assistance", purpose="民政核对低保名单")
    text = result.content.decode("utf-8-sig")
    person = Person.objects.filter(path__under=street.community.path).exclude(id_number="").first()
    assert person.id_number in text
    event = AuditEvent.objects.filter(action="people.export").latest("seq")
    assert event.purpose == "社会救助（低保、特困）：民政核对低保名单"
    assert event.detail["purpose_code"] == "social_assistance" and event.detail["full_values"] is True


def test_other_lists_and_the_page(street):
    for kind in ("households", "houses", "groups"):
        assert export_list(kind, "csv", scope=street.community, acting_user=street.secretary).rows > 0
    client = street.client_for(street.secretary)
    assert client.get("/people/export/").status_code == 200
    # the file is made in the background (here at once: tasks run immediately in tests), then downloaded
    response = client.post("/people/export/", {"scope": street.community.code, "kind": "people", "format": "csv"})
    assert response.status_code == 302 and response["Location"].startswith("/downloads/")
    assert "文件已准备好" in client.get(response["Location"]).content.decode()
    response = client.get(response["Location"] + "file/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert client.post("/people/export/", {"scope": street.other_community.code, "kind": "people",
                                           "format": "csv"}).status_code == 404
    assert client.post("/people/export/", {"scope": street.community.code, "kind": "nope",
                                           "format": "csv"}).status_code == 422
    assert street.client_for(street.grid_worker).get("/people/export/").status_code == 404


def test_csv_cells_that_would_run_as_formulas_are_neutralised_and_read_back(street):
    """A note like =HYPERLINK(...) used to be written unchanged; spreadsheets ran it."""
    import csv

    from linli.imports.cells import clean_text

    person = Person.objects.filter(path__under=street.community.path, is_active=True).order_by("pk").first()
    payloads = ["=HYPERLINK(\"http://x.example\",\"点我\")", "@SUM(1+1)"]
    Person.objects.filter(pk=person.pk).update(hukou_address=payloads[0], name=payloads[1])
    result = export_list("people", "csv", scope=street.community, acting_user=street.secretary)
    cells = [cell for row in csv.reader(io.StringIO(result.content.decode("utf-8-sig"))) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'" + payloads[0] in cells and "'" + payloads[1] in cells
    # Linli's importer reads its own export back to the same value, and a typed '310… too.
    assert clean_text("'" + payloads[0]) == payloads[0]
    assert clean_text("'110101199003077578") == "110101199003077578"


def test_formulas_sent_in_a_csv_import_leave_the_export_as_text(street):
    """End to end: a CSV whose cells are formulas is imported over the API, then the people list
    is exported from the page as CSV (an apostrophe before each) and as xlsx (text cells)."""
    import csv
    import json
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.imports.tests.helpers import address_of, csv_bytes, make_id, person_row
    from linli.places.models import Level, Place

    house = Place.objects.filter(path__startswith=street.grid_building.path, level=Level.HOUSE).order_by("path")[0]
    payloads = ['=HYPERLINK("http://x.example","点我")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3",
                "=1+1"]
    rows = [person_row(n, f"公式{n}", make_id(seq=200 + n), "", address_of(house), 户籍地址=text)
            for n, text in enumerate(payloads, start=1)]
    client = street.client_for(street.secretary)
    report = client.post("/api/imports", {"area": street.community.code,
                                          "file": SimpleUploadedFile("名单.csv", csv_bytes(rows))}).json()
    assert report["counts"]["new"] == len(payloads), report
    done = client.post(f"/api/imports/{report['id']}/commit", json.dumps({}), content_type="application/json")
    assert done.status_code == 200, done.content
    stored = set(Person.objects.filter(name__startswith="公式").values_list("hukou_address", flat=True))
    assert stored == set(payloads)  # kept as typed: only the file a spreadsheet opens is neutralised

    for fmt in ("csv", "xlsx"):
        made = client.post("/people/export/", {"scope": street.community.code, "kind": "people", "format": fmt})
        assert made.status_code == 302, made.content
        content = client.get(made["Location"] + "file/")
        content = b"".join(content.streaming_content) if content.streaming else content.content
        if fmt == "csv":
            cells = [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]
            assert not any(cell.startswith(("=", "+", "-", "@", "\t=", "\r")) for cell in cells)
            assert {"'" + text for text in payloads} <= set(cells)
        else:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
            assert set(payloads) <= {cell for row in sheet for cell in row}  # the text, not a result
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
