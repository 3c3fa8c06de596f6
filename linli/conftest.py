"""Shared fixtures: one small synthetic street per test session, and named personas.

The street has three communities of two compounds each (two grids per compound), so every
persona has places both inside and outside her scope. Tests run inside transactions that
roll back, so the street is built once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from linli.core.management.commands.migrate import CACHE_VARIABLE as MIGRATED_COPIES
from linli.core.models import User
from linli.people.models import Person
from linli.places.models import Level, Place

PASSWORD = "street-test-password"  # noqa: S105 - test accounts only

# The pass checks written in JavaScript (the gate's) run under Node.js. CI installs it and sets
# LINLI_REQUIRE_NODE, so there a missing Node.js fails these tests; elsewhere they are skipped.
needs_node = pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("LINLI_REQUIRE_NODE"),
                                reason="Node.js is not installed (CI requires it)")
# Tests that never read the run's database (each starts its own SQLite data directory in a child
# process, or reads only code and settings) give the same answer whatever DATABASE_URL says: they
# run in the run without it, and CI's PostgreSQL run skips them instead of repeating them.
same_on_every_database = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="does not use the run's database; the run without DATABASE_URL covers it")

# The same for GNU gettext, whose xgettext `makemessages` runs (CI sets LINLI_REQUIRE_GETTEXT).
needs_gettext = pytest.mark.skipif(shutil.which("xgettext") is None and not os.environ.get("LINLI_REQUIRE_GETTEXT"),
                                   reason="GNU gettext is not installed (CI requires it)")


def pytest_configure(config: pytest.Config) -> None:
    """One directory per test run for migrated copies of an empty SQLite database (decision
    0051): the first test process or demo street that migrates keeps its database there, and
    the others copy it instead of migrating again. The test processes and the demos they start
    inherit the variable. A run that is given a directory (``.ci/run`` gives one to all its
    stages) keeps it."""
    if hasattr(config, "workerinput") or os.environ.get(MIGRATED_COPIES):
        return
    folder = tempfile.mkdtemp(prefix="linli-migrated-")
    os.environ[MIGRATED_COPIES] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    config.add_cleanup(lambda: os.environ.pop(MIGRATED_COPIES, None))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one test process more than the cores, at most four (decision 0050). A third
    of a test's time is spent waiting on another process (the browser, a server under test, the
    database), and the browser tests are two groups, each held by one process."""
    return min((os.cpu_count() or 1) + 1, 4)


@pytest.fixture(autouse=True)
def _own_ledger_checkpoint_file(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test's database rolls back, so the checkpoint kept outside it (``ledger.state``) is
    one per test too: a checkpoint left by another test must not look like a dropped tail."""
    base = tmp_path_factory.getbasetemp() / "ledger-checkpoints"
    settings.LINLI_LEDGER_CHECKPOINT_FILE = str(base / f"{uuid.uuid4().hex}.note")


@pytest.fixture(autouse=True)
def _ledger_caches_per_test() -> Any:
    """The ledger keeps its parties (a few seconds) and its tree in the process; a test's rows
    roll back, so what one test cached must not reach the next (a party id that no longer
    exists, a tree with leaves nobody wrote)."""
    from linli.ledger import log

    log.forget_tree()
    yield
    log.forget_tree()


@pytest.fixture(autouse=True)
def _task_store_per_test() -> Any:
    """Leases, heartbeats and an import's live progress sit in the task queue's store, in the
    test process's memory here. A test's rows roll back and the next test's batch may get the
    same id, so what one test left there must not reach the next (a page read another test's
    progress as its own)."""
    from huey.contrib.djhuey import HUEY

    yield
    HUEY.flush()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from linli.demo.builder import Plan, StreetBuilder

    with django_db_blocker.unblock():
        StreetBuilder(Plan(residents=1200, seed=7, password=PASSWORD, residents_per_compound=200,
                           compounds_per_community=2), show_progress=False).build()


@dataclass
class Street:
    """The test street and its personas (named as in the demo: grid worker, secretary …)."""

    admin: User
    street_officer: User
    secretary: User
    grid_worker: User
    health_officer: User
    resident: User
    volunteer: User
    outsider: User  # an account with no role at all
    community: Place  # demo-community's community
    other_community: Place
    grid_building: Place  # a building in demo-grid's grid
    other_grid_building: Place  # a building of the same community, another grid
    far_building: Place  # a building in another community

    def person_in(self, building: Place) -> Person:
        return Person.objects.filter(path__startswith=building.path).order_by("pk").first()

    def house_in(self, building: Place) -> Place:
        return Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path").first()

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return pass_second_factor(client, user)


def pass_second_factor(client: Client, user: User) -> Client:
    """Mark the client's session as having passed the second factor, as typing the code does
    (decision 0022): with the user's authenticator (the demo accounts that need one have it),
    or a new one for a user whose role needs it. A user who needs none is left as she is."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from linli.core import twofactor

    fresh = User.objects.get(pk=user.pk)  # her roles as they are now, not as first read
    device = twofactor.totp_device(fresh)
    if device is None:
        if not twofactor.needs_second_factor(fresh):
            return client
        device = twofactor.create_devices(fresh, twofactor.new_key())
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def make_street() -> Street:
    """The personas and places of the test street (the account with no role is created here, in
    the caller's transaction)."""
    from linli.grids.models import Grid

    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    nobody = User.objects.create_user("outsider", password=PASSWORD)
    communities = list(Place.objects.filter(level=Level.COMMUNITY).order_by("code"))
    grids = list(Grid.objects.filter(community=communities[0]).order_by("code"))
    grid_building = grids[0].places.order_by("path").first()
    other_grid_building = grids[1].places.order_by("path").first()
    far_building = Place.objects.filter(level=Level.BUILDING, path__startswith=communities[1].path).first()
    return Street(
        admin=users["demo-admin"], street_officer=users["demo-street"], secretary=users["demo-community"],
        grid_worker=users["demo-grid"], health_officer=users["demo-health"], resident=users["demo-resident"],
        volunteer=users["demo-volunteer"], outsider=nobody, community=communities[0],
        other_community=communities[1], grid_building=grid_building, other_grid_building=other_grid_building,
        far_building=far_building,
    )


@pytest.fixture
def street(db: Any) -> Street:
    return make_street()
