"""The ledger API: for departments' auditors (the whole log) and for parties that submit
entries signed with their own keys. It holds no personal data, so it is not place-scoped:
without the right it answers 403, anonymously 401."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from linli.ledger import entry as entries
from linli.ledger import keys, log
from linli.ledger.models import LedgerEntry, Party
from linli.ledger.note import Signer

READS = ["/api/ledger/keys", "/api/ledger/checkpoints", "/api/ledger/entries?start=0&limit=10",
         "/api/ledger/proof/0"]


@pytest.fixture
def one_entry(street):
    log.forget_tree()
    party = keys.ensure_managed_party("test.linli/street", "街道", "street", ["report_submitted"])
    log.append("report_submitted", party=party, subject_ref="r:1", payload={"n": 1}, path=street.community.path)
    log.request_sequencing()
    yield street
    log.forget_tree()


@pytest.mark.parametrize("url", READS)
def test_reads_need_the_audit_right(one_entry, url):
    street = one_entry
    assert Client().get(url).status_code == 401
    assert street.client_for(street.grid_worker).get(url).status_code == 403
    response = street.client_for(street.health_officer).get(url)
    assert response.status_code == 200
    assert response.json()


def test_entries_and_proof_content(one_entry):
    client = one_entry.client_for(one_entry.street_officer)
    items = client.get("/api/ledger/entries").json()["items"]
    assert [i["index"] for i in items] == [0]
    assert base64.b64decode(items[0]["entry"]) == bytes(LedgerEntry.objects.get(index=0).body)
    assert client.get("/api/ledger/proof/0").json()["format"] == "linli-ledger-proof/v1"
    assert client.get("/api/ledger/proof/99").status_code == 404
    assert client.get("/api/ledger/entries?start=-1").status_code == 422
    assert client.get("/api/ledger/entries?limit=999999").status_code == 422


def test_a_department_submits_with_its_own_key(one_entry):
    street = one_entry
    signer = Signer.generate("police.example/ledger")
    Party.objects.create(name=signer.name, display_name="派出所", kind="police",
                         verifier_key=signer.verifier().encode(), key_id=signer.key_id.hex(),
                         entry_types=["material_transfer"])
    body = entries.EntryBody("material_transfer", "m:masks-001", 1_800_000_000_000, b"\x02" * 32, (0,),
                             signer.key_id, signer.name)
    payload = {"entry": base64.b64encode(entries.encode(body)).decode(),
               "signature": base64.b64encode(entries.sign_entry(body, signer)).decode()}
    client = street.client_for(street.health_officer)  # a role with ledger.submit
    response = client.post("/api/ledger/entries", json.dumps(payload), content_type="application/json")
    assert response.status_code == 202, response.content
    bad = dict(payload, signature=base64.b64encode(b"\x00" * 64).decode())
    response = client.post("/api/ledger/entries", json.dumps(bad), content_type="application/json")
    assert response.status_code == 422
    assert "signature" in response.json()["detail"][0]["msg"]
    assert street.client_for(street.grid_worker).post(
        "/api/ledger/entries", json.dumps(payload), content_type="application/json").status_code == 403


def test_ledger_page(one_entry):
    street = one_entry
    page = street.client_for(street.street_officer).get("/ledger/")
    assert page.status_code == 200 and "报表上报" in page.content.decode()
    assert street.client_for(street.grid_worker).get("/ledger/").status_code == 404
    subject = street.client_for(street.street_officer).get("/ledger/subject/r:1/")
    assert subject.status_code == 200 and "badge text-bg-success" in subject.content.decode()
