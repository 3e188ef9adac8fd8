"""The operator's page in Chromium against two daphne processes and two render workers:
both processes and workers show, a new client appears within 2 s, and a killed worker
turns red while its virtual moves to the other."""

import os
import signal
import time

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User

from effects.models import Lease
from tests.browser import ARTIFACTS, chromium
from tests.conftest import http, wait_until, ws_connect

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def held_by():
    """{virtual id: worker id} of the leases held now."""
    return await sync_to_async(lambda: dict(Lease.objects.held().values_list("virtual_id", "worker_id")))()


async def test_the_operators_page_follows_processes_clients_and_workers(live_servers, live_workers, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the server's own
    env = {"HEARTBEAT_SECONDS": "0.5", "RENDER_LEASE_SECONDS": "1.5"}
    web = [live_servers(**env) for _ in range(2)]
    workers = [live_workers(**env) for _ in range(2)]
    await sync_to_async(User.objects.create_superuser)("ops", password="a long passphrase")
    for name in ("Porch", "Stage"):
        await http("POST", web[0].http + "/api/devices", json={"type": "dummy", "config": {"name": name, "pixel_count": 30}})
        await http("POST", f"{web[0].http}/api/virtuals/{name.lower()}/effects", json={"type": "rainbow", "config": {"diag": True}})
    await wait_until(lambda: _two_workers_hold_one_each(), timeout=15, what="each worker rendering one virtual")

    async with chromium() as context:
        page = await context.new_page()
        await page.goto(web[0].http + "/admin/login/?next=/admin/operator/")
        await page.fill("input[name=username]", "ops")
        await page.fill("input[name=password]", "a long passphrase")
        await page.click("input[type=submit]")
        await page.wait_for_url("**/admin/operator/")
        await page.locator("#servers tr:not(.dead)").nth(1).wait_for()
        await page.locator("#workers tr:not(.dead)").nth(1).wait_for()
        assert await page.locator("#servers tr").count() == 2

        sock, client_id = await ws_connect(web[1].ws)
        connected_at = time.monotonic()
        await page.locator(f'#connections tr[data-client-id="{client_id}"]').wait_for(timeout=5000)
        assert time.monotonic() - connected_at < 2.0
        await page.locator('#virtuals tr[data-virtual-id="porch"] canvas.preview').wait_for()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=ARTIFACTS / "operator-live.png", full_page=True)

        before = await held_by()
        killed = workers[0]
        killed_id = next(worker_id for worker_id in before.values() if f":{killed.process.pid}:" in worker_id)
        moved = next(virtual_id for virtual_id, worker_id in before.items() if worker_id == killed_id)
        survivor_id = next(worker_id for worker_id in before.values() if worker_id != killed_id)
        os.kill(killed.process.pid, signal.SIGKILL)
        await page.locator(f'#workers tr.dead[data-worker-id="{killed_id}"]').wait_for(timeout=10000)
        await page.locator(f'#virtuals tr[data-virtual-id="{moved}"] td.worker', has_text=survivor_id).wait_for(timeout=10000)
        await page.screenshot(path=ARTIFACTS / "operator-worker-killed.png", full_page=True)
        await sock.close()


async def _two_workers_hold_one_each():
    held = await held_by()
    return len(held) == 2 and len(set(held.values())) == 2
