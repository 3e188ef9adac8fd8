"""The client registry's side of each server process: its ServerInstance row, renewed every
heartbeat, and the ghost sweep that closes the rows of dead processes and of lost
disconnects and announces each client_disconnected exactly once (clients.services says how).
"""

import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from clients import services
from ledfxsite.events import afire_event
from ledfxsite.process import ProcessPart

logger = logging.getLogger(__name__)


class ClientRegistry(ProcessPart):
    def __init__(self, process):
        self.process = process

    async def start(self):
        await self.register()
        await self.sweep()

    async def heartbeat(self):
        alive = await database_sync_to_async(services.server_instance_heartbeat)(instance_id=self.process.instance_id)
        if not alive:
            await self.fence()
        await self.sweep()

    async def stop(self):
        await database_sync_to_async(services.server_instance_stop)(instance_id=self.process.instance_id)

    async def register(self):
        process = self.process
        await database_sync_to_async(services.server_instance_start)(
            instance_id=process.instance_id, hostname=process.hostname, pid=process.pid
        )

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
        dead = await database_sync_to_async(services.client_connections_close_dead)(
            heartbeat_seconds=settings.HEARTBEAT_SECONDS
        )
        orphans = await database_sync_to_async(services.client_connections_close_orphans)(
            instance_id=self.process.instance_id, live_client_ids=list(self.process.connections), opened_before=snapshot_at
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
