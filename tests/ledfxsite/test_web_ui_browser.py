"""LedFx 2.2.1's own web UI, unchanged, in headless Chromium (Debian's, driven by
Playwright), against a real daphne serving what `make run` serves: the embedded mode with a
32x32 dummy matrix rendering noise2d. Screenshots go to test-artifacts/web-ui/."""

import asyncio
import re

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission, User

from tests.browser import ARTIFACTS, Browser, chromium
from tests.conftest import http, wait_until

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

MATRIX = "demo-matrix"


@pytest_asyncio.fixture
async def ui_server(live_servers):
    """`make run`'s server: embedded, with the demo matrix rendering, and previews large
    enough for it (the UI otherwise opens its "Not enough Pixels" dialog on every page, as
    it does with LedFx)."""
    server = live_servers(REDIS_URL="")
    created = (await http("POST", server.http + "/api/devices", json={"type": "dummy", "config": {"name": "Demo Matrix", "pixel_count": 1024, "rows": 32}})).json()
    assert created["status"] == "success", created
    await http("POST", f"{server.http}/api/virtuals/{MATRIX}/effects", json={"type": "noise2d", "config": {}})
    await http("PUT", server.http + "/api/config", json={"visualisation_maxlen": 1024})
    yield server


@pytest_asyncio.fixture
async def browser(ui_server):
    async with chromium() as context:
        yield Browser(context, ui_server.http)


async def body_text(page):
    return await page.inner_text("body")


@pytest.mark.parametrize("path", ["#/", "#/devices", f"#/device/{MATRIX}", "#/scenes", "#/settings"])
async def test_each_page_loads_without_the_host_dialog_errors_or_failed_api_requests(browser, path):
    page = await browser.open(path)
    await page.wait_for_timeout(1500)  # what the page fetches after its first paint
    await browser.shot(page, "page-" + (path.strip("#/").replace("/", "-") or "home"))
    text = await body_text(page)
    assert "LedFx-Core" not in text and "No LedFx" not in text
    assert browser.errors == []


LIT_PIXELS = (
    "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let lit = 0;"
    " for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 30) lit++; return lit; }"
)


async def test_the_devices_page_shows_a_live_preview(browser):
    page = await browser.open("#/devices")
    card = page.locator(".MuiCard-root", has_text="Demo Matrix")
    canvas = card.locator("canvas").first
    await canvas.wait_for()
    await wait_until(lambda: canvas.evaluate(LIT_PIXELS), what="a lit preview")
    first = await card.screenshot()
    await page.wait_for_timeout(500)
    second = await card.screenshot()
    await browser.shot(page, "devices-preview")
    assert first != second, "the preview does not move"
    assert browser.errors == []


async def test_client_management_lists_every_open_tab_and_drops_a_closed_one(browser):
    page = await browser.open("#/settings")
    other = await browser.open("#/devices")
    await page.get_by_text("CLIENT MANAGEMENT").click()
    await page.get_by_text("Connected Clients").wait_for()
    rows = page.locator("tbody tr")
    await wait_until(lambda: rows.count(), what="the clients table")
    await wait_until(lambda: _count_is(rows, 2), what="two clients listed")
    names = [await rows.nth(number).locator("td").first.inner_text() for number in range(2)]
    assert all(name.strip().startswith("Client-") for name in names), names
    assert "ago" in await rows.nth(0).inner_text()
    await browser.shot(page, "client-management")
    await other.close()
    await wait_until(lambda: _count_is(rows, 1), what="the closed tab to leave the list")
    assert browser.errors == []


async def _count_is(locator, expected):
    return await locator.count() == expected


async def test_the_global_pause_button_stops_every_virtual_and_resumes_them(browser, ui_server):
    page = await browser.open("#/devices")
    await page.get_by_role("button", name="play-pause").first.click()
    await wait_until(lambda: _paused_is(ui_server, True), what="the server to be paused")
    await page.get_by_role("button", name="play-pause").first.click()
    await wait_until(lambda: _paused_is(ui_server, False), what="the server to resume")
    assert browser.errors == []


async def _paused_is(server, expected):
    return (await http("GET", server.http + "/api/virtuals")).json()["paused"] is expected


async def test_a_preset_chosen_in_the_ui_is_what_renders(browser, ui_server):
    page = await browser.open(f"#/device/{MATRIX}")
    await page.get_by_role("button", name=re.compile("^lava$", re.IGNORECASE)).click()

    async def lava_set():
        effect = (await http("GET", f"{ui_server.http}/api/virtuals/{MATRIX}")).json()[MATRIX]["effect"]
        return effect["type"] == "noise2d" and effect["config"]["zoom"] == 3.0 and effect["config"]["speed"] == 0.5

    await wait_until(lava_set, what="the Lava preset on the matrix")
    await asyncio.sleep(0.5)
    await browser.shot(page, "preset-lava")
    assert browser.errors == []


async def effect_of(server, virtual_id=MATRIX):
    return (await http("GET", f"{server.http}/api/virtuals/{virtual_id}")).json()[virtual_id]["effect"]


