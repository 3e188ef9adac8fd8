"""Render benchmark: ledfxsite against LedFx 2.2.1, like with like, in one run.

    bench/render.sh            (or: make bench-render; runs this inside LedFx's namespace)
    python bench/render.py --baseline ../shared/bench/ledfx-baseline.sh [--out-dir bench/results]

Each server runs alone, freshly started, in turn, for each matrix size (32x32, then 64x64),
ROUNDS times (the servers take turns at going first); the report gives the median round:

- LedFx 2.2.1 (`ledfx-baseline.sh start`: a fresh config): POST /api/devices a dummy device
  {pixel_count: N*N, rows: N, refresh_rate: 62} (LedFx gives the device's virtual the
  device config's "rows"), then POST /api/virtuals/<id>/effects noise2d {"diag": true}.
- ours the way `make run` runs it, embedded: a fresh DATA_DIR, `manage.py migrate`, then one
  `daphne -b 127.0.0.1 -p PORT ledfxsite.asgi:application` (the render worker runs inside
  it), and the same two REST calls.

Then a websocket subscribes to virtual_diag; after the first report and WARMUP more
seconds, a WINDOW of wall time is measured: every virtual_diag that arrives (fps, r_avg,
as each server reports them), and the CPU time (utime + stime, all threads) of the server
process and any children it has, from /proc, over the same window, as % of one core.

Ours only, not comparable with LedFx: every effect's bare render() in this process, and
four 64x64 virtuals in one embedded server.
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
REFRESH_RATE = 62
EFFECT = "noise2d"
TIMING_SIZES = [(1, 300), (32, 32), (64, 64), (128, 128)]
LOAD_EFFECTS = ["noise2d", "plasma2d", "game_of_life", "digitalrain2d"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Settings our server reads that would turn the embedded mode into something else.
NOT_EMBEDDED = ("DATABASE_URL", "REDIS_URL", "RENDER_IN_SERVER", "DJANGO_SETTINGS_MODULE")


# --- /proc ---------------------------------------------------------------------------


def stat_fields(path):
    """Fields of a /proc stat file after the command name (field 3 onwards)."""
    return Path(path).read_text().rsplit(")", 1)[1].split()


def process_tree(root):
    """root and every live descendant."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(stat_fields(entry / "stat")[1])
            except (OSError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return tree


def cpu_snapshot(root):
    """{pid: ticks} over the tree and {(pid, tid): (name, ticks)} over its threads."""
    processes, threads = {}, {}
    for pid in process_tree(root):
        try:
            fields = stat_fields(f"/proc/{pid}/stat")
            processes[pid] = int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{pid}/task").iterdir():
                task_fields = stat_fields(task / "stat")
                name = (task / "comm").read_text().strip()
                threads[(pid, int(task.name))] = (name, int(task_fields[11]) + int(task_fields[12]))
        except (OSError, IndexError):
            continue
    return processes, threads


def machine_busy_ticks():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def cpu_between(before, after, wall):
    """% of one core used by the process tree between two snapshots, and its busiest threads."""
    (processes_before, threads_before), (processes_after, threads_after) = before, after
    ticks = sum(ticks - processes_before.get(pid, 0) for pid, ticks in processes_after.items())
    threads = sorted(
        (
            {"tid": tid, "name": name + (" (main)" if tid == pid else ""), "cpu_percent": round((ticks - threads_before.get((pid, tid), ("", 0))[1]) / CLOCK_TICKS / wall * 100, 1)}
            for (pid, tid), (name, ticks) in threads_after.items()
        ),
        key=lambda thread: -thread["cpu_percent"],
    )
    return {
        "cpu_percent_of_one_core": round(ticks / CLOCK_TICKS / wall * 100, 2),
        "processes": len(processes_after),
        "threads": len(threads_after),
        "busiest_threads": [thread for thread in threads[:4] if thread["cpu_percent"] > 0],
    }


# --- the servers ---------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class LedFx:
    """LedFx 2.2.1 through ledfx-baseline.sh: `start` writes a fresh config each time."""

    name = "LedFx 2.2.1"

    def __init__(self, baseline):
        self.baseline = baseline
        self.home = Path(os.environ.get("LEDFX_HOME", "/tmp/ledfx-baseline"))
        self.url = f"http://127.0.0.1:{os.environ.get('LEDFX_PORT', '8888')}"
        self.pid = None

    def __enter__(self):
        subprocess.run(["bash", self.baseline, "stop"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["bash", self.baseline, "start"], check=True, stdout=subprocess.DEVNULL)
        self.pid = int((self.home / "ledfx.pid").read_text())
        wait_http(self.url + "/api/info")
        return self

    def __exit__(self, *exc):
        subprocess.run(["bash", self.baseline, "stop"], check=False, stdout=subprocess.DEVNULL)


class Ours:
    """ledfxsite as `make run` runs it (without the demo device): fresh DATA_DIR, migrate,
    one daphne process with the embedded render worker."""

    name = "ledfxsite"

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = None
        self.process = None
        self.pid = None

    def __enter__(self):
        self.data_dir = Path(tempfile.mkdtemp(prefix="ledfxsite-bench-render-"))
        env = {key: value for key, value in os.environ.items() if key not in NOT_EMBEDDED}
        env["DATA_DIR"] = str(self.data_dir)
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "python"), "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env, check=True)
        self.log = open(self.data_dir / "daphne.log", "w")
        self.process = subprocess.Popen(
            [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(self.port), "ledfxsite.asgi:application"],
            cwd=PROJECT_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.pid = self.process.pid
        wait_http(self.url + "/api/info")
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


# --- one measurement -----------------------------------------------------------------


def start_rendering(base_url, name, rows, pixel_count, effect):
    """A dummy matrix through the LedFx REST API; returns its virtual's id."""
    config = {"name": name, "pixel_count": pixel_count, "rows": rows, "refresh_rate": REFRESH_RATE}
    created = requests.post(f"{base_url}/api/devices", json={"type": "dummy", "config": config}, timeout=30).json()
    assert created.get("status") == "success", created
    virtual_id = created["device"]["id"]
    virtual = requests.get(f"{base_url}/api/virtuals/{virtual_id}", timeout=30).json()[virtual_id]
    assert virtual["config"]["rows"] == rows and virtual["pixel_count"] == pixel_count, virtual
    answer = requests.post(f"{base_url}/api/virtuals/{virtual_id}/effects", json={"type": effect, "config": {"diag": True}}, timeout=30).json()
    assert answer.get("status") == "success", answer
    return virtual_id


async def diag_window(base_url, pid, virtual_ids, warmup, window):
    """virtual_diag reports of each virtual and the server's CPU over `window` seconds,
    starting `warmup` seconds after every virtual has reported once."""
    ws_url = base_url.replace("http://", "ws://") + "/api/websocket"
    async with websockets.connect(ws_url, max_size=None) as sock:
        await sock.recv()  # client_id
        await sock.send(json.dumps({"id": 1, "type": "subscribe_event", "event_type": "virtual_diag"}))

        async def next_diag(until):
            while (remaining := until - time.monotonic()) > 0:
                try:
                    event = json.loads(await asyncio.wait_for(sock.recv(), remaining))
                except asyncio.TimeoutError:
                    return None
                if event.get("event_type") == "virtual_diag":
                    return event
            return None

        seen, give_up = set(), time.monotonic() + 30
        while seen != set(virtual_ids):
            event = await next_diag(give_up)
            if event is None:
                raise TimeoutError(f"no virtual_diag from {set(virtual_ids) - seen}")
            seen.add(event["virtual_id"])
        warm = time.monotonic() + warmup
        while await next_diag(warm) is not None:
            pass
        reports = {virtual_id: [] for virtual_id in virtual_ids}
        load = os.getloadavg()
        busy_before, cpu_before, wall_before = machine_busy_ticks(), cpu_snapshot(pid), time.monotonic()
        end = wall_before + window
        while (event := await next_diag(end)) is not None:
            reports.setdefault(event["virtual_id"], []).append(event)
        cpu_after, wall_after, busy_after = cpu_snapshot(pid), time.monotonic(), machine_busy_ticks()
    wall = wall_after - wall_before
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    return reports, {
        "wall_s": round(wall, 3),
        **cpu_between(cpu_before, cpu_after, wall),
        "machine_busy_percent_of_all_cores": round(busy * 100, 1),
        "loadavg_1min_before": round(load[0], 2),
    }


def summarize(reports):
    r_avg = [report["r_avg"] * 1000 for report in reports]
    fps = [report["fps"] for report in reports]
    return {
        "reports": len(reports),
        "fps_mean": round(statistics.fmean(fps), 2),
        "fps_min": min(fps),
        "fps_max": max(fps),
        "r_avg_ms_mean": round(statistics.fmean(r_avg), 4),
        "r_avg_ms_min": round(min(r_avg), 4),
        "r_avg_ms_max": round(max(r_avg), 4),
        "r_max_ms_max": round(max(report["r_max"] for report in reports) * 1000, 4),
        "raw": [{key: report[key] for key in ("fps", "r_avg", "r_min", "r_max", "cycle", "sleep")} for report in reports],
    }


def measure(server, rows, warmup, window):
    virtual_id = start_rendering(server.url, f"bench{rows}", rows, rows * rows, EFFECT)
    reports, cpu = asyncio.run(diag_window(server.url, server.pid, [virtual_id], warmup, window))
    result = {"server": server.name, "size": f"{rows}x{rows}", "effect": EFFECT, "refresh_rate": REFRESH_RATE, **summarize(reports[virtual_id]), **cpu}
    print(f"{server.name} {rows}x{rows}: fps {result['fps_mean']}, r_avg {result['r_avg_ms_mean']} ms, "
          f"CPU {result['cpu_percent_of_one_core']} % (machine {result['machine_busy_percent_of_all_cores']} %)", flush=True)
    return result


# --- ours only -----------------------------------------------------------------------


def effect_timings():
    """Every effect's bare render() in this process, one thread, nothing else running."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledfxsite.settings")
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="ledfxsite-bench-settings-"))
    import django

    django.setup()
    from effects import matrix_effects, strip_effects  # noqa: F401 -- register the effects
    from effects.base import EFFECTS

    results = {}
    for effect_id, effect_class in sorted(EFFECTS.items()):
        results[effect_id] = {}
        for rows, columns in TIMING_SIZES:
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
    return results


def four_virtuals(warmup, window):
    """Four 64x64 virtuals, one per effect, in one embedded server."""
    with Ours() as server:
        virtual_ids = [start_rendering(server.url, f"load{number}", 64, 4096, effect) for number, effect in enumerate(LOAD_EFFECTS)]
        reports, cpu = asyncio.run(diag_window(server.url, server.pid, virtual_ids, warmup, window))
    result = {
        "virtuals": {
            virtual_id: {"effect": effect, **{k: v for k, v in summarize(reports[virtual_id]).items() if k != "raw"}}
            for virtual_id, effect in zip(virtual_ids, LOAD_EFFECTS)
        },
        **cpu,
    }
    print(f"ledfxsite, 4 virtuals of 64x64: CPU {result['cpu_percent_of_one_core']} %", flush=True)
    return result


# --- report --------------------------------------------------------------------------


def ratio(ours, theirs):
    return f"x{ours / theirs:.2f}" if theirs else "n/a"


def median_of(rows, key):
    return statistics.median(row[key] for row in rows)


def markdown(results):
    rounds = results["rounds"]
    lines = [
        "# Rendering: ledfxsite against LedFx 2.2.1",
        "",
        f"Measured {results['measured_at']} on {results['host']} ({results['cores']} cores), commit {results['commit']}"
        + (f", {results['label']}" if results.get("label") else "") + ".",
        "",
        f"Each server alone, freshly started, in the loopback-only namespace: a dummy matrix device at refresh_rate "
        f"{REFRESH_RATE} rendering {EFFECT} with diag on, measured over {results['window_s']:g} s after {results['warmup_s']:g} s "
        f"of warm-up; {rounds} round{'s' if rounds > 1 else ''}, the two servers taking turns at going first. "
        "r_avg is each server's own virtual_diag (the mean of its per-second reports); CPU is the server process's "
        "utime + stime (all threads, and any children) over the same wall window, % of one core. "
        + ("Figures are the median of the rounds, with the lowest and highest round in brackets." if rounds > 1 else ""),
        "",
        "| size | r_avg ms, ours | r_avg ms, LedFx | ours/LedFx | CPU %, ours | CPU %, LedFx | ours/LedFx | fps ours / LedFx (as reported) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for size in results["sizes"]:
        ours = [row for row in results["servers"] if row["server"] == "ledfxsite" and row["size"] == size]
        ledfx = [row for row in results["servers"] if row["server"] == "LedFx 2.2.1" and row["size"] == size]
        if not ours or not ledfx:
            continue

        def cell(rows, key, digits):
            text = f"{median_of(rows, key):.{digits}f}"
            if len(rows) > 1:
                text += f" ({min(row[key] for row in rows):.{digits}f}-{max(row[key] for row in rows):.{digits}f})"
            return text

        r_ours, r_ledfx = median_of(ours, "r_avg_ms_mean"), median_of(ledfx, "r_avg_ms_mean")
        cpu_ours, cpu_ledfx = median_of(ours, "cpu_percent_of_one_core"), median_of(ledfx, "cpu_percent_of_one_core")
        lines.append(
            f"| {size} | {cell(ours, 'r_avg_ms_mean', 3)} | {cell(ledfx, 'r_avg_ms_mean', 3)} | {ratio(r_ours, r_ledfx)} "
            f"| {cell(ours, 'cpu_percent_of_one_core', 1)} | {cell(ledfx, 'cpu_percent_of_one_core', 1)} | {ratio(cpu_ours, cpu_ledfx)} "
            f"| {median_of(ours, 'fps_mean'):g} / {median_of(ledfx, 'fps_mean'):g} |"
        )
        fps_ledfx = median_of(ledfx, "fps_mean")
        true_mean = r_ledfx * fps_ledfx / (fps_ledfx + 1)
        notes.append(f"{size}: LedFx's true mean {true_mean:.3f} ms, ours/LedFx {ratio(r_ours, true_mean)}")
    lines += [
        "",
        "LedFx counts one frame too few each second (it reports 61 for 62 frames) and divides the second's total render "
        "time by that count, so its r_avg reads about 1.6 % high; corrected: " + "; ".join(notes) + ". "
        "Ours reports the exact frame count and the true mean.",
        "",
        "What each r_avg covers: LedFx times its effect's render() inside its render thread (not assembling, "
        "clamping or flushing the frame); ours times the effect's render() (which returns the finished uint8 frame) "
        "in the thread that renders it. Both include any wait for the GIL during the render.",
        "",
        "Every measurement (per-second r_avg: lowest-highest report; machine busy: the whole machine over the window, "
        "everything on it, so other work on a shared machine shows here):",
        "",
        "| round | server | size | r_avg ms (per-second range) | CPU % | busiest threads (% of one core) | machine busy % (all cores) | load avg before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["servers"]:
        threads = ", ".join(f"{thread['name']} {thread['cpu_percent']}" for thread in row["busiest_threads"])
        lines.append(f"| {row['round']} | {row['server']} | {row['size']} | {row['r_avg_ms_mean']:.3f} ({row['r_avg_ms_min']:.3f}-{row['r_avg_ms_max']:.3f}) "
                     f"| {row['cpu_percent_of_one_core']:.1f} | {threads} | {row['machine_busy_percent_of_all_cores']} | {row['loadavg_1min_before']} |")
    load = results.get("four_virtuals")
    if load:
        lines += [
            "",
            "## Ours only: four 64x64 virtuals in one embedded server (not comparable with LedFx)",
            "",
            f"The server process used {load['cpu_percent_of_one_core']} % of one core.",
            "",
            "| virtual | effect | fps min | fps mean | r_avg ms |",
            "|---|---|---|---|---|",
        ]
        for virtual_id, row in load["virtuals"].items():
            lines.append(f"| {virtual_id} | {row['effect']} | {row['fps_min']} | {row['fps_mean']} | {row['r_avg_ms_mean']} |")
    timings = results.get("effect_timings")
    if timings:
        lines += [
            "",
            "## Ours only: bare render() per effect (not comparable with LedFx)",
            "",
            "Each effect's render() called in a loop in the benchmark process, one thread, no server, no event loop: "
            "mean / p99 ms of 300 frames after 20 warm-up frames. This is the numpy work alone; it is not a "
            "virtual_diag figure and must not be set against LedFx's.",
            "",
            "| effect | " + " | ".join(f"{rows}x{columns}" for rows, columns in TIMING_SIZES) + " |",
            "|---|" + "---|" * len(TIMING_SIZES),
        ]
        for effect_id, sizes in timings.items():
            lines.append(f"| {effect_id} | " + " | ".join(f"{cell['mean_ms']:.3f} / {cell['p99_ms']:.3f}" for cell in sizes.values()) + " |")
    return "\n".join(lines) + "\n"


def git_commit():
    try:
        commit = subprocess.run(["git", "-C", str(PROJECT_DIR), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
            capture_output=True, text=True,
        ).stdout.strip()
        return commit + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="ledfx-baseline.sh (LedFx is measured only with it)")
    parser.add_argument("--sizes", default="32,64", help="matrix sizes N (NxN), comma-separated")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3, help="measure every server and size this many times")
    parser.add_argument("--no-ours-only", action="store_true", help="skip the bare render() timings and the four-virtual run")
    parser.add_argument("--label", default="", help="a note stored with the results (e.g. before/after)")
    parser.add_argument("--out-dir", default=str(PROJECT_DIR / "bench" / "results"))
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(),
        "cores": len(os.sched_getaffinity(0)),
        "commit": git_commit(),
        "label": args.label,
        "sizes": [f"{size}x{size}" for size in sizes],
        "warmup_s": args.warmup,
        "window_s": args.window,
        "rounds": args.rounds,
        "servers": [],
    }
    for number in range(1, args.rounds + 1):
        for size in sizes:
            servers = ([LedFx(args.baseline)] if args.baseline else []) + [Ours()]
            for server in servers if number % 2 else reversed(servers):  # take turns at going first
                with server:
                    results["servers"].append({"round": number, **measure(server, size, args.warmup, args.window)})
    if not args.no_ours_only:
        results["four_virtuals"] = four_virtuals(args.warmup, args.window)
        results["effect_timings"] = effect_timings()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"render-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"render-{stamp}.md").write_text(markdown(results))
    shutil.copy(out / f"render-{stamp}.md", out / "render-latest.md")
    print(markdown(results))


if __name__ == "__main__":
    main()
