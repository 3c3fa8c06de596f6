"""Upward exchange: a community office exports, the street office above it imports."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from linli.conftest import Street
from linli.core.models import AuditEvent
from linli.exchange import aggregate, fileformat
from linli.exchange.actions import do_export, do_import, do_trust_office, latest_figures
from linli.exchange.errors import ExchangeError
from linli.exchange.keys import create_office_key, key_path
from linli.exchange.management.commands.exchange import Command
from linli.exchange.models import ExchangeFigure, ExchangeSnapshot, TrustedOffice
from linli.ledger.note import Signer
from linli.people.models import Person
from linli.people.search import group_index
from linli.places.models import Level, Place


class Offices:
    """Two offices sharing one test database, each with its own data directory (and key)."""

    def __init__(self, settings: Any, tmp_path: Path, street: Street) -> None:
        self.settings, self.tmp_path, self.street = settings, tmp_path, street
        self.community = street.community
        self.street_place = street.community.parent

    def be(self, name: str, code: str | None = None) -> Signer | None:
        self.settings.DATA_DIR = self.tmp_path / name
        if code is not None and not key_path().exists():
            return create_office_key(code)
        return None

    def community_export(self, **kwargs: Any) -> bytes:
        self.be("community", self.community.code)
        return do_export(self.community, acting_user=self.street.secretary, **kwargs).content

    def street_trusting_community(self) -> None:
        community_signer = self.be("community", self.community.code)
        if community_signer is None:
            community_signer = Signer.decode(key_path().read_text().strip())
        self.be("street", self.street_place.code)
        do_trust_office(community_signer.verifier().encode(), self.community.code, acting_user=self.street.admin)


@pytest.fixture
def offices(settings: Any, tmp_path: Path, street: Street) -> Offices:
    return Offices(settings, tmp_path, street)


def _lines(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode().splitlines()]


def _cell(content: bytes, place: str, measure: str, breakdown: str) -> dict[str, Any]:
    for line in _lines(content):
        if line.get("place") == place and line.get("measure") == measure:
            return next(c for c in line["cells"] if c["breakdown"] == breakdown)
    raise AssertionError((place, measure, breakdown))


def test_office_key_file_is_private_and_named_by_place(offices: Offices) -> None:
    signer = offices.be("community", offices.community.code)
    assert signer is not None and signer.name == offices.community.code
    assert key_path().stat().st_mode & 0o777 == 0o600
    with pytest.raises(ExchangeError):
        create_office_key(offices.community.code)  # never overwritten


def test_round_trip(offices: Offices, street: Street) -> None:
    content = offices.community_export()
    lines = _lines(content)
    header = lines[0]
    assert header["format"] == "linli-exchange/v1" and header["scope"] == offices.community.code
    assert header["k"] == 5 and len(header["sender_key_id"]) == 8 and "age_band" in header["dictionary"]
    assert set(lines[-1]) == {"signature", "key_id"}
    residents = Person.objects.filter(path__under=offices.community.path, is_active=True).count()
    assert _cell(content, offices.community.code, "residents", "total")["value"] == residents
    compounds = Place.objects.filter(path__under=offices.community.path, level=Level.COMPOUND)
    assert {line["place"] for line in lines[1:-1]} == {offices.community.code, *(c.code for c in compounds)}

    offices.street_trusting_community()
    result = do_import(content, acting_user=street.street_officer, filename="c.jsonl")
    assert result.created and result.figures == ExchangeFigure.objects.count() > 0
    figures = latest_figures(offices.community.code)
    assert figures[(offices.community.code, "residents", "total")] == residents
    assert AuditEvent.objects.filter(action="exchange.export", outcome="ok").exists()
    assert AuditEvent.objects.filter(action="exchange.import", outcome="ok").exists()


def test_reimport_is_idempotent_and_newer_file_supersedes(offices: Offices, street: Street) -> None:
    first = offices.community_export()
    offices.street_trusting_community()
    do_import(first, acting_user=street.admin)
    counts = (ExchangeSnapshot.objects.count(), ExchangeFigure.objects.count())
    again = do_import(first, acting_user=street.admin)
    assert not again.created and (ExchangeSnapshot.objects.count(), ExchangeFigure.objects.count()) == counts

    leaver = Person.objects.filter(path__under=offices.community.path, is_active=True).order_by("pk").first()
    Person.objects.filter(pk=leaver.pk).update(is_active=False)
    second = offices.community_export()
    offices.be("street")
    do_import(second, acting_user=street.admin)
    do_import(first, acting_user=street.admin)  # an older file arriving late changes nothing
    total = Person.objects.filter(path__under=offices.community.path, is_active=True).count()
    assert latest_figures(offices.community.code)[(offices.community.code, "residents", "total")] == total


@pytest.mark.parametrize("where", [0, 10, 200, -200, -60, -10, -2, -1])
def test_one_changed_byte_is_refused(offices: Offices, street: Street, where: int) -> None:
    content = bytearray(offices.community_export())
    offices.street_trusting_community()
    position = where % len(content)
    content[position] ^= 0x01
    with pytest.raises(ExchangeError):
        do_import(bytes(content), acting_user=street.admin)
    assert ExchangeSnapshot.objects.count() == 0


def test_every_byte_of_a_small_file_is_protected(offices: Offices, street: Street) -> None:
    compound = Place.objects.filter(path__under=offices.community.path, level=Level.COMPOUND).first()
    offices.be("community", offices.community.code)
    content = do_export(compound, acting_user=street.secretary).content
    offices.street_trusting_community()
    for position in range(0, len(content), max(1, len(content) // 400)):
        changed = bytearray(content)
        changed[position] ^= 0x20
        with pytest.raises(ExchangeError):
            do_import(bytes(changed), acting_user=street.admin)
    assert do_import(content, acting_user=street.admin).created


def test_unknown_key_is_refused(offices: Offices, street: Street) -> None:
    content = offices.community_export()
    offices.be("street", offices.street_place.code)
    with pytest.raises(ExchangeError) as exc:
        do_import(content, acting_user=street.admin)
    assert exc.value.code == "unknown_key" and "未登记" in str(exc.value)
    assert AuditEvent.objects.filter(action="exchange.import", outcome="denied").exists()


def test_scope_outside_importer_is_refused(offices: Offices, street: Street) -> None:
    content = offices.community_export()
    signer = Signer.decode(key_path().read_text().strip())
    offices.be("other", street.other_community.code)  # a sibling community, not above the sender
    TrustedOffice.objects.create(place_code=offices.community.code, verifier_key=signer.verifier().encode(),
                                 key_id=signer.key_id.hex())
    with pytest.raises(ExchangeError) as exc:
        do_import(content, acting_user=street.admin)
    assert exc.value.code == "outside_scope"


def test_sender_may_only_report_its_own_area(offices: Offices, street: Street) -> None:
    offices.street_trusting_community()
    offices.be("community")
    signer = Signer.decode(key_path().read_text().strip())
    header = {"format": fileformat.FORMAT, "scope": street.other_community.code, "sender_key_id": signer.key_id.hex(),
              "generated_at": "2025-01-01T00:00:00+00:00", "k": 5}
    forged = fileformat.write_signed([header], signer)
    offices.be("street")
    with pytest.raises(ExchangeError) as exc:
        do_import(forged, acting_user=street.admin)
    assert exc.value.code == "sender_scope"


@pytest.mark.parametrize("data", [b"", b"\n", b"not json\n{}\n", b'{"format":"linli-exchange/v1"}\n',
                                  b'{"a":1}\n{"signature":"!!","key_id":"00000000"}\n'])
def test_malformed_files_are_refused(offices: Offices, street: Street, data: bytes) -> None:
    offices.be("street", offices.street_place.code)
    with pytest.raises(ExchangeError) as exc:
        do_import(data, acting_user=street.admin)
    assert exc.value.code == "malformed"


def test_trust_rules(offices: Offices, street: Street) -> None:
    offices.be("street", offices.street_place.code)
    stranger = Signer.generate("somebody")
    with pytest.raises(ExchangeError) as exc:
        do_trust_office(stranger.verifier().encode(), offices.community.code, acting_user=street.admin)
    assert exc.value.code == "key_name"
    upper = Signer.generate(offices.street_place.parent.code)
    with pytest.raises(ExchangeError) as exc:
        do_trust_office(upper.verifier().encode(), offices.street_place.parent.code, acting_user=street.admin)
    assert exc.value.code == "not_below"
    with pytest.raises(ExchangeError):
        do_trust_office("garbage", offices.community.code, acting_user=street.admin)


def test_k_suppression_with_complement(offices: Offices, street: Street) -> None:
    first, second = Place.objects.filter(path__under=offices.community.path, level=Level.COMPOUND).order_by("path")[:2]
    Person.objects.filter(path__under=offices.community.path).update(special_groups_index="")
    token = group_index(["alone_elder"])
    for compound, n in ((first, 3), (second, 7)):
        pks = Person.objects.filter(path__under=compound.path, is_active=True).order_by("pk").values_list("pk", flat=True)[:n]
        Person.objects.filter(pk__in=list(pks)).update(special_groups_index=token)
    content = offices.community_export()
    assert _cell(content, first.code, "special_group", "alone_elder") == \
        {"breakdown": "alone_elder", "value": None, "suppressed": True, "reason": "below_k"}
    # 10 published for the community and 7 for the other compound would give the 3 away:
    # the 7 is withheld too, and the file says it is not small.
    assert _cell(content, second.code, "special_group", "alone_elder") == \
        {"breakdown": "alone_elder", "value": None, "suppressed": True, "reason": "complementary"}
    assert _cell(content, offices.community.code, "special_group", "alone_elder")["value"] == 10

    offices.street_trusting_community()
    do_import(content, acting_user=street.admin)
    stored = dict(ExchangeFigure.objects.filter(measure="special_group", breakdown="alone_elder")
                  .values_list("place_code", "withheld"))
    assert stored[first.code] == "below_k" and stored[second.code] == "complementary"
    assert stored[offices.community.code] == ""


def test_no_count_below_k_and_no_sum_with_one_unknown(offices: Offices, street: Street) -> None:
    scope = offices.street_place
    table = aggregate.build_table(
        scope, people=Person.objects.filter(path__under=scope.path, is_active=True),
        households=Person.objects.none(), houses=Place.objects.filter(path__under=scope.path, level=Level.HOUSE),
        today=datetime.date(2025, 6, 1), with_groups=True)
    aggregate.suppress(table, 5)
    assert table.hidden and all(v >= 5 for key, v in table.values.items() if key not in table.hidden)
    assert all(sum(c in table.hidden for c in [t, *m]) != 1 for t, m in table.sums)
    offices.be("street", scope.code)
    content = do_export(scope, acting_user=street.street_officer, k=50).content
    values = [c["value"] for line in _lines(content)[1:-1] for c in line["cells"]]
    assert all(v is None or v >= 50 for v in values)


def test_records_need_export_permission_and_carry_no_plain_identifiers(offices: Offices, street: Street) -> None:
    offices.be("community", offices.community.code)
    with pytest.raises(ExchangeError) as exc:
        do_export(offices.community, acting_user=street.health_officer, records=True)
    assert exc.value.code == "forbidden_records"
    assert AuditEvent.objects.filter(action="exchange.export", outcome="denied").exists()
    with pytest.raises(ExchangeError):
        do_export(offices.community, acting_user=street.grid_worker)  # sees one grid, not the community
    plain = do_export(offices.community, acting_user=street.health_officer)  # aggregates are fine
    assert plain.records == 0 and not _lines(plain.content)[0]["special_groups_included"]

    result = do_export(offices.community, acting_user=street.secretary, records=True)
    person = Person.objects.filter(path__under=offices.community.path, is_active=True).exclude(phone="").first()
    assert result.records > 0
    assert person.id_number.encode() not in result.content and person.phone.encode() not in result.content
    assert person.id_hash.encode() in result.content


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test transaction open

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            Command().run_from_argv(["linli", "exchange", *argv])
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cli(offices: Offices, street: Street, tmp_path: Path, run: Any) -> None:
    offices.be("community")
    code, community_key, _ = run("keys", "init", "--place", offices.community.code)
    assert code == 0 and community_key.startswith(offices.community.code + "+")
    assert run("keys", "init", "--place", offices.community.code)[0] == 1
    out = tmp_path / "up.jsonl"
    assert run("export", "--scope", offices.community.code, "--out", str(out), "--user", "demo-community")[0] == 0
    assert run("export", "--scope", offices.community.code, "--out", str(tmp_path / "r.jsonl"),
               "--user", "demo-health", "--records")[0] == 1

    offices.be("street")
    assert run("keys", "init", "--place", offices.street_place.code)[0] == 0
    code, _, err = run("import", str(out))
    assert code == 1 and "unknown key" in err and "未登记" in err
    assert run("keys", "trust", community_key.strip(), "--place", offices.community.code)[0] == 0
    code, stdout, _ = run("import", str(out))
    assert code == 0 and "imported" in stdout
    code, stdout, _ = run("import", str(out))
    assert code == 0 and "already imported" in stdout
    tampered = tmp_path / "bad.jsonl"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    code, _, err = run("import", str(tampered))
    assert code == 1 and "/" in err
    assert run("import", str(tmp_path / "missing.jsonl"))[0] == 1
    code, stdout, _ = run("show", "--scope", offices.community.code)
    assert code == 0 and "residents" in stdout
