"""GET/POST /api/clients (PROTOCOL.md §5) through the ASGI application: exact bodies and status codes."""

import json

import pytest
from asgiref.sync import sync_to_async

from clients import services
from clients.models import ClientConnection
from tests.conftest import asgi_request

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def post(application, body):
    status, content, _ = await asgi_request(application, "POST", "/api/clients", body if isinstance(body, bytes) else body.encode())
    return status, content


@sync_to_async
def open_rows(*rows):
    instance = services.server_instance_start(instance_id="test:1", hostname="test", pid=1)
    return [services.client_connection_open(client_id=cid, ip=ip, user_agent="", origin="", instance_id=instance.id) for cid, ip in rows]


async def test_get_without_clients_is_an_empty_object(server):
    status, body, headers = await asgi_request(server, "GET", "/api/clients")
    assert (status, body, headers[b"content-type"]) == (200, b"{}", b"application/json")


async def test_get_lists_open_connections_as_a_bare_map(server):
    await open_rows(("a" * 36, "127.0.0.1"), ("b" * 36, "1.2.3.4"), ("c" * 36, "9.9.9.9"))
    await sync_to_async(services.client_connection_close)(client_id="c" * 36)
    status, body, _ = await asgi_request(server, "GET", "/api/clients")
    assert body.decode() == '{"%s": "127.0.0.1", "%s": "1.2.3.4"}' % ("a" * 36, "b" * 36)


async def test_get_detail_gives_the_ledfx_2_2_shape(server):
    [row] = await open_rows(("a" * 36, "1.2.3.4"))
    await sync_to_async(services.client_info_set)(client_id="a" * 36, name="kitchen", client_type="display", device_id="tablet-1")
    status, body, _ = await asgi_request(server, "GET", "/api/clients?detail=1")
    assert json.loads(body) == {
        "a" * 36: {"ip": "1.2.3.4", "name": "kitchen", "type": "display", "device_id": "tablet-1", "connected_at": row.connected_at.timestamp()}
    }
    assert list(json.loads(body)["a" * 36]) == ["ip", "name", "type", "device_id", "connected_at"]


async def test_sync_with_client_id_succeeds(server):
    assert await post(server, json.dumps({"action": "sync", "client_id": "X"})) == (200, b'{"status": "success", "action": "sync"}')


async def test_sync_without_client_id_succeeds(server):
    assert await post(server, json.dumps({"action": "sync"})) == (200, b'{"status": "success", "action": "sync"}')


@pytest.mark.parametrize("body", [{}, {"action": None}, {"client_id": "x"}])
async def test_missing_action_is_a_failed_200(server, body):
    assert await post(server, json.dumps(body)) == (
        200,
        b'{"status": "failed", "payload": {"type": "error", "reason": "Required attribute \\"action\\" was not provided"}}',
    )


@pytest.mark.parametrize("action, shown", [("foo", "foo"), (5, "5"), (["sync"], "['sync']")])
async def test_unknown_action_is_a_failed_200(server, action, shown):
    status, body = await post(server, json.dumps({"action": action}))
    assert (status, json.loads(body)) == (200, {"status": "failed", "payload": {"type": "error", "reason": f"Action {shown} is not in ['sync']"}})


@pytest.mark.parametrize("body", [b"", b"{not json", b"\xff\xfe", b"[" * 50000])
async def test_invalid_json_is_400(server, body):
    assert await post(server, body) == (400, b'{"status": "failed", "reason": "JSON decoding failed"}')


@pytest.mark.parametrize("body", ["[1, 2]", '"sync"', "42", "null"])
async def test_json_that_is_not_an_object_is_400(server, body):
    assert await post(server, body) == (
        400,
        b'{"status": "failed", "payload": {"type": "error", "reason": "Request body must be a JSON object"}}',
    )


async def test_oversized_bodies_are_413(server):
    status, _ = await post(server, json.dumps({"action": "sync", "pad": "x" * 70000}))
    assert status == 413


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405(server, method):
    status, _, headers = await asgi_request(server, method, "/api/clients")
    assert (status, headers[b"allow"]) == (405, b"GET, POST")


async def test_unknown_hosts_are_refused(server):
    status, _, _ = await asgi_request(server, "GET", "/api/clients", host=b"evil.example")
    assert status == 400


async def test_plain_get_on_the_websocket_url_records_no_client(server):
    status, _, headers = await asgi_request(server, "GET", "/api/websocket")
    assert (status, headers[b"upgrade"]) == (426, b"websocket")
    assert not await ClientConnection.objects.aexists()
