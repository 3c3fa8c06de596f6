"""The map's optional tile layer (``LINLI_MAP_TILES``): checked at start, and the one origin the
page's Content-Security-Policy then lets images come from. Plain logic, no Django.

Without a tile URL the map draws Linli's own GeoJSON boundaries only, which is what most
government networks without internet get; with one, the tiles sit under the boundaries."""

from __future__ import annotations

from urllib.parse import urlsplit


class TileConfigError(ValueError):
    pass


def checked(url: str, attribution: str) -> str:
    """The tile URL template if it is usable (http(s), with ``{z}``, ``{x}`` and ``{y}``, and an
    attribution to show under the map), else TileConfigError saying what is wrong."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TileConfigError("LINLI_MAP_TILES must be an http:// or https:// URL template, e.g. "
                              "https://tiles.example.gov.cn/{z}/{x}/{y}.png")
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in url]
    if missing:
        raise TileConfigError(f"LINLI_MAP_TILES lacks {', '.join(missing)}: Leaflet fills them in per tile")
    if not attribution.strip():
        raise TileConfigError("LINLI_MAP_TILES_ATTRIBUTION must say whose tiles they are (shown under the map)")
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host and not host.startswith("{s}."):
        raise TileConfigError("LINLI_MAP_TILES may have a placeholder in its host only as the first label, {s}.")
    return url


def csp_source(url: str) -> str:
    """The Content-Security-Policy source that allows the tiles: scheme and host (``{s}.`` as
    ``*.``), port kept; "" when no tile URL is set."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    if host.startswith("{s}."):
        host = "*." + host[4:]
    return f"{parts.scheme}://{host}"
