"""DDP output benchmark: packets/s and CPU per device for 1024- and 4096-pixel frames at
62 fps.

    python bench/ddp.py [--devices 4] [--seconds 10]      (or: make bench-ddp)

Each run drives N DdpOutput senders (the project's own, as the render worker uses them)
from one asyncio loop at 62 fps against deadlines, a new frame each time, towards a
separate receiver process on 127.0.0.1 that counts what arrives. CPU is this process's
CPU time over the run (the senders and their loop, no rendering), divided by N.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import socket
import sys
import time
from pathlib import Path

import numpy as np

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
RATE = 62


def receiver(port_queue, result_queue, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.5)
    port_queue.put(sock.getsockname()[1])
    packets = bytes_received = 0
    deadline = time.monotonic() + seconds + 3
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65535)
        except socket.timeout:
            continue
        packets += 1
        bytes_received += len(data)
    result_queue.put((packets, bytes_received))


class Reporter:
    def device_online(self, device_id, online):
        print(f"device {device_id} {'online' if online else 'OFFLINE'}", flush=True)

    def device_info(self, device_id, info):
        pass


async def drive(outputs, seconds):
    for output in outputs:
        await output.open()
    while any(output.sock is None for output in outputs):
        await asyncio.sleep(0.01)
    frames = [np.random.default_rng(seed).integers(0, 256, (outputs[0].pixel_count, 3), dtype=np.uint8) for seed in range(8)]
    period, sent = 1.0 / RATE, 0
    cpu_start, start = time.process_time(), time.perf_counter()
    deadline = start
    while time.perf_counter() - start < seconds:
        for output in outputs:
            output.frame[:] = frames[sent % len(frames)]
            output.send()
        sent += 1
        deadline += period
        await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
    return sent, time.process_time() - cpu_start, time.perf_counter() - start


def run(pixel_count, devices, seconds):
    from effects.ddp import DdpOutput

    ports, results = multiprocessing.Queue(), multiprocessing.Queue()
    process = multiprocessing.Process(target=receiver, args=(ports, results, seconds))
    process.start()
    port = ports.get(timeout=10)
    outputs = [
        DdpOutput(device_id=f"d{number}", pixel_count=pixel_count, ip_address="127.0.0.1", config={"port": port}, reporter=Reporter())
        for number in range(devices)
    ]
    frames, cpu, wall = asyncio.run(drive(outputs, seconds))
    for output in outputs:
        output.close()
    received, received_bytes = results.get(timeout=seconds + 10)
    process.join()
    packets_per_frame = -(-pixel_count // 480)
    result = {
        "pixels": pixel_count,
        "devices": devices,
        "fps_per_device": round(frames / wall, 2),
        "packets_per_s_per_device": round(frames * packets_per_frame / wall, 1),
        "packets_received_per_s": round(received / wall, 1),
        "packets_lost": frames * packets_per_frame * devices - received,
        "megabits_per_s_per_device": round(received_bytes * 8 / wall / devices / 1e6, 2),
        "cpu_percent_of_one_core_per_device": round(cpu / wall * 100 / devices, 2),
    }
    print(result, flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out-dir", default=str(PROJECT_DIR / "bench" / "results"))
    args = parser.parse_args()
    results = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "runs": [run(pixels, args.devices, args.seconds) for pixels in (1024, 4096)],
    }
    lines = [
        f"Measured {results['measured_at']} on {platform.node()} ({platform.machine()}, {len(os.sched_getaffinity(0))} cores): "
        f"{args.devices} DDP devices at {RATE} fps, {args.seconds:g} s each.",
        "",
        "| pixels | packets/s per device | received/s (all) | lost | Mbit/s per device | CPU per device (% of a core) |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["runs"]:
        lines.append(
            f"| {row['pixels']} | {row['packets_per_s_per_device']} | {row['packets_received_per_s']} | {row['packets_lost']} | "
            f"{row['megabits_per_s_per_device']} | {row['cpu_percent_of_one_core_per_device']} |"
        )
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"ddp-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"ddp-{stamp}.md").write_text("\n".join(lines) + "\n")
    (out / "ddp-latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
