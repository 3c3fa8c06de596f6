"""Deployment defaults read from the environment: HTTPS (redirect, HSTS, secure cookies),
``linli check --deploy`` clean with the README's production settings, and a data directory
that only Linli's account can read. Each case starts Linli in a child process, as an operator
would, since settings are read once at start."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from linli.conftest import same_on_every_database
from linli.core.filemodes import secure_data_dir

pytestmark = same_on_every_database  # Linli in child processes, never the run's database

# The production settings the README documents (its "Deployment" section), minus the
# database and task queue, which the checks do not look at.
PRODUCTION = {
    "LINLI_HTTPS": "true",
    "LINLI_HSTS_PRELOAD": "true",
    "LINLI_TRUSTED_PROXIES": "127.0.0.1",
    "LINLI_ALLOWED_HOSTS": "linli.example.gov.cn",
    "LINLI_CSRF_TRUSTED_ORIGINS": "https://linli.example.gov.cn",
}
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
plain = Client().get("/login/", HTTP_HOST="linli.example.gov.cn")
secure = Client().get("/login/", HTTP_HOST="linli.example.gov.cn", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csrf_cookie_secure": bool(secure.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
}))
"""


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DATABASE_URL", "DJANGO_"))}
    return {**env, "LINLI_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "linli.settings", **extra}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def _probe(tmp_path: Path, **extra: str) -> dict[str, object]:
    done = _run(["-c", PROBE], _env(tmp_path / "data", LINLI_ALLOWED_HOSTS="linli.example.gov.cn", **extra))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_https_from_the_environment_sets_redirect_hsts_and_secure_cookies(tmp_path):
    answer = _probe(tmp_path, LINLI_HTTPS="true", LINLI_HSTS_SECONDS="600")
    assert answer["plain"] == [301, "https://linli.example.gov.cn/login/"]
    assert answer["hsts"] == "max-age=600; includeSubDomains"
    assert answer["csrf_cookie_secure"] is True
    assert answer["session_cookie_secure"] is True


def test_hsts_defaults_to_a_year_with_https_and_to_nothing_without(tmp_path):
    assert _probe(tmp_path, LINLI_HTTPS="true", LINLI_HSTS_PRELOAD="true")["hsts"] == \
        "max-age=31536000; includeSubDomains; preload"
    plain = _probe(tmp_path)
    assert plain["plain"][0] == 200 and plain["hsts"] == "" and plain["session_cookie_secure"] is False


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for name, value in PRODUCTION.items():
        assert f"{name}={value}" in readme, f"the README's deployment settings do not set {name}={value}"
    done = _run(["-m", "linli.cli", "check", "--deploy", "--fail-level", "WARNING"],
                _env(tmp_path / "data", **PRODUCTION))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    # and without them, the same check names what is missing
    done = _run(["-m", "linli.cli", "check", "--deploy"], _env(tmp_path / "data"))
    assert "security.W004" in done.stderr + done.stdout and "security.W012" in done.stderr + done.stdout


def test_https_without_a_trusted_proxy_is_reported(tmp_path):
    done = _run(["-m", "linli.cli", "check", "--deploy"],
                _env(tmp_path / "data", **{**PRODUCTION, "LINLI_TRUSTED_PROXIES": ""}))
    assert "linli.W010" in done.stdout + done.stderr


# --- the data directory -------------------------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# Writes to the database and, while the connection is open (SQLite removes its -wal file when
# the last one closes), prints the mode of every file in the data directory.
TOUCH_DATABASE = """
import json, os, stat
from django.conf import settings
from django.db import connection
with connection.cursor() as c:
    c.execute('create table probe (x integer)')
modes = {}
for base, dirs, names in os.walk(settings.DATA_DIR):
    for name in names:
        path = os.path.join(base, name)
        modes[os.path.relpath(path, settings.DATA_DIR)] = stat.S_IMODE(os.stat(path).st_mode)
print(json.dumps(modes))
"""


def _modes_while_open(done: subprocess.CompletedProcess[str]) -> dict[str, int]:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_new_data_directory_is_private(tmp_path):
    data = tmp_path / "new" / "data"
    done = _run(["-m", "linli.cli", "shell", "-c", TOUCH_DATABASE], _env(data))
    modes = _modes_while_open(done)
    assert _mode(data) == 0o700
    assert {"linli.sqlite3", "linli.sqlite3-wal", "tasks.sqlite3", "secret_key"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}
    assert "readable" not in done.stderr  # nothing to warn about


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_open_data_directory_is_tightened_at_start_with_a_warning(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "linli.sqlite3").write_bytes(b"")
    (data / "secret_key").write_text("s" * 60)
    (data / "ledger").mkdir()
    (data / "ledger" / "log.key").write_text("k")
    for path in (data / "linli.sqlite3", data / "secret_key", data / "ledger" / "log.key"):
        path.chmod(0o644)
    done = _run(["-m", "linli.cli", "shell", "-c", TOUCH_DATABASE], _env(data))
    modes = _modes_while_open(done)
    assert _mode(data) == 0o700 and _mode(data / "ledger") == 0o700
    for name in ("linli.sqlite3", "linli.sqlite3-wal", "secret_key", "ledger/log.key"):
        assert modes[name] == 0o600, name
    assert "linli.sqlite3 (0644 → 0600)" in done.stderr and "secret_key (0644 → 0600)" in done.stderr
    assert "数据目录" in done.stderr


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_inside_a_private_directory_only_databases_and_keys_are_worth_a_warning(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "exchange").mkdir()
    (data / "exchange" / "report.jsonl").write_text("{}")
    (data / "exchange" / "report.jsonl").chmod(0o644)
    assert secure_data_dir(data, files=[data / "linli.sqlite3"]) == []
    assert _mode(data / "exchange" / "report.jsonl") == 0o600
    assert _mode(data / "linli.sqlite3") == 0o600
    (data / "linli.sqlite3").chmod(0o640)
    (data / "data_keys.json").write_text("{}")
    (data / "data_keys.json").chmod(0o604)
    assert sorted(secure_data_dir(data, files=[data / "linli.sqlite3"])) == [
        "data_keys.json (0604 → 0600)", "linli.sqlite3 (0640 → 0600)"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_shared_directory_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    done = _run(["-m", "linli.cli", "check"], _env(shared))
    assert done.returncode != 0
    assert "shared directory" in done.stderr
    assert _mode(shared) == 0o1777  # left as it was
