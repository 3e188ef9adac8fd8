"""The per-process sweep: a disconnect whose announcement failed is announced later, once."""

import json

import pytest
from channels.layers import get_channel_layer

from ledfxsite.layers import EVENTS_LAYER
from clients.models import ClientConnection
from tests.conftest import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_a_failed_disconnect_announcement_is_retried_by_the_sweep(server, settings, monkeypatch):
    settings.HEARTBEAT_SECONDS = 0.2
    watcher, _ = await open_socket(server)
    await watcher.send_to(text_data=json.dumps({"id": 7, "type": "subscribe_event", "event_type": "client_disconnected"}))
    await watcher.send_to(text_data=json.dumps({"id": 8, "type": "probe"}))
    await watcher.receive_from(timeout=5)

    layer = get_channel_layer(EVENTS_LAYER)
    group_send, failures = layer.group_send, []

    async def failing_once(group, message):
        if group == "event.client_disconnected" and not failures:
            failures.append(group)
            raise ConnectionError("event bus down")
        await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", failing_once)
    leaver, leaver_id = await open_socket(server, ip="1.2.3.4")
    await leaver.disconnect()

    event = json.loads(await watcher.receive_from(timeout=5))
    assert failures and event == {
        "id": 7, "type": "event", "event_type": "client_disconnected", "client_id": leaver_id, "client_ip": "1.2.3.4",
    }
    assert await watcher.receive_nothing(timeout=1.0)
    row = await ClientConnection.objects.aget(client_id=leaver_id)
    assert row.disconnected_at is not None and row.disconnect_announced
    await watcher.disconnect()
