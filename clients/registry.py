"""The client registry's side of each server process: its ServerInstance row, renewed every
heartbeat; the rows of its websockets, opened and closed by group commit; and the ghost
sweep that closes the rows of dead processes and of lost disconnects. Each
client_disconnected is announced exactly once (clients.services says how).
"""

import asyncio
import contextlib
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from clients import services
from ledfxsite.events import afire_event
from ledfxsite.web_audio import AUDIO_DEVICES_CHANGED
from ledfxsite.process import ProcessPart

logger = logging.getLogger(__name__)


class ClientRegistry(ProcessPart):
    """Group commit: the rows waiting to be opened or closed are written together, in one
    trip to the database thread, while the previous trip is under way. A trip costs more
    than its statements (the database thread and the event loop take turns at the
    interpreter lock), so a close waits up to CLOSE_DELAY for the next connection's open
    or for other closes to share it; an open never waits for more than the trip in
    progress. client_disconnected comes that much later; nothing else changes."""

    CLOSE_DELAY = 0.01

    def __init__(self, process):
        self.process = process
        self.opening = []  # (row fields, future)
        self.closing = []  # (client_id, future)
        self.open_queued = asyncio.Event()
        self.writing = None  # the task writing queued rows, while there are any
        # When this process last found the database again (loop time; None while it cannot
        # reach it). Others could not beat while we could not either: they are judged dead
        # only after three heartbeats of ours have gone through since.
        self.reachable_since = None

    async def start(self):
        await self.register()
        await self.sweep()

    async def heartbeat(self):
        try:
            alive = await database_sync_to_async(services.server_instance_heartbeat)(instance_id=self.process.instance_id)
        except Exception:
            self.reachable_since = None
            raise
        self.found_database()
        if not alive:
            await self.fence()
        await self.sweep()

    def found_database(self):
        if self.reachable_since is None:
            self.reachable_since = asyncio.get_running_loop().time()

    def others_had_time_to_beat(self):
        if self.reachable_since is None:
            return False
        return asyncio.get_running_loop().time() - self.reachable_since >= 3 * settings.HEARTBEAT_SECONDS

    async def stop(self):
        """Close the rows of the sockets still open (announcing each disconnect, once) and
        mark this process stopped."""
        left = list(self.process.connections)
        if left:
            await asyncio.gather(*(self.record_close(client_id) for client_id in left), return_exceptions=True)
        if self.writing is not None:
            await self.writing
        await database_sync_to_async(services.server_instance_stop)(instance_id=self.process.instance_id)

    async def register(self):
        process = self.process
        await database_sync_to_async(services.server_instance_start)(
            instance_id=process.instance_id, hostname=process.hostname, pid=process.pid
        )
        self.found_database()

    async def fence(self):
        """Another process found us silent and closed our rows: our sockets are no longer
        listed anywhere, so close them (clients reconnect) and register afresh."""
        connections = list(self.process.connections.values())
        logger.error("server instance %s was declared dead; closing %d websockets", self.process.instance_id, len(connections))
        for consumer in connections:
            await consumer.close()
        self.process.renew_identity()
        await self.register()

    async def sweep(self):
        """Close rows of dead processes and our own rows whose socket is gone, and announce
        every disconnect not announced yet (a failed announcement is retried here)."""
        snapshot_at = timezone.now()
        dead = []
        if self.others_had_time_to_beat():  # else a database outage would make every process look dead
            dead = await database_sync_to_async(services.client_connections_close_dead)(heartbeat_seconds=settings.HEARTBEAT_SECONDS)
        orphans = await database_sync_to_async(services.client_connections_close_orphans)(
            instance_id=self.process.instance_id, live_client_ids=list(self.process.connections), opened_before=snapshot_at
        )
        if dead or orphans:
            logger.warning("closed %d connections left open by dead processes or lost disconnects", len(dead) + len(orphans))
        if await database_sync_to_async(services.web_audio_streams_delete_gone)():
            await afire_event(AUDIO_DEVICES_CHANGED)
        retried = await database_sync_to_async(services.client_disconnects_claim_unannounced)()
        if retried:
            logger.warning("announcing %d disconnects whose announcement failed", len(retried))
        if await announce_disconnects(dead + orphans + retried):
            await afire_event("clients_updated")

    async def record_open(self, **row):
        """Open a connection's row (fields as services.client_connections_open takes); returns
        once it is committed, raises when it cannot be."""
        self.open_queued.set()
        await self.queued(self.opening, row)

    async def record_close(self, client_id):
        """Close a connection's row; returns once it is committed (the disconnect is announced
        with the others of its trip), raises when it cannot be."""
        await self.queued(self.closing, client_id)

    def queued(self, queue, item):
        future = asyncio.get_running_loop().create_future()
        queue.append((item, future))
        if self.writing is None:
            self.writing = asyncio.create_task(self.write_queued(), name="client-registry-writes")
        return future

    async def write_queued(self):
        try:
            while self.opening or self.closing:
                if not self.opening:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.open_queued.wait(), self.CLOSE_DELAY)
                self.open_queued.clear()
                opening, self.opening = self.opening, []
                closing, self.closing = self.closing, []
                await self.write(opening, closing)
        finally:
            self.writing = None

    async def write(self, opening, closing):
        try:
            opened, closed = await database_sync_to_async(write_rows)(
                [row for row, _ in opening], [client_id for client_id, _ in closing]
            )
        except Exception as exc:
            opened = closed = exc
        for (_, future), outcome in [*((item, opened) for item in opening), *((item, closed) for item in closing)]:
            if future.done():  # its connection's task was cancelled
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(None)
        if closed and not isinstance(closed, Exception):
            try:
                if await announce_disconnects(closed):
                    await afire_event("clients_updated")
            except Exception as exc:
                logger.warning("clients_updated not sent after %d disconnects: %s: %s", len(closed), type(exc).__name__, exc)


def write_rows(opening, closing):
    """In the database thread: open rows, then close rows, each on its own so that a failed
    open does not keep a close from being recorded. Returns (None or the exception, the
    (client_id, ip) closed or the exception)."""
    opened = closed = None
    if opening:
        try:
            services.client_connections_open(rows=opening)
        except Exception as exc:
            opened = exc
    if closing:
        try:
            closed = services.client_connections_close(client_ids=closing)
        except Exception as exc:
            closed = exc
    return opened, closed


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
