"""LED previews under load, run unchanged against ledfxsite or LedFx (both speak LedFx's REST
and websocket API); bench/previews.sh runs both in one go (see bench/README.md).

    python bench/previews.py --url http://127.0.0.1:8888 --pid 1234 --name ours --out result.json

Sets up, through REST: VIRTUALS dummy matrices of SIZE x SIZE rendering noise2d at 62 fps,
previews at 30 fps of every pixel (visualisation_maxlen = SIZE*SIZE). Then WATCHERS
websockets each subscribe to the previews of every virtual (filtered by vis_id, as LedFx's
UI does) and read them; with --non-reader one more socket subscribes to every preview and
to client_broadcast and never reads. For SECONDS it measures:
  frames     previews delivered per second over all watchers, against what 30 fps asks
             (each watcher filters by vis_id and is_device, as LedFx's UI does)
  gap        per watcher and virtual, the time between consecutive previews (p50/p99/max):
             a pipeline that stalls shows here
  change     every 2 s the first virtual's effect is set to singleColor, red and blue in
             turn; the time from the REST request to the first preview showing the new
             colour at watcher 0 (p50/p99): what a user sees after a change
  cpu        the server's CPU over the window (% of one core) and per delivered preview
  rss        the server's RSS before the watchers connect and at the end
The watchers note, per frame, its arrival time, vis_id and first pixel only (found in the
text, not parsed as JSON), so that the client is not the bottleneck.
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import time
from pathlib import Path

from wsload import Target, WebsocketClient, percentiles, process_tree_rss_kib, rest

now = time.perf_counter
CLK_TCK = os.sysconf("SC_CLK_TCK")
RED, BLUE = "#ff0000", "#0000ff"


class PreviewWatcher(WebsocketClient):
    """Keeps (arrival, vis_id, first pixel) of each visualisation_update, nothing else."""

    def __init__(self, *args):
        super().__init__(*args)
        self.previews = []
        self.seen = asyncio.Event()

    def on_text(self, arrived, payload):
        if not self.first_frame.done():
            self.first_frame.set_result((arrived, payload))
            return
        start = payload.find(b'"vis_id": "')
        if start < 0:
            return
        start += 11
        vis_id = payload[start : payload.find(b'"', start)].decode()
        pixels = payload.find(b'"pixels": "')
        first = base64.b64decode(payload[pixels + 11 : pixels + 15]) if pixels >= 0 else b""
        self.previews.append((arrived, vis_id, first[:3]))
        self.seen.set()


async def open_watcher(target, watcher_class=PreviewWatcher):
    host, port = target.next_server()
    _, client = await asyncio.get_running_loop().create_connection(lambda: watcher_class(host, port, "/api/websocket"), host, port)
    await asyncio.wait_for(client.opened, 10)
    await asyncio.wait_for(client.first_frame, 10)
    return client


def set_up(base_url, virtuals, size):
    """VIRTUALS dummy matrices rendering noise2d; returns {virtual id: is_device}, the
    filter LedFx's UI subscribes with (a device's own virtual previews as the device)."""
    ids = []
    for number in range(1, virtuals + 1):
        config = {"name": f"Preview {number}", "pixel_count": size * size, "rows": size, "refresh_rate": 62}
        device_id = rest(base_url, "POST", "/api/devices", {"type": "dummy", "config": config})["device"]["id"]
        rest(base_url, "POST", f"/api/virtuals/{device_id}/effects", {"type": "noise2d", "config": {}})
        ids.append(device_id)
    rest(base_url, "PUT", "/api/config", {"visualisation_fps": 30, "visualisation_maxlen": size * size})
    listed = rest(base_url, "GET", "/api/virtuals")["virtuals"]
    return {virtual_id: bool(listed[virtual_id]["is_device"]) for virtual_id in ids}


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def shows(pixel, color):
    """A preview's first pixel is (mostly) this colour."""
    if len(pixel) < 3:
        return False
    red, _, blue = pixel
    return red > 150 > blue if color == RED else blue > 150 > red


