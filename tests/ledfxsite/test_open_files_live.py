"""A server process raises its soft limit on open files to the hard limit, so that the
usual soft limit (1024) does not cap its websockets."""

import asyncio
import resource
from pathlib import Path

import pytest

from tests.conftest import ws_connect

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

LOW_SOFT_LIMIT = 256
SOCKETS = 300  # more than the soft limit it was started with


def open_files_limits(pid):
    line = next(line for line in Path(f"/proc/{pid}/limits").read_text().splitlines() if line.startswith("Max open files"))
    soft, hard = line.split()[3:5]
    return int(soft), int(hard)


async def test_a_server_started_with_a_low_soft_limit_holds_more_sockets_than_it(live_servers):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LOW_SOFT_LIMIT, hard))  # inherited by the server
    try:
        server = live_servers(REDIS_URL="", WEBSOCKET_MAX_CONNECTIONS_PER_IP="1000")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    clients = []
    for _ in range(SOCKETS // 50):
        clients += await asyncio.gather(*(ws_connect(server.ws) for _ in range(50)))
    assert open_files_limits(server.process.pid) == (hard, hard)
    assert len({client_id for _, client_id in clients}) == SOCKETS
    await asyncio.gather(*(sock.close() for sock, _ in clients))
    assert "open files limit raised from 256" in server.log_text()
    server.assert_clean_log()
