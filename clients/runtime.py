"""The per-process side of the client registry: instance row, heartbeat, ghost sweep, hub.

Daphne has no ASGI lifespan, so the ServerProcess starts with the first request or
websocket it serves (ServerProcessMiddleware), before handling it.
"""

import asyncio
import logging
import os
import socket
import sys
import uuid

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from clients import services
from clients.events import EVENTS_LAYER, EventHub, afire_event
from effects.worker import RenderWorker
from ledfxsite.streaks import FailureStreak

logger = logging.getLogger(__name__)



class ServerProcess:
    def __init__(self):
        self.loop = asyncio.get_running_loop()
        self.hostname = socket.gethostname()[:200]
        self.pid = os.getpid()
        self.instance_id = None
        self.hub = EventHub(get_channel_layer(EVENTS_LAYER))
        # client_id -> consumer, for every websocket this process holds
        self.connections = {}
        self.heartbeat_task = None
        self.render_worker = None
        self.heartbeat_streak = FailureStreak(logger, "heartbeat")

    async def register(self):
        self.instance_id = f"{self.hostname[:60]}:{self.pid}:{uuid.uuid4().hex[:8]}"
        await database_sync_to_async(services.server_instance_start)(
            instance_id=self.instance_id, hostname=self.hostname, pid=self.pid
        )

    async def start(self):
        await self.register()
        await self.sweep()
        await self.hub.start()
        self.heartbeat_task = asyncio.create_task(self.heartbeat_loop(), name="heartbeat")
        if settings.RENDER_IN_SERVER:
            self.render_worker = RenderWorker(get_channel_layer())
            await self.render_worker.start()
        logger.info("server instance %s started", self.instance_id)

    async def stop(self):
        if self.heartbeat_task:
            self.heartbeat_task.cancel()
            await asyncio.gather(self.heartbeat_task, return_exceptions=True)
        if self.render_worker:
            await self.render_worker.stop()
        await self.hub.stop()
        await database_sync_to_async(services.server_instance_stop)(instance_id=self.instance_id)

    async def heartbeat_loop(self):
        while True:
            await asyncio.sleep(settings.HEARTBEAT_SECONDS)
            try:
                await self.heartbeat()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.heartbeat_streak.failed(exc)
            else:
                self.heartbeat_streak.succeeded()

    async def heartbeat(self):
        alive = await database_sync_to_async(services.server_instance_heartbeat)(instance_id=self.instance_id)
        if not alive:
            await self.fence()
        await self.sweep()
        await self.hub.renew_groups()

    async def fence(self):
        """Another process found us silent and closed our rows: our sockets are no longer
        listed anywhere, so close them (clients reconnect) and register afresh."""
        logger.error("server instance %s was declared dead; closing %d websockets", self.instance_id, len(self.connections))
        for consumer in list(self.connections.values()):
            await consumer.close()
        await self.register()

    async def sweep(self):
        """Close rows of dead processes and our own rows whose socket is gone, and announce
        every disconnect not announced yet (a failed announcement is retried here)."""
        snapshot_at = timezone.now()
        dead = await database_sync_to_async(services.client_connections_close_dead)(
            heartbeat_seconds=settings.HEARTBEAT_SECONDS
        )
        orphans = await database_sync_to_async(services.client_connections_close_orphans)(
            instance_id=self.instance_id, live_client_ids=list(self.connections), opened_before=snapshot_at
        )
        if dead or orphans:
            logger.warning("closed %d connections left open by dead processes or lost disconnects", len(dead) + len(orphans))
        retried = await database_sync_to_async(services.client_disconnects_claim_unannounced)()
        if retried:
            logger.warning("announcing %d disconnects whose announcement failed", len(retried))
        if await announce_disconnects(dead + orphans + retried):
            await afire_event("clients_updated")


async def announce_disconnects(rows):
    """Fire client_disconnected for closed rows this process claimed. A row whose event
    cannot be sent goes back to the sweep. True when any was announced."""
    announced, failed = False, []
    for client_id, ip in rows:
        try:
            await afire_event("client_disconnected", client_id=client_id, client_ip=ip)
        except Exception as exc:
            failed.append(exc)
            await database_sync_to_async(services.client_disconnect_unannounced)(client_id=client_id)
        else:
            announced = True
    if failed:
        logger.warning("client_disconnected for %d clients not sent yet (%s: %s); the sweep retries", len(failed), type(failed[0]).__name__, failed[0])
    return announced


_current = None
_starting = None


async def server_process():
    """This process's ServerProcess, started on first use (one per event loop)."""
    global _current, _starting
    loop = asyncio.get_running_loop()
    if _current is not None and _current.loop is loop:
        return _current
    if _starting is None or _starting.get_loop() is not loop:
        _starting = loop.create_task(_start())
    return await asyncio.shield(_starting)


async def _start():
    global _current, _starting
    process = ServerProcess()
    try:
        await process.start()
    except BaseException:
        _starting = None  # the next request tries again
        raise
    _current = process
    return process


def start_when_daphne_runs():
    """Daphne sends no ASGI lifespan events: start the ServerProcess (heartbeat, ghost sweep,
    embedded render worker) as soon as daphne's event loop runs, not at the first request."""
    if "daphne.server" not in sys.modules:
        return
    from twisted.internet import reactor

    reactor.callLater(0, lambda: asyncio.ensure_future(start_logging_failure()))


async def start_logging_failure():
    try:
        await server_process()
    except Exception:
        logger.exception("server process did not start; the first request will try again")


class ServerProcessMiddleware:
    """Start the ServerProcess before serving anything, so the ghost sweep runs first."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await server_process()
        return await self.app(scope, receive, send)
