"""fire_event and the per-process EventHub, on the in-memory channel layer."""

import asyncio
import json

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer

from ledfxsite.direct_send import Outbox
from ledfxsite.events import EventHub, afire_event, fire_event
from tests.conftest import open_socket

pytestmark = pytest.mark.asyncio


class RecordingConnection:
    def __init__(self, client_id):
        self.client_id = client_id
        self.frames = []
        # not a daphne websocket: frames go through send_text
        self.outbox = Outbox(websocket=None, send_text=self.send_text, max_queued_bytes=1 << 20, overflowed=None)

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
    firsts, seconds = {1: {}}, {1: {}}
    await hub.subscribe("client_sync", first, firsts)
    await hub.subscribe("client_sync", second, seconds)
    assert hub.layer.groups["event.client_sync"].keys() == {hub.channel_name}
    firsts.clear()
    hub.unsubscribe("client_sync", first)
    await hub.renew_groups()
    assert hub.channel_name in hub.layer.groups["event.client_sync"]
    seconds.clear()
    hub.unsubscribe("client_sync", second)
    await hub.renew_groups()
    assert hub.channel_name not in hub.layer.groups.get("event.client_sync", {})


async def test_a_connection_with_subscriptions_left_stays_a_member(hub):
    connection = RecordingConnection("c")
    subscriptions = {1: {}, 2: {"client_id": "b"}}
    await hub.subscribe("client_sync", connection, subscriptions)
    del subscriptions[1]
    hub.unsubscribe("client_sync", connection)
    await hub.deliver([sync_message("b")])
    assert [json.loads(frame)["id"] for frame in connection.frames] == [2]


async def test_watchers_hear_of_every_change_to_their_event_type(hub):
    changes = []
    hub.watch("visualisation_update", lambda: changes.append(sum(map(len, hub.members.get("visualisation_update", {}).values()))))
    connection = RecordingConnection("c")
    subscriptions = {1: {"vis_id": "a"}}
    await hub.subscribe("visualisation_update", connection, subscriptions)
    subscriptions[2] = {"vis_id": "b"}
    await hub.subscribe("visualisation_update", connection, subscriptions)
    await hub.subscribe("client_sync", connection, {3: {}})
    subscriptions.clear()
    hub.unsubscribe("visualisation_update", connection)
    assert changes == [1, 2, 0]


def preview_message(vis_id, pixels):
    body = f'"event_type": "visualisation_update", "is_device": false, "vis_id": "{vis_id}", "pixels": "{pixels}", "shape": [1, 1]}}'
    return {"type": "event", "event_type": "visualisation_update", "body": body}


async def test_a_batch_keeps_only_the_newest_preview_per_subscription(hub):
    connection = RecordingConnection("c")
    await hub.subscribe("visualisation_update", connection, {1: {"vis_id": "a"}, 2: {}})
    await hub.subscribe("client_sync", connection, {3: {}})
    await hub.deliver([preview_message("a", "old"), sync_message("x"), preview_message("a", "new"), preview_message("b", "bee")])
    frames = [json.loads(frame) for frame in connection.frames]
    assert [(frame["id"], frame.get("pixels", frame.get("client_id"))) for frame in frames] == [(3, "x"), (1, "new"), (2, "bee")]


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
