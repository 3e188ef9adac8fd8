"""Render benchmark: per-effect frame times, and the render worker under load.

    bench/render.sh            (or: make bench-render; runs this next to LedFx 2.2.1)
    python bench/render.py [--ledfx http://127.0.0.1:8888] [--out-dir bench/results]

1. Every effect's render() at 1x300 (a strip), 32x32, 64x64 and 128x128: mean and p99 of
   300 frames after 20 warm-up frames, in this process, one thread.
2. A real deployment (its own redis-server, daphne, `manage.py runworker effects`, a
   throwaway SQLite database) rendering 4 virtuals of 64x64 at 62 fps with diag on: the fps
   each virtual reports in virtual_diag over 10 s, and the worker process's CPU use.
3. With --ledfx: LedFx's own noise2d at 32x32 (a dummy device, diag on), its r_avg from
   virtual_diag over 5 s, as the reference for noise2d's render time.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests
import websockets

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
SIZES = [(1, 300), (32, 32), (64, 64), (128, 128)]
WORKER_EFFECTS = ["noise2d", "plasma2d", "game_of_life", "digitalrain2d"]


def effect_timings():
    from effects import matrix_effects, strip_effects  # noqa: F401 -- register the effects
    from effects.base import EFFECTS

    results = {}
    for effect_id, effect_class in sorted(EFFECTS.items()):
        results[effect_id] = {}
        for rows, columns in SIZES:
            effect = effect_class(rows=rows, columns=columns, seed=1)
            for frame in range(20):
                effect.render(frame / 62)
            times = []
            for frame in range(20, 320):
                start = time.perf_counter()
                effect.render(frame / 62)
                times.append(time.perf_counter() - start)
            results[effect_id][f"{rows}x{columns}"] = {
                "mean_ms": round(statistics.fmean(times) * 1000, 4),
                "p99_ms": round(float(np.percentile(times, 99)) * 1000, 4),
            }
        print(effect_id, results[effect_id], flush=True)
    return results


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def collect_diag(ws_url, seconds, expected):
    """{virtual_id: [virtual_diag events]} over `seconds`, once every virtual has reported."""
    events = {}
    async with websockets.connect(ws_url, max_size=None) as sock:
        await sock.recv()
        await sock.send(json.dumps({"id": 1, "type": "subscribe_event", "event_type": "virtual_diag"}))
        deadline = time.monotonic() + 15
        while len(events) < expected and time.monotonic() < deadline:
            event = json.loads(await asyncio.wait_for(sock.recv(), 15))
            events.setdefault(event["virtual_id"], [])
        events = {virtual_id: [] for virtual_id in events}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                event = json.loads(await asyncio.wait_for(sock.recv(), end - time.monotonic()))
            except asyncio.TimeoutError:
                break
            events.setdefault(event["virtual_id"], []).append(event)
    return events


def worker_under_load(seconds=10.0):
    work = Path(tempfile.mkdtemp(prefix="ledfxsite-render-"))
    redis_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{work}/bench.sqlite3",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "LOG_LEVEL": "WARNING",
    }
    python, daphne = sys.executable, shutil.which("daphne", path=os.path.dirname(sys.executable))
    processes = []
    try:
        processes.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], cwd=work, stdout=subprocess.DEVNULL))
        wait_port(redis_port)
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=PROJECT_DIR, env=env, check=True)
        setup = "; ".join(
            [
                "import django; django.setup()",
                "from effects import services",
                "from effects.models import Virtual",
                *(
                    f"services.virtual_effect_set(virtual=Virtual.objects.get(id=services.device_create(device_type='dummy', "
                    f"config={{'name': 'm{number}', 'pixel_count': 4096, 'rows': 64}}).id), effect_type='{effect}', config={{'diag': True}})"
                    for number, effect in enumerate(WORKER_EFFECTS)
                ),
            ]
        )
        subprocess.run([python, "-c", setup], cwd=PROJECT_DIR, env={**env, "DJANGO_SETTINGS_MODULE": "ledfxsite.settings"}, check=True)
        processes.append(subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(http_port), "ledfxsite.asgi:application"], cwd=PROJECT_DIR, env=env))
        worker = subprocess.Popen([python, "manage.py", "runworker", "effects"], cwd=PROJECT_DIR, env=env)
        processes.append(worker)
        wait_port(http_port)
        time.sleep(2)
        cpu_before, wall_before = cpu_seconds(worker.pid), time.monotonic()
        events = asyncio.run(collect_diag(f"ws://127.0.0.1:{http_port}/api/websocket", seconds, len(WORKER_EFFECTS)))
        cpu = (cpu_seconds(worker.pid) - cpu_before) / (time.monotonic() - wall_before)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    per_virtual = {
        virtual_id: {
            "effect": WORKER_EFFECTS[int(virtual_id[1:])],
            "reports": len(reports),
            "fps_min": min(report["fps"] for report in reports),
            "fps_mean": round(statistics.fmean(report["fps"] for report in reports), 2),
            "r_avg_ms": round(statistics.fmean(report["r_avg"] for report in reports) * 1000, 4),
        }
        for virtual_id, reports in sorted(events.items())
        if reports
    }
    result = {"virtuals": per_virtual, "worker_cpu_percent_of_one_core": round(cpu * 100, 1)}
    print("worker", result, flush=True)
    return result


def ledfx_noise2d(base_url, seconds=5.0):
    """LedFx's noise2d on a 32x32 dummy, diag on: its own r_avg (LedFx divides by N-1)."""
    device = requests.post(f"{base_url}/api/devices", json={"type": "dummy", "config": {"name": "bench32", "pixel_count": 1024, "rows": 32}}, timeout=10).json()
    device_id = device["device"]["id"]
    try:
        requests.post(f"{base_url}/api/virtuals/{device_id}/effects", json={"type": "noise2d", "config": {"diag": True}}, timeout=10)
        ws_url = base_url.replace("http://", "ws://") + "/api/websocket"
        events = asyncio.run(collect_diag(ws_url, seconds, 1)).get(device_id, [])
    finally:
        requests.delete(f"{base_url}/api/devices/{device_id}", timeout=10)
    result = {
        "reports": len(events),
        "fps_mean": round(statistics.fmean(event["fps"] for event in events), 2) if events else None,
        "r_avg_ms": round(statistics.fmean(event["r_avg"] for event in events) * 1000, 4) if events else None,
    }
    print("ledfx noise2d 32x32", result, flush=True)
    return result


