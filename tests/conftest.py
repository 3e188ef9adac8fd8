"""Shared fixtures: in-process websockets (WebsocketCommunicator), a throwaway Redis, and
real daphne processes serving the test database over TCP."""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import pytest_asyncio
import requests
import websockets
from channels.layers import get_channel_layer
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.db import connection

from ledfxsite.layers import EVENTS_LAYER

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The server command, exactly as `make run` and docker-compose.yml run it (see
# tests/test_deployment.py); only the bind address and port differ.
DAPHNE_APPLICATION = "ledfxsite.asgi:application"

# LedFx's options of every effect, at their defaults (LedFx 2.2's effect base schema).
EFFECT_BASE_DEFAULTS = {"blur": 0.0, "flip": False, "mirror": False, "brightness": 1.0, "background_color": "#000000", "background_brightness": 1.0, "diag": False}
# LedFx's singleColor, every option at its default but the colour.
SINGLE_COLOR_DEFAULTS = {**EFFECT_BASE_DEFAULTS, "modulate": False, "modulation_effect": "sine", "modulation_speed": 0.5, "speed": 1.0}


def daphne_command(host, port):
    return ["daphne", "-b", host, "-p", str(port), DAPHNE_APPLICATION]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port} after {timeout} s")


LIVE_FIXTURES = {"redis_server", "postgres_server", "live_processes", "live_servers", "live_workers"}


def pytest_collection_modifyitems(config, items):
    """A test that starts real processes must say so (`make test-fast` leaves those out)."""
    unmarked = [item.nodeid for item in items if LIVE_FIXTURES & set(item.fixturenames) and not item.get_closest_marker("live")]
    if unmarked:
        raise pytest.UsageError("tests using live fixtures need @pytest.mark.live: " + ", ".join(unmarked))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """A test database of this run's own, so two runs never share one; connections closed
    after each use, so no thread holds it open when pytest-django drops it."""
    settings = connection.settings_dict
    settings["CONN_MAX_AGE"] = 0
    if settings["ENGINE"].endswith("sqlite3"):
        settings["TEST"]["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")
    else:
        settings["TEST"]["NAME"] = f"test_{settings['NAME']}_{os.getpid()}"[:63]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Admin tests log in; the production hasher costs 0.6 s per user created."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def audio_files_dir(settings, tmp_path):
    """An empty AUDIO_FILES_DIR of the test's own, whatever lies in the checkout's data/audio."""
    settings.AUDIO_FILES_DIR = tmp_path / "audio"
    settings.AUDIO_FILES_DIR.mkdir()
    return settings.AUDIO_FILES_DIR


