"""The API documentation works without internet access: every asset of `/docs` and `/redoc` comes from the gateway.

Two views of the same pages on the running system: the HTML as a client gets it (every script, style sheet and icon
it names is a path of the gateway, and the gateway serves it), and the pages as headless Chromium renders them with
every host name but the gateway's made unresolvable, recording each URL it requests in a NetLog: only the gateway's
own URLs are requested, and the rendered page shows every operation of the API.
"""

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx
import pytest

from tests.e2e.system import RunningSystem

PAGES = ("/docs", "/redoc")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class AssetLinks(HTMLParser):
    """Every URL a page makes the browser load: scripts, style sheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.urls.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))


def inline_urls(html: str) -> list[str]:
    """URLs the inline scripts hand to Swagger UI or ReDoc (the OpenAPI document, the OAuth2 redirect)."""
    return re.findall(r"""(?:url|oauth2RedirectUrl)['"]?\s*:\s*['"]([^'"]+)['"]""", html) + re.findall(
        r"""spec-url=['"]([^'"]+)['"]""", html
    )


@pytest.mark.parametrize("page", PAGES)
async def test_every_asset_a_docs_page_names_is_served_by_the_gateway(system: RunningSystem, page: str) -> None:
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as client:
        answer = await client.get(page)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html"), answer.text
        assert "default-src 'self'" in answer.headers["content-security-policy"]  # nothing loads from elsewhere
        links = AssetLinks()
        links.feed(answer.text)
        urls = links.urls + inline_urls(answer.text)
        assert any(u.endswith(".js") for u in links.urls), f"{page} names no script: {answer.text}"
        assert any("openapi.json" in u for u in urls), f"{page} names no OpenAPI document: {answer.text}"
        for url in urls:
            absolute = urljoin(str(answer.url), url)
            assert urlparse(absolute).netloc == urlparse(system.url).netloc, f"{page} loads {url} from elsewhere"
            served = await client.get(absolute)
            assert served.status_code == 200 and served.content, f"{url}: {served.status_code}"


async def test_the_root_redirects_to_the_docs(system: RunningSystem) -> None:
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as client:
        answer = await client.get("/")
        assert answer.status_code == 307 and answer.headers["location"] == "/docs"
        assert (await client.get("/", follow_redirects=True)).url.path == "/docs"


def browser() -> str:
    """Headless Chromium: the one installed, else Debian's, installed now (as .ci/run installs PostgreSQL)."""
    for name in BROWSERS:
        if path := shutil.which(name):
            return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, timeout=600)
        if path := shutil.which("chromium"):
            return path
    pytest.fail("headless Chromium is needed to render the docs pages: apt-get install chromium (as root)")


def rendered(url: str, work: Path) -> tuple[str, set[str]]:
    """The page's DOM once its scripts ran, and every URL the page requested, with no host but 127.0.0.1."""
    netlog = work / "netlog.json"
    done = subprocess.run(
        [
            browser(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-features=AutofillServerCommunication",
            f"--user-data-dir={work / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--log-net-log={netlog}",
            "--virtual-time-budget=30000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = netlog.read_text()
    if not text.rstrip().endswith("}"):  # a NetLog cut short at exit lacks its closing brackets
        text = text.rstrip().rstrip(",") + "]}"
    # The page's own requests, wherever they go, carry its site in their network isolation key; Chromium's
    # background requests (updates, time, dictionaries) carry another or none, and are not the page's doing.
    site = f"{urlparse(url).scheme}://{urlparse(url).hostname}"
    log = json.loads(text)
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [e.get("params") or {} for e in log["events"] if e["type"] == start_job]
    requested = {str(p["url"]) for p in starts if str(p.get("network_isolation_key", "")).startswith(site)}
    return done.stdout, requested


@pytest.mark.parametrize("page", PAGES)
async def test_chromium_renders_every_operation_with_only_the_gateways_assets(
    system: RunningSystem, page: str, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as client:
        operations = [
            operation
            for path in (await client.get("/openapi.json")).json()["paths"].values()
            for operation in path.values()
        ]
    dom, requested = rendered(f"{system.url}{page}", tmp_path)
    foreign = {u for u in requested if urlparse(u).netloc != urlparse(system.url).netloc}
    assert foreign == set(), f"{page} requested other hosts"
    assert f"{system.url}{page}" in requested and any(u.endswith("openapi.json") for u in requested), requested
    missing = [o["operationId"] for o in operations if o["operationId"] not in dom and o["summary"] not in dom]
    assert missing == [], f"{page} did not render {len(missing)} of {len(operations)} operations: {missing[:5]}"
