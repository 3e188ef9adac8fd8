"""Client info and broadcast commands (PROTOCOL.md §6, LedFx 2.2 protocol)."""

import json

import pytest
from asgiref.sync import sync_to_async

from clients.models import ClientConnection
from tests.conftest import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def ask(communicator, message):
    await communicator.send_to(text_data=json.dumps(message))
    return json.loads(await communicator.receive_from(timeout=5))


async def test_set_client_info_replies_and_stores(server):
    communicator, client_id = await open_socket(server)
    reply = await ask(communicator, {"id": 1, "type": "set_client_info", "data": {"name": "Kitchen", "type": "display", "device_id": "tab-1"}})
    assert reply == {
        "id": 1,
        "event_type": "client_info_updated",
        "client_id": client_id,
        "name": "Kitchen",
        "type": "display",
        "name_conflict": False,
    }
    detail = await sync_to_async(ClientConnection.objects.live_detail)()
    assert (detail[client_id]["name"], detail[client_id]["type"], detail[client_id]["device_id"]) == ("Kitchen", "display", "tab-1")
    await communicator.disconnect()


async def test_set_client_info_defaults_name_and_type(server):
    communicator, client_id = await open_socket(server)
    reply = await ask(communicator, {"id": 1, "type": "set_client_info", "data": {"type": "toaster"}})
    assert (reply["name"], reply["type"]) == (f"Client-{client_id[:8]}", "unknown")
    await communicator.disconnect()


async def test_taken_names_get_a_counter_on_set(server):
    sockets = [await open_socket(server) for _ in range(3)]
    names = []
    for communicator, _ in sockets:
        reply = await ask(communicator, {"id": 1, "type": "set_client_info", "data": {"name": "Phone"}})
        names.append((reply["name"], reply["name_conflict"]))
    assert names == [("Phone", False), ("Phone (2)", True), ("Phone (3)", True)]
    for communicator, _ in sockets:
        await communicator.disconnect()


async def test_a_disconnected_clients_name_is_free_again(server):
    first, _ = await open_socket(server)
    await ask(first, {"id": 1, "type": "set_client_info", "data": {"name": "Phone"}})
    await first.disconnect()
    second, _ = await open_socket(server)
    reply = await ask(second, {"id": 1, "type": "set_client_info", "data": {"name": "Phone"}})
    assert (reply["name"], reply["name_conflict"]) == ("Phone", False)
    await second.disconnect()


async def test_update_client_info_renames_and_retypes(server):
    communicator, client_id = await open_socket(server)
    await ask(communicator, {"id": 1, "type": "set_client_info", "data": {"name": "A", "type": "mobile"}})
    reply = await ask(communicator, {"id": 2, "type": "update_client_info", "data": {"name": "B"}})
    assert reply == {"id": 2, "event_type": "client_info_updated", "client_id": client_id, "name": "B", "type": "mobile"}
    reply = await ask(communicator, {"id": 3, "type": "update_client_info", "data": {"type": "controller"}})
    assert (reply["name"], reply["type"]) == ("B", "controller")
    await communicator.disconnect()


async def test_update_to_a_taken_name_is_an_error(server):
    first, _ = await open_socket(server)
    second, _ = await open_socket(server)
    await ask(first, {"id": 1, "type": "set_client_info", "data": {"name": "Taken"}})
    reply = await ask(second, {"id": 2, "type": "update_client_info", "data": {"name": "Taken"}})
    assert reply == {
        "id": 2,
        "success": False,
        "error": {"message": "Name 'Taken' is already taken by another client", "code": "name_taken"},
    }
    await first.disconnect()
    await second.disconnect()


async def test_update_without_changes_is_an_error(server):
    communicator, _ = await open_socket(server)
    reply = await ask(communicator, {"id": 2, "type": "update_client_info", "data": {}})
    assert reply["error"]["message"] == "No valid updates provided"
    await communicator.disconnect()


@pytest.mark.parametrize("data", [[1], "name", {"name": 5}, {"name": "x" * 101}])
async def test_malformed_client_info_is_an_error_and_keeps_the_connection(server, data):
    communicator, _ = await open_socket(server)
    reply = await ask(communicator, {"id": 5, "type": "set_client_info", "data": data})
    assert (reply["id"], reply["success"], reply["error"]["code"]) == (5, False, "invalid_format")
    assert (await ask(communicator, {"id": 6, "type": "set_client_info", "data": {"name": "ok"}}))["name"] == "ok"
    await communicator.disconnect()


async def test_client_info_changes_fire_clients_updated(server):
    watcher, _ = await open_socket(server)
    await ask(watcher, {"id": 50, "type": "probe"})
    await watcher.send_to(text_data=json.dumps({"id": 9, "type": "subscribe_event", "event_type": "clients_updated"}))
    await ask(watcher, {"id": 50, "type": "probe"})
    await ask(watcher, {"id": 1, "type": "set_client_info", "data": {"name": "w"}})
    assert json.loads(await watcher.receive_from(timeout=5)) == {"id": 9, "type": "event", "event_type": "clients_updated"}
    await watcher.disconnect()


