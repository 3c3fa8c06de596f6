"""Secrets load one way: NAME, NAME_FILE, else a 0600 file made once (no database needed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from linli.core.keys import load_data_keys, load_secret, write_private

NAME = "LINLI_TEST_SECRET"


@pytest.fixture(autouse=True)
def _no_secret_in_the_environment(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    write_private(tmp_path / "secret", "from the file")
    monkeypatch.setenv(NAME, "from the environment")
    assert load_secret(NAME, tmp_path / "secret") == "from the environment"


def test_a_mounted_secret_file_is_read_and_trimmed(tmp_path, monkeypatch):
    mounted = tmp_path / "mounted"
    mounted.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(mounted))
    assert load_secret(NAME, tmp_path / "absent", create=lambda: "never") == "s3cret"
    assert not (tmp_path / "absent").exists()


def test_an_unreadable_secret_file_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}_FILE"):
        load_secret(NAME, tmp_path / "secret")


def test_a_secret_is_made_once_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "new" / "dir" / "secret"
    made = iter(["first", "second"])
    assert load_secret(NAME, path, create=lambda: next(made)) == "first"
    assert load_secret(NAME, path, create=lambda: next(made)) == "first"  # kept across restarts
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_without_create_a_missing_secret_is_none(tmp_path):
    assert load_secret(NAME, tmp_path / "secret") is None
    assert load_secret(None, tmp_path / "secret") is None


def test_a_private_file_is_never_replaced(tmp_path):
    write_private(tmp_path / "key", "one")
    with pytest.raises(FileExistsError):
        write_private(tmp_path / "key", "two")
    assert (tmp_path / "key").read_text(encoding="utf-8") == "one"


def test_data_keys_are_generated_once_and_malformed_ones_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("LINLI_DATA_KEYS", raising=False)
    monkeypatch.delenv("LINLI_DATA_KEYS_FILE", raising=False)
    keys = load_data_keys(tmp_path / "data_keys.json")
    assert load_data_keys(tmp_path / "data_keys.json") == keys
    assert (tmp_path / "data_keys.json").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("LINLI_DATA_KEYS", "{not json")
    with pytest.raises(ImproperlyConfigured, match="LINLI_DATA_KEYS"):
        load_data_keys(tmp_path / "data_keys.json")
