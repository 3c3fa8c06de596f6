"""The OpenAPI document names each schema by its class name: two apps' schemas with the same name
would share one definition, and one of them would be described wrongly (the ledger's entries were
once validated against the alerts' timeline entries)."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from ninja import Schema

import linli


def test_no_two_api_schemas_share_a_name() -> None:
    for module in pkgutil.walk_packages(linli.__path__, "linli."):
        if module.name.endswith("api") and ".tests" not in module.name:
            importlib.import_module(module.name)
    by_name: dict[str, set[str]] = defaultdict(set)
    pending = list(Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("linli.") and ".tests" not in cls.__module__:
            by_name[cls.__name__].add(cls.__module__)
    shared = {name: sorted(modules) for name, modules in by_name.items() if len(modules) > 1}
    assert not shared, shared


def test_the_ledger_and_the_alerts_describe_their_own_entries(client) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert {"EntryOut", "AlertEntryOut", "ProgressOut", "ImportProgressOut"} <= set(schemas)
    assert "kind" in schemas["AlertEntryOut"]["properties"]
