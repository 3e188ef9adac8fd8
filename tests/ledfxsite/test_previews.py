"""The preview watch: what this process's clients watch, told to the render worker once per
change and renewed every heartbeat (on the in-memory channel layer)."""

import asyncio
from types import SimpleNamespace

import pytest
import pytest_asyncio
from django.conf import settings
from channels.layers import InMemoryChannelLayer

from ledfxsite.events import EventHub
from ledfxsite.layers import RENDER_GROUP
from ledfxsite.previews import PreviewWatch, watch_patterns


def test_filters_become_patterns_and_impossible_filters_watch_nothing():
    members = {
        "one": {1: {"vis_id": "a", "is_device": False}, 2: {}},
        "two": {3: {"vis_id": "d"}, 4: {"vis_id": 5}, 5: {"is_device": "yes"}, 6: {"is_device": True, "shape": [1, 1]}},
    }
    assert watch_patterns(members) == {(False, "a"), (None, None), (None, "d"), (True, None)}


class Connection:
    client_id = "c"


@pytest_asyncio.fixture
async def watch():
    layer = InMemoryChannelLayer()
    hub = EventHub(layer)
    await hub.start()
    process = SimpleNamespace(hub=hub, instance_id="host:1:abc")
    worker = SimpleNamespace(layer=layer, channel=await layer.new_channel())
    await layer.group_add(RENDER_GROUP, worker.channel)
    yield PreviewWatch(process, layer), hub, worker
    await hub.stop()


async def sent(worker):
    """Every watch message waiting for a render worker."""
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(worker.layer.receive(worker.channel), 0.05))
        except asyncio.TimeoutError:
            return messages


@pytest.mark.asyncio
async def test_the_worker_hears_once_per_change_and_at_every_heartbeat(watch):
    preview_watch, hub, worker = watch
    connection, subscriptions = Connection(), {1: {"vis_id": "a", "is_device": False}}
    await hub.subscribe("visualisation_update", connection, subscriptions)
    subscriptions[2] = {"vis_id": "a", "is_device": False}  # watches nothing new
    await hub.subscribe("visualisation_update", connection, subscriptions)
    await hub.subscribe("client_sync", connection, {3: {}})
    messages = await sent(worker)
    assert messages == [{"type": "previews.watched", "watcher": "host:1:abc", "patterns": [[False, "a"]], "seconds": settings.HEARTBEAT_SECONDS * 3}]
    await preview_watch.heartbeat()
    assert [message["patterns"] for message in await sent(worker)] == [[[False, "a"]]]
    subscriptions.clear()
    hub.unsubscribe("visualisation_update", connection)
    assert [message["patterns"] for message in await sent(worker)] == [[]]
    await preview_watch.heartbeat()
    assert await sent(worker) == []
