"""/docs and /redoc work on a closed network: every asset comes from the server itself, and in Chromium with
every other host unreachable the Swagger page still lists the API's operations."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(server, page):
    response = httpx.get(server.url + page, timeout=30)
    assert response.status_code == 200 and "painmap" in response.text
    assets = _ASSET.findall(response.text)
    assert assets, "страница без скриптов и стилей"
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset), f"{page} грузит {asset} с другого хоста"
        served = httpx.get(server.url + asset, timeout=30)
        assert served.status_code == 200 and len(served.content) > 1000, asset
    assert httpx.get(server.url + "/openapi.json", timeout=30).json()["info"]["title"] == "painmap"


@pytest.mark.e2e
@pytest.mark.skipif(CHROMIUM is None, reason="нет chromium (Debian-пакет)")
def test_swagger_renders_with_other_hosts_unreachable(server, tmp_path: Path):
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        # Any host but the server's loopback address resolves to nothing: a CDN asset would fail to load.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        server.url + "/docs",
    ]
    dom = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120).stdout
    assert "swagger-ui" in dom
    assert "/v1/classify" in dom and "/v1/items/upload" in dom  # operations rendered by the script
