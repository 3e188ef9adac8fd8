"""End to end: real daphne and a real `runworker effects` over Redis (and the embedded
mode, one process, no Redis): REST sets an effect, the websocket receives diagnostics."""

import asyncio
import json
import time

import pytest

from effects import services
from effects.models import Virtual
from tests.conftest import daphne_command, free_port, http, ws_connect, ws_json, ws_subscribe

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

DIAG_KEYS = ["id", "type", "event_type", "virtual_id", "fps", "r_avg", "r_min", "r_max", "cycle", "sleep", "phy"]
PHY_KEYS = ["fps", "ver", "n", "name", "rssi", "qual"]
REFRESH_RATE = 62


async def subscribed_socket(server, *event_types):
    sock, _ = await ws_connect(server.ws)
    for number, event_type in enumerate(event_types, 1):
        await ws_subscribe(sock, number, event_type)
    return sock


async def create_matrix(server):
    response = await http("POST", server.http + "/api/devices", json={"type": "dummy", "config": {"name": "Matrix", "pixel_count": 1024, "rows": 32}})
    assert response.json()["device"]["id"] == "matrix"


async def set_effect(server, config):
    response = await http("POST", server.http + "/api/virtuals/matrix/effects", json={"type": "noise2d", "config": config})
    assert response.json()["status"] == "success", response.text


async def next_event(sock, event_type, timeout=5.0):
    """The next frame of this event type (skipping others), with its arrival time."""
    deadline = time.monotonic() + timeout
    while True:
        text = await asyncio.wait_for(sock.recv(), max(0.01, deadline - time.monotonic()))
        event = json.loads(text)
        if event.get("event_type") == event_type:
            return time.monotonic(), event, text


async def assert_no_event(sock, event_type, seconds):
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            text = await asyncio.wait_for(sock.recv(), remaining)
        except asyncio.TimeoutError:
            return
        assert json.loads(text).get("event_type") != event_type, f"unexpected {text}"


async def assert_diag_at_one_hertz(sock, count=5):
    arrivals = []
    for _ in range(count):
        arrived, event, text = await next_event(sock, "virtual_diag")
        assert list(json.loads(text)) == DIAG_KEYS
        assert list(event["phy"]) == PHY_KEYS and set(event["phy"].values()) == {None}
        assert event["virtual_id"] == "matrix"
        assert abs(event["fps"] - REFRESH_RATE) <= REFRESH_RATE * 0.1, event
        assert 0 < event["r_min"] <= event["r_avg"] <= event["r_max"] and event["r_avg"] < 1 / REFRESH_RATE
        assert 0 < event["sleep"] <= event["cycle"]
        arrivals.append(arrived)
    intervals = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    assert 0.9 <= sum(intervals) / len(intervals) <= 1.1, intervals  # 1 Hz, ±10 %
    assert all(0.5 <= interval <= 1.5 for interval in intervals), intervals  # and no gap or burst


async def read_until_synced(server, sock):
    """Everything already on its way to the socket, up to a client_sync sent now."""
    await http("POST", server.http + "/api/clients", json={"action": "sync", "client_id": "caught-up"})
    while (await ws_json(sock)).get("client_id") != "caught-up":
        pass


async def run_the_render_flow(server, renderer, restart_worker=None):
    """renderer(): the live process that renders now (its log says when a loop stops)."""
    sock = await subscribed_socket(server, "virtual_diag", "general_diag", "client_sync")
    await create_matrix(server)
    await set_effect(server, {"diag": True})
    await assert_diag_at_one_hertz(sock)

    await set_effect(server, {"diag": True, "test": True})
    _, event, text = await next_event(sock, "general_diag")
    assert list(json.loads(text)) == ["id", "type", "event_type", "debug", "scroll"]
    assert event["debug"].startswith("Noise2d: 32x32\n") and event["scroll"] is False

    if restart_worker:
        await restart_worker()
        await assert_diag_at_one_hertz(sock, count=3)

    response = await http("DELETE", server.http + "/api/virtuals/matrix/effects")
    assert response.json() == {"status": "success", "effect": {}}
    await asyncio.to_thread(renderer().wait_for_log, "stopped rendering matrix")
    await read_until_synced(server, sock)
    await assert_no_event(sock, "virtual_diag", 2.5)
    await sock.close()


@pytest.mark.asyncio
async def test_render_worker_over_redis(live_servers, live_workers):
    server = live_servers()
    workers = [live_workers()]

    async def restart_worker():
        sock = await subscribed_socket(server, "virtual_diag", "client_sync")
        workers[-1].kill()
        await read_until_synced(server, sock)
        await assert_no_event(sock, "virtual_diag", 2.0)
        workers.append(live_workers())  # state lives in the database: the new worker resumes the virtual
        await sock.close()

    await run_the_render_flow(server, lambda: workers[-1], restart_worker)
    server.assert_clean_log()
    for worker in workers:
        worker.assert_clean_log()


@pytest.mark.asyncio
async def test_render_in_the_embedded_mode(live_servers):
    server = live_servers(REDIS_URL="")
    await run_the_render_flow(server, lambda: server)
    server.assert_clean_log()


def test_an_embedded_server_renders_from_start_up_without_a_request(live_processes):
    device = services.device_create(device_type="dummy", config={"name": "Strip", "pixel_count": 60})
    services.virtual_effect_set(virtual=Virtual.objects.get(id=device.id), effect_type="rainbow", config={})
    port = free_port()
    server = live_processes(daphne_command("127.0.0.1", port), port=port, REDIS_URL="", ready_line="rendering strip: rainbow")
    assert "GET" not in server.log_text() and "WSCONNECT" not in server.log_text()


async def next_preview_of(sock, vis_id, timeout=5.0):
    _, event, _ = await next_event(sock, "visualisation_update", timeout)
    assert event["vis_id"] == vis_id, event
    return event


@pytest.mark.asyncio
async def test_previews_reach_clients_of_every_process_from_the_workers_process(live_servers, live_workers):
    first, second = live_servers(), live_servers()
    worker = live_workers()
    await create_matrix(first)
    await set_effect(first, {})
    watchers = []
    for server in (first, second):
        sock, _ = await ws_connect(server.ws)
        await sock.send(json.dumps({"id": 5, "type": "subscribe_event", "event_type": "visualisation_update", "event_filter": {"vis_id": "matrix", "is_device": False}}))
        watchers.append(sock)
    for sock in watchers:
        event = await next_preview_of(sock, "matrix")
        assert (event["id"], event["is_device"], event["shape"]) == (5, False, [9, 9])
    # events fired by a write on one process reach a client of the other
    await ws_subscribe(watchers[1], 6, "effect_set")
    await set_effect(first, {"speed": 2})
    _, event, _ = await next_event(watchers[1], "effect_set")
    assert (event["virtual_id"], event["effect_config"]["speed"]) == ("matrix", 2.0)
    for sock in watchers:
        await sock.close()
    for process in (first, second, worker):
        process.assert_clean_log()
