"""The camera's QR scanner is one script (linli/qrcamera.js) shared by the gate screen and the
supplies pickup page, rather than a loader copied into each page's script."""

from __future__ import annotations

from pathlib import Path

import pytest

from linli.conftest import Street
from linli.gates.models import Gate
from linli.gates.tests.helpers import put_on_duty

APPS = Path(__file__).resolve().parents[2]
PAGES = {"gate": APPS / "gates" / "static" / "gates" / "gate.js",
         "pickup": APPS / "handout" / "static" / "handout" / "scan.js"}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_pages_use_the_shared_camera_script(page: str) -> None:
    script = PAGES[page].read_text(encoding="utf-8")
    assert "LinliCamera.open(" in script
    assert 'createElement("script")' not in script and "new window.Html5Qrcode" not in script


def test_the_pickup_page_loads_it_before_its_own_script() -> None:
    template = (APPS / "handout" / "templates" / "handout" / "pickup.html").read_text(encoding="utf-8")
    assert template.index("'linli/qrcamera.js'") < template.index("'handout/scan.js'")


@pytest.mark.django_db
def test_the_gate_page_loads_it_and_keeps_it_offline(street: Street, gate: Gate) -> None:
    put_on_duty(gate, street.volunteer)
    html = street.client_for(street.volunteer).get(f"/gates/{gate.pk}/").content.decode()
    assert html.index("/static/linli/qrcamera.js") < html.index("/static/gates/gate.js")
    worker = street.client_for(street.volunteer).get("/gates/sw.js").content.decode()
    assert "/static/linli/qrcamera.js" in worker
