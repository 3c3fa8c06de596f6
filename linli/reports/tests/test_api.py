from __future__ import annotations

import io
import json
import zipfile

from django.test import Client
from python_calamine import CalamineWorkbook

from linli.ledger import log


def _post(client: Client, body: dict) -> object:
    return client.post("/api/reports/generate", json.dumps(body), content_type="application/json")


def test_templates_listed_for_those_who_may_export(street):
    assert Client().get("/api/reports/templates").status_code == 401
    assert street.client_for(street.grid_worker).get("/api/reports/templates").status_code == 403
    data = street.client_for(street.secretary).get("/api/reports/templates").json()
    assert {t["department"] for t in data} == {"health", "cdc", "police", "civil_affairs", "women", "education"}
    lists = [t for t in data if t["department"] != "women"]  # the women's federation asks for counts
    assert all(t["headers"][0] == "序号" for t in lists)
    assert next(t for t in data if t["department"] == "women")["headers"][:2] == ["小区", "妇女总数"]


def test_generate_one_and_all(street):
    log.forget_tree()
    client = street.client_for(street.secretary)
    response = _post(client, {"template": "police-floating-population", "scope": street.community.code})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][1] == "姓名"
    response = _post(client, {"template": "__all__", "scope": street.community.code})
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == 6
    assert _post(client, {"template": "__all__", "scope": street.other_community.code}).status_code == 404
    assert _post(client, {"template": "nope", "scope": street.community.code}).status_code == 422  # no such report
    assert _post(client, {"template": "x" * 100, "scope": street.community.code}).status_code == 422
    log.forget_tree()
