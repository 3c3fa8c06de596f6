"""Every model that holds personal or place-bound data has ``restrict`` and at least one
declared policy; the few that hold neither are named here, with why."""

from __future__ import annotations

from django.apps import apps

from linli.core.access import declared

# Configuration and bookkeeping: no person, no place.
NEITHER = {
    "core.user": "accounts; who may see whom goes through role assignments",
    "core.role": "role definitions",
    "core.audithead": "the chain's head pointer",
    "demo.demostreet": "how the demo street was built",
    "ledger.ledgerhead": "the log's head pointer",
    "ledger.witness": "witness servers' addresses and keys",
    "reports.reporttemplate": "the departments' templates",
    "grids.grid_places": "the link table of grids and places (read through the grid)",
    "devices.devicekind": "the kinds of device, as data (heartbeat, retention, event types)",
}


def test_every_model_with_personal_or_place_data_is_restricted_and_declared():
    labels = {label for label, _action in declared()}
    missing = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if not model.__module__.startswith("linli.") or label in NEITHER:
            continue
        if not hasattr(model.objects, "restrict") or label not in labels:
            missing.append(label)
    assert not missing, f"declare these models' access in their app's access.py: {missing}"
