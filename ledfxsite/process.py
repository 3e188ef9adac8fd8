"""What a server process runs besides its requests: its identity, its event hub, the
websockets it serves, and the parts the composition root (ledfxsite.asgi) gives it, which
are the client registry's heartbeat and ghost sweep and, in the embedded mode, the render
worker. All of it starts before the process serves anything.

Daphne sends no ASGI lifespan events, so ServerProcessMiddleware starts the ServerProcess
as soon as daphne's event loop runs, and failing that at the first request or websocket.
Handlers find it in `scope["server_process"]`.
"""

import asyncio
import collections
import logging
import os
import resource
import signal
import socket
import sys
import uuid

from channels.layers import get_channel_layer
from django.conf import settings

from ledfxsite.events import EventHub
from ledfxsite.layers import EVENTS_LAYER
from ledfxsite.streaks import FailureStreak

logger = logging.getLogger(__name__)


class ProcessPart:
    """Something a process runs for its whole life: started in order, given a heartbeat
    every HEARTBEAT_SECONDS, stopped in reverse order."""

    async def start(self):
        pass

    async def heartbeat(self):
        pass

    async def stop(self):
        pass


class ServerProcess:
    def __init__(self, make_parts):
        self.loop = asyncio.get_running_loop()
        self.hostname = socket.gethostname()[:200]
        self.pid = os.getpid()
        self.instance_id = None
        self.renew_identity()
        self.hub = EventHub(get_channel_layer(EVENTS_LAYER))
        # client_id -> consumer, for every websocket this process serves; how many per client IP
        self.connections = {}
        self.connections_per_ip = collections.Counter()
        self.closing = False  # shutting down: no new websockets
        self.parts = make_parts(self)
        self.heartbeat_task = None
        self.heartbeats = [(part.heartbeat, FailureStreak(logger, f"heartbeat of {type(part).__name__}")) for part in self.parts]
        self.heartbeats.append((self.hub.renew_groups, FailureStreak(logger, "event hub renewing its groups")))

    def add_connection(self, connection):
        self.connections[connection.client_id] = connection
        self.connections_per_ip[connection.client_ip] += 1

    def remove_connection(self, connection):
        if self.connections.pop(connection.client_id, None) is not None:
            self.connections_per_ip[connection.client_ip] -= 1
            if not self.connections_per_ip[connection.client_ip]:
                del self.connections_per_ip[connection.client_ip]

    def part(self, kind):
        """This process's part of the given class, e.g. its embedded RenderWorker."""
        return next(part for part in self.parts if isinstance(part, kind))

    def renew_identity(self):
        """A new instance id: at start, and after other processes declared this one dead."""
        self.instance_id = f"{self.hostname[:60]}:{self.pid}:{uuid.uuid4().hex[:8]}"

    async def start(self):
        raise_open_files_limit()
        await self.hub.start()
        for part in self.parts:
            await part.start()
        self.heartbeat_task = asyncio.create_task(self.heartbeat_loop(), name="heartbeat")
        logger.info("server instance %s started", self.instance_id)

    async def stop(self):
        if self.heartbeat_task:
            self.heartbeat_task.cancel()
            await asyncio.gather(self.heartbeat_task, return_exceptions=True)
        for part in reversed(self.parts):
            await part.stop()
        await self.hub.stop()

    async def shut_down(self, grace):
        """A clean shutdown (SIGTERM): refuse new websockets, close each open one with 1001
        (going away), give their disconnects `grace` seconds to be recorded and announced
        as usual, then stop the parts (the registry closes the rows of the sockets that
        did not answer, and the embedded worker releases its virtuals)."""
        self.closing = True
        connections = list(self.connections.values())
        logger.info("server instance %s shutting down: closing %d websockets", self.instance_id, len(connections))
        for consumer in connections:
            await consumer.going_away()
        deadline = self.loop.time() + grace
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.05)
        await self.stop()
        logger.info("server instance %s stopped", self.instance_id)

    async def heartbeat_loop(self):
        while True:
            await asyncio.sleep(settings.HEARTBEAT_SECONDS)
            await self.heartbeat()

    async def heartbeat(self):
        """Each part's heartbeat, then the hub's (a failing database must not stop the hub
        from rejoining its groups after a Redis restart)."""
        for beat, streak in self.heartbeats:
            try:
                await beat()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                streak.failed(exc)
            else:
                streak.succeeded()


def raise_open_files_limit():
    """Every websocket is a file descriptor, and the usual soft limit (1024) would refuse
    the thousand-and-somethingth: raise it to the hard limit, which the administrator sets
    (`ulimit -Hn`, systemd's LimitNOFILE, docker's --ulimit nofile)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft >= hard:
        return
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    logger.info("open files limit raised from %d to %d (about as many websockets)", soft, hard)


class ServerProcessMiddleware:
    """Starts this process's ServerProcess before serving anything (so the ghost sweep runs
    first) and hands it to every handler as scope["server_process"].

    make_parts(process) returns the process's parts; one ServerProcess per event loop.
    """

    def __init__(self, app, *, make_parts):
        self.app = app
        self.make_parts = make_parts
        self.process = None
        self.starting = None
        self.shutting_down = None

    async def __call__(self, scope, receive, send):
        process = await self.running_process()
        return await self.app({**scope, "server_process": process}, receive, send)

    async def running_process(self):
        loop = asyncio.get_running_loop()
        if self.process is not None and self.process.loop is loop:
            return self.process
        if self.starting is None or self.starting.get_loop() is not loop:
            self.starting = loop.create_task(self.start_process())
        return await asyncio.shield(self.starting)

    async def start_process(self):
        process = ServerProcess(self.make_parts)
        try:
            await process.start()
        except BaseException:
            self.starting = None  # the next request tries again
            raise
        self.process = process
        return process

    async def stop(self):
        """Stop this event loop's ServerProcess; the next request starts a new one."""
        process, self.process, self.starting = self.process, None, None
        if process is not None and process.loop is asyncio.get_running_loop():
            await process.stop()

    def start_when_daphne_runs(self):
        """Start as soon as daphne's event loop runs, not at the first request."""
        if "daphne.server" not in sys.modules:
            return
        from twisted.internet import reactor

        reactor.callLater(0, lambda: asyncio.ensure_future(self.start_logging_failure()))
        reactor.callLater(0, self.shut_down_on_signals, reactor)

    def shut_down_on_signals(self, reactor):
        """Daphne stops at once on SIGTERM or SIGINT, dropping every websocket without a
        word. Shut the process down cleanly first, then let daphne stop; a second signal
        stops it at once. (Installed once daphne runs, over the handlers it installed.)"""

        def stop_reactor():
            if reactor.running:
                reactor.stop()

        def begin(signal_number, frame):
            if self.shutting_down is None:
                self.shutting_down = reactor.callFromThread(lambda: asyncio.ensure_future(self.shut_down_then(stop_reactor)))
            else:
                reactor.callFromThread(stop_reactor)

        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, begin)

    async def shut_down_then(self, stop_reactor):
        try:
            if self.process is not None:
                await self.process.shut_down(grace=settings.SHUTDOWN_GRACE_SECONDS)
        except Exception:
            logger.exception("clean shutdown failed; stopping anyway")
        finally:
            stop_reactor()

    async def start_logging_failure(self):
        try:
            await self.running_process()
        except Exception:
            logger.exception("server process did not start; the first request will try again")