def markdown(results):
    lines = [
        f"Measured {results['measured_at']} on {platform.node()} ({platform.machine()}, {len(os.sched_getaffinity(0))} cores).",
        "",
        "Render time per frame, mean / p99 ms (one thread):",
        "",
        "| effect | " + " | ".join(f"{rows}x{columns}" for rows, columns in SIZES) + " |",
        "|---|" + "---|" * len(SIZES),
    ]
    for effect_id, sizes in results["effects"].items():
        lines.append(f"| {effect_id} | " + " | ".join(f"{cell['mean_ms']:.3f} / {cell['p99_ms']:.3f}" for cell in sizes.values()) + " |")
    worker = results.get("worker")
    if worker:
        lines += ["", f"Render worker, 4 virtuals of 64x64 at 62 fps: {worker['worker_cpu_percent_of_one_core']} % of one core.", "",
                  "| virtual | effect | fps min | fps mean | r_avg ms |", "|---|---|---|---|---|"]
        for virtual_id, row in worker["virtuals"].items():
            lines.append(f"| {virtual_id} | {row['effect']} | {row['fps_min']} | {row['fps_mean']} | {row['r_avg_ms']} |")
    ledfx = results.get("ledfx_noise2d_32x32")
    if ledfx:
        ours = results["effects"]["noise2d"]["32x32"]["mean_ms"]
        lines += ["", f"noise2d at 32x32: LedFx 2.2.1 r_avg {ledfx['r_avg_ms']} ms (its own virtual_diag), ours {ours} ms "
                  f"({ours / ledfx['r_avg_ms']:.2f}x)."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledfx", help="base URL of a running LedFx, for the noise2d reference")
    parser.add_argument("--no-worker", action="store_true", help="skip the worker measurement")
    parser.add_argument("--out-dir", default=str(PROJECT_DIR / "bench" / "results"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledfxsite.settings")
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="ledfxsite-render-settings-"))
    import django

    django.setup()
    results = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "effects": effect_timings()}
    if not args.no_worker:
        results["worker"] = worker_under_load()
    if args.ledfx:
        results["ledfx_noise2d_32x32"] = ledfx_noise2d(args.ledfx)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"render-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"render-{stamp}.md").write_text(markdown(results))
    shutil.copy(out / f"render-{stamp}.md", out / "render-latest.md")
    print(markdown(results))


if __name__ == "__main__":
    main()
