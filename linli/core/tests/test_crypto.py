from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from linli.conftest import same_on_every_database
from linli.core import crypto
from linli.people.models import Person


def test_round_trip_and_context_binding(settings):
    sealed = crypto.encrypt("110105194912310021", context="people.person.id_number")
    assert "110105194912310021" not in sealed
    assert sealed.startswith(crypto.data_keys().active + "$")
    assert crypto.decrypt(sealed, context="people.person.id_number") == "110105194912310021"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed, context="people.person.phone")  # copied into another column


def test_tampered_ciphertext_is_refused():
    sealed = crypto.encrypt("13812345678", context="c")
    key_id, _, body = sealed.partition("$")
    flipped = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{key_id}${flipped}", context="c")


def test_same_value_encrypts_differently_but_indexes_the_same():
    assert crypto.encrypt("x", context="c") != crypto.encrypt("x", context="c")
    assert crypto.blind_index("x", purpose="p") == crypto.blind_index("x", purpose="p")
    assert crypto.blind_index("x", purpose="p") != crypto.blind_index("x", purpose="q")


def test_rows_hold_no_plaintext(street):
    person = Person.objects.exclude(id_number="").exclude(phone="").exclude(special_groups_index="").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, special_groups FROM people_person WHERE id = %s", [person.pk])
        raw = " ".join(cursor.fetchone())
    assert person.id_number not in raw
    assert person.phone.removeprefix("+86") not in raw
    for group in person.special_groups:
        assert group not in raw


def test_key_rotation_keeps_old_rows_readable(tmp_path, monkeypatch):
    old = crypto.data_keys()
    sealed_old = crypto.encrypt("old value", context="c")
    rotated = crypto.DataKeys(active="k2", encryption={**old.encryption, "k2": os.urandom(32)}, index=old.index)
    monkeypatch.setenv("LINLI_DATA_KEYS", rotated.to_json())
    crypto.reset_key_cache()
    try:
        assert crypto.decrypt(sealed_old, context="c") == "old value"
        assert crypto.encrypt("new", context="c").startswith("k2$")
    finally:
        monkeypatch.delenv("LINLI_DATA_KEYS")
        crypto.reset_key_cache()


SCRIPT = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "linli.settings"
django.setup()
from django.core.management import call_command
call_command("demo", "--residents", "120", "--no-serve", "--quiet")
from linli.people.models import Person
from django.db import connection
rows = [(p.id_number, p.phone) for p in Person.objects.exclude(id_number="").exclude(phone="")[:50]]
with connection.cursor() as c:
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(json.dumps(rows))
"""


@same_on_every_database  # its own SQLite demo in a child process
def test_database_file_holds_no_plaintext_id_or_phone(tmp_path):
    env = {**os.environ, "LINLI_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True,
                         timeout=300)
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(rows) >= 20
    blob = b"".join(p.read_bytes() for p in Path(tmp_path).glob("linli.sqlite3*"))
    for id_number, phone in rows:
        assert id_number.encode() not in blob
        assert phone.removeprefix("+86").encode() not in blob
    keys = json.loads((tmp_path / "data_keys.json").read_text())
    assert (tmp_path / "data_keys.json").stat().st_mode & 0o777 == 0o600
    assert keys["active"] in keys["encryption"]
