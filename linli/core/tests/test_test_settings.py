"""The test suite never writes into (or reads keys from) a data directory the user exported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_an_exported_data_dir_is_left_alone(tmp_path: Path) -> None:
    exported = tmp_path / "my-demo"
    exported.mkdir()
    env = {**os.environ, "LINLI_DATA_DIR": str(exported), "LINLI_DATA_KEYS_FILE": str(exported / "keys.json"),
           "DJANGO_SETTINGS_MODULE": "linli.test_settings"}
    code = ("import django; django.setup(); from django.conf import settings; "
            "from linli.core.crypto import data_keys; data_keys(); print(settings.DATA_DIR)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[3], check=False)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip().splitlines()[-1]) != exported
    assert list(exported.iterdir()) == []
