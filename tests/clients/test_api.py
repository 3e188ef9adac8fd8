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
    return services.client_connections_open(
        rows=[{"client_id": cid, "ip": ip, "user_agent": "", "origin": "", "instance_id": instance.id} for cid, ip in rows]
    )


async def test_get_without_clients_is_an_empty_object(server):
    status, body, headers = await asgi_request(server, "GET", "/api/clients")
    assert (status, body, headers[b"content-type"]) == (200, b"{}", b"application/json")


async def test_get_lists_open_connections_as_a_bare_map(server):
    await open_rows(("a" * 36, "127.0.0.1"), ("b" * 36, "1.2.3.4"), ("c" * 36, "9.9.9.9"))
    await sync_to_async(services.client_connections_close)(client_ids=["c" * 36])
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


# What Chromium sends with LedFx's web UI's axios GET /api/clients, served by us at /.
FROM_THE_UI = ((b"sec-fetch-site", b"same-origin"), (b"sec-fetch-mode", b"cors"), (b"referer", b"http://127.0.0.1/"))


async def ui_and_seed_views(server):
    """Two open clients, one of them named by set_client_info: what the UI and a script see."""
    [named, _] = await open_rows(("a" * 36, "1.2.3.4"), ("b" * 36, "5.6.7.8"))
    await sync_to_async(services.client_info_set)(client_id="a" * 36, name="kitchen", client_type="display", device_id="tablet-1")
    ui = json.loads((await asgi_request(server, "GET", "/api/clients", headers=FROM_THE_UI))[1])
    seed = json.loads((await asgi_request(server, "GET", "/api/clients"))[1])
    return named, ui, seed


async def test_the_ledfx_ui_gets_named_clients_with_metadata_and_scripts_the_seed_map(server):
    named, ui, seed = await ui_and_seed_views(server)
    detail = {"ip": "1.2.3.4", "name": "kitchen", "type": "display", "device_id": "tablet-1", "connected_at": named.connected_at.timestamp()}
    assert ui == {"a" * 36: detail}
    assert seed == {"a" * 36: "1.2.3.4", "b" * 36: "5.6.7.8"}


@pytest.mark.parametrize(
    "headers, ui_shape",
    [
        (((b"sec-fetch-site", b"same-origin"),), True),
        (((b"sec-fetch-site", b"cross-site"), (b"referer", b"http://127.0.0.1/")), False),
        (((b"sec-fetch-site", b"none"),), False),
        (((b"referer", b"http://127.0.0.1/"),), True),  # a browser without Sec-Fetch-* headers
        (((b"referer", b"http://elsewhere.example/"),), False),
        (((b"referer", b"http://127.0.0.1:8888/"),), False),  # another port is another origin
        ((), False),
    ],
)
async def test_only_requests_from_a_page_we_served_get_the_ui_shape(server, headers, ui_shape):
    await open_rows(("a" * 36, "1.2.3.4"))
    await sync_to_async(services.client_info_set)(client_id="a" * 36, name="kitchen", client_type="display", device_id="")
    body = json.loads((await asgi_request(server, "GET", "/api/clients", headers=headers))[1])
    assert isinstance(body["a" * 36], dict) is ui_shape


@pytest.mark.parametrize("forced, ui_sees_metadata, seed_sees_metadata", [("seed", False, False), ("ledfx", True, True)])
async def test_a_setting_forces_either_shape(server, settings, forced, ui_sees_metadata, seed_sees_metadata):
    settings.CLIENTS_LISTING = forced
    _, ui, seed = await ui_and_seed_views(server)
    assert isinstance(ui["a" * 36], dict) is ui_sees_metadata
    assert isinstance(seed["a" * 36], dict) is seed_sees_metadata


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


async def test_oversized_bodies_are_413(server, settings):
    settings.MAX_API_BODY_BYTES = 1024
    assert (await post(server, json.dumps({"action": "sync", "pad": "x" * 990})))[0] == 200
    status, body = await post(server, json.dumps({"action": "sync", "pad": "x" * 1000}))
    assert (status, json.loads(body)["payload"]["reason"]) == (413, "Request body too large (at most 1024 bytes)")


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


@pytest.mark.parametrize("strict", [False, True])
async def test_strict_sync_accepts_only_clients_connected_from_the_caller(server, settings, strict):
    settings.STRICT_CLIENT_SYNC = strict
    await open_rows(("a" * 36, "127.0.0.1"), ("b" * 36, "10.9.8.7"))  # asgi_request calls from 127.0.0.1
    assert await post(server, json.dumps({"action": "sync", "client_id": "a" * 36})) == (200, b'{"status": "success", "action": "sync"}')
    status, body = await post(server, json.dumps({"action": "sync", "client_id": "b" * 36}))
    if strict:
        assert (status, json.loads(body)) == (
            200,
            {"status": "failed", "payload": {"type": "error", "reason": f"Client {'b' * 36} is not connected from 127.0.0.1"}},
        )
    else:
        assert body == b'{"status": "success", "action": "sync"}'
