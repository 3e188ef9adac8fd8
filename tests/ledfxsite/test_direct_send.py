"""Event frames written straight to daphne's sockets: framing, order behind buffered data,
partial writes, and the fall-back to ASGI for sockets that are not open."""

import struct

import pytest

from ledfxsite.direct_send import text_frame, write_text_frames

OPEN, CLOSING = 3, 4


def parse_frame(data):
    """(fin+opcode byte, payload, rest) of one unmasked frame."""
    first, second = data[0], data[1]
    assert not second & 0x80, "server frames are not masked"
    length, offset = second & 0x7F, 2
    if length == 126:
        length, offset = struct.unpack_from("!H", data, 2)[0], 4
    elif length == 127:
        length, offset = struct.unpack_from("!Q", data, 2)[0], 10
    return first, data[offset : offset + length], data[offset + length :]


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_is_final_text_and_carries_the_utf8_payload(length):
    text = "é" * (length // 2) + "x" * (length % 2)
    first, payload, rest = parse_frame(text_frame(text))
    assert (first, payload.decode(), rest) == (0x81, text, b"")


class Transport:
    def __init__(self, accepts=None, queued=b""):
        self.connected, self.disconnecting, self._writeDisconnected = True, False, False
        self.dataBuffer, self.offset, self._tempDataLen = queued, 0, 0
        self.accepts = accepts  # bytes the socket takes at once; None: all
        self.sent, self.buffered = [], []

    def writeSomeData(self, data):
        taken = len(data) if self.accepts is None else min(self.accepts, len(data))
        self.sent.append(bytes(data[:taken]))
        return taken

    def write(self, data):
        self.buffered.append(bytes(data))

    def doWrite(self):
        queued, self.buffered = b"".join(self.buffered), []
        self.sent.append(queued)


class Websocket:
    STATE_OPEN = OPEN

    def __init__(self, transport, state=OPEN):
        self.transport, self.state = transport, state
        self.send_queue, self._perMessageCompress = [], None


def test_frames_leave_at_once_in_one_write_when_nothing_is_queued():
    transport = Transport()
    assert write_text_frames(Websocket(transport), ["a", "bc"], {})
    assert transport.sent == [text_frame("a") + text_frame("bc")] and transport.buffered == []


def test_what_the_socket_does_not_take_is_buffered_after_what_it_took():
    transport = Transport(accepts=3)
    assert write_text_frames(Websocket(transport), ["hello"], {})
    assert transport.sent[0] + transport.buffered[0] == text_frame("hello")


def test_frames_queue_behind_data_already_buffered():
    transport = Transport(queued=b"earlier")
    assert write_text_frames(Websocket(transport), ["later"], {})
    assert transport.sent == [] and transport.buffered == [text_frame("later")]


def test_flush_sends_what_was_queued_and_the_frames_now():
    transport = Transport(queued=b"")
    transport.buffered, transport._tempDataLen = [b"HTTP/1.1 101"], 12
    assert write_text_frames(Websocket(transport), ["first"], {}, flush=True)
    assert transport.sent == [b"HTTP/1.1 101" + text_frame("first")] and transport.buffered == []


def test_each_distinct_frame_is_encoded_once_per_batch():
    encoded = {}
    first, second = Transport(), Transport()
    write_text_frames(Websocket(first), ["same"], encoded)
    write_text_frames(Websocket(second), ["same"], encoded)
    assert list(encoded) == ["same"] and first.sent == second.sent


@pytest.mark.parametrize("websocket", [None, Websocket(Transport(), state=CLOSING)])
def test_no_daphne_websocket_or_one_not_open_is_left_to_asgi(websocket):
    assert write_text_frames(websocket, ["x"], {}) is False


def test_a_transport_that_is_closing_is_left_to_asgi():
    transport = Transport()
    transport.disconnecting = True
    assert write_text_frames(Websocket(transport), ["x"], {}) is False
    assert transport.sent == transport.buffered == []