async def broadcasting_pair(server):
    sender, sender_id = await open_socket(server)
    receiver, receiver_id = await open_socket(server)
    await ask(sender, {"id": 1, "type": "set_client_info", "data": {"name": "Desk", "type": "controller"}})
    await ask(receiver, {"id": 1, "type": "set_client_info", "data": {"name": "Wall", "type": "display"}})
    await receiver.send_to(text_data=json.dumps({"id": 77, "type": "subscribe_event", "event_type": "client_broadcast"}))
    await ask(receiver, {"id": 50, "type": "probe"})
    return sender, sender_id, receiver, receiver_id


@pytest.mark.parametrize(
    "target",
    [{"mode": "all"}, {"mode": "type", "value": "display"}, {"mode": "names", "names": ["Wall"]}, {"mode": "uuids"}],
)
async def test_broadcast_reaches_targets_with_the_senders_identity(server, target):
    sender, sender_id, receiver, receiver_id = await broadcasting_pair(server)
    if target["mode"] == "uuids":
        target["uuids"] = [receiver_id, "not-connected"]
    reply = await ask(
        sender,
        {"id": 2, "type": "broadcast", "data": {"broadcast_type": "scene_sync", "target": target, "payload": {"scene": "x"}}},
    )
    assert (reply["id"], reply["event_type"], reply["targets_matched"], reply["target_uuids"]) == (2, "broadcast_sent", 1, [receiver_id])
    assert list(reply) == ["id", "event_type", "broadcast_id", "targets_matched", "target_uuids"]
    event = json.loads(await receiver.receive_from(timeout=5))
    assert event == {
        "id": 77,
        "type": "event",
        "event_type": "client_broadcast",
        "broadcast_type": "scene_sync",
        "broadcast_id": reply["broadcast_id"],
        "sender_uuid": sender_id,
        "sender_name": "Desk",
        "sender_type": "controller",
        "target_uuids": [receiver_id],
        "payload": {"scene": "x"},
    }
    await sender.disconnect()
    await receiver.disconnect()


async def test_broadcast_sender_identity_cannot_be_forged(server):
    sender, sender_id, receiver, _ = await broadcasting_pair(server)
    await ask(
        sender,
        {
            "id": 2,
            "type": "broadcast",
            "sender_uuid": "forged",
            "data": {"broadcast_type": "custom", "target": {"mode": "all"}, "payload": {"sender_uuid": "forged"}},
        },
    )
    event = json.loads(await receiver.receive_from(timeout=5))
    assert (event["sender_uuid"], event["sender_name"]) == (sender_id, "Desk")
    await sender.disconnect()
    await receiver.disconnect()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"broadcast_type": "nope", "target": {"mode": "all"}, "payload": {}}, "Invalid broadcast data: broadcast_type: must be one of visualiser_control, scene_sync, color_palette, custom (got 'nope')"),
        ({"broadcast_type": "custom", "target": {"mode": "some"}, "payload": {}}, "Invalid broadcast data: target.mode: must be one of all, type, names, uuids (got 'some')"),
        ({"broadcast_type": "custom", "target": {"mode": "all"}, "payload": []}, "Invalid broadcast data: payload: must be an object (got list)"),
        ({"broadcast_type": "custom", "target": {"mode": "all"}, "payload": {}, "x": 1}, "Invalid broadcast data: x: unknown key (known keys: broadcast_type, target, payload)"),
        ({"broadcast_type": "custom", "target": {"mode": "names", "names": "Wall"}, "payload": {}}, "Invalid broadcast data: target.names: must be a list (got str)"),
        ({"broadcast_type": "custom", "target": {"mode": "names", "names": ["Wall", 3]}, "payload": {}}, "Invalid broadcast data: target.names[1]: must be a string (got 3)"),
        ({"broadcast_type": "custom", "target": {"mode": "all"}, "payload": {"x": "y" * 2100}}, "Payload size (2109 bytes) exceeds maximum (2048 bytes)"),
        ({"broadcast_type": "custom", "target": {"mode": "names", "names": ["Nobody"]}, "payload": {}}, "No clients matched target specification"),
    ],
)
async def test_bad_broadcasts_are_refused_with_a_reason(server, data, message):
    sender, _, receiver, _ = await broadcasting_pair(server)
    reply = await ask(sender, {"id": 3, "type": "broadcast", "data": data})
    assert reply["id"] == 3 and reply["success"] is False
    assert reply["error"]["message"].startswith(message)
    await sender.disconnect()
    await receiver.disconnect()
