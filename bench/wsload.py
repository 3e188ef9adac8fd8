"""Load client for the realtime API (PROTOCOL.md), run unchanged against ledfxsite or LedFx.

    python bench/wsload.py --url http://127.0.0.1:8888 [--url ...] --name ours --pid 1234 --out result.json

bench/realtime.sh runs it against LedFx and ledfxsite in one go (see bench/README.md).

Measures, against the server at --url:
  connect    connect -> client_id, and -> first answer, over sequential connections; with
             --pid, the server's CPU per connection (less its CPU without clients)
  fanout     per-delivery latency of client_sync (fired by POST /api/clients) to N subscribers
  sustained  delivered events/s over a window while POSTs fire as fast as they are answered,
             with lost and duplicated deliveries counted
  idle       RSS growth per idle websocket (needs --pid: the server's pids; children included)
  render     with --noise2d (or --watch-diag): the frame rate of the server's rendering, from
             its virtual_diag events over the whole measurement

The websocket client is a small asyncio protocol rather than a library, so that one client
process can hold thousands of sockets without being the bottleneck: it timestamps frames
as they arrive and parses them after the measurement.
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import statistics
import struct
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

now = time.perf_counter
CPU_BASELINE_SECONDS = 3.0


class WebsocketClient(asyncio.Protocol):
    """RFC 6455 client: handshake, unmasked server frames in, masked text frames out."""

    def __init__(self, host, port, path):
        self.host, self.port, self.path = host, port, path
        self.buffer = b""
        self.handshaken = False
        self.opened = asyncio.get_running_loop().create_future()
        self.first_frame = asyncio.get_running_loop().create_future()
        self.frames = []  # (arrival time, text)
        self.waiter = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data):
        arrived = now()
        self.buffer += data
        if not self.handshaken:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.buffer[: self.buffer.find(b"\r\n")]
            if b" 101 " not in status:
                self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.handshaken = True
            self.buffer = self.buffer[end + 4 :]
            self.opened.set_result(arrived)
        self.parse(arrived)

    def parse(self, arrived):
        buffer = self.buffer
        offset = 0
        while len(buffer) - offset >= 2:
            opcode = buffer[offset] & 0x0F
            length = buffer[offset + 1] & 0x7F
            header = 2
            if length == 126:
                if len(buffer) - offset < 4:
                    break
                length = struct.unpack_from(">H", buffer, offset + 2)[0]
                header = 4
            elif length == 127:
                if len(buffer) - offset < 10:
                    break
                length = struct.unpack_from(">Q", buffer, offset + 2)[0]
                header = 10
            if len(buffer) - offset < header + length:
                break
            payload = buffer[offset + header : offset + header + length]
            offset += header + length
            if opcode == 1:
                self.on_text(arrived, payload)
            elif opcode == 8:
                self.closed = True
            elif opcode == 9:
                self.send_frame(0xA, payload)
        self.buffer = buffer[offset:]

    def on_text(self, arrived, payload):
        if not self.first_frame.done():
            self.first_frame.set_result((arrived, payload))
            return
        self.frames.append((arrived, payload))
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def send_frame(self, opcode, payload):
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack(">BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            header = struct.pack(">BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack(">BBQ", 0x80 | opcode, 0x80 | 127, length)
        repeated = (mask * (length // 4 + 1))[:length]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
        self.transport.write(header + mask + masked)

    def send_json(self, message):
        self.send_frame(0x1, json.dumps(message).encode())

    async def next_frame(self, timeout=10):
        if not self.frames:
            self.waiter = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(self.waiter, timeout)
        return self.frames.pop(0)

    def close(self):
        if not self.transport.is_closing():
            self.send_frame(0x8, struct.pack(">H", 1000))
            self.transport.close()

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))


class Target:
    """The server(s) under test: websockets go round-robin to every URL given (several
    server processes), REST requests to the first."""

    def __init__(self, urls):
        self.servers = [(urlsplit(url).hostname, urlsplit(url).port or 80) for url in urls]
        self.turn = 0

    def next_server(self):
        self.turn += 1
        return self.servers[self.turn % len(self.servers)]

    def http_client(self):
        return HttpClient(*self.servers[0])


async def open_client(target):
    """Returns (client, seconds from TCP connect to the client_id frame)."""
    host, port = target.next_server()
    loop = asyncio.get_running_loop()
    started = now()
    _, client = await loop.create_connection(lambda: WebsocketClient(host, port, "/api/websocket"), host, port)
    await asyncio.wait_for(client.opened, 10)
    arrived, payload = await asyncio.wait_for(client.first_frame, 10)
    message = json.loads(payload)
    assert message["event_type"] == "client_id", message
    return client, arrived - started


class HttpClient:
    """A keep-alive HTTP/1.1 client for POST /api/clients."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post_json(self, path, body):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        status_line = await self.reader.readline()
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get("transfer-encoding") == "chunked":
            while (size := int(await self.reader.readline(), 16)) > 0:
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection") == "close":
            self.writer.close()
            self.writer = None
        status = int(status_line.split()[1])
        if status != 200:
            raise RuntimeError(f"POST {path} answered {status}")

    def close(self):
        if self.writer is not None:
            self.writer.close()


