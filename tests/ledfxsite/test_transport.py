"""daphne's websocket layer as ledfxsite sets it up (ledfxsite/transport.py)."""

import asyncio
import json
import pprint

import pytest
import websockets

from autobahn.websocket import protocol as autobahn_protocol
from daphne.ws_protocol import WebSocketFactory

from ledfxsite.transport import lighter_websocket_connections


def test_autobahns_debug_arguments_are_computed_only_when_formatted():
    lighter_websocket_connections()
    calls = []

    class Options(dict):
        def __repr__(self):
            calls.append("formatted")
            return dict.__repr__(self)

    argument = autobahn_protocol.pformat(Options(a=1))
    assert calls == []
    assert str(argument) == pprint.pformat({"a": 1}) and calls == ["formatted"]


def test_connections_share_the_factorys_options_instead_of_copying_them():
    lighter_websocket_connections()
    factory = WebSocketFactory(server_class=None)
    factory.setProtocolOptions(failByDrop=False)
    first, second = factory.buildProtocol(("127.0.0.1", 1)), factory.buildProtocol(("127.0.0.1", 2))
    # a subclass per factory holds the options as class attributes, for every connection
    assert type(first) is type(second) and type(first) is not WebSocketFactory.protocol
    assert issubclass(type(first), WebSocketFactory.protocol) and type(first).failByDrop is False


@pytest.mark.live
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_client_offering_compression_is_served_uncompressed(live_servers):
    """Every browser offers permessage-deflate; the offer is declined (frames are encoded
    once for all sockets), and the connection works."""
    server = live_servers(REDIS_URL="")
    async with websockets.connect(server.ws, open_timeout=10, compression="deflate") as sock:
        assert json.loads(await asyncio.wait_for(sock.recv(), 10))["event_type"] == "client_id"
        assert sock.response.headers.get("Sec-WebSocket-Extensions") is None
    server.assert_clean_log()
