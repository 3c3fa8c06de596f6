"""The optional tile server: checked at start, used by the page when set, and the one origin the
overview page's Content-Security-Policy then allows images from; nothing changes when unset."""

from __future__ import annotations

import json
import re

import pytest

from linli.overview import tiles

URL = "https://{s}.tiles.example.gov.cn:8443/{z}/{x}/{y}.png"


def test_a_tile_url_is_checked():
    assert tiles.checked("", "") == ""
    assert tiles.checked(URL, "© 天地图") == URL
    for bad, said in [("ftp://x/{z}/{x}/{y}", "http"), ("https://x/{z}/{x}.png", "{y}"),
                      ("https://a{s}b.x/{z}/{x}/{y}", "first label")]:
        with pytest.raises(tiles.TileConfigError, match=re.escape(said)):
            tiles.checked(bad, "x")
    with pytest.raises(tiles.TileConfigError, match="ATTRIBUTION"):
        tiles.checked(URL, " ")


def test_the_policy_names_the_tile_origin():
    assert tiles.csp_source(URL) == "https://*.tiles.example.gov.cn:8443"
    assert tiles.csp_source("http://10.1.2.3/t/{z}/{x}/{y}.png") == "http://10.1.2.3"
    assert tiles.csp_source("") == ""


def _img_src(response) -> str:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    return next(part for part in policy.split(";") if part.strip().startswith("img-src"))


def _settings(response) -> dict:  # type: ignore[no-untyped-def]
    found = re.search(r'<script id="ov-settings" type="application/json">(.*?)</script>', response.content.decode())
    assert found
    return json.loads(found.group(1))


def test_the_screen_uses_tiles_only_when_configured(street, settings):
    client = street.client_for(street.secretary)
    plain = client.get("/overview/")
    assert _settings(plain)["tiles"] is None and "example.gov.cn" not in _img_src(plain)

    settings.LINLI_MAP_TILES, settings.LINLI_MAP_TILES_ATTRIBUTION = URL, "© 天地图"
    tiled = client.get("/overview/")
    assert _settings(tiled)["tiles"] == {"url": URL, "attribution": "© 天地图", "maxZoom": 19}
    assert "https://*.tiles.example.gov.cn:8443" in _img_src(tiled)
    other = client.get(f"/places/{street.community.pk}/")  # no other page loads tiles
    assert "example.gov.cn" not in other["Content-Security-Policy"]
