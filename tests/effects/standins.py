"""Stand-ins for a WLED on 127.0.0.1: its web API (GET /json/info from the real captures in
shared/fixtures/wled, or failing on demand) and a UDP listener decoding DDP frames."""

import asyncio
import http.server
import json
import struct
import threading
import time
from pathlib import Path

from tests.conftest import free_port, wait_until

# Copies of shared/fixtures/wled (real captures; see the README there), kept in the
# repository so that the suite runs wherever it is checked out.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wled"


def fixture(version):
    return json.loads((FIXTURES / f"info-{version}.json").read_text())


FIXTURE_VERSIONS = sorted(path.stem.removeprefix("info-") for path in FIXTURES.glob("info-*.json"))
assert len(FIXTURE_VERSIONS) == 5, f"WLED captures missing from {FIXTURES}"


class WledWebApi:
    """GET /json/info answering `info`, or misbehaving: mode "ok", "hang", "error",
    "garbage", "redirect", "huge" (200 KiB), "drip" (a byte every 50 ms for 2 s) or "down"
    (nothing listens)."""

    def __init__(self, info):
        self.info = info
        self.mode = "ok"
        self.port = free_port()
        self.requests = 0
        self.server = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                standin.requests += 1
                if standin.mode == "hang":
                    time.sleep(3)
                if standin.mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://127.0.0.1:1/json/info")
                    self.end_headers()
                    return
                if standin.mode in ("huge", "drip"):
                    self.send_response(200)
                    self.end_headers()  # no Content-Length: read until closed
                    # huge: 208 KiB in 16 KiB writes, past the 64 KiB cap quickly even on a busy machine
                    for _ in range(13 if standin.mode == "huge" else 40):
                        self.wfile.write(b" " * (16384 if standin.mode == "huge" else 1))
                        self.wfile.flush()
                        if standin.mode == "drip":
                            time.sleep(0.05)
                    return
                if self.path != "/json/info" or standin.mode == "error":
                    self.send_error(500 if standin.mode == "error" else 404)
                    return
                body = b"{not json" if standin.mode == "garbage" else json.dumps(standin.info).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def set_mode(self, mode):
        if mode == "down" and self.mode != "down":
            self.stop()
        elif mode != "down" and self.mode == "down":
            self.start()
        self.mode = mode


class DdpListener(asyncio.DatagramProtocol):
    """Collects DDP packets and reassembles frames: PUSH closes a frame."""

    def __init__(self):
        self.packets = []
        self.frames = []  # (sequence, bytes)
        self.arrivals = []  # when each frame completed (time.monotonic())
        self.sources = []  # the (host, port) that sent each frame
        self.pending = {}

    def datagram_received(self, data, addr):
        flags, sequence, data_type, destination, offset, length = struct.unpack(">BBBBIH", data[:10])
        assert (flags & 0xFE, data_type, destination, length) == (0x40, 0x0B, 1, len(data) - 10), data[:10]
        self.packets.append((sequence, flags, offset, length))
        self.pending.setdefault(sequence, {})[offset] = data[10:]
        if flags & 0x01:
            chunks = self.pending.pop(sequence)
            self.frames.append((sequence, b"".join(chunks[key] for key in sorted(chunks))))
            self.arrivals.append(time.monotonic())
            self.sources.append(addr)


async def ddp_listener():
    transport, listener = await asyncio.get_running_loop().create_datagram_endpoint(DdpListener, local_addr=("127.0.0.1", 0))
    return transport, listener, transport.get_extra_info("sockname")[1]


async def next_frame(listener):
    """The first frame that arrives from now on."""
    seen = len(listener.frames)
    await wait_until(lambda: len(listener.frames) > seen, what="a DDP frame")
    return listener.frames[seen][1]


async def frame_settles_at(listener, expected):
    await wait_until(lambda: listener.frames and listener.frames[-1][1] == expected, what=f"frames of {expected[:3]!r}")


# Frames from one source before another comes back; two senders at once give runs of one or two.
SHORTEST_RUN = 20


def runs_and_gaps(listener, since=0):
    """(runs of consecutive frames from one source, gaps between frames in seconds)."""
    runs, gaps = [], []
    for index in range(since, len(listener.frames)):
        if runs and listener.sources[index] == runs[-1][0]:
            runs[-1][1] += 1
        else:
            runs.append([listener.sources[index], 1])
        if index > since:
            gaps.append(listener.arrivals[index] - listener.arrivals[index - 1])
    return runs, gaps


def interleaved(runs):
    """True when a source comes back after fewer than SHORTEST_RUN frames of others: two
    senders at once. (A virtual handed on, and back later, leaves long runs between.)"""
    for first, (source, _) in enumerate(runs):
        between = 0
        for other, length in runs[first + 1 :]:
            if other == source:
                if between < SHORTEST_RUN:
                    return True
                break
            between += length
    return False
