from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from linli.core.models import AppendOnlyError
from linli.ledger import entry as entries
from linli.ledger import keys, log, merkle
from linli.ledger.auditing import check_bundle, conflicting_checkpoints
from linli.ledger.models import Checkpoint, LedgerEntry, Party, Payload, Witness
from linli.ledger.note import Checkpoint as CheckpointBody
from linli.ledger.note import CosignatureSigner, Signer, sign_note
from linli.ledger.public import auditor_from_keys, public_keys, verify_database
from linli.ledger.witness import Witness as WitnessServer
from linli.ledger.witness import WitnessConfig


def _append(party: Party, n: int, entry_type: str = "report_submitted") -> list[str]:
    refs = []
    for i in range(n):
        with transaction.atomic():
            log.append(entry_type, party=party, subject_ref=log.pseudonym("report", i),
                       payload={"report": i, "rows": 10 * i}, path="31/")
        refs.append(log.pseudonym("report", i))
    log.request_sequencing()  # on commit in real use; tests never commit
    return refs


def test_append_sequences_and_signs_a_checkpoint(street_party):
    _append(street_party, 5)
    assert LedgerEntry.objects.count() == 5
    assert list(LedgerEntry.objects.values_list("index", flat=True)) == [0, 1, 2, 3, 4]
    latest = log.latest_checkpoint()
    assert latest is not None and latest.size == 5
    leaves = [bytes.fromhex(h) for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    assert latest.root == merkle.root_from_leaf_hashes(leaves).hex()
    assert latest.note.startswith(f"{keys.origin()}\n5\n")
    assert verify_database() == (5, Checkpoint.objects.count(), None)


def test_rolled_back_work_leaves_no_entry(street_party):
    with pytest.raises(RuntimeError), transaction.atomic():
        log.append("report_submitted", party=street_party, subject_ref="r:1", payload={})
        raise RuntimeError
    assert not LedgerEntry.objects.exists()


def test_refuses_types_the_party_may_not_submit(street_party):
    with pytest.raises(log.LedgerError, match="may not submit"):
        log.append("quarantine_order", party=street_party, subject_ref="p:x", payload={})


def test_external_party_submits_its_own_signature(db):
    signer = Signer.generate("cdc.example/ledger")
    Party.objects.create(name=signer.name, display_name="疾控中心", kind="cdc", verifier_key=signer.verifier().encode(),
                         key_id=signer.key_id.hex(), entry_types=["quarantine_order"])
    body = entries.EntryBody("quarantine_order", "p:abc", 1_700_000_000_000, b"\x01" * 32, (), signer.key_id,
                             signer.name)
    with transaction.atomic():
        log.submit(entries.encode(body), entries.sign_entry(body, signer))
    log.request_sequencing()
    assert LedgerEntry.objects.get().party.name == signer.name
    forged = Signer.generate(signer.name).sign(entries.signed_message(body))  # right name, wrong key
    with pytest.raises(log.LedgerError, match="signature"):
        log.submit(entries.encode(body), forged)


def test_log_rows_are_append_only(street_party):
    _append(street_party, 1)
    row = LedgerEntry.objects.get()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET entry_type = 'x'")


def test_payload_can_be_redacted_without_breaking_the_log(street_party):
    _append(street_party, 3)
    payload = Payload.objects.first()
    payload.content, payload.redaction_reason = None, "依法删除个人信息"
    payload.save()
    assert verify_database()[2] is None


# --- tampering, detected by verify and by a mirror ---------------------------------------

def _drop_guards() -> None:
    """What someone with direct database access does first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("ledger_ledgerentry", "ledger_checkpoint", "ledger_cosignature"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for table in ("ledger_ledgerentry", "ledger_checkpoint", "ledger_cosignature"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def _tamper_body(index: int) -> None:
    entry = LedgerEntry.objects.get(index=index)
    body = entries.decode(bytes(entry.body))
    changed = entries.EntryBody(body.entry_type, "r:rewritten", body.claimed_at, body.payload_hash,
                                body.references, body.submitter_key_id, body.submitter)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET body = %s WHERE id = %s", [entries.encode(changed), entry.pk])


def _delete(index: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_ledgerentry WHERE \"index\" = %s", [index])


def _swap(a: int, b: int) -> None:
    """Reorder two entries, leaf hashes and all, so each row is self-consistent."""
    rows = {e.index: e for e in LedgerEntry.objects.filter(index__in=[a, b])}
    with connection.cursor() as cursor:
        for target, source in ((a, rows[b]), (b, rows[a])):
            cursor.execute("UPDATE ledger_ledgerentry SET body = %s, signature = %s, leaf_hash = %s "
                           "WHERE \"index\" = %s",
                           [bytes(source.body), bytes(source.signature), source.leaf_hash, target])


TAMPERING = {"altered entry": lambda: _tamper_body(3), "deleted entry": lambda: _delete(2),
             "reordered entries": lambda: _swap(1, 4)}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_caught_by_verify(street_party, how, capsys):
    _append(street_party, 6)
    call_command("ledger", "verify")
    _drop_guards()
    TAMPERING[how]()
    assert verify_database()[2] is not None
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "verify")
    assert exit_info.value.code == 1
    assert "TAMPERED" in capsys.readouterr().err


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_caught_by_a_mirror(street_party, street, how, monkeypatch):
    _append(street_party, 6)
    client = street.client_for(street.street_officer)

    def fake_get(base: str, path: str, token: str) -> Any:
        response = client.get(path)
        assert response.status_code == 200, response.content
        return response.json()

    from linli.ledger import mirror

    monkeypatch.setattr(mirror, "_get", fake_get)
    trusted = public_keys()  # what the auditing department saved earlier
    assert mirror.mirror("http://log.example", trusted_keys=trusted).finding is None
    _drop_guards()
    TAMPERING[how]()
    log.forget_tree()
    report = mirror.mirror("http://log.example", trusted_keys=trusted)
    assert report.finding is not None, how


def test_mirror_api_is_for_auditors_only(street_party, street):
    _append(street_party, 1)
    assert street.client_for(street.grid_worker).get("/api/ledger/entries").status_code == 403
    assert street.client_for(street.health_officer).get("/api/ledger/entries").status_code == 200


# --- proofs -------------------------------------------------------------------------------

def test_proof_bundle_checks_offline(street_party, tmp_path: Path):
    _append(street_party, 9)
    bundle = log.proof_bundle(4).to_json()
    trusted = auditor_from_keys(public_keys(), quorum=0)
    assert check_bundle(bundle, trusted.log_verifier, trusted.parties, trusted.witnesses, 0) is None
    broken = dict(bundle, index=5)
    assert check_bundle(broken, trusted.log_verifier, trusted.parties, trusted.witnesses, 0) is not None
    keys_file, bundle_file = tmp_path / "keys.json", tmp_path / "bundle.json"
    keys_file.write_text(json.dumps(public_keys()))
    bundle_file.write_text(json.dumps(bundle))
    call_command("ledger", "check", str(bundle_file), "--keys", str(keys_file), "--quorum", "0")
    with pytest.raises(SystemExit):
        call_command("ledger", "check", str(bundle_file), "--keys", str(keys_file), "--quorum", "1")


def test_conflicting_checkpoints_prove_misbehaviour(street_party):
    _append(street_party, 4)
    signer = keys.log_signer()
    honest = Checkpoint.objects.get(size=4).note.encode()
    forked = sign_note(CheckpointBody(keys.origin(), 4, b"\x07" * 32).body(), signer)
    assert conflicting_checkpoints(honest, forked, signer.verifier()) is not None
    bigger = sign_note(CheckpointBody(keys.origin(), 6, b"\x08" * 32).body(), signer)
    assert conflicting_checkpoints(honest, bigger, signer.verifier(), [b"\x00" * 32]) is not None
    stranger = sign_note(CheckpointBody(keys.origin(), 4, b"\x07" * 32).body(), Signer.generate(keys.origin()))
    assert conflicting_checkpoints(honest, stranger, signer.verifier()) is None  # not the log's word


# --- witnesses ----------------------------------------------------------------------------

def _witness(tmp_path: Path, name: str) -> WitnessServer:
    signer = CosignatureSigner.generate(name)
    (tmp_path / name.replace("/", "_")).mkdir()
    directory = tmp_path / name.replace("/", "_")
    (directory / "witness.key").write_text(signer.encode())
    (directory / "logs.json").write_text(json.dumps({keys.origin(): [keys.log_signer().verifier().encode()]}))
    return WitnessServer(WitnessConfig.load(directory), clock=lambda: 1_800_000_000)


def _route_to(servers: dict[str, WitnessServer], monkeypatch: pytest.MonkeyPatch) -> None:
    from linli.ledger import witnessing

    def fake_post(url: str, body: bytes) -> tuple[int, bytes]:
        status, _, response = servers[url].add_checkpoint(body)
        return status, response

    monkeypatch.setattr(witnessing, "_post", fake_post)


def test_two_witnesses_cosign_and_bundles_reach_quorum(street_party, tmp_path, monkeypatch):
    servers = {"http://health": _witness(tmp_path, "health.example/w"), "http://cdc": _witness(tmp_path, "cdc.example/w")}
    for url, server in servers.items():
        Witness.objects.create(name=server.config.signer.name, url=url,
                               verifier_key=server.config.signer.verifier().encode())
    _route_to(servers, monkeypatch)
    _append(street_party, 3)
    _append(street_party, 2)
    latest = log.latest_checkpoint()
    assert latest.cosignatures.count() == 2
    trusted = auditor_from_keys(public_keys(), quorum=2)
    bundle = log.proof_bundle(1).to_json()
    assert check_bundle(bundle, trusted.log_verifier, trusted.parties, trusted.witnesses, 2) is None
    assert verify_database(require_quorum=True)[2] is None
    assert all(server.latest(keys.origin())[0] == 5 for server in servers.values())


def test_witness_refuses_a_rolled_back_or_forked_log(street_party, tmp_path):
    from linli.ledger.tree import LevelTree
    from linli.ledger.witness import build_request

    server = _witness(tmp_path, "police.example/w")
    signer = keys.log_signer()
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(10)]
    tree = LevelTree(leaves)

    def note(size: int, root: bytes | None = None) -> bytes:
        return sign_note(CheckpointBody(keys.origin(), size, root or tree.root(size)).body(), signer)

    assert server.add_checkpoint(build_request(0, [], note(6)))[0] == 200
    assert server.add_checkpoint(build_request(6, tree.consistency_proof(6, 8), note(8)))[0] == 200
    # rolled back: the log pretends to be smaller than what the witness already cosigned
    status, ctype, body = server.add_checkpoint(build_request(6, tree.consistency_proof(6, 7), note(7)))
    assert (status, ctype, body) == (409, "text/x.tlog.size", b"8\n")
    # forked: a different history at size 10 cannot be proved consistent with size 8
    forked = LevelTree(leaves[:7] + [merkle.leaf_hash(b"evil")] + leaves[8:])
    fork_note = note(10, forked.root(10))
    assert server.add_checkpoint(build_request(8, forked.consistency_proof(8, 10), fork_note))[0] == 422
    # two histories at the same size
    assert server.add_checkpoint(build_request(8, [], note(8, forked.root(8))))[0] == 409
    # a checkpoint not signed by the log
    stranger = sign_note(CheckpointBody(keys.origin(), 9, tree.root(9)).body(), Signer.generate(keys.origin()))
    assert server.add_checkpoint(build_request(8, tree.consistency_proof(8, 9), stranger))[0] == 403
    # the honest extension still works
    assert server.add_checkpoint(build_request(8, tree.consistency_proof(8, 10), note(10)))[0] == 200
    assert server.latest(keys.origin()) == (10, tree.root(10))


def test_witness_http_interface(street_party, tmp_path):
    from io import BytesIO

    from linli.ledger.witness import build_request

    server = _witness(tmp_path, "civil.example/w")
    body = build_request(0, [], sign_note(CheckpointBody(keys.origin(), 1, merkle.leaf_hash(b"x")).body(),
                                          keys.log_signer()))
    seen: dict[str, Any] = {}
    out = server({"PATH_INFO": "/add-checkpoint", "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)),
                  "wsgi.input": BytesIO(body)}, lambda status, headers: seen.update(status=status))
    assert seen["status"] == "200 OK"
    line = b"".join(out).decode()
    assert line.startswith("— civil.example/w ")
    assert len(base64.b64decode(line.split()[-1])) == 4 + 8 + 64
    server({"PATH_INFO": "/add-checkpoint", "REQUEST_METHOD": "POST", "CONTENT_LENGTH": "5",
            "wsgi.input": BytesIO(b"hello")}, lambda status, headers: seen.update(status=status))
    assert seen["status"] == "400 Bad Request"


def test_append_many_sequences_its_batch_after_what_was_pending(street_party):
    log._sequencer_running.set()  # queue single appends without sequencing them yet
    try:
        with transaction.atomic():
            log.append("report_submitted", party=street_party, subject_ref="r:first", payload={})
        with transaction.atomic():
            log.append_many("import_committed", party=street_party,
                            items=[(f"i:{k}", {"k": k}) for k in range(50)], path="31/")
    finally:
        log._sequencer_running.clear()
    assert LedgerEntry.objects.get(index=0).subject_ref == "r:first"
    assert LedgerEntry.objects.count() == 51 and log.latest_checkpoint().size == 51
    assert verify_database() == (51, 1, None)
    bundle = log.proof_bundle(30).to_json()
    trusted = auditor_from_keys(public_keys(), quorum=0)
    assert check_bundle(bundle, trusted.log_verifier, trusted.parties, trusted.witnesses, 0) is None
