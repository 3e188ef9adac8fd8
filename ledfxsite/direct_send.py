"""Event frames written straight to daphne's websockets, for fan-out.

Through ASGI, each frame to each socket goes through daphne's send (a coroutine and its
checks), autobahn's framing (with its per-frame debug log arguments), and Twisted's
buffered write, which registers the socket for writing in the event loop and unregisters
it after the send on the next turn. For a frame to a thousand sockets that is most of the
time (bench/daphne_floor.py shows daphne's own cost). Here a frame is encoded once per
batch and written to each socket right away when nothing is queued before it, as asyncio's
transports do; otherwise it is appended to Twisted's buffer behind what is queued, so the
order of frames on a socket is kept. Frames are plain text frames from server to client
(unmasked, unfragmented, no extension), exactly what autobahn sends for them.
"""

import functools
import struct


def daphne_websocket(send):
    """The daphne protocol behind an ASGI websocket `send`, or None (another server, or
    the test communicators): then frames go through `send` as usual."""
    if not isinstance(send, functools.partial) or not send.args:
        return None
    from daphne.ws_protocol import WebSocketProtocol
    from twisted.internet.tcp import Connection

    websocket = send.args[0]
    if isinstance(websocket, WebSocketProtocol) and isinstance(websocket.transport, Connection):
        return websocket
    return None


def text_frame(text):
    payload = text.encode()
    length = len(payload)
    if length < 126:
        return struct.pack("!BB", 0x81, length) + payload
    if length < 65536:
        return struct.pack("!BBH", 0x81, 126, length) + payload
    return struct.pack("!BBQ", 0x81, 127, length) + payload


def write_text_frames(websocket, texts, encoded, flush=False):
    """Write text frames to an open daphne websocket; False, having written nothing, when
    the websocket is None or not open (the caller sends them through ASGI, which knows
    what to do with a closing socket). `encoded` maps a text to its frame for one batch,
    so that a frame going to many sockets is encoded once. With `flush`, what is queued
    before them (the handshake's answer) is sent with them now rather than at the event
    loop's next turn."""
    if (
        websocket is None
        or websocket.state != websocket.STATE_OPEN
        or websocket.send_queue
        or websocket._perMessageCompress is not None
    ):
        return False
    transport = websocket.transport
    if not transport.connected or transport.disconnecting or transport._writeDisconnected:
        return False
    data = b"".join([encoded.get(text) or encoded.setdefault(text, text_frame(text)) for text in texts])
    if not transport._tempDataLen and transport.offset == len(transport.dataBuffer):
        written = transport.writeSomeData(data)
        if not isinstance(written, int):  # the connection is lost: Twisted's next write finds out
            written = 0
        if written == len(data):
            return True
        data = data[written:]
    transport.write(data)
    if flush:
        transport.doWrite()  # what it does not take stays queued; an error is found again by the reactor
    return True


def queued_bytes(websocket):
    """Bytes Twisted holds for this socket because the client has not read them yet."""
    transport = websocket.transport
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


class Outbox:
    """The frames a websocket is sent besides its command replies, with bounds (daphne has
    no backpressure: a client that does not read makes Twisted's buffer grow).

    Latest-wins frames (previews) are keyed: while more than LATEST_WINS_HOLD_BYTES wait
    for the client, a new one replaces the one held under its key, so a slow reader gets
    the newest frame when it catches up and never a backlog. Other frames are always
    queued; when more than `max_queued_bytes` wait, `overflowed()` is called (once) and
    the caller closes the connection.

    Without daphne (the test communicators, another ASGI server) frames go through ASGI
    `send_text` unbounded, as that server decides.
    """

    LATEST_WINS_HOLD_BYTES = 64 * 1024

    def __init__(self, *, websocket, send_text, max_queued_bytes, overflowed):
        self.websocket = websocket
        self.send_text = send_text
        self.max_queued_bytes = max_queued_bytes
        self.overflowed = overflowed
        self.held = {}
        self.full = False

    async def put(self, frames, latest, encoded):
        """Send `frames` in order and the latest-wins frames {key: frame} of this batch.
        `encoded` caches frames encoded for this batch (see write_text_frames)."""
        if self.full:
            return
        self.held.update(latest)
        if self.held and (self.websocket is None or queued_bytes(self.websocket) < self.LATEST_WINS_HOLD_BYTES):
            frames = [*frames, *self.held.values()]
            self.held.clear()
        if not frames:
            return
        if not write_text_frames(self.websocket, frames, encoded):
            for frame in frames:
                await self.send_text(frame)
        if self.websocket is not None and queued_bytes(self.websocket) > self.max_queued_bytes:
            self.full = True
            self.held.clear()
            await self.overflowed()
