"""The registry part of a server process: group commit of the connections' rows, and the
sweep that announces later, once, a disconnect whose announcement failed."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from django.db import IntegrityError

from clients import registry, services
from clients.models import ClientConnection
from clients.registry import ClientRegistry, write_rows
from ledfxsite.layers import EVENTS_LAYER
from tests.conftest import communicator_for, open_socket, settle, subscribe

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


async def test_sockets_closing_together_share_database_trips_and_each_is_announced_once(server, settings, monkeypatch):
    settings.HEARTBEAT_SECONDS = 0.2
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 7, "client_disconnected")
    leavers = [await open_socket(server, ip=f"10.0.0.{number}") for number in range(20)]
    for communicator, _ in leavers:
        await settle(communicator)
    trips = []

    def counted(opening, closing):
        trips.append((len(opening), len(closing)))
        return write_rows(opening, closing)

    monkeypatch.setattr(registry, "write_rows", counted)
    await asyncio.gather(*(communicator.disconnect() for communicator, _ in leavers))

    events = [json.loads(await watcher.receive_from(timeout=5)) for _ in leavers]
    assert sorted(event["client_id"] for event in events) == sorted(client_id for _, client_id in leavers)
    assert sum(closing for _, closing in trips) == 20 and len(trips) < 20
    await asyncio.sleep(0.5)  # two sweeps
    assert await watcher.receive_nothing(timeout=0.1)
    assert await ClientConnection.objects.filter(disconnected_at=None).acount() == 1  # the watcher
    await watcher.disconnect()


async def test_an_open_that_fails_does_not_keep_a_close_in_the_same_trip_from_being_recorded(server, monkeypatch):
    close_delay = ClientRegistry.CLOSE_DELAY
    monkeypatch.setattr(ClientRegistry, "CLOSE_DELAY", 30.0)  # the close waits for the next open
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 7, "client_disconnected")
    leaver, leaver_id = await open_socket(server, ip="1.2.3.4")
    await settle(leaver)
    trips = []

    def counted(opening, closing):
        trips.append((len(opening), len(closing)))
        return write_rows(opening, closing)

    def database_refuses(*, rows):
        raise IntegrityError("refused")

    monkeypatch.setattr(registry, "write_rows", counted)
    monkeypatch.setattr(services, "client_connections_open", database_refuses)
    leaving = asyncio.create_task(leaver.disconnect())
    newcomer = communicator_for(server)
    assert (await newcomer.connect(timeout=5))[0]
    await newcomer.receive_from(timeout=5)  # client_id
    assert await newcomer.receive_output(timeout=5) == {"type": "websocket.close", "code": 4013}
    await leaving

    assert trips == [(1, 1)]
    event = json.loads(await watcher.receive_from(timeout=5))
    assert (event["client_id"], event["client_ip"]) == (leaver_id, "1.2.3.4")
    assert (await ClientConnection.objects.aget(client_id=leaver_id)).disconnected_at is not None
    monkeypatch.setattr(ClientRegistry, "CLOSE_DELAY", close_delay)
    await watcher.disconnect()


async def test_stopping_closes_the_rows_of_sockets_still_open_and_announces_each_once(server):
    watcher, watcher_id = await open_socket(server)
    await subscribe(watcher, 7, "client_disconnected")
    _, other_id = await open_socket(server, ip="1.2.3.4")
    await server.process.part(ClientRegistry).stop()
    announced = [json.loads(await watcher.receive_from(timeout=5))["client_id"] for _ in range(2)]
    assert sorted(announced) == sorted([watcher_id, other_id])
    assert await watcher.receive_nothing(timeout=0.5)
    assert not await ClientConnection.objects.open().aexists()