async def measure_changes(base_url, watcher, virtual_id, seconds):
    """Set the virtual to singleColor red/blue every 2 s; latency to the first preview showing it."""
    latencies, color = [], RED
    deadline = now() + seconds
    while now() + 2 < deadline:
        await asyncio.sleep(1.5)
        color = BLUE if color == RED else RED
        seen = len(watcher.previews)
        sent = now()
        await asyncio.to_thread(rest, base_url, "POST", f"/api/virtuals/{virtual_id}/effects", {"type": "singleColor", "config": {"color": color}})
        while now() - sent < 5:
            arrivals = [(arrived, pixel) for arrived, vis_id, pixel in watcher.previews[seen:] if vis_id == virtual_id]
            hit = next((arrived for arrived, pixel in arrivals if shows(pixel, color)), None)
            if hit is not None:
                latencies.append(hit - sent)
                break
            watcher.seen.clear()
            await asyncio.wait_for(watcher.seen.wait(), 5)
        await asyncio.sleep(max(0.0, 0.5 - (now() - sent)))
    return latencies


async def main(args):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    target = Target(args.url)
    ids = await asyncio.to_thread(set_up, args.url[0], args.virtuals, args.size)
    await asyncio.sleep(3)  # rendering settles
    rss_before = process_tree_rss_kib(args.pid)
    watchers = [await open_watcher(target) for _ in range(args.watchers)]
    for watcher in watchers:
        for number, (virtual_id, is_device) in enumerate(ids.items(), 1):
            event_filter = {"vis_id": virtual_id, "is_device": is_device}
            watcher.send_json({"id": number, "type": "subscribe_event", "event_type": "visualisation_update", "event_filter": event_filter})
    stalled = None
    if args.non_reader:
        stalled = await open_watcher(target, WebsocketClient)
        stalled.send_json({"id": 1, "type": "subscribe_event", "event_type": "visualisation_update"})
        stalled.send_json({"id": 2, "type": "subscribe_event", "event_type": "client_broadcast"})
        stalled.transport.pause_reading()
    await asyncio.sleep(2)
    for watcher in watchers:
        watcher.previews.clear()
    cpu_start, start = cpu_seconds(args.pid), now()
    changes = await measure_changes(args.url[0], watchers[0], next(iter(ids)), args.seconds)
    end, cpu_end = now(), cpu_seconds(args.pid)
    rss_after = process_tree_rss_kib(args.pid)
    window = end - start
    delivered = sum(1 for watcher in watchers for arrived, _, _ in watcher.previews if arrived <= end)
    gaps = []
    for watcher in watchers:
        last = {}
        for arrived, vis_id, _ in watcher.previews:
            if vis_id in last:
                gaps.append(arrived - last[vis_id])
            last[vis_id] = arrived
    cpu = cpu_end - cpu_start
    result = {
        "name": args.name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "setup": {"virtuals": args.virtuals, "size": args.size, "watchers": args.watchers, "seconds": round(window, 1), "non_reader": args.non_reader},
        "frames": {
            "delivered_per_s": round(delivered / window),
            "asked_per_s": args.watchers * args.virtuals * 30,
            "per_watcher_and_virtual_per_s": round(delivered / window / (args.watchers * args.virtuals), 1),
        },
        "gap": percentiles(gaps),
        "change": percentiles(changes),
        "cpu": {"percent_of_a_core": round(100 * cpu / window, 1), "ms_per_delivered_preview": round(1000 * cpu / max(1, delivered), 3)},
        "rss": {"before_kib": rss_before, "after_kib": rss_after},
    }
    if stalled is not None:
        result["non_reader_closed_by_server"] = stalled.closed
    print(json.dumps(result, indent=2), flush=True)
    for watcher in watchers:
        watcher.close()
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, action="append", help="a server's base URL (repeatable: watchers round-robin)")
    parser.add_argument("--name", default="server")
    parser.add_argument("--pid", type=int, action="append", default=[], help="server pids for CPU and RSS (repeatable)")
    parser.add_argument("--virtuals", type=int, default=4)
    parser.add_argument("--size", type=int, default=64, help="matrix side: SIZE x SIZE pixels")
    parser.add_argument("--watchers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--non-reader", action="store_true", help="one more socket that subscribes to everything and never reads")
    parser.add_argument("--out")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
