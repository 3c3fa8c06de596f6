"""The backup drill: build a small street, back it up, destroy it, restore it into an empty
installation, and check the audit chain, the ledger and a sample of people.

Runs the commands as an administrator would, in subprocesses with their own data directory;
on PostgreSQL (when DATABASE_URL is set) in a database of its own, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SAMPLE = """
import json
from linli.people.models import Person
rows = Person.objects.order_by("pk")[:25]
print(json.dumps([[p.pk, p.name, p.id_number, p.path] for p in rows], ensure_ascii=False))
"""


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """None for SQLite; otherwise the URL of a new, empty PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield None
        return
    import psycopg

    base = url.rsplit("/", 1)[0]
    name = f"linli_drill_{os.getpid()}"

    def admin(sql: str) -> None:
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{name}"')
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _linli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "linli.cli", *args], env=env, capture_output=True, text=True,
                          timeout=900)
    if check:
        assert done.returncode == 0, f"linli {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _sample(env: dict[str, str]) -> list[list[object]]:
    """The first people with their decrypted ID numbers (the shell's banner comes before)."""
    return json.loads(_linli(env, "shell", "-c", SAMPLE).stdout.strip().splitlines()[-1])


def test_backup_destroy_restore(tmp_path: Path, database_url: str | None) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "LINLI_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    _linli(env, "demo", "--residents", "300", "--no-serve", "--quiet")
    _linli(env, "audit", "anchor")
    before = _sample(env)
    assert len(before) == 25 and all(row[2] for row in before)

    key = tmp_path / "offline" / "backup-key.txt"
    recipient = _linli(env, "backup", "--new-key", str(key)).stdout.strip().splitlines()[-1]
    assert recipient.startswith("age1") and oct(key.stat().st_mode & 0o777) == "0o600"
    archive = tmp_path / "street.age"
    _linli(env, "backup", "--to", str(archive), "--recipient", recipient)
    assert b"AGE-SECRET-KEY" not in archive.read_bytes()
    assert before[0][1].encode() not in archive.read_bytes()  # encrypted: no name in the clear

    # Without the key, or into an installation that holds data, nothing is touched.
    wrong = tmp_path / "wrong-key.txt"
    _linli(env, "backup", "--new-key", str(wrong))
    refused = _linli(env, "restore", str(archive), "--key", str(wrong), check=False)
    assert refused.returncode != 0 and "无法解密" in refused.stderr
    refused = _linli(env, "restore", str(archive), "--key", str(key), check=False)
    assert refused.returncode != 0 and "--force" in refused.stderr

    # Disaster: the data directory and the database are gone.
    shutil.rmtree(data)
    if database_url:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

    restored = _linli(env, "restore", str(archive), "--key", str(key))
    assert "审计链完整" in restored.stdout and "账簿完整" in restored.stdout
    assert _sample(env) == before
    assert "审计链完整" in _linli(env, "audit", "verify").stdout
