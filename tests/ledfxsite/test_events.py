"""fire_event and the per-process EventHub, on the in-memory channel layer."""

import asyncio
import json

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer

from ledfxsite.events import EventHub, afire_event, fire_event
from tests.conftest import open_socket

pytestmark = pytest.mark.asyncio


class RecordingConnection:
    direct_socket = None  # not a daphne websocket: frames go through send_text

    def __init__(self, client_id):
        self.client_id = client_id
        self.frames = []

    async def send_text(self, text):
        self.frames.append(text)


@pytest_asyncio.fixture
async def hub():
    hub = EventHub(InMemoryChannelLayer())
    await hub.start()
    yield hub
    await hub.stop()


def sync_message(client_id, exclude=None):
    message = {"type": "event", "event_type": "client_sync", "body": f'"event_type": "client_sync", "client_id": "{client_id}"}}'}
    if exclude:
        message["exclude_client_id"] = exclude
    return message


async def test_deliver_skips_the_excluded_connection(hub):
    own, other = RecordingConnection("me"), RecordingConnection("other")
    await hub.subscribe("client_sync", own, {1: {}})
    await hub.subscribe("client_sync", other, {2: {}})
    await hub.deliver([sync_message("x", exclude="me")])
    assert own.frames == []
    assert other.frames == ['{"id": 2, "type": "event", "event_type": "client_sync", "client_id": "x"}']


async def test_deliver_applies_each_subscription_filter(hub):
    connection = RecordingConnection("c")
    await hub.subscribe("client_sync", connection, {1: {"client_id": "a"}, 2: {"client_id": "b"}, 3: {}})
    await hub.deliver([sync_message("b")])
    assert [json.loads(frame)["id"] for frame in connection.frames] == [2, 3]


async def test_a_batch_reaches_each_socket_in_firing_order(hub):
    connection = RecordingConnection("c")
    await hub.subscribe("client_sync", connection, {1: {}})
    await hub.subscribe("clients_updated", connection, {2: {}})
    await hub.deliver(
        [
            sync_message("first"),
            {"type": "event", "event_type": "clients_updated", "body": '"event_type": "clients_updated"}'},
            sync_message("third"),
        ]
    )
    assert connection.frames == [
        '{"id": 1, "type": "event", "event_type": "client_sync", "client_id": "first"}',
        '{"id": 2, "type": "event", "event_type": "clients_updated"}',
        '{"id": 1, "type": "event", "event_type": "client_sync", "client_id": "third"}',
    ]


async def test_hub_joins_a_group_once_and_leaves_it_when_unused(hub):
    first, second = RecordingConnection("1"), RecordingConnection("2")
    await hub.subscribe("client_sync", first, {1: {}})
    await hub.subscribe("client_sync", second, {1: {}})
    assert hub.layer.groups["event.client_sync"].keys() == {hub.channel_name}
    hub.unsubscribe("client_sync", first)
    hub.unsubscribe("client_sync", second)
    await hub.renew_groups()
    assert hub.channel_name not in hub.layer.groups.get("event.client_sync", {})


async def test_types_nobody_fires_join_no_group(hub):
    await hub.subscribe("no_such_event", RecordingConnection("c"), {1: {}})
    assert hub.layer.groups == {}


async def test_events_arrive_through_the_layer(hub):
    connection = RecordingConnection("c")
    await hub.subscribe("client_sync", connection, {4: {}})
    await hub.layer.group_send("event.client_sync", sync_message("via-layer"))
    for _ in range(100):
        if connection.frames:
            break
        await asyncio.sleep(0.01)
    assert connection.frames == ['{"id": 4, "type": "event", "event_type": "client_sync", "client_id": "via-layer"}']


@pytest.mark.django_db(transaction=True)
async def test_fire_event_from_sync_code_reaches_websockets(server):
    communicator, _ = await open_socket(server)
    await communicator.send_to(text_data=json.dumps({"id": 1, "type": "subscribe_event", "event_type": "effect_cleared"}))
    await communicator.send_to(text_data=json.dumps({"id": 2, "type": "probe"}))
    await communicator.receive_from(timeout=5)
    await sync_to_async(fire_event)("effect_cleared", virtual_id="matrix1")
    assert await communicator.receive_from(timeout=5) == (
        '{"id": 1, "type": "event", "event_type": "effect_cleared", "virtual_id": "matrix1"}'
    )
    await communicator.disconnect()


async def test_fire_event_rejects_undeclared_fields():
    with pytest.raises(TypeError):
        await afire_event("client_sync", client=1)
