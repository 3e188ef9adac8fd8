"""Several daphne processes sharing one Redis and one database behave as one server."""

import asyncio
import time

import pytest

from tests.conftest import http, no_clients, wait_until, ws_connect, ws_json, ws_subscribe

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_events_and_registry_span_processes(live_servers):
    a, b = live_servers(), live_servers()
    watcher, watcher_id = await ws_connect(a.ws)
    await ws_subscribe(watcher, 1, "client_connected")
    await ws_subscribe(watcher, 2, "client_sync")
    await ws_subscribe(watcher, 3, "client_disconnected")

    remote, remote_id = await ws_connect(b.ws)
    assert await ws_json(watcher) == {
        "id": 1, "type": "event", "event_type": "client_connected", "client_id": remote_id, "client_ip": "127.0.0.1",
    }
    await http("POST", b.http + "/api/clients", json={"action": "sync", "client_id": remote_id})
    assert await ws_json(watcher) == {"id": 2, "type": "event", "event_type": "client_sync", "client_id": remote_id}

    expected = {watcher_id: "127.0.0.1", remote_id: "127.0.0.1"}
    assert (await http("GET", a.http + "/api/clients")).json() == expected
    assert (await http("GET", b.http + "/api/clients")).json() == expected

    await remote.close()
    assert (await ws_json(watcher))["client_id"] == remote_id
    assert (await http("GET", a.http + "/api/clients")).json() == {watcher_id: "127.0.0.1"}
    assert (await http("GET", b.http + "/api/clients")).json() == {watcher_id: "127.0.0.1"}
    await watcher.close()
    a.assert_clean_log()
    b.assert_clean_log()


async def test_clients_of_a_killed_process_are_disconnected_by_the_survivor(live_servers):
    a, b = live_servers(HEARTBEAT_SECONDS="0.3"), live_servers(HEARTBEAT_SECONDS="0.3")
    watcher, watcher_id = await ws_connect(a.ws)
    await ws_subscribe(watcher, 3, "client_disconnected")
    ghosts = [await ws_connect(b.ws) for _ in range(3)]
    ghost_ids = {client_id for _, client_id in ghosts}
    b.kill()
    started = time.monotonic()
    announced = [await ws_json(watcher, timeout=10) for _ in ghost_ids]
    assert {event["client_id"] for event in announced} == ghost_ids
    assert time.monotonic() - started < 5
    assert (await http("GET", a.http + "/api/clients")).json() == {watcher_id: "127.0.0.1"}
    await watcher.close()
    a.assert_clean_log()


async def test_a_restarted_server_closes_the_rows_its_killed_predecessor_left(live_servers):
    first = live_servers(HEARTBEAT_SECONDS="0.3")
    left_open = [await ws_connect(first.ws) for _ in range(2)]  # noqa: F841 -- kept open while first dies
    first.kill()
    second = live_servers(HEARTBEAT_SECONDS="0.3")
    await wait_until(lambda: no_clients(second), timeout=5, what="the dead predecessor's clients to be closed")
    second.assert_clean_log()


async def test_fan_out_survives_a_redis_restart(live_servers, redis_server):
    server = live_servers(HEARTBEAT_SECONDS="0.3")
    sock, _ = await ws_connect(server.ws)
    await ws_subscribe(sock, 1, "client_sync")
    redis_server.restart()

    async def synced():
        response = await http("POST", server.http + "/api/clients", json={"action": "sync", "client_id": "after"})
        if response.status_code != 200:
            return None
        try:
            return await ws_json(sock, timeout=1)
        except asyncio.TimeoutError:
            return None

    event = await wait_until(synced, timeout=15, interval=0.2, what="an event after the Redis restart")
    assert event == {"id": 1, "type": "event", "event_type": "client_sync", "client_id": "after"}
    await sock.close()
