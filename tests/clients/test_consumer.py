"""The /api/websocket consumer in-process (WebsocketCommunicator, in-memory layer):
every row of PROTOCOL.md §1-§3, asserted on the frames a client receives."""

import asyncio
import json
import re
import time

import pytest
from asgiref.sync import sync_to_async

from django.db import OperationalError, connection

from clients import services
from clients.models import ClientConnection
from ledfxsite.events import afire_event
from tests.conftest import communicator_for, open_socket, rest, settle, subscribe

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


async def send(communicator, message):
    await communicator.send_to(text_data=json.dumps(message))


async def receive(communicator):
    return await communicator.receive_from(timeout=5)


async def post_sync(application, client_id):
    assert await rest(application, "POST", "/api/clients", {"action": "sync", "client_id": client_id}) == {"status": "success", "action": "sync"}


async def test_first_frame_is_exactly_the_client_id(server):
    communicator = communicator_for(server)
    assert (await communicator.connect(timeout=5))[0]
    text = await receive(communicator)
    client_id = json.loads(text)["client_id"]
    assert UUID4.fullmatch(client_id)
    assert text == '{"event_type": "client_id", "client_id": "%s"}' % client_id
    await communicator.disconnect()


@pytest.mark.parametrize(
    "offered, chosen",
    [(["ws"], "ws"), (["chat", "wss"], "wss"), (["http", "https"], "http"), (["chat"], None), ([], None)],
)
async def test_offered_http_https_ws_wss_subprotocol_is_echoed(server, offered, chosen):
    communicator = communicator_for(server, subprotocols=offered)
    assert await communicator.connect(timeout=5) == (True, chosen)
    await communicator.disconnect()


async def test_other_websocket_paths_are_refused(server):
    communicator = communicator_for(server, path="/api/elsewhere")
    connected, _ = await communicator.connect(timeout=5)
    assert not connected


async def test_client_connected_reaches_subscribers_with_ip(server):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 9005, "client_connected")
    newcomer, newcomer_id = await open_socket(server, ip="1.2.3.4")
    assert await receive(watcher) == (
        '{"id": 9005, "type": "event", "event_type": "client_connected", '
        f'"client_id": "{newcomer_id}", "client_ip": "1.2.3.4"}}'
    )
    await newcomer.disconnect()
    await watcher.disconnect()


async def test_forwarded_for_is_ignored_from_untrusted_peers(server):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 1, "client_connected")
    other, _ = await open_socket(server, ip="10.0.0.9", headers=[(b"x-forwarded-for", b"5.6.7.8")])
    assert json.loads(await receive(watcher))["client_ip"] == "10.0.0.9"
    await other.disconnect()
    await watcher.disconnect()


async def test_forwarded_for_first_hop_is_used_behind_a_trusted_proxy(server, settings):
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.9"})
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 1, "client_connected")
    other, _ = await open_socket(server, ip="10.0.0.9", headers=[(b"x-forwarded-for", b"5.6.7.8, 10.0.0.1")])
    assert json.loads(await receive(watcher))["client_ip"] == "5.6.7.8"
    await other.disconnect()
    await watcher.disconnect()


async def test_client_disconnected_is_fired_once_on_close(server):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 7, "client_disconnected")
    await subscribe(watcher, 8, "client_sync")
    leaver, leaver_id = await open_socket(server, ip="1.2.3.4")
    await leaver.disconnect()
    assert await receive(watcher) == (
        '{"id": 7, "type": "event", "event_type": "client_disconnected", '
        f'"client_id": "{leaver_id}", "client_ip": "1.2.3.4"}}'
    )
    await post_sync(server, "after")
    assert json.loads(await receive(watcher))["id"] == 8  # no second client_disconnected before it
    await watcher.disconnect()


async def test_clients_updated_follows_connect_and_disconnect(server):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 3, "clients_updated")
    other, _ = await open_socket(server)
    assert await receive(watcher) == '{"id": 3, "type": "event", "event_type": "clients_updated"}'
    await other.disconnect()
    assert await receive(watcher) == '{"id": 3, "type": "event", "event_type": "clients_updated"}'
    await watcher.disconnect()


