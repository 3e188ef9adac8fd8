"""PostgreSQL restarting under a running deployment: two daphne processes over Redis, a render
worker, 100 clients. While the database is down, sockets keep answering and events keep
flowing between processes; a new websocket gets its client_id and then 4013 (try again
later). Afterwards the clients that left meanwhile are closed and announced once each, and
nothing else changed."""

import asyncio

import psycopg
import pytest
import websockets

from tests.conftest import http, wait_until, ws_connect, ws_json, ws_subscribe
from tests.effects.standins import ddp_listener

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLIENTS = 100
LEAVING = 10


def rows(url):
    """{client_id: (closed, announced)} of every connection row."""
    with psycopg.connect(url) as connection:
        return {
            client_id: (disconnected_at is not None, announced)
            for client_id, disconnected_at, announced in connection.execute(
                "SELECT client_id, disconnected_at, disconnect_announced FROM clients_clientconnection"
            )
        }


async def probe(sock, message_id):
    await sock.send(f'{{"id": {message_id}, "type": "probe"}}')
    return (await ws_json(sock, timeout=5))["id"] == message_id


async def test_a_database_restart_keeps_sockets_and_events_and_the_registry_consistent(postgres_server, live_servers, live_workers):
    env = {"DATABASE_URL": postgres_server.url, "HEARTBEAT_SECONDS": "0.5", "RENDER_LEASE_SECONDS": "1.5"}
    first, second = live_servers(**env), live_servers(**env)
    worker = live_workers(**env)
    transport, listener, port = await ddp_listener()
    device = {"type": "ddp", "config": {"name": "Strip", "pixel_count": 10, "ip_address": "127.0.0.1", "port": port}}
    assert (await http("POST", first.http + "/api/devices", json=device)).json()["status"] == "success"
    assert (await http("POST", first.http + "/api/virtuals/strip/effects", json={"type": "rainbow", "config": {}})).json()["status"] == "success"
    watcher, watcher_id = await ws_connect(first.ws)
    await ws_subscribe(watcher, 1, "client_disconnected")
    await ws_subscribe(watcher, 2, "client_sync")
    clients = [await ws_connect((first if number % 2 else second).ws) for number in range(CLIENTS)]
    await wait_until(lambda: listener.frames, what="the strip rendering")

    await asyncio.to_thread(postgres_server.stop)
    assert all([await probe(sock, 10 + number) for number, (sock, _) in enumerate(clients[LEAVING : LEAVING + 5])])
    synced = await http("POST", second.http + "/api/clients", json={"action": "sync", "client_id": clients[-1][1]})
    assert synced.json() == {"status": "success", "action": "sync"}
    assert await ws_json(watcher) == {"id": 2, "type": "event", "event_type": "client_sync", "client_id": clients[-1][1]}
    refused = await websockets.connect(first.ws, open_timeout=10)
    assert "client_id" in await ws_json(refused)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(refused.recv(), 10)
    assert closed.value.rcvd.code == 4013
    leaving_ids = {client_id for _, client_id in clients[:LEAVING]}
    for sock, _ in clients[:LEAVING]:
        await sock.close()
    await asyncio.sleep(1.0)
    await asyncio.to_thread(postgres_server.start)

    announced = [(await ws_json(watcher, timeout=20))["client_id"] for _ in range(LEAVING)]
    assert sorted(announced) == sorted(leaving_ids)
    await asyncio.sleep(2.0)  # three heartbeats: the sweeps have nothing more to announce
    assert await probe(watcher, 99)
    staying = {client_id for _, client_id in clients[LEAVING:]} | {watcher_id}
    after = await asyncio.to_thread(rows, postgres_server.url)
    assert {client_id for client_id, (closed, _) in after.items() if not closed} == staying
    assert {client_id for client_id, (closed, _) in after.items() if closed} == leaving_ids
    assert all(announced for closed, announced in after.values() if closed)
    assert all([await probe(sock, 200 + number) for number, (sock, _) in enumerate(clients[LEAVING:])])
    rendered = len(listener.frames)
    await wait_until(lambda: len(listener.frames) > rendered + 30, what="the strip rendering again")
    assert all(process.process.poll() is None for process in (first, second, worker))
    transport.close()
