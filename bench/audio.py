"""Audio over the websocket, the way LedFx's UI streams a microphone, run unchanged against
LedFx 2.2.1 and ledfxsite (bench/audio.sh runs both in one go):

    python bench/audio.py --url http://127.0.0.1:8888 --pid 1234 --name ours --out result.json

Through the REST API both speak, it adds a DDP device of 30 pixels pointed at a UDP
listener in this process and sets the `energy` effect on its virtual. A websocket client
starts a web-audio stream (audio_stream_start, audio_stream_config at 48 kHz), which is
selected through PUT /api/audio/devices. Then:

  cpu       the server's CPU (its process tree, --pid) over IDLE_SECONDS with the effect
            rendering and no audio, and while the clicks below stream: the difference,
            per second of audio, is what taking in and analysing audio costs it
  latency   CLICKS clicks, CLICK_SPACING apart, in an otherwise silent stream sent in
            1024-sample audio_stream_data_v2 messages at the pace of the audio: for each,
            the time from sending the message that holds the click's first sample to the
            first DDP packet with a lit pixel (the lights were dark before it)
  analysis  ledfxsite only: the mean analysis time per block, from its audio_diag events
"""

import argparse
import asyncio
import base64
import json
import time
import urllib.request
from pathlib import Path

import numpy as np
import websockets

from wsload import percentiles, process_tree_cpu_seconds

RATE = 48000
BLOCK = 1024  # samples per message, as LedFx's UI sends them
CLICK_SECONDS = 0.01
IDLE_SECONDS = 5.0
now = time.perf_counter


def rest(base_url, method, path, body=None):
    request = urllib.request.Request(
        base_url + path, method=method, data=None if body is None else json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class DdpListener(asyncio.DatagramProtocol):
    def __init__(self):
        self.packets = []  # (arrival, lit)

    def datagram_received(self, data, addr):
        self.packets.append((now(), any(data[10:])))


def select_web_audio(base_url, name):
    """The stream's index from GET /api/audio/devices. LedFx 2.2.1 answers that GET with
    "tuple index out of range" until an input is selected; with no sound card its web-audio
    devices then start at 0, which is what is selected."""
    listing = rest(base_url, "GET", "/api/audio/devices")
    devices = listing.get("devices")
    index = 0 if devices is None else int(next(key for key, device in devices.items() if device == name))
    answer = rest(base_url, "PUT", "/api/audio/devices", {"audio_device": index})
    assert answer.get("status") == "success", answer
    return {"index": index, "listing_before_selection": "failed" if devices is None else "listed"}


def click_stream(clicks, spacing):
    """int16 PCM: silence with a 10 ms noise burst every `spacing` s; the click sample indexes."""
    total = int((clicks * spacing + 1.0) * RATE)
    pcm = np.zeros(total)
    burst = np.random.default_rng(1).uniform(-0.8, 0.8, int(CLICK_SECONDS * RATE))
    starts = [int((0.5 + number * spacing) * RATE) for number in range(clicks)]
    for start in starts:
        pcm[start : start + burst.size] = burst
    return (pcm * 32767).astype("<i2"), starts


async def stream(sock, pcm, click_starts):
    """Send the PCM at the pace of the audio; returns the send time of each click."""
    sent_at, next_click, started = [], 0, now()
    for number, start in enumerate(range(0, pcm.size, BLOCK)):
        await asyncio.sleep(max(0.0, started + number * BLOCK / RATE - now()))
        data = base64.b64encode(pcm[start : start + BLOCK].tobytes()).decode()
        await sock.send(json.dumps({"id": 3, "type": "audio_stream_data_v2", "client": "bench", "data": data}))
        while next_click < len(click_starts) and click_starts[next_click] < start + BLOCK:
            sent_at.append(now())
            next_click += 1
    return sent_at


def click_latencies(packets, sent_at, spacing):
    latencies, not_dark = [], 0
    for sent in sent_at:
        before = [lit for arrival, lit in packets if sent - 0.05 <= arrival < sent]
        if any(before):
            not_dark += 1
            continue
        first_lit = next((arrival for arrival, lit in packets if sent <= arrival < sent + spacing and lit), None)
        if first_lit is not None:
            latencies.append(first_lit - sent)
    return latencies, not_dark


async def main(args):
    base = args.url
    transport, listener = await asyncio.get_running_loop().create_datagram_endpoint(DdpListener, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    config = {"name": "Bench Strip", "pixel_count": 30, "ip_address": "127.0.0.1", "port": port, "refresh_rate": 62}
    virtual_id = rest(base, "POST", "/api/devices", {"type": "ddp", "config": config})["device"]["id"]
    rest(base, "POST", f"/api/virtuals/{virtual_id}/effects", {"type": "energy", "config": {}})
    ws_url = base.replace("http://", "ws://") + "/api/websocket"
    result = {"name": args.name, "url": base, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "clicks": args.clicks, "spacing_s": args.spacing}
    async with websockets.connect(ws_url, max_size=None, compression=None) as sock:
        await sock.recv()  # client_id
        await sock.send(json.dumps({"id": 1, "type": "audio_stream_start", "client": "bench", "data": {}}))
        await sock.send(json.dumps({"id": 2, "type": "audio_stream_config", "client": "bench", "data": {"sampleRate": RATE, "bufferSize": BLOCK}}))
        await sock.send(json.dumps({"id": 4, "type": "subscribe_event", "event_type": "audio_diag"}))
        await asyncio.sleep(0.5)
        result["selection"] = await asyncio.to_thread(select_web_audio, base, "WEB AUDIO: bench")
        await asyncio.sleep(1.0)

        cpu_before, idle_started = process_tree_cpu_seconds(args.pid), now()
        await asyncio.sleep(IDLE_SECONDS)
        idle_rate = (process_tree_cpu_seconds(args.pid) - cpu_before) / (now() - idle_started)

        pcm, starts = click_stream(args.clicks, args.spacing)
        cpu_before, stream_started = process_tree_cpu_seconds(args.pid), now()
        sent_at = await stream(sock, pcm, starts)
        streamed = now() - stream_started
        used = process_tree_cpu_seconds(args.pid) - cpu_before - idle_rate * streamed
        await asyncio.sleep(0.5)

        diag = []
        while True:
            try:
                frame = json.loads(await asyncio.wait_for(sock.recv(), 0.2))
            except asyncio.TimeoutError:
                break
            if frame.get("event_type") == "audio_diag":
                diag.append(frame)
    transport.close()

    latencies, not_dark = click_latencies(listener.packets, sent_at, args.spacing)
    result["cpu"] = {
        "idle_percent": round(idle_rate * 100, 2),
        "audio_seconds": round(pcm.size / RATE, 2),
        "ms_per_audio_second": round(used / (pcm.size / RATE) * 1000, 2),
    }
    result["latency"] = {**percentiles(latencies), "p95_ms": round(float(np.percentile(latencies, 95)) * 1000, 3) if latencies else None, "missed": len(sent_at) - len(latencies) - not_dark, "not_dark_before": not_dark}
    if diag:
        result["analysis"] = {"reports": len(diag), "analysis_ms_mean": round(float(np.mean([d["analysis_ms"] for d in diag])), 4), "dropped": sum(d["dropped"] for d in diag), "block_rate": diag[-1]["block_rate"]}
    print(json.dumps(result), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--name", default="server")
    parser.add_argument("--pid", type=int, action="append", default=[], required=True)
    parser.add_argument("--clicks", type=int, default=100)
    parser.add_argument("--spacing", type=float, default=0.5, help="seconds between clicks")
    parser.add_argument("--out")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
