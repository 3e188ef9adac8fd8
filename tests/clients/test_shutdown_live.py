"""A server process stopped with SIGTERM says goodbye: every websocket is closed with 1001,
every row closed, every client_disconnected fired once, seen from another process."""

import asyncio
import signal

import pytest
import websockets
from asgiref.sync import sync_to_async

from clients.models import ClientConnection
from tests.conftest import http, ws_connect, ws_json, ws_subscribe

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLIENTS = 50


async def close_code(sock):
    try:
        await asyncio.wait_for(sock.recv(), 10)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return "a frame instead of the close"


async def test_sigterm_closes_every_socket_with_1001_and_announces_each_once(live_servers):
    stopping, staying = live_servers(HEARTBEAT_SECONDS="0.3"), live_servers(HEARTBEAT_SECONDS="0.3")
    watcher, watcher_id = await ws_connect(staying.ws)
    await ws_subscribe(watcher, 3, "client_disconnected")
    clients = [await ws_connect(stopping.ws) for _ in range(CLIENTS)]
    client_ids = {client_id for _, client_id in clients}

    stopping.process.send_signal(signal.SIGTERM)
    codes = await asyncio.gather(*(close_code(sock) for sock, _ in clients))
    assert codes == [1001] * CLIENTS
    assert await asyncio.to_thread(stopping.process.wait, 10) == 0

    announced = [(await ws_json(watcher, timeout=10))["client_id"] for _ in range(CLIENTS)]
    assert sorted(announced) == sorted(client_ids)  # each once
    await asyncio.sleep(1.0)  # sweeps of the staying process find nothing more to announce
    await watcher.send('{"id": 4, "type": "probe"}')
    assert (await ws_json(watcher))["id"] == 4
    still_open = await sync_to_async(ClientConnection.objects.open().filter(client_id__in=client_ids).count)()
    assert still_open == 0
    assert (await http("GET", staying.http + "/api/clients")).json() == {watcher_id: "127.0.0.1"}
    assert "shutting down: closing 50 websockets" in stopping.log_text()
    stopping.assert_clean_log()
    staying.assert_clean_log()
    await watcher.close()
