"""A real websocket client against a real daphne process over TCP, with the Redis layer."""

import asyncio
import json

import pytest
import websockets

from ledfxsite.constants import MAX_WEBSOCKET_MESSAGE_BYTES
from tests.conftest import http, ws_connect, ws_json, ws_subscribe

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def subscribe(sock, subscription_id, event_type, event_filter=None):
    message = {"id": subscription_id, "type": "subscribe_event", "event_type": event_type}
    if event_filter is not None:
        message["event_filter"] = event_filter
    await sock.send(json.dumps(message))
    await sock.send(json.dumps({"id": 999999, "type": "probe"}))
    assert (await ws_json(sock))["id"] == 999999


async def test_first_frame_and_subprotocol_over_tcp(live_servers):
    server = live_servers()
    sock = await websockets.connect(server.ws, subprotocols=["wss"], compression=None)
    text = await asyncio.wait_for(sock.recv(), 10)
    assert sock.subprotocol == "wss"
    assert text == '{"event_type": "client_id", "client_id": "%s"}' % json.loads(text)["client_id"]
    await sock.close()
    server.assert_clean_log()


async def test_sync_over_rest_reaches_filtered_subscribers(live_servers):
    server = live_servers()
    sock, client_id = await ws_connect(server.ws)
    await subscribe(sock, 9007, "client_sync", {"client_id": client_id})
    await subscribe(sock, 9008, "client_sync")
    response = await http("POST", server.http + "/api/clients", json={"action": "sync", "client_id": "someone-else"})
    assert response.text == '{"status": "success", "action": "sync"}'
    assert await ws_json(sock) == {"id": 9008, "type": "event", "event_type": "client_sync", "client_id": "someone-else"}
    await http("POST", server.http + "/api/clients", json={"action": "sync", "client_id": client_id})
    assert await asyncio.wait_for(sock.recv(), 10) == (
        '{"id": 9007, "type": "event", "event_type": "client_sync", "client_id": "%s"}' % client_id
    )
    assert (await ws_json(sock))["id"] == 9008
    await sock.close()
    server.assert_clean_log()


async def test_connect_and_disconnect_events_and_registry(live_servers):
    server = live_servers()
    watcher, watcher_id = await ws_connect(server.ws)
    await subscribe(watcher, 1, "client_connected")
    await subscribe(watcher, 2, "client_disconnected")
    other, other_id = await ws_connect(server.ws)
    assert await ws_json(watcher) == {
        "id": 1, "type": "event", "event_type": "client_connected", "client_id": other_id, "client_ip": "127.0.0.1",
    }
    listed = (await http("GET", server.http + "/api/clients")).json()
    assert listed == {watcher_id: "127.0.0.1", other_id: "127.0.0.1"}
    await other.close()
    assert await ws_json(watcher) == {
        "id": 2, "type": "event", "event_type": "client_disconnected", "client_id": other_id, "client_ip": "127.0.0.1",
    }
    assert (await http("GET", server.http + "/api/clients")).json() == {watcher_id: "127.0.0.1"}
    await watcher.close()
    server.assert_clean_log()


BAD_FRAMES = ["{not json", "[1]", "17", '{"type": "subscribe_event"}', '{"id": "x", "type": "a"}', '{"id": 3, "type": []}']


async def test_bad_input_never_breaks_the_connection(live_servers):
    server = live_servers()
    sock, _ = await ws_connect(server.ws)
    for frame in BAD_FRAMES:
        await sock.send(frame)
        reply = await ws_json(sock)
        assert (reply["success"], reply["error"]["message"]) == (False, "Invalid message format.")
    await sock.send(b"\x00binary\xff")
    assert (await ws_json(sock))["error"]["message"] == "Invalid message format."
    await sock.send(json.dumps({"id": 4, "type": "whatever"}))
    assert (await ws_json(sock))["error"] == {"message": "Unknown command type.", "code": "unknown_command"}
    await subscribe(sock, 5, "client_sync")
    await http("POST", server.http + "/api/clients", json={"action": "sync"})
    assert await ws_json(sock) == {"id": 5, "type": "event", "event_type": "client_sync", "client_id": "unknown"}
    await sock.close()
    server.assert_clean_log()


async def test_a_frame_over_one_mebibyte_is_closed_with_1009(live_servers):
    server = live_servers()
    sock, _ = await ws_connect(server.ws)
    await sock.send(json.dumps({"id": 1, "type": "x", "pad": "a" * MAX_WEBSOCKET_MESSAGE_BYTES}))
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(sock.recv(), 10)
    assert sock.close_code == 1009
    server.assert_clean_log()


async def test_plain_http_get_on_the_websocket_url_creates_no_client(live_servers):
    server = live_servers()
    response = await http("GET", server.http + "/api/websocket")
    assert response.status_code == 426
    assert (await http("GET", server.http + "/api/clients")).json() == {}


async def test_client_info_detail_over_rest(live_servers):
    server = live_servers()
    sock, client_id = await ws_connect(server.ws)
    await sock.send(json.dumps({"id": 1, "type": "set_client_info", "data": {"name": "Pi", "type": "visualiser"}}))
    assert (await ws_json(sock))["name"] == "Pi"
    detail = (await http("GET", server.http + "/api/clients?detail=1")).json()
    assert {key: detail[client_id][key] for key in ("ip", "name", "type", "device_id")} == {
        "ip": "127.0.0.1", "name": "Pi", "type": "visualiser", "device_id": None,
    }
    await sock.close()
    server.assert_clean_log()


@pytest.mark.parametrize("length", [200, 60000])
async def test_long_events_reach_subscribers_intact(live_servers, length):
    """Under daphne, events are framed by ledfxsite.direct_send: 16-bit lengths too."""
    server = live_servers()
    sock, _ = await ws_connect(server.ws)
    await ws_subscribe(sock, 5, "client_sync")
    tag = "x" * length
    response = await http("POST", server.http + "/api/clients", json={"action": "sync", "client_id": tag})
    assert response.status_code == 200
    assert await ws_json(sock) == {"id": 5, "type": "event", "event_type": "client_sync", "client_id": tag}
    await sock.close()
    server.assert_clean_log()