def percentiles(values):
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(fraction):
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    return {
        "n": len(ordered),
        "p50_ms": round(at(0.50) * 1000, 3),
        "p99_ms": round(at(0.99) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


async def measure_connect(target, count, gap, pids):
    """Connect -> client_id, and connect -> the answer to a first message (an unknown
    command, answered with an error frame by every server): the second includes whatever
    the server still does for the connection after sending client_id. `gap` seconds pass
    between one connection's close and the next connect. With the server's pids, also the
    server CPU per connection: the CPU used while connecting, less what the server uses
    in the same time without clients (rendering), measured over CPU_BASELINE_SECONDS before."""
    if pids:
        cpu_before, baseline_started = process_tree_cpu_seconds(pids), now()
        await asyncio.sleep(CPU_BASELINE_SECONDS)
        baseline_rate = (process_tree_cpu_seconds(pids) - cpu_before) / (now() - baseline_started)
        cpu_before, measure_started = process_tree_cpu_seconds(pids), now()
    to_client_id, to_first_answer = [], []
    for _ in range(count):
        await asyncio.sleep(gap)
        started = now()
        client, latency = await open_client(target)
        client.send_json({"id": 1, "type": "bench_first_message"})
        arrived, _ = await client.next_frame()
        to_client_id.append(latency)
        to_first_answer.append(arrived - started)
        client.close()
    await asyncio.sleep(0.5)
    result = {**percentiles(to_client_id), "first_answer": percentiles(to_first_answer)}
    if pids:
        used = process_tree_cpu_seconds(pids) - cpu_before - baseline_rate * (now() - measure_started)
        result["server_cpu_ms_per_connection"] = round(used / count * 1000, 3)
    return result


async def open_subscribers(target, count):
    clients = []
    for start in range(0, count, 50):
        batch = await asyncio.gather(*(open_client(target) for _ in range(start, min(count, start + 50))))
        clients.extend(client for client, _ in batch)
    for client in clients:
        client.send_json({"id": 1, "type": "subscribe_event", "event_type": "client_sync"})
        client.send_json({"id": 2, "type": "probe"})
    for client in clients:
        _, payload = await client.next_frame()
        assert json.loads(payload)["id"] == 2, payload
    return clients


def close_all(clients):
    for client in clients:
        client.close()


async def measure_fanout(target, subscribers, events):
    clients = await open_subscribers(target, subscribers)
    http = target.http_client()
    latencies = []
    try:
        await http.post_json("/api/clients", {"action": "sync", "client_id": "warm-up"})
        for client in clients:
            await client.next_frame(timeout=10)
        for number in range(events):
            tag = f"fan-{subscribers}-{number}"
            for client in clients:
                client.frames.clear()
            fired = now()
            await http.post_json("/api/clients", {"action": "sync", "client_id": tag})
            for client in clients:
                arrived, payload = await client.next_frame(timeout=10)
                assert json.loads(payload)["client_id"] == tag, payload
                latencies.append(arrived - fired)
            await asyncio.sleep(0.02)
    finally:
        http.close()
        close_all(clients)
    await asyncio.sleep(0.5)
    return percentiles(latencies)


async def measure_sustained(target, subscribers, seconds, posters):
    clients = await open_subscribers(target, subscribers)
    acked = []
    start = now()
    deadline = start + seconds

    async def poster(number):
        http = target.http_client()
        sequence = 0
        try:
            while now() < deadline:
                tag = f"s{number}-{sequence}"
                await http.post_json("/api/clients", {"action": "sync", "client_id": tag})
                acked.append(tag)
                sequence += 1
        finally:
            http.close()

    await asyncio.gather(*(poster(number) for number in range(posters)))
    end = now()
    await asyncio.sleep(5)  # grace for deliveries still in flight
    expected = set(acked)
    in_window = lost = duplicated = 0
    latest = 0.0
    for client in clients:
        seen = [(arrived, json.loads(payload)["client_id"]) for arrived, payload in client.frames]
        tags = [tag for _, tag in seen]
        distinct = set(tags)
        duplicated += len(tags) - len(distinct)
        lost += len(expected - distinct)
        in_window += sum(1 for arrived, _ in seen if arrived <= end)
        latest = max([latest] + [arrived for arrived, _ in seen])
    close_all(clients)
    await asyncio.sleep(0.5)
    return {
        "subscribers": subscribers,
        "events_fired": len(acked),
        "deliveries_expected": len(acked) * subscribers,
        "posts_per_s": round(len(acked) / (end - start)),
        "delivered_per_s": round(in_window / (end - start)),
        "lost": lost,
        "duplicated": duplicated,
        "drain_after_window_s": round(max(0.0, latest - end), 3),
    }


def process_tree(root_pids):
    """The given pids and all their descendants (a server started through a wrapper)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], list(root_pids)
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def process_tree_rss_kib(root_pids):
    total = 0
    for pid in process_tree(root_pids):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def process_tree_cpu_seconds(root_pids):
    """User + system CPU time used so far by the processes (utime and stime in /proc/<pid>/stat)."""
    ticks = 0
    for pid in process_tree(root_pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def measure_idle(target, count, pids):
    before = process_tree_rss_kib(pids)
    clients = []
    for start in range(0, count, 100):
        batch = await asyncio.gather(*(open_client(target) for _ in range(start, min(count, start + 100))))
        clients.extend(client for client, _ in batch)
    await asyncio.sleep(3)
    after = process_tree_rss_kib(pids)
    close_all(clients)
    await asyncio.sleep(2)
    return {
        "sockets": count,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "rss_after_mib": round(after / 1024, 1),
        "kib_per_socket": round((after - before) / count, 1),
    }


def rest(base_url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def ensure_noise2d(base_url):
    """A 32x32 noise2d virtual rendering at 62 fps with diag on (for virtual_diag), set up
    through the LedFx REST API that both servers speak: the virtual already rendering
    noise2d (ledfxsite's create_demo, what `make run` creates), else the virtual of a new
    dummy device of 1024 pixels in 32 rows (LedFx names it after the device)."""
    virtuals = rest(base_url, "GET", "/api/virtuals")["virtuals"]
    virtual_id = next((key for key, virtual in virtuals.items() if (virtual.get("effect") or {}).get("type") == "noise2d"), None)
    if virtual_id is None:
        config = {"name": "Demo Matrix", "pixel_count": 1024, "rows": 32, "refresh_rate": 62}
        virtual_id = rest(base_url, "POST", "/api/devices", {"type": "dummy", "config": config})["device"]["id"]
    rest(base_url, "POST", f"/api/virtuals/{virtual_id}/effects", {"type": "noise2d", "config": {"diag": True}})
    return virtual_id


async def open_diag_watcher(target):
    client, _ = await open_client(target)
    client.send_json({"id": 1, "type": "subscribe_event", "event_type": "virtual_diag"})
    return client, now()


def render_summary(client, opened):
    fps = [json.loads(payload).get("fps") for _, payload in client.frames]
    fps = [value for value in fps if isinstance(value, int)]
    client.close()
    if not fps:
        return {"reports": 0, "seconds": round(now() - opened)}
    return {
        "reports": len(fps),
        "seconds": round(now() - opened),
        "fps_min": min(fps),
        "fps_mean": round(statistics.fmean(fps), 2),
        "fps_max": max(fps),
    }


async def main(args):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    target = Target(args.url)
    result = {"name": args.name, "urls": args.url, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    watcher = None
    if args.noise2d:
        result["rendering"] = await asyncio.to_thread(ensure_noise2d, args.url[0])
        await asyncio.sleep(3)  # the effect starts, the first whole second is measured
    if args.noise2d or args.watch_diag:
        watcher = await open_diag_watcher(target)
    # Idle memory first, on a fresh server, before other tests have grown its heap.
    if "idle" in args.only and args.pid:
        result["idle"] = await measure_idle(target, args.idle, args.pid)
        print(args.name, "idle", result["idle"], flush=True)
    if "connect" in args.only:
        result["connect"] = await measure_connect(target, args.connects, args.connect_gap, args.pid)
        print(args.name, "connect", result["connect"], flush=True)
    if "fanout" in args.only:
        result["fanout"] = {}
        for subscribers in args.subscribers:
            events = max(10, min(50, 20000 // subscribers))
            result["fanout"][str(subscribers)] = await measure_fanout(target, subscribers, events)
            print(args.name, "fanout", subscribers, result["fanout"][str(subscribers)], flush=True)
    if "sustained" in args.only:
        result["sustained"] = {}
        for subscribers in args.subscribers:
            result["sustained"][str(subscribers)] = await measure_sustained(target, subscribers, args.seconds, args.posters)
            print(args.name, "sustained", subscribers, result["sustained"][str(subscribers)], flush=True)
    if watcher is not None:
        result["render"] = render_summary(*watcher)
        print(args.name, "render", result["render"], flush=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, action="append", help="a server's base URL, e.g. http://127.0.0.1:8888 (repeatable)")
    parser.add_argument("--name", default="server")
    parser.add_argument("--pid", type=int, action="append", default=[], help="server pid for RSS and CPU, children included (repeatable)")
    parser.add_argument("--subscribers", type=lambda text: [int(n) for n in text.split(",")], default=[10, 100, 1000])
    parser.add_argument("--connects", type=int, default=200)
    parser.add_argument("--connect-gap", type=float, default=0.0, help="seconds between one connection's close and the next connect")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--posters", type=int, default=4, help="concurrent POST loops in the sustained test")
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--only", type=lambda text: set(text.split(",")), default={"connect", "fanout", "sustained", "idle"})
    parser.add_argument("--noise2d", action="store_true", help="set up a 32x32 noise2d virtual (diag on) and report its fps")
    parser.add_argument("--watch-diag", action="store_true", help="report the fps of virtual_diag events the server fires anyway")
    parser.add_argument("--out")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
