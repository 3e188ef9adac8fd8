"""docker-compose.yml's topology without Docker: nginx with the compose file's template in
front of two daphne processes, two render workers, Redis and the test database, each run
with the command the compose file gives it. Clients reach everything through the proxy's
one port, spread over both web processes, which see their real addresses."""

import string
import subprocess
import tempfile
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from clients.models import ClientConnection
from tests.conftest import PROJECT_DIR, free_port, http, wait_for_port, wait_until, ws_connect, ws_json, ws_subscribe
from tests.effects.standins import ddp_listener

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLIENT_ADDRESS = "127.0.0.2"  # a loopback address of its own, to tell the client from the proxy
NGINX_MAIN = """
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/default.conf;
}}
"""


@pytest.fixture
def proxy():
    """start(backend ports) runs nginx with the compose file's template, filled in as
    nginx's image fills it (only the variables the compose file sets); returns its port."""
    directory = Path(tempfile.mkdtemp(prefix="ledfxsite-nginx-"))
    started = []

    def start(backend_ports):
        port = free_port()
        template = string.Template((PROJECT_DIR / "ledfxsite/deploy/nginx.conf.template").read_text())
        servers = " ".join(f"server 127.0.0.1:{backend};" for backend in backend_ports)
        (directory / "default.conf").write_text(template.safe_substitute(UPSTREAM_SERVERS=servers, PROXY_PORT=f"127.0.0.1:{port}"))
        (directory / "nginx.conf").write_text(NGINX_MAIN.format(directory=directory))
        process = subprocess.Popen(["nginx", "-c", str(directory / "nginx.conf"), "-p", str(directory)], stderr=subprocess.STDOUT, stdout=open(directory / "out.log", "wb"))
        started.append(process)
        wait_for_port(port, process)
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


async def test_the_compose_topology_serves_through_one_proxy_port(live_servers, live_workers, proxy):
    web = [live_servers(TRUSTED_PROXIES="127.0.0.1") for _ in range(2)]
    workers = [live_workers() for _ in range(2)]
    base = f"http://127.0.0.1:{proxy([process.port for process in web])}"
    websocket_url = base.replace("http", "ws") + "/api/websocket"

    await wait_until(lambda: _healthy_with_workers(base, 2), what="/healthz through the proxy with both workers")
    clients = [await ws_connect(websocket_url, local_addr=(CLIENT_ADDRESS, 0)) for _ in range(6)]
    listed = (await http("GET", base + "/api/clients")).json()
    assert listed == {client_id: CLIENT_ADDRESS for _, client_id in clients}
    instances = await sync_to_async(lambda: set(ClientConnection.objects.open().values_list("server_instance_id", flat=True)))()
    assert len(instances) == 2  # both web processes took connections

    listener_sock, listener_id = clients[0]
    await ws_subscribe(listener_sock, 5, "client_sync")
    await http("POST", base + "/api/clients", json={"action": "sync", "client_id": listener_id})
    assert (await ws_json(listener_sock))["event_type"] == "client_sync"

    transport, listener, port = await ddp_listener()
    device = {"type": "ddp", "config": {"name": "Strip", "pixel_count": 10, "ip_address": "127.0.0.1", "port": port}}
    assert (await http("POST", base + "/api/devices", json=device)).json()["status"] == "success"
    assert (await http("POST", base + "/api/virtuals/strip/effects", json={"type": "rainbow", "config": {}})).json()["status"] == "success"
    await wait_until(lambda: len(listener.frames) > 30, what="the strip rendered by one of the workers")
    assert len(set(listener.sources)) == 1
    transport.close()
    for sock, _ in clients:
        await sock.close()
    for process in (*web, *workers):
        process.assert_clean_log()


async def _healthy_with_workers(base, count):
    answer = await http("GET", base + "/healthz")
    return answer.status_code == 200 and answer.json()["checks"]["render_workers"]["live"] == count
