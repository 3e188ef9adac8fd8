"""Merge bench/wsload.py (--rows realtime), bench/previews.py (--rows previews) or
bench/audio.py (--rows audio) results
into one JSON file and a markdown table with ratios against the first result (LedFx)."""

import argparse
import json
import os
import platform
from pathlib import Path

# (label, path into a result, lower is better; None: no ratio)
REALTIME_ROWS = [
    ("rendering: virtual_diag fps min", ("render", "fps_min"), None),
    ("rendering: virtual_diag fps mean", ("render", "fps_mean"), None),
    ("connect -> client_id p50 ms", ("connect", "p50_ms"), True),
    ("connect -> client_id p99 ms", ("connect", "p99_ms"), True),
    ("connect -> first answer p50 ms", ("connect", "first_answer", "p50_ms"), True),
    ("connect -> first answer p99 ms", ("connect", "first_answer", "p99_ms"), True),
    ("server CPU ms per connection (connect, first answer, close)", ("connect", "server_cpu_ms_per_connection"), True),
]
for n in ("10", "100", "1000"):
    REALTIME_ROWS += [
        (f"fan-out to {n}: p50 ms", ("fanout", n, "p50_ms"), True),
        (f"fan-out to {n}: p99 ms", ("fanout", n, "p99_ms"), True),
        (f"fan-out to {n}: max ms", ("fanout", n, "max_ms"), True),
    ]
for n in ("10", "100", "1000"):
    REALTIME_ROWS += [
        (f"sustained, {n} subscribers: delivered/s", ("sustained", n, "delivered_per_s"), False),
        (f"sustained, {n} subscribers: POSTs/s answered", ("sustained", n, "posts_per_s"), False),
        (f"sustained, {n} subscribers: lost", ("sustained", n, "lost"), True),
        (f"sustained, {n} subscribers: duplicated", ("sustained", n, "duplicated"), True),
    ]
REALTIME_ROWS += [("idle RSS per socket KiB (2000 sockets)", ("idle", "kib_per_socket"), True)]
REALTIME_NOTE = (
    "Every server renders a 32x32 noise2d virtual at 62 fps throughout; its fps is from its own\n"
    "virtual_diag events (LedFx 2.2.1 reports frames - 1, so 61 there is 62 rendered; PROTOCOL.md §4.1)."
)

PREVIEW_ROWS = [
    ("previews delivered per s (all watchers)", ("frames", "delivered_per_s"), False),
    ("previews asked per s (watchers x virtuals x 30)", ("frames", "asked_per_s"), None),
    ("previews per s, per watcher and virtual", ("frames", "per_watcher_and_virtual_per_s"), False),
    ("gap between previews p50 ms", ("gap", "p50_ms"), None),
    ("gap between previews p99 ms", ("gap", "p99_ms"), True),
    ("gap between previews max ms", ("gap", "max_ms"), True),
    ("effect change -> preview showing it p50 ms", ("change", "p50_ms"), True),
    ("effect change -> preview showing it p99 ms", ("change", "p99_ms"), True),
    ("server CPU, % of one core", ("cpu", "percent_of_a_core"), True),
    ("server CPU ms per delivered preview", ("cpu", "ms_per_delivered_preview"), True),
    ("server RSS KiB before watchers", ("rss", "before_kib"), True),
    ("server RSS KiB at the end", ("rss", "after_kib"), True),
]
PREVIEW_NOTE = (
    "4 dummy 64x64 matrices render noise2d at 62 fps; 20 watchers read previews of all 4096 pixels\n"
    "of each at 30 fps for 30 s while one more socket subscribes to every preview and never reads\n"
    "(bench/previews.py says how each figure is measured)."
)
AUDIO_ROWS = [
    ("click in the stream -> first lit DDP packet p50 ms", ("latency", "p50_ms"), True),
    ("click in the stream -> first lit DDP packet p95 ms", ("latency", "p95_ms"), True),
    ("click in the stream -> first lit DDP packet max ms", ("latency", "max_ms"), True),
    ("clicks measured", ("latency", "n"), None),
    ("clicks that lit nothing", ("latency", "missed"), True),
    ("server CPU ms per second of audio (less rendering without audio)", ("cpu", "ms_per_audio_second"), True),
    ("server CPU % of a core rendering without audio", ("cpu", "idle_percent"), None),
    ("analysis ms per block (our audio_diag)", ("analysis", "analysis_ms_mean"), None),
    ("blocks dropped on the way to the worker (our audio_diag)", ("analysis", "dropped"), None),
]
AUDIO_NOTE = (
    "A 30-pixel DDP device renders `energy` at 62 fps; a websocket client streams 48 kHz int16 audio in\n"
    "1024-sample audio_stream_data_v2 messages at the pace of the audio: silence with a 10 ms click\n"
    "every 0.5 s, 100 clicks (bench/audio.py says how each figure is measured)."
)
SCALE_ROWS = [
    ("rendering: virtual_diag fps mean", ("render", "fps_mean"), None),
    ("idle websockets held by one process", ("idle", "sockets"), None),
    ("idle RSS per socket KiB", ("idle", "kib_per_socket"), True),
    ("server RSS MiB with them open", ("idle", "rss_after_mib"), True),
    ("fan-out to 1000: p50 ms", ("fanout", "1000", "p50_ms"), True),
    ("fan-out to 1000: p99 ms", ("fanout", "1000", "p99_ms"), True),
    ("fan-out to 1000: max ms", ("fanout", "1000", "max_ms"), True),
]
SCALE_NOTE = (
    "Every deployment renders a 32x32 noise2d virtual at 62 fps throughout (the demo). Idle: 10,000\n"
    "websockets opened to one process, RSS of its process tree before and after. Fan-out: 1000\n"
    "subscribers to client_sync spread evenly over the deployment's daphne processes, one POST per event,\n"
    "latency from the POST to each subscriber's frame (bench/wsload.py). Ours: N daphne processes over\n"
    "Redis with one `runworker effects`."
)
ROWS = {
    "realtime": (REALTIME_ROWS, REALTIME_NOTE),
    "previews": (PREVIEW_ROWS, PREVIEW_NOTE),
    "audio": (AUDIO_ROWS, AUDIO_NOTE),
    "scale": (SCALE_ROWS, SCALE_NOTE),
}


def lookup(result, path):
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def ratio(value, reference, lower_is_better):
    if reference is None:
        return "no reference"
    if reference == 0:
        return "= ✓" if value == 0 else "✗"
    factor = value / reference
    better = factor <= 1 if lower_is_better else factor >= 1
    return f"{factor:.2f}x {'✓' if better else '✗'}"


def markdown(results, rows, note):
    reference = results[0]
    names = [result["name"] for result in results]
    lines = [
        f"Measured {reference['measured_at']} on {platform.node()} ({platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores), one run, every server alone in turn.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, path, lower_is_better in rows:
        cells = []
        for result in results:
            value = lookup(result, path)
            cell = "–" if value is None else f"{value:g}"
            if result is not reference and value is not None and lower_is_better is not None:
                cell += f" ({ratio(value, lookup(reference, path), lower_is_better)})"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "Ratios are against the first column; ✓ = as good as or better than it.", note]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", nargs="+")
    parser.add_argument("--rows", choices=sorted(ROWS), default="realtime")
    parser.add_argument("--json", required=True)
    parser.add_argument("--markdown", required=True)
    args = parser.parse_args()
    results = [json.loads(Path(path).read_text()) for path in args.results]
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    Path(args.markdown).write_text(markdown(results, *ROWS[args.rows]))


if __name__ == "__main__":
    main()
