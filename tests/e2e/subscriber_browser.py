"""A real browser for the subscription-manager tests: Debian's Chromium driven by Playwright.

Playwright cannot download its own browser here, so it launches the system's `chromium` (`.ci/run` installs it).
A missing browser fails the test that needs it, with the command that installs it: it is never skipped.
"""

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, async_playwright

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    given = os.environ.get("PROFILEHUB_CHROMIUM")
    found = given or next((p for c in CANDIDATES if (p := shutil.which(c))), None)
    assert found, (
        "no Chromium on PATH: install it (`apt-get install -y chromium`, as .ci/run does) or set PROFILEHUB_CHROMIUM"
    )
    return found


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            await browser.close()
