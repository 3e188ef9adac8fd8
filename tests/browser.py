"""LedFx's web UI in Debian's Chromium, driven by Playwright: a fresh profile, flags that
keep the browser off the network, and tabs that record what went wrong.

The UI asks GitHub for LedFx's latest release; this closed network has no GitHub, so the
browser is answered that 2.2.1 is the latest (nothing of ours is stubbed)."""

import contextlib
import json
import tempfile

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from tests.conftest import PROJECT_DIR, wait_until

ARTIFACTS = PROJECT_DIR / "test-artifacts" / "web-ui"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LATEST_RELEASE = json.dumps({"tag_name": "v2.2.1", "html_url": "https://github.com/LedFx/LedFx/releases/tag/v2.2.1"})


@contextlib.asynccontextmanager
async def chromium(extra_flags=()):
    """A browser context on a fresh profile (Debian's Chromium, never a downloaded one)."""
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="ledfxsite-chromium-"),
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_FLAGS, *extra_flags],
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        await context.route("https://api.github.com/**", lambda route: route.fulfill(status=200, content_type="application/json", body=LATEST_RELEASE))
        try:
            yield context
        finally:
            await context.close()


class Browser:
    """A fresh Chromium profile; records console errors and failed /api requests of every tab."""

    def __init__(self, context, base_url):
        self.context = context
        self.base_url = base_url
        self.errors = []

    async def open(self, path="/"):
        """A new tab at `path`. On its first visit the UI stores its host and reloads
        itself; errors are recorded from the load that follows."""
        page = await self.context.new_page()
        await page.goto(self.base_url + "/")
        await wait_until(lambda: self.host_stored(page), what="the UI to store its host")
        await page.wait_for_load_state("networkidle")
        page.on("console", lambda message: message.type == "error" and self.errors.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("response", lambda response: "/api/" in response.url and response.status >= 400 and self.errors.append(f"{response.status} {response.url}"))
        await page.goto(self.base_url + "/" + path.lstrip("/"))
        await page.wait_for_load_state("networkidle")
        return page

    @staticmethod
    async def host_stored(page):
        try:
            return await page.evaluate("localStorage.getItem('ledfx-host')")
        except PlaywrightError:  # the page is reloading
            return None

    async def shot(self, page, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return await page.screenshot(path=ARTIFACTS / f"{name}.png")
