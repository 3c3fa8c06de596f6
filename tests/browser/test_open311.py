"""Open311 GeoReport v2 against the running server, as a third-party program sees it: the
published ``georeport`` client from PyPI reads the catalogue and the requests in JSON and XML;
filing goes over plain HTTP form posts, because that client (the only maintained Python 3 one)
reads but does not file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests
from georeport import GeoReport


def _api_key(data_dir: Path, street_code: str) -> str:
    env = {**os.environ, "LINLI_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "linli.cli", "open311_client", "browser-test", "--scope",
                          street_code], env=env, check=True, capture_output=True, text=True, timeout=120).stdout
    return out.strip().rsplit(" ", 1)[-1]


def test_a_real_open311_client_round_trip(server: str, server_data_dir: Path) -> None:
    with sqlite3.connect(server_data_dir / "linli.sqlite3") as db:
        street_code = db.execute("SELECT code FROM places_place WHERE level = 'street'").fetchone()[0]
        house_code = db.execute("SELECT code FROM places_place WHERE level = 'house' ORDER BY path").fetchone()[0]
    key = _api_key(server_data_dir, street_code)
    root = f"{server}/open311/v2"
    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        codes = {s["service_code"] for s in client.get_service_list()}
        assert {"repair-water", "noise", "utilities"} <= codes
        definition = client.get_service_definition("repair-water")
        assert definition["service_code"] == "repair-water"

    filed = requests.post(f"{root}/requests.json", data={
        "api_key": key, "service_code": "repair-water", "attribute[house_code]": house_code,
        "description": "卫生间漏水，楼下天花板发黄", "phone": "13800138000"}, timeout=30)
    assert filed.status_code == 201, filed.text
    number, token = filed.json()[0]["service_request_id"], filed.json()[0]["token"]

    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["service_code"] == "repair-water" and not one.get("description")  # private by default
        listed = client.get_service_requests(service_code="repair-water", status="open")
        listed = listed if isinstance(listed, list) else [listed]
        assert number in {r["service_request_id"] for r in listed}
    assert requests.get(f"{root}/tokens/{token}.json", timeout=30).json()[0]["service_request_id"] == number
