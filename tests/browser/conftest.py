"""Browser tests: a real server on a small demo street, driven by Playwright in Debian's Chromium.

The server runs as a subprocess with its own data directory and SQLite database, exactly as
a user starts it (`linli demo --no-serve`, then `linli serve`), so these tests do not touch
the test database of the unit tests.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "browser-test-password"
_SERVER_DATA_DIR: list[Path] = []  # the running server's, for reading its authenticators' state
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


# The browser tests form two groups of about the same length (the role journeys at every size and
# language, and the rest), each run by one test process on its own server and demo street: a
# group's tests share the street they change, in the order they are written. Measured lengths:
# the journeys' group about 380 s, the other about 415 s of tests.
JOURNEYS_GROUP = {"test_journeys.py", "test_gate.py", "test_grid_worker.py", "test_widths.py"}


def browser_group(path: Path) -> str:
    return "browser-journeys" if path.name in JOURNEYS_GROUP else "browser"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group(browser_group(Path(str(item.fspath)))))
    # and first: the longest groups start at once while the other processes share the rest
    items.sort(key=lambda item: "tests/browser" not in str(item.fspath))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's data directory (its SQLite database is ``linli.sqlite3`` there)."""
    return tmp_path_factory.mktemp("linli-browser")


def _demo_street(data_dir: Path, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the demo street in ``data_dir``, or copy the one the other browser group built: the
    same street (size, seed and password), built once per run. A copy is a whole data directory,
    taken after the demo command has exited: its database, keys and files."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    built = shared / "browser-street"
    with open(shared / "browser-street.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other group waits for the street rather than building it too
        if built.exists():
            shutil.copytree(built, data_dir, dirs_exist_ok=True)
            return
        subprocess.run([sys.executable, "-m", "linli.cli", "demo", "--residents", "3000", "--no-serve", "--quiet"],
                       env=env, check=True, timeout=600, stdout=subprocess.DEVNULL)
        partial = shared / f"browser-street.{worker or 'main'}.partial"
        shutil.copytree(data_dir, partial)
        partial.rename(built)


@pytest.fixture(scope="session")
def server(server_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = server_data_dir
    _SERVER_DATA_DIR[:] = [data_dir]
    env = {**os.environ, "LINLI_DATA_DIR": str(data_dir), "LINLI_DEMO_PASSWORD": PASSWORD,
           "DJANGO_SETTINGS_MODULE": "linli.settings"}
    env.pop("DATABASE_URL", None)
    linli = [sys.executable, "-m", "linli.cli"]
    _demo_street(data_dir, env, tmp_path_factory)
    port = _free_port()
    log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115 - closed at teardown
    # The live events' push server on a free port of its own (by default it takes the next one).
    push_port = _free_port()
    process = subprocess.Popen([*linli, "serve", "--port", str(port), "--push-port", str(push_port)],
                               env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        # Up to three minutes: starting the server (imports, checks) takes 20–30 s on a busy 2-core
        # machine, and longer while the other browser group builds its own street beside it.
        deadline, answered = time.monotonic() + 180, False
        while not answered and time.monotonic() < deadline and process.poll() is None:
            try:
                urllib.request.urlopen(url + "/login/", timeout=1)  # noqa: S310 - our own local server
                answered = True
            except OSError:
                time.sleep(0.2)
        if not answered:
            pytest.fail("the Linli server did not start; see " + log.name)
        for _ in range(450):  # and its push server, for the pages' live events
            try:
                socket.create_connection(("127.0.0.1", push_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Playwright's synchronous API keeps an event loop in this thread until the session ends,
        # and Django refuses database calls where a loop runs. This process takes unit tests once
        # its browser group is done (the browser tests themselves never touch the test database),
        # and those call the database synchronously from the main thread, as they always do.
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests leave what a reviewer looks at (screenshots): ``$LINLI_TEST_ARTIFACTS``
    (CI sets ``./test-artifacts`` and keeps it), else the session's temporary directory."""
    chosen = os.environ.get("LINLI_TEST_ARTIFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def page_under_policy(context):  # type: ignore[no-untyped-def]
    """A page whose Content-Security-Policy violations (Chromium reports each on the console)
    fail the test that caused them: every page the browser tests visit runs under the policy."""
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and violations.append(f"{page.url}: {message.text}"))
    return page, violations


def _page_of_size(browser, width: int, height: int, *, mobile: bool = False):  # type: ignore[no-untyped-def]
    """A page in a fresh zh-CN context of that size; the test fails on any CSP violation seen."""
    extra = {"is_mobile": True, "has_touch": True} if mobile else {}
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **extra)
    page, violations = page_under_policy(context)
    yield page
    context.close()
    assert not violations, "\n".join(violations)


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    yield from _page_of_size(browser, 390, 844, mobile=True)


@pytest.fixture
def desktop(browser):  # type: ignore[no-untyped-def]
    yield from _page_of_size(browser, 1280, 900)


@pytest.fixture
def small_phone(browser):  # type: ignore[no-untyped-def]
    """The narrowest phone the pages are made for (360 px)."""
    yield from _page_of_size(browser, 360, 740, mobile=True)


@pytest.fixture
def wide(browser):  # type: ignore[no-untyped-def]
    """A common office laptop (1366 px)."""
    yield from _page_of_size(browser, 1366, 900)


def assert_no_sideways_scroll(page, what: str) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{what} scrolls sideways by {overflow}px"


def second_factor_code(username: str) -> str:
    """The code the demo's published key gives now, as a phone would show it, for the account's
    authenticator (decision 0022). A code is accepted once, so it takes the first time step the
    server will still accept: read from its database (the last step used and the clock drift
    it learnt), never an earlier step than the current one (a step boundary may pass before the
    server checks), waiting for the next step when the accepted ones are used up."""
    import sqlite3

    from django_otp.oath import hotp

    database = _SERVER_DATA_DIR[0] / "linli.sqlite3"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT d.key, d.last_t, d.drift, d.tolerance FROM otp_totp_totpdevice d JOIN core_user u ON u.id = d.user_id"
            " WHERE u.username = ? AND d.confirmed ORDER BY d.id DESC", (username,)).fetchone()
    assert row is not None, f"{username} has no authenticator"
    key, last_t, drift, tolerance = bytes.fromhex(row[0]), row[1], row[2], row[3]
    while True:
        now = int(time.time()) // 30 + drift
        step = max(now, last_t + 1)
        if step <= now + tolerance:
            return f"{hotp(key, step):06d}"
        time.sleep(30 - time.time() % 30 + 0.2)


def log_in(page, server: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """Through the real sign-in: the password, then (for the accounts whose roles need it) the
    code of the demo's authenticator."""
    page.goto(server + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    if "/account/second-factor/verify/" in page.url:
        page.fill("#id_code", second_factor_code(username))
        page.click("#code-form button[type=submit]")
    page.wait_for_url(server + "/")
