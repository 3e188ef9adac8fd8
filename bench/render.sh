#!/usr/bin/env bash
# The render benchmark (bench/render.py): LedFx 2.2.1 and ledfxsite, each alone in turn,
# inside the loopback-only namespace of ../shared/bench/ledfx-baseline.sh. render.py starts
# and stops both servers itself (LedFx through the baseline script's start/stop).
# On a shared machine, run it under the benchmark lock:
#   flock /tmp/ledfxsite-bench.lock make bench-render
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-$(cd .. && pwd)/shared/bench/ledfx-baseline.sh}
trap 'bash "$BASELINE" stop >/dev/null 2>&1 || true' EXIT
bash "$BASELINE" install >/dev/null
bash "$BASELINE" exec "$(pwd)/.venv/bin/python" bench/render.py --baseline "$BASELINE" "$@"
