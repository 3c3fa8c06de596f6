"""The audit log speaks words: every action code and fixed purpose the code records has them."""

from __future__ import annotations

import ast
from pathlib import Path

from linli.core import audit
from linli.core.audit_words import ACTIONS, PURPOSES

ROOT = Path(__file__).resolve().parents[2]


def _recorded() -> tuple[set[str], set[str]]:
    """Action codes and fixed purposes passed to audit.record and its helpers in the code."""
    actions: set[str] = set()
    purposes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            position = {"record": 0, "_record": 0, "_read": 1}.get(name)
            if position is not None and len(node.args) > position:
                first = node.args[position]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value:
                    actions.add(first.value)
                if name == "_read" and len(node.args) > 2 and isinstance(node.args[2], ast.Constant):
                    purposes.add(node.args[2].value)
            for keyword in node.keywords:
                if keyword.arg == "purpose" and isinstance(keyword.value, ast.Constant) and keyword.value.value \
                        and name != "blind_index":
                    purposes.add(keyword.value.value)
    return actions, purposes


def test_every_recorded_action_and_fixed_purpose_has_words():
    actions, purposes = _recorded()
    assert len(actions) > 40 and "people.search" in actions and "health.quarantine_list" in actions
    assert not actions - set(ACTIONS), sorted(actions - set(ACTIONS))
    assert not purposes - set(PURPOSES), sorted(purposes - set(PURPOSES))


def test_the_audit_page_shows_words_not_codes(street):
    client = street.client_for(street.secretary)
    audit.record("people.search", actor=street.secretary, path=street.community.path)
    audit.record("health.quarantine_list", actor=street.secretary, path=street.community.path,
                 purpose="quarantine list")
    audit.record("person.view", actor=street.secretary, obj=street.person_in(street.grid_building))
    html = client.get("/audit/").content.decode()
    assert "搜索居民" in html and "people.search" not in html.split("<tbody>")[1]
    assert "people.person" not in html and "居民" in html
    filtered = client.get("/audit/?action=people.search").content.decode()
    assert '<option value="people.search" selected>' in filtered
    assert "例如" not in filtered


def test_django_messages_end_with_a_chinese_full_stop():
    from django import forms
    from django.utils import translation

    field = forms.DecimalField(max_digits=4, decimal_places=1)
    with translation.override("zh-hans"):
        try:
            field.clean("36.55")
        except forms.ValidationError as exc:
            message = exc.messages[0]
    assert message == "小数不超过 1 位。"
