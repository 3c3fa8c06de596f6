"""Large-text mode: remembered on the account, and never a way to send someone elsewhere."""

from __future__ import annotations


def test_elder_mode_toggle(street):
    client = street.client_for(street.grid_worker)
    client.post("/elder-mode/", {"next": "/"})
    street.grid_worker.refresh_from_db()
    assert street.grid_worker.elder_mode is True
    assert 'class="elder"' in client.get("/").content.decode()
    response = client.post("/elder-mode/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