async def test_connection_is_recorded_and_closed_in_history(server):
    communicator, client_id = await open_socket(
        server, ip="1.2.3.4", headers=[(b"user-agent", b"pytest-agent"), (b"origin", b"http://localhost:3000")]
    )
    await settle(communicator)
    row = await ClientConnection.objects.aget(client_id=client_id)
    assert (row.ip, row.user_agent, row.origin, row.disconnected_at) == ("1.2.3.4", "pytest-agent", "http://localhost:3000", None)
    assert row.server_instance_id
    await communicator.disconnect()
    await row.arefresh_from_db()
    assert row.disconnected_at is not None


async def is_open_elsewhere(client_id):
    """Read the registry on a thread of its own, as another process would: not queued
    behind the consumer's own database work on the shared database thread."""

    def read():
        try:
            return ClientConnection.objects.filter(client_id=client_id, disconnected_at=None).exists()
        finally:
            connection.close()

    return await asyncio.to_thread(read)


@pytest.fixture
def slow_recording(monkeypatch):
    """The registry row takes 0.3 s to write, as under a busy database."""
    record = services.client_connections_open

    def slowly(*, rows):
        time.sleep(0.3)
        return record(rows=rows)

    monkeypatch.setattr(services, "client_connections_open", slowly)


async def test_the_row_is_committed_before_the_first_message_is_answered(server, slow_recording):
    communicator, client_id = await open_socket(server)
    await settle(communicator)
    assert await is_open_elsewhere(client_id)
    await communicator.disconnect()


async def test_the_row_is_committed_before_client_connected_is_fired(server, slow_recording):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 4, "client_connected")
    other, client_id = await open_socket(server)
    event = json.loads(await receive(watcher))
    assert event["client_id"] == client_id
    assert await is_open_elsewhere(client_id)
    await other.disconnect()
    await watcher.disconnect()


async def test_a_connection_that_cannot_be_recorded_is_closed_with_4013(server, monkeypatch):
    watcher, _ = await open_socket(server)
    await subscribe(watcher, 5, "client_connected")

    def database_down(*, rows):
        raise OperationalError("the database is down")

    monkeypatch.setattr(services, "client_connections_open", database_down)
    communicator = communicator_for(server)
    assert (await communicator.connect(timeout=5))[0]
    client_id = json.loads(await receive(communicator))["client_id"]
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4013}
    assert client_id not in server.process.connections
    await settle(watcher)
    assert await watcher.receive_nothing(timeout=0.2)
    await watcher.disconnect()


async def test_event_filter_selects_matching_events(server):
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 1, "client_sync", {"client_id": "x"})
    await subscribe(communicator, 2, "client_sync")
    await post_sync(server, "y")
    assert json.loads(await receive(communicator)) == {"id": 2, "type": "event", "event_type": "client_sync", "client_id": "y"}
    await post_sync(server, "x")
    assert json.loads(await receive(communicator))["id"] == 1
    assert json.loads(await receive(communicator))["id"] == 2
    await communicator.disconnect()


async def test_reusing_a_subscription_id_replaces_it(server):
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 5, "client_sync", {"client_id": "old"})
    await subscribe(communicator, 5, "client_sync", {"client_id": "new"})
    await subscribe(communicator, 6, "client_sync")
    await post_sync(server, "old")
    assert json.loads(await receive(communicator))["id"] == 6
    await post_sync(server, "new")
    assert json.loads(await receive(communicator))["id"] == 5
    assert json.loads(await receive(communicator))["id"] == 6
    await communicator.disconnect()


async def test_reusing_an_id_for_another_event_type_moves_the_subscription(server):
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 5, "client_sync")
    await subscribe(communicator, 5, "clients_updated")
    await subscribe(communicator, 6, "client_sync")
    await post_sync(server, "a")
    assert json.loads(await receive(communicator))["id"] == 6
    await communicator.disconnect()


async def test_unsubscribe_stops_delivery(server):
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 1, "client_sync")
    await subscribe(communicator, 2, "client_sync")
    await send(communicator, {"id": 1, "type": "unsubscribe_event"})
    await post_sync(server, "a")
    assert json.loads(await receive(communicator))["id"] == 2
    await communicator.disconnect()


async def test_unsubscribing_an_unknown_id_sends_nothing(server):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": 42, "type": "unsubscribe_event"})
    await settle(communicator)
    await communicator.disconnect()


async def test_one_event_matching_several_subscriptions_gives_one_frame_each(server):
    communicator, _ = await open_socket(server)
    for subscription_id in (10, 11, 12):
        await subscribe(communicator, subscription_id, "client_sync")
    await post_sync(server, "z")
    assert [json.loads(await receive(communicator))["id"] for _ in range(3)] == [10, 11, 12]
    await communicator.disconnect()


