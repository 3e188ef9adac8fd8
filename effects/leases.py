"""Several render workers share the active virtuals: each virtual is rendered by exactly one
live worker at a time.

Every tick (LEASE_SECONDS / 3) a worker beats in the database and computes, from the live
workers and the active virtuals (the same inputs for every worker), who should render what
(`owners`). It stops the virtuals it should no longer render and releases their leases,
then renews its leases on the others and takes those that are free or have expired;
taking one over from another worker is recorded in the virtual's history.

The database's clock decides expiry: a lease expires LEASE_SECONDS after its holder's last
renewal started. The holder stops sending (the render thread checks before every frame,
whatever the event loop or the database are doing) FENCE_MARGIN_SECONDS before that, by
its own monotonic clock counted from before the renewal was sent. So a worker that lost
its lease, because it hung, lost the database or was cut off, is quiet before another can
take over. A dead worker's virtuals resume on a survivor once its leases expire, within
LEASE_SECONDS plus a tick; a worker that stops cleanly releases them at once.
"""

import asyncio
import hashlib
import logging
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

from effects import services
from effects.history import WORKER, acting
from effects.models import Lease, Worker

logger = logging.getLogger(__name__)

FENCE_MARGIN_SECONDS = 0.5


def rank(worker_id, virtual_id):
    return hashlib.blake2b(f"{worker_id}\n{virtual_id}".encode(), digest_size=8).digest()


def owners(virtual_ids, worker_ids):
    """{virtual id: worker id}: rendezvous hashing with bounded load. Each virtual goes to
    the worker that ranks highest for it among those with fewer than their share (the
    count divided by the workers, rounded up), so the load is even, and a worker joining or
    leaving moves few virtuals. Every worker computes the same answer from the same inputs."""
    workers = sorted(worker_ids)
    if not workers:
        return {}
    share = -(-len(virtual_ids) // len(workers))
    load = dict.fromkeys(workers, 0)
    assigned = {}
    for virtual_id in sorted(virtual_ids):
        worker_id = max((worker for worker in workers if load[worker] < share), key=lambda worker: rank(worker, virtual_id))
        assigned[virtual_id] = worker_id
        load[worker_id] += 1
    return assigned


class LeaseKeeper:
    """One worker's identity, heartbeat and leases. Its database work runs on a thread of
    its own, so that requests queued on the shared database thread never delay a renewal."""

    def __init__(self):
        self.hostname = socket.gethostname()[:200]
        self.pid = os.getpid()
        self.worker_id = f"{self.hostname[:60]}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = settings.RENDER_LEASE_SECONDS
        self.held = frozenset()
        self.valid_until = 0.0  # time.monotonic(): the render thread sends nothing after it
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leases")

    @property
    def tick_seconds(self):
        return self.lease_seconds / 3

    def valid(self):
        return time.monotonic() < self.valid_until

    async def run(self, function, **kwargs):
        def call():
            close_old_connections()  # a connection broken by a database restart is replaced
            with acting(WORKER):
                return function(**kwargs)

        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def mine(self, active_ids):
        """Beat, and say which of the active virtuals this worker should render now."""
        await self.run(Worker.objects.beat, worker_id=self.worker_id, hostname=self.hostname, pid=self.pid)
        live = await self.run(self.live_workers)
        return {virtual_id for virtual_id, worker_id in owners(active_ids, live).items() if worker_id == self.worker_id}

    def live_workers(self):
        return list(Worker.objects.live(lease_seconds=self.lease_seconds).values_list("worker_id", flat=True))

    async def release(self, virtual_ids):
        """Give up leases on virtuals this worker no longer renders (call once they stopped)."""
        if virtual_ids:
            await self.run(Lease.objects.release, worker_id=self.worker_id, virtual_ids=list(virtual_ids))
            self.held = self.held - set(virtual_ids)

    async def claim(self, virtual_ids, active_ids):
        """Renew and take leases; returns the virtuals held, valid for a lease less the margin."""
        started = time.monotonic()
        held = await self.run(services.leases_claim, worker_id=self.worker_id, virtual_ids=sorted(virtual_ids), lease_seconds=self.lease_seconds)
        await self.run(Lease.objects.delete_unwanted, active_ids=list(active_ids))
        self.valid_until = started + self.lease_seconds - FENCE_MARGIN_SECONDS
        taken = held - self.held
        if taken:
            logger.info("worker %s took %s", self.worker_id, ", ".join(sorted(taken)))
        self.held = frozenset(held)
        return self.held

    async def stop(self):
        """Release every lease and leave the live workers: the others take over at once."""
        self.valid_until = 0.0
        try:
            await self.run(Lease.objects.release, worker_id=self.worker_id)
            await self.run(Worker.objects.filter(worker_id=self.worker_id).delete)
        finally:
            self.executor.shutdown(wait=False)
        self.held = frozenset()
