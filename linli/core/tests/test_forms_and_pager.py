"""Date inputs carry ISO values in every language; pagers keep the list's filters."""

from __future__ import annotations

import datetime

from django.utils import translation

from linli.core import audit
from linli.people.forms import MoveOutForm


def test_a_date_input_carries_an_iso_value_in_chinese():
    with translation.override("zh-hans"):
        html = str(MoveOutForm(initial={"moved_out": datetime.date(2026, 12, 3)})["moved_out"])
    assert 'type="date"' in html and 'value="2026-12-03"' in html


def test_the_next_page_of_a_filtered_audit_log_keeps_the_filter(street):
    for n in range(60):
        audit.record("person.view", object_type="test", object_id=str(n), path=street.community.path)
    page = street.client_for(street.street_officer).get("/audit/", {"action": "person.view"})
    html = page.content.decode()
    assert "action=person.view&amp;page=2" in html or "page=2&amp;action=person.view" in html
    second = street.client_for(street.street_officer).get("/audit/", {"action": "person.view", "page": 2})
    assert {e.action for e in second.context["page"]} == {"person.view"}
