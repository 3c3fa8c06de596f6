"""The ledger in the demo: the departments of the synthetic street, a first entry, and two
witness servers (the health commission's and the CDC's) running beside the demo."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from linli.ledger import keys, log
from linli.ledger.models import Witness
from linli.ledger.parties import health_party, office_party
from linli.places.models import Level, Place

WITNESSES = [("health", 8101, "区卫健委见证服务器"), ("cdc", 8102, "区疾控中心见证服务器")]


def record_demo_import(stats: dict[str, Any], seed: int) -> None:
    """The demo street is the registry's first bulk import: the street office records it.
    Every community office and the district health commission get their keys now too."""
    street = Place.objects.filter(level=Level.STREET).order_by("code").first()
    if street is None:
        return
    for community in Place.objects.filter(level=Level.COMMUNITY, path__under=street.path).order_by("code")[:50]:
        office_party(community)
    health_party(street)
    with transaction.atomic():
        log.append("import_committed", party=office_party(street), payload={"source": "linli demo", "seed": seed,
                   **stats}, subject_ref=log.pseudonym("import", f"demo-{seed}"), path=street.path)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_demo_witnesses() -> list[subprocess.Popen[bytes]]:
    """Start the two witness servers as separate processes (as separate departments would
    run them) and register them with the log. Returns the processes to stop at exit."""
    processes = []
    log_key = keys.log_signer().verifier().encode()
    base = keys.origin().split("/")[0]
    linli = [sys.executable, "-m", "linli.cli"]
    for short, port, _label in WITNESSES:
        if not _port_free(port):
            continue
        directory = Path(settings.DATA_DIR) / "witnesses" / short
        name = f"{base}/witness/{short}"
        if not (directory / "witness.key").exists():
            subprocess.run([*linli, "ledger", "witness", "init", str(directory), name], check=True,  # noqa: S603
                           capture_output=True)
        verifier = _witness_verifier(directory)
        (directory / "logs.json").write_text(json.dumps({keys.origin(): [log_key]}), encoding="utf-8")
        processes.append(subprocess.Popen(  # noqa: S603
            [*linli, "ledger", "witness", "serve", str(directory), "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=(directory / "witness.log").open("ab")))
        Witness.objects.update_or_create(name=name, defaults={
            "url": f"http://127.0.0.1:{port}", "verifier_key": verifier, "active": True})
    for _ in range(50):
        if all(not _port_free(port) for _, port, _ in WITNESSES):
            break
        time.sleep(0.1)
    return processes


def _witness_verifier(directory: Path) -> str:
    from linli.ledger.note import CosignatureSigner

    return CosignatureSigner.decode((directory / "witness.key").read_text(encoding="utf-8").strip()).verifier().encode()