async def test_device_update_cannot_be_subscribed(server):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": 4, "type": "subscribe_event", "event_type": "device_update"})
    assert json.loads(await receive(communicator)) == {
        "id": 4,
        "success": False,
        "error": {
            "message": "Websocket cannot subscribe to device_update events - use visualisation_update instead",
            "code": "not_subscribable",
        },
    }
    await settle(communicator)
    await communicator.disconnect()


async def test_unknown_event_type_is_accepted_silently(server):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": 4, "type": "subscribe_event", "event_type": "no_such_event"})
    await send(communicator, {"id": 5, "type": "subscribe_event", "event_type": "bad name with spaces!"})
    await settle(communicator)
    await communicator.disconnect()


async def test_non_object_event_filter_is_invalid_format(server):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": 4, "type": "subscribe_event", "event_type": "client_sync", "event_filter": [1]})
    assert json.loads(await receive(communicator)) == {
        "id": 4,
        "success": False,
        "error": {"message": "Invalid message format.", "code": "invalid_format"},
    }
    await communicator.disconnect()


async def test_unknown_command_is_answered_and_connection_stays_usable(server):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": 3, "type": "no_such_command"})
    assert await receive(communicator) == (
        '{"id": 3, "success": false, "error": {"message": "Unknown command type.", "code": "unknown_command"}}'
    )
    await subscribe(communicator, 4, "client_sync")
    await post_sync(server, "still-works")
    assert json.loads(await receive(communicator))["client_id"] == "still-works"
    await communicator.disconnect()


async def test_numeric_string_id_is_coerced(server):
    communicator, _ = await open_socket(server)
    await send(communicator, {"id": "7", "type": "nope"})
    assert json.loads(await receive(communicator))["id"] == 7
    await communicator.disconnect()


@pytest.mark.parametrize(
    "frame, expected_id",
    [
        ("{not json", None),
        ("[1, 2, 3]", None),
        ("42", None),
        ("null", None),
        ('{"type": "subscribe_event", "event_type": "client_sync"}', None),
        ('{"id": 1.5, "type": "subscribe_event"}', None),
        ('{"id": "abc", "type": "subscribe_event"}', None),
        ('{"id": 8, "type": 3}', 8),
        ('{"id": 8}', 8),
        ('{"id": 9, "type": "subscribe_event"}', 9),
    ],
)
async def test_bad_input_gets_one_error_and_the_connection_stays_usable(server, frame, expected_id):
    communicator, _ = await open_socket(server)
    await communicator.send_to(text_data=frame)
    assert json.loads(await receive(communicator)) == {
        "id": expected_id,
        "success": False,
        "error": {"message": "Invalid message format.", "code": "invalid_format"},
    }
    await subscribe(communicator, 1, "client_sync")
    await post_sync(server, "usable")
    assert json.loads(await receive(communicator))["client_id"] == "usable"
    await communicator.disconnect()


async def test_binary_frame_gets_invalid_format(server):
    communicator, _ = await open_socket(server)
    await communicator.send_to(bytes_data=b"\x00\x01binary")
    assert json.loads(await receive(communicator))["error"]["message"] == "Invalid message format."
    await settle(communicator)
    await communicator.disconnect()


async def test_subscriptions_per_connection_are_bounded(server, settings):
    settings.WEBSOCKET_MAX_SUBSCRIPTIONS = 3
    communicator, _ = await open_socket(server)
    for subscription_id in (1, 2, 3):
        await subscribe(communicator, subscription_id, "client_sync")
    await send(communicator, {"id": 4, "type": "subscribe_event", "event_type": "client_sync"})
    error = json.loads(await receive(communicator))
    assert (error["id"], error["error"]["code"]) == (4, "too_large")
    await subscribe(communicator, 3, "clients_updated")  # replacing an id is still allowed
    await communicator.disconnect()


async def test_events_fired_from_code_reach_subscribers(server):
    communicator, _ = await open_socket(server)
    await subscribe(communicator, 1, "devices_updated")
    await afire_event("devices_updated", device_id="wled-1")
    assert await receive(communicator) == '{"id": 1, "type": "event", "event_type": "devices_updated", "device_id": "wled-1"}'
    await communicator.disconnect()


