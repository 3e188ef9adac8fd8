"""Device outputs: where a device's frames go. This module holds the registry, the base
classes and the dummy device; each network transport is its own module (ddp, wled_udp,
wled) with a pure packet builder and a sender."""

import asyncio
import collections
import logging
import socket
import time

import numpy as np

from diagnostics.logsec import unknown_phy

logger = logging.getLogger(__name__)

OUTPUTS = {}


def output_type(name):
    def register(output_class):
        OUTPUTS[name] = output_class
        return output_class

    return register


def host_and_port(address):
    """("host", port or None) from "host" or "host:port"."""
    host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    return host, int(port) if port.isdigit() else None


class Output:
    """A device's frame buffer: virtuals write their segments into it, then it is sent.

    `reporter` hears of changes the database should know: device_online(device_id,
    online, reason) and device_info(device_id, info); it may be called from any thread.
    open(), close() and any pollers run on the event loop; send() and phy() run on the
    render thread (effects/renderer.py).
    """

    def __init__(self, *, device_id, pixel_count, ip_address, config, reporter):
        self.device_id = device_id
        self.pixel_count = pixel_count
        self.ip_address = ip_address
        self.config = config
        self.reporter = reporter
        self.frame = np.zeros((pixel_count, 3), dtype=np.uint8)

    async def open(self):
        """Prepare to send (resolve addresses, start pollers); never blocks the loop."""

    def send(self):
        """Hand the current frame to the device; must never block."""

    def phy(self):
        """The device's physical info for virtual_diag (PROTOCOL.md §4.1)."""
        return unknown_phy()

    def close(self):
        pass


@output_type("dummy")
class DummyOutput(Output):
    def send(self):
        self.sent = self.frame.copy()


class UdpSender(Output):
    """Sends each frame as UDP packets from a non-blocking, connected socket.

    A full socket buffer drops the rest of a frame rather than wait. Connected, the socket
    reports a refused or unreachable destination as send errors: two within a second mark
    the device offline, two quiet seconds online again (a refused port fails about every
    other send, so single errors and single successes decide nothing).
    """

    default_port = None
    OFFLINE_ERRORS = 2
    ERROR_WINDOW = 1.0
    ONLINE_AFTER_QUIET = 2.0
    RESOLVE_RETRY = 5.0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.host, _ = host_and_port(self.ip_address)  # a port there is the web API's (WLED)
        self.port = self.config.get("port") or self.default_port
        self.sock = None
        self.online = True
        self.errors = collections.deque(maxlen=self.OFFLINE_ERRORS)
        self.resolver = None

    def packets(self, rgb):
        raise NotImplementedError

    async def open(self):
        self.resolver = asyncio.create_task(self.resolve(), name=f"resolve-{self.device_id}")

    async def resolve(self):
        loop = asyncio.get_running_loop()
        while True:
            try:
                family, kind, protocol, _, address = (await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM))[0]
            except OSError as exc:
                self.error(exc)
                await asyncio.sleep(self.RESOLVE_RETRY)
                continue
            sock = socket.socket(family, kind, protocol)
            sock.setblocking(False)
            sock.connect(address)
            self.sock = sock
            return

    def send(self):
        if self.sock is None:
            return
        for packet in self.packets(self.frame.tobytes()):
            try:
                self.sock.send(packet)
            except BlockingIOError:
                break
            except OSError as exc:
                self.error(exc)
                return
        if not self.online and time.monotonic() - self.errors[-1][0] >= self.ONLINE_AFTER_QUIET:
            self.set_online(True, "sends succeed again")

    def error(self, exc):
        now = time.monotonic()
        self.errors.append((now, exc))
        if self.online and len(self.errors) == self.OFFLINE_ERRORS and now - self.errors[0][0] <= self.ERROR_WINDOW:
            self.set_online(False, f"{type(exc).__name__}: {exc}")

    def set_online(self, online, reason):
        self.online = online
        logger.warning("sending to %s (%s:%s) %s: %s", self.device_id, self.host, self.port, "works" if online else "fails", reason)
        self.reporter.device_online(self.device_id, online, reason)

    def close(self):
        if self.resolver:
            self.resolver.cancel()
        if self.sock:
            self.sock.close()
