"""A device's admin page in Chromium after the worker saw it fail and come back for real: a
DDP device aimed at a closed UDP port (the kernel refuses the packets), then at a listener
opened on that port. The page shows its uptime, its last failure and its latest entries."""

import asyncio
import socket

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User

from effects.models import HistoryEntry
from tests.browser import ARTIFACTS, chromium
from tests.conftest import http, wait_until
from tests.effects.standins import DdpListener

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def closed_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def kinds_recorded():
    return await sync_to_async(list)(HistoryEntry.objects.filter(object_id="porch", object_type="device").order_by("id").values_list("kind", flat=True))


async def test_a_devices_page_shows_its_uptime_last_failure_and_history(live_servers, live_workers, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the server's own
    server = live_servers()
    live_workers()
    await sync_to_async(User.objects.create_superuser)("ops", password="a long passphrase")
    port = closed_udp_port()
    device = {"type": "ddp", "config": {"name": "Porch", "pixel_count": 30, "ip_address": "127.0.0.1", "port": port}}
    assert (await http("POST", server.http + "/api/devices", json=device)).json()["status"] == "success"
    assert (await http("POST", server.http + "/api/virtuals/porch/effects", json={"type": "rainbow", "config": {}})).json()["status"] == "success"

    async def seen(*kinds):
        return await kinds_recorded() == ["created", *kinds]

    await wait_until(lambda: seen("offline"), timeout=10, what="the refused device recorded offline")
    transport, listener = await asyncio.get_running_loop().create_datagram_endpoint(DdpListener, local_addr=("127.0.0.1", port))
    await wait_until(lambda: seen("offline", "online"), timeout=10, what="the device recorded online once it listens")
    assert listener.frames

    async with chromium() as context:
        page = await context.new_page()
        await page.goto(server.http + "/admin/login/?next=/admin/effects/device/porch/change/")
        await page.fill("input[name=username]", "ops")
        await page.fill("input[name=password]", "a long passphrase")
        await page.click("input[type=submit]")
        await page.wait_for_url("**/admin/effects/device/porch/change/")
        uptime = await page.locator(".field-uptime .readonly").inner_text()
        assert 0.0 < float(uptime.rstrip("%")) < 100.0  # a few seconds offline of its life so far
        assert "ConnectionRefusedError" in await page.locator(".field-last_failure .readonly").inner_text()
        rows = page.locator(".field-history table.recent-history tbody tr")
        assert [await rows.nth(row).locator("td").nth(1).inner_text() for row in range(await rows.count())] == ["online", "offline", "created"]
        assert await rows.nth(0).locator("td").nth(2).inner_text() == "worker"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=ARTIFACTS / "device-history.png", full_page=True)
        await page.click(".field-history a")
        await page.wait_for_url("**/admin/effects/historyentry/**")
        assert await page.locator("#result_list tbody tr").count() == 3
    transport.close()
