"""More than 100 concurrent websockets over the Redis layer (redis-py 8 caps an asyncio
pool at 100 connections; DESIGN.md, known traps)."""

import asyncio
import json

import pytest

from tests.conftest import http, no_clients, wait_until, ws_connect, ws_json

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLIENTS = 150


async def test_150_clients_connect_subscribe_receive_and_leave_together(live_servers):
    server = live_servers(WEBSOCKET_MAX_CONNECTIONS_PER_IP=str(CLIENTS))  # all from 127.0.0.1
    sockets = await asyncio.gather(*(ws_connect(server.ws) for _ in range(CLIENTS)))
    for sock, _ in sockets:
        await sock.send(json.dumps({"id": 1, "type": "subscribe_event", "event_type": "client_sync"}))
        await sock.send(json.dumps({"id": 2, "type": "probe"}))
    assert {(await ws_json(sock))["id"] for sock, _ in sockets} == {2}
    listed = (await http("GET", server.http + "/api/clients")).json()
    assert set(listed) == {client_id for _, client_id in sockets}

    await http("POST", server.http + "/api/clients", json={"action": "sync", "client_id": "all"})
    events = await asyncio.gather(*(ws_json(sock, timeout=10) for sock, _ in sockets))
    assert all(event == {"id": 1, "type": "event", "event_type": "client_sync", "client_id": "all"} for event in events)

    await asyncio.gather(*(sock.close() for sock, _ in sockets))
    await wait_until(lambda: no_clients(server), what="every client to be gone")
    server.assert_clean_log()
