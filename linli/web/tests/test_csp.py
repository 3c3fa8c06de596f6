"""Content-Security-Policy (decision 0014): a strict header on every page and nothing inline
that it would block. The access matrix applies ``csp_problems`` to every page it renders; these
tests pin the pages that had inline code and the policy itself."""

from __future__ import annotations

import re
from pathlib import Path

from django.template.loader import render_to_string
from django.test import Client

from linli.imports.models import BatchStatus, ImportBatch
from linli.web.tests.inline import csp_problems, inline_code

STATIC = Path(__file__).resolve().parents[2] / "static" / "linli"


def _directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_page_sends_a_policy_without_inline_or_eval(db):
    directives = _directives(Client().get("/login/"))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)


def test_the_finder_finds_what_the_policy_blocks():
    page = ('<p style="color:red">x</p><button onclick="go()">y</button><script>alert(1)</script>'
            '<a href="javascript:go()">z</a><style>p{}</style>'
            '<script src="/static/a.js"></script><script type="application/json" id="c">{}</script>')
    assert len(inline_code(page)) == 5


def test_print_buttons_and_the_report_selector_bind_in_a_static_script(street):
    grid_worker = street.client_for(street.grid_worker)
    person = street.person_in(street.grid_building)
    paper = grid_worker.get(f"/health/people/{person.pk}/paper-pass/")
    assert csp_problems(paper) == [] and "data-print" in paper.content.decode()
    reports = street.client_for(street.street_officer).get("/reports/")
    assert csp_problems(reports) == [] and "data-autosubmit" in reports.content.decode()
    app_js = (STATIC / "app.js").read_text(encoding="utf-8")
    assert "data-print" in app_js and "data-autosubmit" in app_js


def test_the_import_progress_bar_has_no_inline_width(street):
    batch = ImportBatch.objects.create(created_by=street.secretary, scope=street.community, path=street.community.path,
                                       file_name="roster.xlsx", file_sha256="0" * 64, status=BatchStatus.CHECKING,
                                       stage="check", progress_done=41, progress_total=100)
    page = street.client_for(street.secretary).get(f"/imports/{batch.pk}/")
    assert csp_problems(page) == []
    assert "ll-w-40" in page.content.decode() and "41%" in page.content.decode()
    # every width the server can choose has its class in the stylesheet
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    assert set(re.findall(r"\.ll-w-(\d+) \{ width: (\d+)%; \}", css)) == {(str(w), str(w)) for w in range(0, 101, 5)}


def test_the_server_error_page_has_no_inline_style():
    assert inline_code(render_to_string("500.html")) == []


def test_htmx_neither_injects_styles_nor_evaluates(street):
    page = street.client_for(street.secretary).get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page


def test_the_api_docs_run_under_the_same_policy(street):
    docs = street.client_for(street.admin).get("/api/docs")
    assert docs.status_code == 200
    assert _directives(docs) == _directives(Client().get("/login/"))
    assert csp_problems(docs) == []  # Swagger UI's settings are JSON data, its scripts static files
