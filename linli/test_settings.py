"""Settings for the test suite: an isolated data directory with its own keys, fast hashing."""

import os
import tempfile

# Always a fresh directory: someone who exported LINLI_DATA_DIR (or key files) for the demo or a
# deployment must not find test keys and databases there, nor have tests read her keys.
os.environ["LINLI_DATA_DIR"] = tempfile.mkdtemp(prefix="linli-test-")
for _name in ("LINLI_DATA_KEYS", "LINLI_SECRET_KEY", "LINLI_LEDGER_KEY"):
    os.environ.pop(_name, None)
    os.environ.pop(_name + "_FILE", None)
os.environ.setdefault("LINLI_TASKS_IMMEDIATE", "true")

from linli.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Messages that would leave the platform stay in memory (linli.core.gateways.outbox), as Django's
# test runner does with e-mail; and live events use the database, whatever the shell says.
LINLI_SMS_BACKEND = LINLI_CALL_BACKEND = LINLI_APP_PUSH_BACKEND = "locmem"
LINLI_PUSH_URL = ""
LINLI_MENU_CACHE_SECONDS = 0  # tests change roles, duties and modes and look at the menu at once
LINLI_PUSH_PORT = 0
LINLI_PUSH_PUBLIC_URL = ""
