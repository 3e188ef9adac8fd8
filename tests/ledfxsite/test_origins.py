"""The origin policy (ledfxsite/origins.py): browser pages of other sites may not open a
websocket or change anything; apps and scripts (no Origin) may; listed origins get CORS."""

import json

import pytest
import websockets
from asgiref.sync import sync_to_async

from clients.models import ClientConnection
from effects.models import Device
from tests.conftest import asgi_request, communicator_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

DEVICE = json.dumps({"type": "dummy", "config": {"name": "Strip", "pixel_count": 10}}).encode()


async def handshake(server, origin=None, host=b"127.0.0.1:8888"):
    headers = [(b"host", host)] + ([(b"origin", origin.encode())] if origin else [])
    communicator = communicator_for(server, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected


@pytest.mark.parametrize(
    "origin, accepted",
    [
        (None, True),  # apps, scripts, Home Assistant
        ("http://127.0.0.1:8888", True),  # a page this server served
        ("http://localhost:3000", True),  # a host in ALLOWED_HOSTS, any port
        ("http://evil.example", False),
        ("http://127.0.0.1.evil.example", False),
        ("null", False),  # a file or a sandboxed page
        ("ws://evil.example", False),
    ],
)
async def test_websocket_handshakes_by_origin(server, origin, accepted):
    assert await handshake(server, origin) is accepted


async def test_a_refused_handshake_creates_nothing(server):
    assert not await handshake(server, "http://evil.example")
    assert not await ClientConnection.objects.aexists()


async def test_listed_origins_and_the_star_are_accepted(server, settings):
    settings.CORS_ALLOWED_ORIGINS = frozenset({"https://ui.example"})
    assert await handshake(server, "https://ui.example")
    assert not await handshake(server, "https://other.example")
    settings.CORS_ALLOWED_ORIGINS = frozenset({"*"})
    assert await handshake(server, "https://other.example")


@pytest.mark.parametrize("path", ["/api/devices", "/api/clients"])
async def test_writes_from_a_foreign_page_are_refused_and_change_nothing(server, path):
    body = DEVICE if path == "/api/devices" else json.dumps({"action": "sync"}).encode()
    status, answer, _ = await asgi_request(server, "POST", path, body, headers=[(b"origin", b"http://evil.example")])
    assert status == 403
    assert json.loads(answer) == {
        "status": "failed",
        "payload": {"type": "error", "reason": "Origin not allowed: http://evil.example. Add it to CORS_ALLOWED_ORIGINS to allow it."},
    }
    assert not await sync_to_async(Device.objects.exists)()


async def test_writes_without_origin_or_from_our_own_pages_pass(server):
    status, _, _ = await asgi_request(server, "POST", "/api/devices", DEVICE)
    assert status == 200
    status, _, _ = await asgi_request(server, "PUT", "/api/devices/strip", b'{"config": {"pixel_count": 20}}', headers=[(b"origin", b"http://127.0.0.1")])
    assert status == 200
    assert (await sync_to_async(Device.objects.get)(id="strip")).pixel_count == 20


async def test_a_foreign_page_may_read_but_gets_no_cors_header(server):
    status, _, headers = await asgi_request(server, "GET", "/api/devices", headers=[(b"origin", b"http://evil.example")])
    assert status == 200 and "access-control-allow-origin" not in {name.decode() for name in headers}


async def test_listed_origins_get_cors_on_the_api(server, settings):
    settings.CORS_ALLOWED_ORIGINS = frozenset({"https://ui.example"})
    status, _, headers = await asgi_request(server, "GET", "/api/devices", headers=[(b"origin", b"https://ui.example")])
    assert status == 200 and headers[b"access-control-allow-origin"] == b"https://ui.example"


@pytest.mark.parametrize("origin, status", [("https://ui.example", 204), ("https://other.example", 403)])
async def test_preflight_is_answered_for_listed_origins_only(server, settings, origin, status):
    settings.CORS_ALLOWED_ORIGINS = frozenset({"https://ui.example"})
    preflight = [(b"origin", origin.encode()), (b"access-control-request-method", b"PUT")]
    answer_status, _, headers = await asgi_request(server, "OPTIONS", "/api/virtuals", headers=preflight)
    assert answer_status == status
    assert (headers.get(b"access-control-allow-origin") == origin.encode()) is (status == 204)
    if status == 204:
        assert b"PUT" in headers[b"access-control-allow-methods"]


@pytest.mark.live
async def test_daphne_answers_a_foreign_handshake_with_403(live_servers):
    server = live_servers(REDIS_URL="")
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(server.ws, origin="http://evil.example", open_timeout=10)
    assert refused.value.response.status_code == 403
    async with websockets.connect(server.ws, origin=server.http, open_timeout=10) as sock:
        assert json.loads(await sock.recv())["event_type"] == "client_id"
    assert await sync_to_async(ClientConnection.objects.count)() == 1  # the accepted one only
    assert "refused a websocket from origin http://evil.example" in server.log_text()
