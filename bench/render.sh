#!/usr/bin/env bash
# The render benchmark (bench/render.py) inside the loopback-only namespace of
# ../shared/bench/ledfx-baseline.sh, with LedFx 2.2.1 running there for the noise2d reference.
set -euo pipefail
cd "$(dirname "$0")/.."
BASELINE=${BASELINE:-$(cd .. && pwd)/shared/bench/ledfx-baseline.sh}
trap 'bash "$BASELINE" stop >/dev/null 2>&1 || true' EXIT
bash "$BASELINE" install >/dev/null
bash "$BASELINE" start
bash "$BASELINE" exec "$(pwd)/.venv/bin/python" bench/render.py --ledfx http://127.0.0.1:8888 "$@"
