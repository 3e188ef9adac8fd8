"""Merge bench/wsload.py results into one JSON file and a markdown table with ratios
against the first result (LedFx)."""

import argparse
import json
import os
import platform
from pathlib import Path

# (label, path into a result, lower is better; None: no ratio)
ROWS = [
    ("rendering: virtual_diag fps min", ("render", "fps_min"), None),
    ("rendering: virtual_diag fps mean", ("render", "fps_mean"), None),
    ("connect -> client_id p50 ms", ("connect", "p50_ms"), True),
    ("connect -> client_id p99 ms", ("connect", "p99_ms"), True),
    ("connect -> first answer p50 ms", ("connect", "first_answer", "p50_ms"), True),
    ("connect -> first answer p99 ms", ("connect", "first_answer", "p99_ms"), True),
]
for n in ("10", "100", "1000"):
    ROWS += [
        (f"fan-out to {n}: p50 ms", ("fanout", n, "p50_ms"), True),
        (f"fan-out to {n}: p99 ms", ("fanout", n, "p99_ms"), True),
        (f"fan-out to {n}: max ms", ("fanout", n, "max_ms"), True),
    ]
for n in ("10", "100", "1000"):
    ROWS += [
        (f"sustained, {n} subscribers: delivered/s", ("sustained", n, "delivered_per_s"), False),
        (f"sustained, {n} subscribers: POSTs/s answered", ("sustained", n, "posts_per_s"), False),
        (f"sustained, {n} subscribers: lost", ("sustained", n, "lost"), True),
        (f"sustained, {n} subscribers: duplicated", ("sustained", n, "duplicated"), True),
    ]
ROWS += [("idle RSS per socket KiB (2000 sockets)", ("idle", "kib_per_socket"), True)]


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


def markdown(results):
    reference = results[0]
    names = [result["name"] for result in results]
    lines = [
        f"Measured {reference['measured_at']} on {platform.node()} ({platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores), one run, every server alone in turn.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, path, lower_is_better in ROWS:
        cells = []
        for result in results:
            value = lookup(result, path)
            cell = "–" if value is None else f"{value:g}"
            if result is not reference and value is not None and lower_is_better is not None:
                cell += f" ({ratio(value, lookup(reference, path), lower_is_better)})"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Ratios are against the first column; ✓ = as good as or better than it. Every server renders a",
        "32x32 noise2d virtual at 62 fps throughout; its fps is from its own virtual_diag events",
        "(LedFx 2.2.1 reports frames - 1, so 61 there is 62 rendered; PROTOCOL.md §4.1).",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", nargs="+")
    parser.add_argument("--json", required=True)
    parser.add_argument("--markdown", required=True)
    args = parser.parse_args()
    results = [json.loads(Path(path).read_text()) for path in args.results]
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    Path(args.markdown).write_text(markdown(results))


if __name__ == "__main__":
    main()