async def test_a_scene_saved_in_the_ui_brings_its_effect_back(browser, ui_server):
    page = await browser.open("#/scenes")
    await page.get_by_role("button", name="add").first.click()
    await page.get_by_role("menu").get_by_text("Add Scene").click()
    await page.locator("[role=dialog] input").first.fill("Evening")
    await page.locator("[role=dialog]").get_by_role("button", name="ADD & CONFIGURE").click()
    await wait_until(lambda: _scene_saved(ui_server, "evening"), what="the scene in the database")
    await page.get_by_text("Edit Scene: Evening").wait_for()
    await page.get_by_role("button", name="CANCEL").last.click()
    await http("POST", f"{ui_server.http}/api/virtuals/{MATRIX}/effects", json={"type": "rainbow", "config": {}})
    await page.locator(".MuiCard-root", has_text="Evening").locator(".MuiCardActionArea-root").click()  # the scene's image
    await wait_until(lambda: _effect_type_is(ui_server, "noise2d"), what="the scene's effect back on the matrix")
    await browser.shot(page, "scene-activated")
    assert browser.errors == []


async def _scene_saved(server, scene_id):
    return scene_id in (await http("GET", server.http + "/api/scenes")).json()["scenes"]


async def _effect_type_is(server, effect_type):
    return (await effect_of(server)).get("type") == effect_type


async def test_the_diag_switch_shows_render_statistics(browser, ui_server):
    page = await browser.open(f"#/device/{MATRIX}")
    switches = page.locator("input[type=checkbox]")  # the effect's boolean options: diag, then test
    await switches.first.click()
    await wait_until(lambda: _diag_is_on(ui_server), what="diag on")
    panel = page.get_by_text("Render Avg")
    await panel.wait_for()
    fps = page.locator("text=FPS").locator("xpath=following::*[normalize-space(text())!=''][1]").first
    await wait_until(lambda: _positive_number(fps), what="an fps above 0 in the panel")
    await browser.shot(page, "diag-panel")
    assert browser.errors == []


async def _diag_is_on(server):
    return (await effect_of(server))["config"]["diag"] is True


async def _positive_number(locator):
    text = (await locator.inner_text()).strip()
    return text.isdigit() and int(text) > 0


async def test_an_effect_chosen_in_the_ui_is_what_renders(browser, ui_server):
    page = await browser.open(f"#/device/{MATRIX}")
    await page.locator("label", has_text="Effect Type").first.click()
    await page.get_by_text("Rainbow", exact=True).last.click()
    await wait_until(lambda: _effect_type_is(ui_server, "rainbow"), what="rainbow on the matrix")
    canvas = page.locator("canvas").first
    await wait_until(lambda: canvas.evaluate(LIT_PIXELS), what="the preview of the new effect")
    await browser.shot(page, "effect-rainbow")
    assert browser.errors == []


async def test_with_authentication_on_the_ui_shows_the_login_page_then_works(live_servers, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the server's own
    server = live_servers(REDIS_URL="", AUTH_REQUIRED="1")
    user = await sync_to_async(User.objects.create_user)("ann", password="a long passphrase")
    permission = await sync_to_async(Permission.objects.get)(codename="control", content_type__app_label="ledfxsite")
    await sync_to_async(user.user_permissions.add)(permission)
    async with chromium() as context:
        page = await context.new_page()
        await page.goto(server.http + "/")
        assert page.url == server.http + "/login/?next=/"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=ARTIFACTS / "auth-login.png")
        await page.fill("input[name=username]", "ann")
        await page.fill("input[name=password]", "a long passphrase")
        await page.click("input[type=submit]")
        await wait_until(lambda: Browser.host_stored(page), what="the UI, logged in")
        browser = Browser(context, server.http)
        ui = await browser.open("#/devices")
        await ui.wait_for_timeout(1000)
        text = await body_text(ui)
        assert "LedFx-Core" not in text and "No LedFx" not in text
        assert browser.errors == []
        await ui.screenshot(path=ARTIFACTS / "auth-logged-in.png")


async def test_editing_a_virtuals_segments_in_the_ui_calibrates_it_while_the_editor_is_open(browser, ui_server):
    from effects.models import Virtual

    halves = {"config": {"name": "Halves"}, "segments": [[MATRIX, 0, 511, False], [MATRIX, 512, 1023, True]]}
    assert (await http("POST", ui_server.http + "/api/virtuals", json=halves)).json()["status"] == "success"
    await http("POST", ui_server.http + "/api/virtuals/halves/effects", json={"type": "rainbow", "config": {}})

    async def calibrating(expected):
        return (await sync_to_async(Virtual.objects.get)(id="halves")).calibrating is expected

    page = await browser.open("#/devices")
    await page.locator(".MuiCard-root", has_text="Halves").get_by_label("show more").click()
    await page.get_by_role("button", name="Edit Virtual").first.click()
    await wait_until(lambda: calibrating(True), what="calibration on while the segment editor is open")
    await page.wait_for_timeout(500)
    await browser.shot(page, "segments-calibrating")
    await page.keyboard.press("Escape")
    await wait_until(lambda: calibrating(False), what="calibration off once it is closed")
    assert browser.errors == []