async def wait_until(condition, timeout=10.0, interval=0.02, what="the condition"):
    """Poll `condition` (a function, or a coroutine function) until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)


# ---------------------------------------------------------------- in-process


@pytest_asyncio.fixture
async def server(transactional_db):
    """The in-process ASGI application on the in-memory layer, reset after the test."""
    from ledfxsite.asgi import application

    yield application
    await application.stop()
    await get_channel_layer(EVENTS_LAYER).flush()


def communicator_for(application, *, ip="127.0.0.1", headers=(), subprotocols=(), path="/api/websocket"):
    communicator = WebsocketCommunicator(application, path, headers=list(headers), subprotocols=list(subprotocols))
    communicator.scope["client"] = (ip, 50000)
    return communicator


async def open_socket(application, **scope):
    """Connect a WebsocketCommunicator; returns (communicator, client_id)."""
    communicator = communicator_for(application, **scope)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    first = json.loads(await communicator.receive_from(timeout=5))
    return communicator, first["client_id"]


async def settle(communicator):
    """Frames on one connection are handled in order: once this probe is answered,
    everything sent before it has been handled."""
    await communicator.send_to(text_data=json.dumps({"id": 999999, "type": "probe"}))
    assert json.loads(await communicator.receive_from(timeout=5))["id"] == 999999


async def subscribe(communicator, subscription_id, event_type, event_filter=None):
    """Subscribe, and return once the subscription is in place."""
    message = {"id": subscription_id, "type": "subscribe_event", "event_type": event_type}
    if event_filter is not None:
        message["event_filter"] = event_filter
    await communicator.send_to(text_data=json.dumps(message))
    await settle(communicator)


async def asgi_request(application, method, path, body=b"", host=b"127.0.0.1", headers=()):
    """An HTTP request through the ASGI application: (status, body bytes, {header: value})."""
    headers = [(b"host", host), (b"content-type", b"application/json"), *headers]
    communicator = HttpCommunicator(application, method, path, body=body, headers=headers)
    communicator.scope["client"] = ("127.0.0.1", 50000)
    response = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)
    return response["status"], response["body"], {name.lower(): value for name, value in response["headers"]}


async def rest(application, method, path, body=None):
    """A JSON request through the ASGI application; its parsed answer."""
    _, content, _ = await asgi_request(application, method, path, json.dumps(body).encode() if body is not None else b"")
    return json.loads(content)


# ---------------------------------------------------------------- real servers


class RedisServer:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.process)
        return self

    def stop(self):
        self.process.terminate()
        self.process.wait(10)

    def restart(self):
        self.stop()
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self):
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            assert sock.recv(100).startswith(b"+OK")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """Our own redis-server on a free port: no shared state, and a test fails (not skips)
    when Redis is not installed."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free port, to stop and start in a test without
    touching the one the suite runs on. Run as the postgres user when we are root."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = Path(directory)
        self.data = self.directory / "data"
        bin_dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        self.bin = bin_dirs[-1] if bin_dirs else Path(os.path.dirname(shutil.which("pg_ctl") or "pg_ctl"))
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, tool, *args):
        subprocess.run([*self.as_owner, str(self.bin / tool), *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def create(self):
        if self.as_owner:
            shutil.chown(self.directory, "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "ledfxsite")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start")

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/ledfxsite"


@pytest.fixture
def postgres_server():
    """A PostgreSQL cluster of the test's own, migrated; a test fails (not skips) when
    PostgreSQL is not installed. (In /tmp itself: pytest's own temporary folders are closed
    to the postgres user.)"""
    directory = tempfile.mkdtemp(prefix="ledfxsite-postgres-")
    server = PostgresServer(directory).create()
    subprocess.run(venv_command(["python", "manage.py", "migrate", "--noinput"]), cwd=PROJECT_DIR, env={**os.environ, "DATABASE_URL": server.url}, check=True, stdout=subprocess.DEVNULL)
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop()
    shutil.rmtree(directory, ignore_errors=True)


def database_url_for_subprocess():
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{os.path.abspath(settings['NAME'])}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def worker_command():
    """The render worker, exactly as docker-compose.yml runs it."""
    return ["python", "manage.py", "runworker", "effects"]


def venv_command(command):
    """A command's first word resolved in the test's own virtualenv."""
    if command[0] == "python":
        return [sys.executable, *command[1:]]
    return [shutil.which(command[0], path=os.path.dirname(sys.executable)), *command[1:]]


class LiveProcess:
    """A daphne or worker process run against the test database."""

    def __init__(self, command, env, log_path, port=None):
        self.command = command
        self.env = env
        self.log_path = log_path
        self.port = port
        self.process = None

    def start(self, ready_line=None):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            venv_command(self.command), cwd=PROJECT_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        if self.port:
            wait_for_port(self.port, self.process)
        if ready_line:
            self.wait_for_log(ready_line)
        return self

    def wait_for_log(self, text, timeout=20.0):
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.command} never logged {text!r}:\n{self.log_text()[-3000:]}")
            time.sleep(0.05)

    @property
    def http(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self):
        return f"ws://127.0.0.1:{self.port}/api/websocket"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def kill(self):
        self.process.kill()
        self.process.wait()

    def log_text(self):
        return Path(self.log_path).read_text(errors="replace")

    def assert_clean_log(self):
        text = self.log_text()
        problems = [line for line in text.splitlines() if "Traceback" in line or " ERROR " in line or "Exception" in line]
        assert not problems, "log has errors:\n" + text[-5000:]


@pytest.fixture
def live_processes(transactional_db, redis_server, tmp_path):
    """Start real processes sharing the test database and a flushed Redis; stopped after the test."""
    redis_server.flush()
    started = []
    base_env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": redis_server.url,
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }

    def start(command, port=None, ready_line=None, **extra_env):
        process = LiveProcess(command, {**base_env, **extra_env}, tmp_path / f"process-{len(started)}.log", port)
        started.append(process)
        return process.start(ready_line)

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def live_servers(live_processes):
    """live_servers(**env) starts a daphne on a free port (with Redis unless REDIS_URL="")."""

    def start(**extra_env):
        port = free_port()
        return live_processes(daphne_command("127.0.0.1", port), port=port, **extra_env)

    return start


@pytest.fixture
def live_workers(live_processes):
    """live_workers(**env) starts `manage.py runworker effects`."""

    def start(**extra_env):
        return live_processes(worker_command(), ready_line="render worker started", **extra_env)

    return start


async def ws_connect(url, **kwargs):
    """A real websocket client, returned once the server has recorded it (it answers no
    message before that): (socket, client_id)."""
    sock = await websockets.connect(url, open_timeout=10, max_size=None, compression=None, **kwargs)
    first = json.loads(await asyncio.wait_for(sock.recv(), 10))
    await sock.send(json.dumps({"id": 999998, "type": "probe"}))
    assert (await ws_json(sock, timeout=10))["id"] == 999998
    return sock, first["client_id"]


async def ws_json(sock, timeout=5):
    return json.loads(await asyncio.wait_for(sock.recv(), timeout))


async def ws_subscribe(sock, subscription_id, event_type):
    """Subscribe a real websocket, and return once the server has handled it (a probe answered)."""
    await sock.send(json.dumps({"id": subscription_id, "type": "subscribe_event", "event_type": event_type}))
    await sock.send(json.dumps({"id": 999999, "type": "probe"}))
    assert (await ws_json(sock))["id"] == 999999


async def no_clients(server):
    """True when GET /api/clients of a live server lists nobody."""
    return (await http("GET", server.http + "/api/clients")).json() == {}


async def http(method, url, **kwargs):
    return await asyncio.to_thread(requests.request, method, url, timeout=10, **kwargs)
