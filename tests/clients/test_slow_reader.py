"""A client that stops reading (daphne has no backpressure of its own): its previews are
replaced while unread, its other events are bounded by WEBSOCKET_MAX_QUEUED_BYTES, and
past that only it is closed with 4008, logged once; clients that read are untouched.
Real daphne, real sockets. Latency and memory under this load: bench/previews.py."""

import asyncio
import base64
import json
import os
import socket
import struct

import pytest

from tests.conftest import http, wait_until, ws_connect, ws_json, ws_subscribe

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

MAX_QUEUED = 256 * 1024


async def non_reader(server):
    """A websocket that reads its client_id, subscribes to previews and broadcasts, then
    never reads again; its receive buffer is small so that what it is sent piles up in the
    server. Returns (its writer, its client id)."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", int(server.http.rsplit(":", 1)[1])))
    reader, writer = await asyncio.open_connection(sock=raw)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /api/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert b" 101 " in await reader.readuntil(b"\r\n\r\n")
    _, length = await reader.readexactly(2)  # the client_id frame: short, unmasked
    client_id = json.loads(await reader.readexactly(length))["client_id"]
    for message in (
        {"id": 1, "type": "subscribe_event", "event_type": "visualisation_update"},
        {"id": 2, "type": "subscribe_event", "event_type": "client_broadcast"},
    ):
        writer.write(masked_text_frame(json.dumps(message).encode()))
    await writer.drain()
    writer.transport.pause_reading()
    return writer, client_id


def masked_text_frame(payload):
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[number % 4] for number, byte in enumerate(payload))
    return struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked


async def read_all(sock, received):
    """Read a socket as fast as frames come, noting each event's type."""
    while True:
        frame = await ws_json(sock, timeout=60)
        received.append((frame.get("event_type"), frame.get("broadcast_type")))


async def _listed_clients_are(server, count):
    return len((await http("GET", server.http + "/api/clients")).json()) == count


async def test_a_client_that_stops_reading_is_closed_alone_with_4008(live_servers):
    # the sender broadcasts as fast as it is answered: no message rate limit here
    server = live_servers(REDIS_URL="", WEBSOCKET_MAX_QUEUED_BYTES=str(MAX_QUEUED), WEBSOCKET_MESSAGES_PER_SECOND="100000")
    await http("POST", server.http + "/api/devices", json={"type": "dummy", "config": {"name": "Matrix", "pixel_count": 4096, "rows": 64}})
    await http("POST", server.http + "/api/virtuals/matrix/effects", json={"type": "noise2d", "config": {}})
    await http("PUT", server.http + "/api/config", json={"visualisation_maxlen": 4096})  # 16 KiB previews
    watcher, _ = await ws_connect(server.ws)
    await ws_subscribe(watcher, 2, "client_broadcast")
    await watcher.send(json.dumps({"id": 1, "type": "subscribe_event", "event_type": "visualisation_update"}))
    received = []  # (event type, broadcast type) of what the watcher read, as it arrived
    reading = asyncio.create_task(read_all(watcher, received))
    stalled, stalled_id = await non_reader(server)
    await asyncio.sleep(2)  # 60 previews of 16 KiB: more than the stalled socket takes
    assert "closing with 4008" not in server.log_text(), "previews alone must never overflow"

    sender, _ = await ws_connect(server.ws)
    payload = {"text": "x" * 1900}
    # Up to 20 MB of broadcasts: the kernel takes up to 4 MB for the stalled socket (tcp_wmem)
    # before the server's own queue begins to grow.
    for number in range(10_000):
        await sender.send(json.dumps({"id": 100 + number, "type": "broadcast", "data": {"broadcast_type": "custom", "target": {"mode": "all"}, "payload": payload}}))
        reply = await ws_json(sender)
        assert reply.get("event_type") == "broadcast_sent", reply
        if "closing with 4008" in server.log_text():
            break
    else:
        pytest.fail("the stalled client was never closed")

    # the reader still gets everything: previews, and a broadcast sent now
    seen = len(received)
    await sender.send(json.dumps({"id": 9, "type": "broadcast", "data": {"broadcast_type": "scene_sync", "target": {"mode": "all"}, "payload": {}}}))
    await wait_until(lambda: ("client_broadcast", "scene_sync") in received[seen:], what="the broadcast at the reader")
    await wait_until(lambda: ("visualisation_update", None) in received[seen:], what="a preview at the reader")
    # its closing handshake cannot finish (it does not read): the connection is dropped
    # after autobahn's closing-handshake timeout, and its row closed
    await wait_until(lambda: _listed_clients_are(server, 2), what="only the watcher and the sender to be listed")
    assert server.log_text().count("closing with 4008") == 1
    assert f"[{stalled_id}] closing with 4008" in server.log_text()
    stalled.close()
    reading.cancel()
    await watcher.close()
    await sender.close()
