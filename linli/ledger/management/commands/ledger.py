from __future__ import annotations

import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

HELP = """The shared ledger (防疫账簿).

  linli ledger verify                 recompute the whole log from the database; exit 1 on tampering
  linli ledger proof INDEX            print an offline-verifiable bundle for entry INDEX
  linli ledger check BUNDLE --keys K  verify a bundle with public keys only
  linli ledger keys                   print the public keys (log, parties, witnesses) as JSON
  linli ledger mirror URL --token T   pull the log from another Linli server and audit it
  linli ledger sequence [--loop]      sequence pending entries (the server does this by itself)
  linli ledger party add …            register a party run elsewhere, with its public key
  linli ledger witness init DIR NAME  create a witness key; prints its public key
  linli ledger witness serve DIR …    run a witness (another department's server)
  linli ledger witness add NAME URL KEY   ask this witness to cosign our checkpoints
"""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify")
        verify.add_argument("--quorum", action="store_true", help="also require the witness quorum")
        proof = sub.add_parser("proof")
        proof.add_argument("index", type=int)
        check = sub.add_parser("check")
        check.add_argument("bundle", type=Path)
        check.add_argument("--keys", type=Path, required=True, help="keys file from `linli ledger keys`")
        check.add_argument("--quorum", type=int, default=None)
        sub.add_parser("keys")
        mirror = sub.add_parser("mirror")
        mirror.add_argument("url")
        mirror.add_argument("--token", default="", help="API token of an account allowed to read the ledger")
        mirror.add_argument("--keys", type=Path, help="trusted keys file (default: the keys the server reports)")
        sequence = sub.add_parser("sequence")
        sequence.add_argument("--loop", action="store_true")
        party = sub.add_parser("party")
        party_sub = party.add_subparsers(dest="party_action", required=True)
        add = party_sub.add_parser("add")
        add.add_argument("name")
        add.add_argument("key", help="note verifier key: NAME+KEYID+BASE64")
        add.add_argument("--display-name", default="")
        add.add_argument("--kind", default="other")
        add.add_argument("--types", required=True, help="comma-separated entry types it may submit")
        witness = sub.add_parser("witness")
        witness_sub = witness.add_subparsers(dest="witness_action", required=True)
        init = witness_sub.add_parser("init")
        init.add_argument("directory", type=Path)
        init.add_argument("name")
        serve = witness_sub.add_parser("serve")
        serve.add_argument("directory", type=Path)
        serve.add_argument("--log", action="append", default=[], help="ORIGIN=VERIFIER_KEY of a log to witness")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8101)
        wadd = witness_sub.add_parser("add")
        wadd.add_argument("name")
        wadd.add_argument("url")
        wadd.add_argument("key", help="the witness's cosignature verifier key")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        getattr(self, f"_{action}")(**opts)

    # --- auditing ----------------------------------------------------------------------
    def _verify(self, quorum: bool, **_: Any) -> None:
        from linli.ledger.public import verify_database

        entries, checkpoints, finding = verify_database(require_quorum=quorum)
        if finding is None:
            self.stdout.write(f"Ledger intact: {entries} entries and {checkpoints} checkpoints verified. "
                              f"/ 账簿完整：已核验 {entries} 条记录、{checkpoints} 个检查点。")
            return
        self.stderr.write(f"LEDGER TAMPERED OR INCONSISTENT — {finding}\n账簿被篡改或不一致：{finding}")
        sys.exit(1)

    def _proof(self, index: int, **_: Any) -> None:
        from linli.ledger.log import LedgerError, proof_bundle
        from linli.ledger.models import LedgerEntry

        try:
            bundle = proof_bundle(index)
        except LedgerEntry.DoesNotExist as exc:
            raise CommandError(f"there is no entry {index} / 没有第 {index} 条记录") from exc
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(bundle.to_json(), ensure_ascii=False, indent=1))

    def _check(self, bundle: Path, keys: Path, quorum: int | None, **_: Any) -> None:
        from linli.ledger.auditing import check_bundle
        from linli.ledger.public import auditor_from_keys

        try:
            trusted = auditor_from_keys(json.loads(keys.read_text(encoding="utf-8")), quorum)
            data = json.loads(bundle.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot read the bundle or the keys: {exc}") from exc
        finding = check_bundle(data, trusted.log_verifier, trusted.parties, trusted.witnesses, trusted.quorum)
        if finding is None:
            self.stdout.write(f"Valid: entry {data['index']} is in the log, cosigned by at least "
                              f"{trusted.quorum} witness(es). / 有效。")
            return
        self.stderr.write(f"INVALID — {finding} / 无效")
        sys.exit(1)

    def _keys(self, **_: Any) -> None:
        from linli.ledger.public import public_keys

        self.stdout.write(json.dumps(public_keys(), ensure_ascii=False, indent=1))

    def _mirror(self, url: str, token: str, keys: Path | None, **_: Any) -> None:
        from linli.ledger.mirror import mirror

        trusted = json.loads(keys.read_text(encoding="utf-8")) if keys else None
        try:
            report = mirror(url, token=token, trusted_keys=trusted, progress=self.stderr)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot mirror {url}: {exc}") from exc
        if report.finding is None:
            self.stdout.write(f"Mirror of {url} consistent: {report.entries} entries, {report.checkpoints} "
                              "checkpoints verified. / 镜像核验一致。")
            return
        self.stderr.write(f"MIRROR FOUND A PROBLEM — {report.finding} / 镜像发现问题")
        sys.exit(1)

    # --- running ------------------------------------------------------------------------
    def _sequence(self, loop: bool, **_: Any) -> None:
        from linli.ledger.log import run_sequencer, sequence
        from linli.ledger.witnessing import collect_cosignatures

        if loop:
            self.stdout.write("Sequencing pending ledger entries every 2 s (Ctrl+C stops).")
            run_sequencer()
            return
        count = 0
        while (checkpoint := sequence()) is not None:
            collect_cosignatures(checkpoint)
            count = checkpoint.size
        self.stdout.write(f"Log size {count}." if count else "Nothing pending.")

    def _party(self, party_action: str, name: str, key: str, display_name: str, kind: str, types: str,
               **_: Any) -> None:
        from linli.ledger.models import Party, PartyKind
        from linli.ledger.note import NoteError, Verifier

        try:
            verifier = Verifier.decode(key)
        except NoteError as exc:
            raise CommandError(f"not a verifier key: {exc}") from exc
        if verifier.name != name:
            raise CommandError(f"the key is named {verifier.name!r}, not {name!r}")
        if kind not in PartyKind.values:
            raise CommandError(f"kind must be one of {', '.join(PartyKind.values)}")
        party, created = Party.objects.update_or_create(name=name, defaults={
            "display_name": display_name or name, "kind": kind, "verifier_key": key,
            "key_id": verifier.key_id.hex(), "entry_types": sorted(t.strip() for t in types.split(",") if t.strip()),
            "managed": False})
        self.stdout.write(f"{'Registered' if created else 'Updated'} party {party.name}.")

    def _witness(self, witness_action: str, **opts: Any) -> None:
        getattr(self, f"_witness_{witness_action}")(**opts)

    def _witness_init(self, directory: Path, name: str, **_: Any) -> None:
        from linli.core.keys import write_private
        from linli.ledger.note import CosignatureSigner

        directory.mkdir(parents=True, exist_ok=True)
        key_file = directory / "witness.key"
        if key_file.exists():
            raise CommandError(f"{key_file} exists already")
        signer = CosignatureSigner.generate(name)
        write_private(key_file, signer.encode() + "\n")
        self.stdout.write(signer.verifier().encode())

    def _witness_serve(self, directory: Path, log: list[str], host: str, port: int, **_: Any) -> None:
        from waitress import serve

        from linli.ledger.witness import Witness, WitnessConfig

        logs_file = directory / "logs.json"
        trusted = json.loads(logs_file.read_text(encoding="utf-8")) if logs_file.exists() else {}
        for item in log:
            origin, sep, vkey = item.partition("=")
            if not sep:
                raise CommandError("--log takes ORIGIN=VERIFIER_KEY")
            trusted.setdefault(origin, [])
            if vkey not in trusted[origin]:
                trusted[origin].append(vkey)
        logs_file.write_text(json.dumps(trusted, indent=1), encoding="utf-8")
        try:
            app = Witness(WitnessConfig.load(directory))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot start the witness: {exc}") from exc
        self.stdout.write(f"Witness {app.config.signer.name} at http://{host}:{port}/ for "
                          f"{', '.join(trusted) or 'no log yet'}")
        serve(app, host=host, port=port, threads=4, ident="linli-witness")

    def _witness_add(self, name: str, url: str, key: str, **_: Any) -> None:
        from linli.ledger.models import Witness
        from linli.ledger.note import CosignatureVerifier, NoteError

        try:
            verifier = CosignatureVerifier.decode(key)
        except NoteError as exc:
            raise CommandError(f"not a cosignature verifier key: {exc}") from exc
        if verifier.name != name:
            raise CommandError(f"the key is named {verifier.name!r}, not {name!r}")
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise CommandError("the witness URL must be http(s)://host[:port][/prefix]")
        Witness.objects.update_or_create(name=name, defaults={"url": url, "verifier_key": key, "active": True})
        self.stdout.write(f"Witness {name} will be asked to cosign new checkpoints.")
