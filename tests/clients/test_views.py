"""GET/POST /api/clients (PROTOCOL.md §5): exact bodies and status codes."""

import json

import pytest

from clients import services
from clients.models import ClientConnection

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance():
    return services.server_instance_start(instance_id="test:1", hostname="test", pid=1)


def post(client, body, content_type="application/json"):
    return client.generic("POST", "/api/clients", body, content_type=content_type)


def test_get_without_clients_is_an_empty_object(client):
    response = client.get("/api/clients")
    assert (response.status_code, response.content) == (200, b"{}")
    assert response["Content-Type"] == "application/json"


def test_get_lists_open_connections_as_a_bare_map(client, instance):
    services.client_connection_open(client_id="a" * 36, ip="127.0.0.1", user_agent="", origin="", instance_id=instance.id)
    services.client_connection_open(client_id="b" * 36, ip="1.2.3.4", user_agent="", origin="", instance_id=instance.id)
    services.client_connection_open(client_id="c" * 36, ip="9.9.9.9", user_agent="", origin="", instance_id=instance.id)
    services.client_connection_close(client_id="c" * 36)
    response = client.get("/api/clients")
    assert response.content.decode() == '{"%s": "127.0.0.1", "%s": "1.2.3.4"}' % ("a" * 36, "b" * 36)


def test_get_detail_gives_the_ledfx_2_2_shape(client, instance):
    row = services.client_connection_open(client_id="a" * 36, ip="1.2.3.4", user_agent="", origin="", instance_id=instance.id)
    services.client_info_set(client_id="a" * 36, name="kitchen", client_type="display", device_id="tablet-1")
    body = client.get("/api/clients?detail=1").json()
    assert body == {
        "a" * 36: {
            "ip": "1.2.3.4",
            "name": "kitchen",
            "type": "display",
            "device_id": "tablet-1",
            "connected_at": row.connected_at.timestamp(),
        }
    }
    assert list(body["a" * 36]) == ["ip", "name", "type", "device_id", "connected_at"]


def test_sync_with_client_id_succeeds(client):
    response = post(client, json.dumps({"action": "sync", "client_id": "X"}))
    assert (response.status_code, response.content) == (200, b'{"status": "success", "action": "sync"}')


def test_sync_without_client_id_succeeds(client):
    response = post(client, json.dumps({"action": "sync"}))
    assert (response.status_code, response.content) == (200, b'{"status": "success", "action": "sync"}')


@pytest.mark.parametrize("body", [{}, {"action": None}, {"client_id": "x"}])
def test_missing_action_is_a_failed_200(client, body):
    response = post(client, json.dumps(body))
    assert response.status_code == 200
    assert response.content.decode() == (
        '{"status": "failed", "payload": {"type": "error", "reason": "Required attribute \\"action\\" was not provided"}}'
    )


@pytest.mark.parametrize("action, shown", [("foo", "foo"), (5, "5"), (["sync"], "['sync']")])
def test_unknown_action_is_a_failed_200(client, action, shown):
    response = post(client, json.dumps({"action": action}))
    assert response.status_code == 200
    assert response.json() == {
        "status": "failed",
        "payload": {"type": "error", "reason": f"Action {shown} is not in ['sync']"},
    }


@pytest.mark.parametrize("body", ["", "{not json", b"\xff\xfe"])
def test_invalid_json_is_400(client, body):
    response = post(client, body)
    assert (response.status_code, response.content) == (400, b'{"status": "failed", "reason": "JSON decoding failed"}')


@pytest.mark.parametrize("body", ["[1, 2]", '"sync"', "42", "null"])
def test_json_that_is_not_an_object_is_400(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.content == (
        b'{"status": "failed", "payload": {"type": "error", "reason": "Request body must be a JSON object"}}'
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client, method):
    assert client.generic(method, "/api/clients").status_code == 405


def test_plain_get_on_the_websocket_url_records_no_client(client):
    response = client.get("/api/websocket")
    assert response.status_code == 426
    assert not ClientConnection.objects.exists()