async def test_open_rows_are_the_live_registry(server):
    first, first_id = await open_socket(server, ip="1.1.1.1")
    second, second_id = await open_socket(server, ip="2.2.2.2")
    await settle(first)
    await settle(second)
    live = await sync_to_async(ClientConnection.objects.live_map)()
    assert live == {first_id: "1.1.1.1", second_id: "2.2.2.2"}
    await first.disconnect()
    assert await sync_to_async(ClientConnection.objects.live_map)() == {second_id: "2.2.2.2"}
    await second.disconnect()


async def test_messages_over_the_rate_are_refused_with_their_id_and_not_handled(server, settings):
    settings.WEBSOCKET_MESSAGES_PER_SECOND = 5  # 10 at once
    communicator, _ = await open_socket(server)
    for number in range(10):
        await send(communicator, {"id": number, "type": "probe"})
    await send(communicator, {"id": 10, "type": "subscribe_event", "event_type": "client_sync"})
    answers = [json.loads(await receive(communicator)) for _ in range(11)]
    assert [answer["error"]["code"] for answer in answers] == ["unknown_command"] * 10 + ["rate_limited"]
    assert answers[10] == {
        "id": 10,
        "success": False,
        "error": {"message": "Too many messages: at most 5 a second on average, 10 at once.", "code": "rate_limited"},
    }
    await post_sync(server, "after")
    assert await communicator.receive_nothing(timeout=0.3)  # the refused subscription was not made
    await asyncio.sleep(0.25)  # one message's worth comes back
    await send(communicator, {"id": 11, "type": "probe"})
    assert json.loads(await receive(communicator))["error"]["code"] == "unknown_command"
    await communicator.disconnect()


async def test_a_client_that_goes_on_over_the_rate_is_closed_with_4029(server, settings, caplog):
    settings.WEBSOCKET_MESSAGES_PER_SECOND = 5
    communicator, client_id = await open_socket(server)
    for number in range(10 + 101):
        await send(communicator, {"id": number, "type": "probe"})
    outputs = []
    while (output := await communicator.receive_output(timeout=5))["type"] != "websocket.close":
        outputs.append(json.loads(output["text"]))
    assert output == {"type": "websocket.close", "code": 4029}
    assert [answer["error"]["code"] for answer in outputs] == ["unknown_command"] * 10 + ["rate_limited"] * 100
    assert f"[{client_id}] closing with 4029" in caplog.text


async def test_connections_per_client_ip_are_bounded(server, settings):
    settings.WEBSOCKET_MAX_CONNECTIONS_PER_IP = 2
    first, _ = await open_socket(server, ip="10.0.0.5")
    second, _ = await open_socket(server, ip="10.0.0.5")
    third = communicator_for(server, ip="10.0.0.5")
    assert (await third.connect(timeout=5))[0] is False
    other, _ = await open_socket(server, ip="10.0.0.6")  # another address has its own count
    await first.disconnect()
    again, _ = await open_socket(server, ip="10.0.0.5")  # a place came free
    await settle(second)
    await settle(again)
    assert await ClientConnection.objects.filter(ip="10.0.0.5", disconnected_at=None).acount() == 2
    for communicator in (second, other, again):
        await communicator.disconnect()



@pytest.mark.asyncio
async def test_a_process_shutting_down_refuses_new_websockets(server):
    await open_socket(server)  # the process runs
    server.process.closing = True
    connected, _ = await communicator_for(server).connect(timeout=5)
    assert not connected
    server.process.closing = False


@pytest.mark.asyncio
async def test_a_client_connected_event_that_cannot_be_sent_leaves_the_client_connected(server, monkeypatch):
    from clients import consumers

    async def event_bus_down(event_type, **fields):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(consumers, "afire_event", event_bus_down)
    communicator, client_id = await open_socket(server)
    await settle(communicator)
    assert await ClientConnection.objects.open().filter(client_id=client_id).aexists()
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_consumer_that_dies_of_a_bug_is_no_longer_listed_as_connected(server, monkeypatch):
    from clients.consumers import ClientConsumer

    communicator, client_id = await open_socket(server)
    assert client_id in server.process.connections

    async def broken(self, message):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ClientConsumer, "websocket_receive", broken)
    await communicator.send_to(text_data='{"id": 1, "type": "probe"}')
    with pytest.raises(RuntimeError):
        await communicator.wait(timeout=5)
    assert client_id not in server.process.connections
