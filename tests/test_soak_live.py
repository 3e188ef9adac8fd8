"""A bounded soak on the loopback: web processes and render workers killed (SIGKILL) and
stopped (SIGTERM) and replaced, and Redis restarted, at random, while clients connect,
subscribe, sync and leave. SOAK_SECONDS (default 15; `SOAK_SECONDS=300 pytest
tests/test_soak_live.py` for five minutes) and SOAK_SEED choose the run.

Afterwards every connection row is closed and announced once; an observer on a process
that is never killed heard client_disconnected at most once per client, and for every
client but those whose announcement went out while Redis was restarting (its pub/sub is at
most once); no virtual was rendered by two workers at once; and the processes that lived
through it all grew by less than RSS_GROWTH_BOUND_MB."""

import asyncio
import collections
import contextlib
import json
import os
import random
import signal
import time

import pytest
from asgiref.sync import sync_to_async

from django.db.models import Q

from clients.models import ClientConnection, ServerInstance
from tests.conftest import http, wait_until, ws_connect, ws_subscribe
from tests.effects.standins import ddp_listener, interleaved, runs_and_gaps

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "15"))
SOAK_SEED = int(os.environ.get("SOAK_SEED", "2026"))
RSS_GROWTH_BOUND_MB = 40
ENV = {"HEARTBEAT_SECONDS": "0.5", "RENDER_LEASE_SECONDS": "1.5"}
VIRTUALS = 4


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


class Observer:
    """A websocket on the process that is never killed, counting client_disconnected."""

    def __init__(self, sock):
        self.sock = sock
        self.announced = collections.Counter()
        self.task = asyncio.create_task(self.listen())

    async def listen(self):
        async for text in self.sock:
            frame = json.loads(text)
            if frame.get("event_type") == "client_disconnected":
                self.announced[frame["client_id"]] += 1


class Soak:
    def __init__(self, live_servers, live_workers, redis_server, rng):
        self.live_servers, self.live_workers, self.redis_server, self.rng = live_servers, live_workers, redis_server, rng
        self.web = [live_servers(**ENV) for _ in range(2)]
        self.workers = [live_workers(**ENV)]
        self.clients = []  # (socket, client id)
        self.client_ids = set()
        self.redis_restarts = []  # (start, end) as time.time()
        self.actions = collections.Counter()

    async def step(self):
        action = self.rng.choices(["connect", "leave", "sync", "kill_web", "stop_web", "kill_worker", "restart_redis"], [8, 4, 3, 1, 1, 1, 1])[0]
        self.actions[action] += 1
        await getattr(self, action)()

    async def connect(self):
        server = self.rng.choice(self.web)
        try:
            sock, client_id = await ws_connect(server.ws)
            await ws_subscribe(sock, 1, "client_sync")
        except Exception:  # a process just killed, or Redis down: the client gives up, as clients do
            return
        self.clients.append((sock, client_id))
        self.client_ids.add(client_id)

    async def leave(self):
        if self.clients:
            sock, _ = self.clients.pop(self.rng.randrange(len(self.clients)))
            await sock.close()

    async def sync(self):
        if self.clients:
            _, client_id = self.rng.choice(self.clients)
            with contextlib.suppress(Exception):  # the process may have just been killed
                await http("POST", self.rng.choice(self.web).http + "/api/clients", json={"action": "sync", "client_id": client_id})

    async def kill_web(self):
        index = self.rng.randrange(len(self.web))
        self.web[index].kill()
        self.web[index] = self.live_servers(**ENV)

    async def stop_web(self):
        index = self.rng.randrange(len(self.web))
        self.web[index].process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(self.web[index].process.wait, 15)
        self.web[index] = self.live_servers(**ENV)

    async def kill_worker(self):
        self.workers[0].kill()
        self.workers[0] = self.live_workers(**ENV)

    async def restart_redis(self):
        started = time.time()
        await asyncio.to_thread(self.redis_server.restart)
        # Events published from just before the restart until the processes have rejoined
        # their groups (a heartbeat or two) may be lost: pub/sub delivers at most once.
        self.redis_restarts.append((started - 1.0, time.time() + 2.0))

    def during_a_redis_restart(self, moment):
        return any(start <= moment.timestamp() <= end for start, end in self.redis_restarts)


async def all_rows_closed_and_announced(but):
    rows = await sync_to_async(list)(ClientConnection.objects.exclude(client_id=but).values_list("disconnected_at", "disconnect_announced"))
    return rows and all(closed is not None and announced for closed, announced in rows)


async def test_a_soak_of_kills_stops_and_redis_restarts_leaves_everything_consistent(live_servers, live_workers, redis_server):
    observing = live_servers(**ENV)
    steady_worker = live_workers(**ENV)
    listeners = []
    for number in range(VIRTUALS):
        transport, listener, port = await ddp_listener()
        listeners.append((transport, listener))
        device = {"type": "ddp", "config": {"name": f"Strip {number}", "pixel_count": 10, "ip_address": "127.0.0.1", "port": port}}
        await http("POST", observing.http + "/api/devices", json=device)
        await http("POST", f"{observing.http}/api/virtuals/strip-{number}/effects", json={"type": "rainbow", "config": {}})
    watcher, watcher_id = await ws_connect(observing.ws)
    await ws_subscribe(watcher, 1, "client_disconnected")
    observer = Observer(watcher)
    soak = Soak(live_servers, live_workers, redis_server, random.Random(SOAK_SEED))
    await wait_until(lambda: all(listener.frames for _, listener in listeners), timeout=15, what="every strip rendering")
    settled = [len(listener.frames) for _, listener in listeners]
    rss_before = {process.process.pid: rss_mb(process.process.pid) for process in (observing, steady_worker)}

    deadline = time.monotonic() + SOAK_SECONDS
    while time.monotonic() < deadline:
        await soak.step()
        await asyncio.sleep(soak.rng.uniform(0.1, 0.6))
    for sock, _ in soak.clients:
        await sock.close()
    try:
        await wait_until(lambda: all_rows_closed_and_announced(but=watcher_id), timeout=30, what="every connection row closed and announced")
    except AssertionError:
        left = await sync_to_async(list)(ClientConnection.objects.exclude(client_id=watcher_id).filter(Q(disconnected_at__isnull=True) | Q(disconnect_announced=False)).values())
        servers = await sync_to_async(list)(ServerInstance.objects.values())
        raise AssertionError(f"rows not closed and announced: {left}\nserver instances: {servers}") from None
    await asyncio.sleep(2.0)  # the sweeps after that announce nothing more

    print(f"soak {SOAK_SECONDS:g} s, seed {SOAK_SEED}: {dict(soak.actions)}, {len(soak.client_ids)} clients")
    assert all(count == 1 for count in observer.announced.values()), [client for client, count in observer.announced.items() if count > 1]
    closed_at = await sync_to_async(lambda: dict(ClientConnection.objects.exclude(client_id=watcher_id).values_list("client_id", "disconnected_at")))()
    unheard = {client_id for client_id in closed_at if client_id not in observer.announced}
    assert not {client_id for client_id in unheard if not soak.during_a_redis_restart(closed_at[client_id])}, unheard
    for (transport, listener), since in zip(listeners, settled):
        transport.close()
        runs, _ = runs_and_gaps(listener, since)
        assert not interleaved(runs), runs
    growth = {pid: rss_mb(pid) - before for pid, before in rss_before.items()}
    assert all(grown < RSS_GROWTH_BOUND_MB for grown in growth.values()), growth
    observer.task.cancel()
    await watcher.close()
